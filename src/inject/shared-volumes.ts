// Shared volume mounts and devices of a sidecar (pkg/control/sidecarcontrol/util.go, GetInjectedVolumeMountsAndEnvs
// and GetInjectedVolumeDevices; the merge in pkg/webhook/pod/mutating/sidecarset.go, buildSidecars). Lists are new;
// their elements are the pod's and the SidecarSet's own objects, which the pipeline encodes into new
// ones (goOrderContainerChanged), so nothing is copied here.
import type { V1Container, V1EnvVar, V1PodSpec, V1VolumeDevice, V1VolumeMount } from '@kubernetes/client-node';
import type { SidecarContainer } from '../sidecarset/types.js';
import { INJECTED_ENV_NAME } from './env.js';

const ENABLED = 'enabled';

/** `$(NAME)` references in a subPathExpr, as Kruise's SubPathExprEnvReg finds them. */
const SUBPATH_EXPR_REFERENCE = /\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g;

/** Only the first IS_INJECTED env counts, and only its literal value. */
export function isInjectedSidecar(container: V1Container): boolean {
  return container.env?.find((env) => env.name === INJECTED_ENV_NAME)?.value === 'true';
}

export interface MissingSubPathEnv {
  container: string;
  mountPath: string;
  env: string;
}

/**
 * Step c: every mount of every app container (pod containers not marked IS_INJECTED=true; never
 * init containers), plus the envs their subPathExpr references. Empty unless
 * shareVolumePolicy.type is `enabled`. `missingEnvs` lists references the app container does not
 * define itself (e.g. they come from envFrom): Kruise skips those silently.
 */
export function sharedMountsAndEnvs(
  podContainers: V1Container[],
  sidecar: SidecarContainer,
): { mounts: V1VolumeMount[]; subPathEnvs: V1EnvVar[]; missingEnvs: MissingSubPathEnv[] } {
  const mounts: V1VolumeMount[] = [];
  const subPathEnvs: V1EnvVar[] = [];
  const missingEnvs: MissingSubPathEnv[] = [];
  if (sidecar.shareVolumePolicy?.type !== ENABLED) return { mounts, subPathEnvs, missingEnvs };

  for (const app of podContainers) {
    if (isInjectedSidecar(app)) continue;
    for (const mount of app.volumeMounts ?? []) {
      mounts.push(mount);
      for (const [, envName] of (mount.subPathExpr ?? '').matchAll(SUBPATH_EXPR_REFERENCE)) {
        const env = app.env?.find((candidate) => candidate.name === envName);
        if (env) subPathEnvs.push(env);
        else missingEnvs.push({ container: app.name, mountPath: mount.mountPath, env: envName });
      }
    }
  }
  return { mounts, subPathEnvs, missingEnvs };
}

/**
 * Step f: the sidecar's own mounts (kept as they are, duplicates included), then each shared
 * mount whose mountPath is not yet taken by an own mount, an own device path or an earlier
 * shared mount. An empty result means no volumeMounts field.
 */
export function mergeSidecarMounts(
  own: V1VolumeMount[] | undefined,
  ownDevices: V1VolumeDevice[] | undefined,
  shared: V1VolumeMount[],
): { mounts: V1VolumeMount[]; skipped: V1VolumeMount[] } {
  const mounts = [...(own ?? [])];
  const taken = new Set<string>([...mounts.map((mount) => mount.mountPath), ...(ownDevices ?? []).map((device) => device.devicePath)]);
  const skipped: V1VolumeMount[] = [];
  for (const mount of shared) {
    if (taken.has(mount.mountPath)) {
      skipped.push(mount);
      continue;
    }
    taken.add(mount.mountPath);
    mounts.push(mount);
  }
  return { mounts, skipped };
}

/**
 * Step h: the sidecar's own devices, then (only with shareVolumeDevicePolicy.type `enabled`) each
 * app-container device whose devicePath is not yet used by an own device, by a mount of
 * `mountsAfterStepF` or by an earlier shared device. `undefined` when there is no device at all.
 */
export function mergeSidecarDevices(
  podContainers: V1Container[],
  sidecar: SidecarContainer,
  mountsAfterStepF: V1VolumeMount[],
): { devices: V1VolumeDevice[] | undefined; skipped: V1VolumeDevice[] } {
  const devices = [...(sidecar.volumeDevices ?? [])];
  const skipped: V1VolumeDevice[] = [];
  if (sidecar.shareVolumeDevicePolicy?.type === ENABLED) {
    const taken = new Set<string>([...devices.map((device) => device.devicePath), ...mountsAfterStepF.map((mount) => mount.mountPath)]);
    for (const app of podContainers) {
      if (isInjectedSidecar(app)) continue;
      for (const device of app.volumeDevices ?? []) {
        if (taken.has(device.devicePath)) {
          skipped.push(device);
          continue;
        }
        taken.add(device.devicePath);
        devices.push(device);
      }
    }
  }
  return { devices: devices.length > 0 ? devices : undefined, skipped };
}

/**
 * Volumes that earlier injections brought with them, as far as they can be told apart: those that
 * only injected sidecars mount. (A volume of the template's own that only a sidecar mounts looks
 * the same; it stays as long as something mounts it.)
 */
export function volumesOnlySidecarsMount(spec: V1PodSpec): Set<string> {
  const bySidecars = new Set<string>();
  const byOthers = new Set<string>();
  for (const c of containersOf(spec)) {
    const into = isInjectedSidecar(c) ? bySidecars : byOthers;
    for (const m of c.volumeMounts ?? []) into.add(m.name);
    for (const d of c.volumeDevices ?? []) into.add(d.name);
  }
  for (const name of byOthers) bySidecars.delete(name);
  return bySidecars;
}

/** Every container of the pod: containers, init containers and ephemeral containers. */
export function containersOf(spec: V1PodSpec): V1Container[] {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...((spec.ephemeralContainers ?? []) as V1Container[])];
}
