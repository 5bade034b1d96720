// ServiceAccount injection from SidecarSets: an inject-sidecarsets extension implementing the seed
// KEP (spec/seed-kep-sidecarset-serviceaccount.md), which Kruise itself never shipped. Runs on a pod
// template after the sidecar containers were injected. Pure: a spec and the matched rules in, a new
// spec and problems out.
import type { V1Container, V1PodSpec, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { TokenScope } from '../config/options.js';
import { deepEqual } from '../util/json.js';
import { isInjectedSidecar } from './shared-volumes.js';

export { TOKEN_SCOPE_ANNOTATION, tokenScopeOf } from '../sidecarset/token-scope.js';
import { TOKEN_SCOPE_ANNOTATION } from '../sidecarset/token-scope.js';

/** Where Kubernetes (and every client library) looks for the pod's ServiceAccount token. */
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The volume carrying the sidecars' token under the `Sidecars` token scope (a DNS-1123 label). */
export const SIDECAR_TOKEN_VOLUME_NAME = 'kube-api-access-sidecars';

export interface ServiceAccountRule {
  /** The SidecarSet's name. */
  name: string;
  serviceAccountName?: string;
  errorOnConflict: boolean;
  tokenScope: TokenScope;
  /** Containers and init containers this SidecarSet injected into the pod (after hot-upgrade renaming). */
  containerNames: string[];
}

export interface ServiceAccountProblem {
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** Relative to the template, e.g. `spec.serviceAccountName`. */
  fieldPath?: string;
  sidecarSets: string[];
}

export interface ServiceAccountContext {
  namespace: string;
  serviceAccountExists: (namespace: string, name: string) => boolean;
  /** `namespace/name` of ServiceAccounts that exist although they are not among the items. */
  managedElsewhere: ReadonlySet<string>;
  missingSeverity: 'warning' | 'error';
}

/**
 * The kube-api-access volume the Kubernetes ServiceAccount admission plugin would add
 * (plugin/pkg/admission/serviceaccount, TokenVolumeSource), in its apiserver-defaulted form so that
 * a template read back from a cluster compares equal.
 */
export function sidecarTokenVolume(): V1Volume {
  return {
    name: SIDECAR_TOKEN_VOLUME_NAME,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

interface Choice {
  serviceAccountName: string;
  /** Every rule naming the chosen ServiceAccount. */
  rules: ServiceAccountRule[];
}

export function applyServiceAccount(
  spec: V1PodSpec,
  rules: ServiceAccountRule[],
  ctx: ServiceAccountContext,
): { spec: V1PodSpec; problems: ServiceAccountProblem[] } {
  const problems: ServiceAccountProblem[] = [];
  const naming = rules.filter((rule) => typeof rule.serviceAccountName === 'string' && rule.serviceAccountName !== '');
  if (naming.length === 0) return { spec, problems };
  // Below, containers get new volumeMounts lists and the spec new fields, never edited ones.
  const out: V1PodSpec = { ...spec };
  if (Array.isArray(spec.containers)) out.containers = spec.containers.map(shallowCopy);
  if (Array.isArray(spec.initContainers)) out.initContainers = spec.initContainers.map(shallowCopy);

  const choice = chooseAmongSidecarSets(naming, problems);
  if (!choice) return { spec: out, problems };
  const target = choice.serviceAccountName;
  const ruleNames = choice.rules.map((rule) => rule.name);

  const current = currentServiceAccount(out);
  if (current !== undefined && current !== target) {
    const strict = choice.rules.filter((rule) => rule.errorOnConflict).map((rule) => rule.name);
    const fieldPath = out.serviceAccountName ? 'spec.serviceAccountName' : 'spec.serviceAccount';
    problems.push({
      severity: strict.length > 0 ? 'error' : 'warning',
      message:
        `the pod template already runs as ServiceAccount ${current}, but ${describeSets(ruleNames)} ` +
        `${ruleNames.length > 1 ? 'name' : 'names'} ServiceAccount ${target}: ` +
        `the template keeps ${current} and the sidecars run as ${current} too` +
        (strict.length > 0
          ? ` (an error because ${describeSets(strict)} ${strict.length > 1 ? 'set' : 'sets'} errorWhenServiceAccountInjectionConflict)`
          : '') +
        `. Remove ${fieldPath} from the workload (or set it to ${target}), or exclude the workload from the SidecarSet's selector`,
      fieldPath,
      sidecarSets: ruleNames,
    });
    return { spec: out, problems };
  }

  if (!ctx.serviceAccountExists(ctx.namespace, target) && !ctx.managedElsewhere.has(`${ctx.namespace}/${target}`)) {
    problems.push({
      severity: ctx.missingSeverity,
      message:
        `ServiceAccount ${target} (from ${describeSets(ruleNames)}) is not among the items in namespace ${ctx.namespace}: ` +
        `pods of this template cannot be created until it exists. Add the ServiceAccount to the package, ` +
        `or list "${ctx.namespace}/${target}" in serviceAccountsManagedElsewhere if it is created elsewhere`,
      fieldPath: 'spec.serviceAccountName',
      sidecarSets: ruleNames,
    });
  }

  const sidecarNames = new Set(rules.flatMap((rule) => rule.containerNames));
  const isSidecar = (container: V1Container): boolean => sidecarNames.has(container.name) || isInjectedSidecar(container);
  if (current === undefined) {
    setServiceAccount(out, target);
    removePreviousToken(out, isSidecar, target, ruleNames, problems);
  }

  const scoped = choice.rules.filter((rule) => rule.tokenScope === 'Sidecars');
  if (scoped.length > 0) {
    if (scoped.length < choice.rules.length) {
      problems.push({
        severity: 'info',
        message:
          `${describeSets(scoped.map((rule) => rule.name))} ${scoped.length > 1 ? 'ask' : 'asks'} for token scope ` +
          `Sidecars (${TOKEN_SCOPE_ANNOTATION}) and the others naming ServiceAccount ${target} do not: ` +
          `the narrower scope applies, so only the containers of ${describeSets(ruleNames)} get a token of ${target}`,
        fieldPath: 'spec.automountServiceAccountToken',
        sidecarSets: ruleNames,
      });
    }
    const tokenHolders = new Set(choice.rules.flatMap((rule) => rule.containerNames));
    scopeTokenToSidecars(out, tokenHolders, isSidecar, ruleNames, problems);
  }
  return { spec: out, problems };
}

function chooseAmongSidecarSets(naming: ServiceAccountRule[], problems: ServiceAccountProblem[]): Choice | undefined {
  const distinct = [...new Set(naming.map((rule) => rule.serviceAccountName as string))];
  if (distinct.length === 1) return { serviceAccountName: distinct[0] as string, rules: naming };

  const sorted = [...naming].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const involved = sorted.map((rule) => rule.name);
  const listing = sorted.map((rule) => `${rule.name} names ${rule.serviceAccountName}`).join(', ');
  const strict = sorted.filter((rule) => rule.errorOnConflict).map((rule) => rule.name);
  if (strict.length > 0) {
    problems.push({
      severity: 'error',
      message:
        `SidecarSets matching this pod template name different ServiceAccounts (${listing}) and ${describeSets(strict)} ` +
        `${strict.length > 1 ? 'set' : 'sets'} errorWhenServiceAccountInjectionConflict, ` +
        `so no ServiceAccount is injected. Make the SidecarSets name the same ServiceAccount, or narrow their selectors ` +
        `so that only one of them matches`,
      fieldPath: 'spec.serviceAccountName',
      sidecarSets: involved,
    });
    return undefined;
  }
  const winner = sorted[0] as ServiceAccountRule;
  const serviceAccountName = winner.serviceAccountName as string;
  problems.push({
    severity: 'warning',
    message:
      `SidecarSets matching this pod template name different ServiceAccounts (${listing}): ${winner.name} sorts first by ` +
      `name, so ServiceAccount ${serviceAccountName} is used and the others are ignored. ` +
      `Make the SidecarSets name the same ServiceAccount or narrow their selectors; set ` +
      `errorWhenServiceAccountInjectionConflict to make this an error`,
    fieldPath: 'spec.serviceAccountName',
    sidecarSets: involved,
  });
  return { serviceAccountName, rules: naming.filter((rule) => rule.serviceAccountName === serviceAccountName) };
}

/** The ServiceAccount the pod asks for, or undefined when it would run as `default`. */
function currentServiceAccount(spec: V1PodSpec): string | undefined {
  // The apiserver reads the deprecated field only when serviceAccountName is empty.
  const name: unknown = spec.serviceAccountName || spec.serviceAccount;
  return typeof name === 'string' && name !== '' && name !== 'default' ? name : undefined;
}

function setServiceAccount(spec: V1PodSpec, name: string): void {
  spec.serviceAccountName = name;
  // Decision: the deprecated `serviceAccount` is rewritten to the same value when the template
  // carries it, and never added. Dropping it would also work (the apiserver fills it on read), but
  // a stale value left behind would contradict serviceAccountName for anyone reading the manifest,
  // and rewriting in place keeps the diff to the field the author wrote.
  if (spec.serviceAccount !== undefined) spec.serviceAccount = name;
}

function containersOf(spec: V1PodSpec): V1Container[] {
  const init = Array.isArray(spec.initContainers) ? spec.initContainers : [];
  const regular = Array.isArray(spec.containers) ? spec.containers : [];
  return [...init, ...regular].filter((c): c is V1Container => typeof c === 'object' && c !== null);
}

function mountsOf(container: V1Container): V1VolumeMount[] {
  const mounts = Array.isArray(container.volumeMounts) ? container.volumeMounts : [];
  return mounts.filter((m): m is V1VolumeMount => typeof m === 'object' && m !== null);
}

function volumesOf(spec: V1PodSpec): V1Volume[] {
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  return volumes.filter((v): v is V1Volume => typeof v === 'object' && v !== null);
}

function isTokenMountPath(path: unknown): boolean {
  return typeof path === 'string' && path.replace(/\/+$/, '') === TOKEN_MOUNT_PATH;
}

function hasProjectedToken(volume: V1Volume | undefined): boolean {
  const sources = volume?.projected?.sources;
  return (
    Array.isArray(sources) && sources.some((source) => typeof source === 'object' && source !== null && source.serviceAccountToken != null)
  );
}

/** Names of the volumes through which the given containers hold a ServiceAccount token. */
function tokenVolumesMountedBy(containers: V1Container[], volumes: V1Volume[]): Set<string> {
  const byName = new Map(volumes.map((volume) => [volume.name, volume]));
  const names = new Set<string>();
  for (const container of containers) {
    for (const mount of mountsOf(container)) {
      if (isTokenMountPath(mount.mountPath) || hasProjectedToken(byName.get(mount.name))) names.add(mount.name);
    }
  }
  return names;
}

/** The audiences of the projected ServiceAccount tokens a volume asks for explicitly. */
function explicitAudiences(volume: V1Volume | undefined): string[] {
  const sources = Array.isArray(volume?.projected?.sources) ? volume.projected.sources : [];
  return sources.flatMap((source) => {
    const audience: unknown = typeof source === 'object' && source !== null ? source.serviceAccountToken?.audience : undefined;
    return typeof audience === 'string' && audience !== '' ? [audience] : [];
  });
}

/**
 * Drops the token the app containers carry explicitly (a template exported from a live pod, or a
 * hand-written token volume): the kubelet would fill it with a token of the new ServiceAccount, and
 * while the default path is taken Kubernetes mounts nothing there itself. A projected token with an
 * explicit audience was written for some other service on purpose, so it stays. Both are warnings:
 * kustomize, Argo CD and the command-line mode show no info results, and either outcome changes
 * what the app container holds.
 */
function removePreviousToken(
  spec: V1PodSpec,
  isSidecar: (container: V1Container) => boolean,
  target: string,
  ruleNames: string[],
  problems: ServiceAccountProblem[],
): void {
  const containers = containersOf(spec);
  const apps = containers.filter((container) => !isSidecar(container));
  const volumes = new Map(volumesOf(spec).map((volume) => [volume.name, volume]));
  const removed = new Set<string>();
  const kept: string[] = [];
  for (const name of tokenVolumesMountedBy(apps, volumesOf(spec))) {
    const audiences = explicitAudiences(volumes.get(name));
    if (audiences.length > 0) kept.push(`${name} (audience ${audiences.join(', ')})`);
    else removed.add(name);
  }
  if (kept.length > 0) {
    problems.push({
      severity: 'warning',
      message:
        `ServiceAccount changed from default to ${target}: kept the projected token volume(s) ${kept.join(', ')}, which ` +
        `now carry tokens of ${target} for that audience. ` +
        `If the app needs a token of another ServiceAccount, give the workload a non-default spec.serviceAccountName: ` +
        `the SidecarSet then leaves it alone (and reports a conflict)`,
      fieldPath: 'spec.volumes',
      sidecarSets: ruleNames,
    });
  }
  if (removed.size === 0) return;

  const touched: string[] = [];
  // Sidecars lose these mounts too: shareVolumePolicy copied them from the app containers, and a
  // mount of a removed volume would make the pod invalid.
  for (const container of containers) {
    const keptMounts = mountsOf(container).filter((mount) => !removed.has(mount.name));
    if (keptMounts.length === mountsOf(container).length) continue;
    touched.push(container.name);
    if (keptMounts.length > 0) container.volumeMounts = keptMounts;
    else delete container.volumeMounts;
  }
  const keptVolumes = volumesOf(spec).filter((volume) => !removed.has(volume.name));
  if (keptVolumes.length > 0) spec.volumes = keptVolumes;
  else delete spec.volumes;

  problems.push({
    severity: 'warning',
    message:
      `ServiceAccount changed from default to ${target}: removed the token volume(s) ${[...removed].join(', ')} and ` +
      `their mounts in container(s) ${touched.join(', ')}, ` +
      `because they would now carry tokens of ${target}. If the app containers need a token of their own, give the ` +
      `workload a non-default spec.serviceAccountName: the SidecarSet then leaves it alone (and reports a conflict)`,
    fieldPath: 'spec.volumes',
    sidecarSets: ruleNames,
  });
}

/** Token scope `Sidecars`: no automatic token anywhere, an explicit one for the SidecarSets' containers only. */
function scopeTokenToSidecars(
  spec: V1PodSpec,
  tokenHolders: ReadonlySet<string>,
  isSidecar: (container: V1Container) => boolean,
  ruleNames: string[],
  problems: ServiceAccountProblem[],
): void {
  const wanted = sidecarTokenVolume();
  const existing = volumesOf(spec).find((volume) => volume.name === SIDECAR_TOKEN_VOLUME_NAME);
  if (existing && !deepEqual(existing, wanted)) {
    problems.push({
      severity: 'error',
      message:
        `token scope Sidecars needs the volume name ${SIDECAR_TOKEN_VOLUME_NAME}, but the template already has a ` +
        `different volume of that name, so the token scope was not applied. ` +
        `Rename that volume, or remove it if an earlier tool generated it`,
      fieldPath: 'spec.volumes',
      sidecarSets: ruleNames,
    });
    return;
  }
  spec.automountServiceAccountToken = false;
  if (!existing) spec.volumes = [...volumesOf(spec), wanted];

  const containers = containersOf(spec);
  for (const container of containers) {
    if (!tokenHolders.has(container.name)) continue;
    const mounts = mountsOf(container);
    const atTokenPath = mounts.find((mount) => isTokenMountPath(mount.mountPath));
    if (atTokenPath?.name === SIDECAR_TOKEN_VOLUME_NAME) continue;
    if (atTokenPath) {
      // Like the Kubernetes plugin, an existing mount at the token path is left alone.
      problems.push({
        severity: 'info',
        message:
          `container ${container.name} already mounts volume ${atTokenPath.name} at ${TOKEN_MOUNT_PATH}, so it does not ` +
          `get the sidecar token volume ${SIDECAR_TOKEN_VOLUME_NAME}; ` +
          `remove that mount from the SidecarSet if the container should use the token of the injected ServiceAccount`,
        fieldPath: 'spec.volumes',
        sidecarSets: ruleNames,
      });
      continue;
    }
    container.volumeMounts = [...mounts, { name: SIDECAR_TOKEN_VOLUME_NAME, mountPath: TOKEN_MOUNT_PATH, readOnly: true }];
  }

  const holding = containers.filter((container) => !isSidecar(container) && tokenVolumesMountedBy([container], volumesOf(spec)).size > 0);
  if (holding.length > 0) {
    problems.push({
      severity: 'warning',
      message:
        `token scope Sidecars: app container(s) ${holding.map((c) => c.name).join(', ')} still mount a ServiceAccount ` +
        `token explicitly, and the template already named the ServiceAccount, so nothing was removed. ` +
        `Remove those token volume mounts from the workload if only the sidecars should hold a token`,
      fieldPath: 'spec.volumes',
      sidecarSets: ruleNames,
    });
  }
}

function shallowCopy<T>(value: T): T {
  return typeof value === 'object' && value !== null ? { ...value } : value;
}

function describeSets(names: string[]): string {
  return names.length === 1 ? `SidecarSet ${names[0]}` : `SidecarSets ${names.join(', ')}`;
}
