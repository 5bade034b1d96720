// Checks on what one template receives: SidecarSets that contradict each other on it, and a
// resulting pod the apiserver would reject (kubernetes pkg/apis/core/validation/validation.go, ValidatePodSpec). Kruise finds these only
// when pods fail to start.
import type { V1Container, V1Volume } from '@kubernetes/client-node';
import type { PatchPodMetadata } from '../sidecarset/types.js';
import type { BuiltContainer } from './containers.js';
import type { Problem } from '../krm/results.js';
import { deepEqual } from '../util/json.js';
import { versionAnnotation } from '../sidecarset/kruise-keys.js';

const MAX_NAME = 63;

/** Two SidecarSets contributing one container name (containers and init containers share one namespace). */
export function containerNameConflicts(built: readonly BuiltContainer[]): Problem[] {
  const owners = new Map<string, string>();
  const problems: Problem[] = [];
  for (const b of built) {
    const owner = owners.get(b.container.name);
    if (owner === undefined) owners.set(b.container.name, b.rule);
    else if (owner !== b.rule) {
      problems.push({
        severity: 'error',
        message:
          `SidecarSets ${owner} and ${b.rule} both inject a container named ${b.container.name}; a pod cannot ` +
          `have two containers of one name`,
        sidecarSets: [owner, b.rule],
      });
    }
  }
  return problems;
}

/** Two SidecarSets contributing different volumes of one name: which one a pod gets would depend on their order. */
export function volumeConflicts(candidates: ReadonlyArray<{ volume: V1Volume; rule: string }>): Problem[] {
  const first = new Map<string, { volume: V1Volume; rule: string }>();
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const c of candidates) {
    const seen = first.get(c.volume.name);
    if (!seen) first.set(c.volume.name, c);
    else if (seen.rule !== c.rule && !deepEqual(seen.volume, c.volume) && !reported.has(`${c.volume.name}/${c.rule}`)) {
      reported.add(`${c.volume.name}/${c.rule}`);
      problems.push({
        severity: 'error',
        message:
          `SidecarSets ${seen.rule} and ${c.rule} inject different volumes named ${c.volume.name}; the pod gets ` +
          `${seen.rule}'s, so ${c.rule}'s sidecars would mount something else than they declare`,
        fieldPath: 'spec.volumes',
        sidecarSets: [seen.rule, c.rule],
      });
    }
  }
  return problems;
}

/**
 * The same annotation patched by two SidecarSets where one overwrites what the other sets (Kruise's validateSidecarConflict rule, per
 * template).
 */
export function metadataConflicts(rules: ReadonlyArray<{ name: string; patchPodMetadata?: PatchPodMetadata[] }>): Problem[] {
  const claims = new Map<string, { rule: string; policy: string; value: string }>();
  const problems: Problem[] = [];
  for (const rule of rules) {
    for (const entry of rule.patchPodMetadata ?? []) {
      const policy = entry.patchPolicy ?? 'Retain';
      if (policy === 'Retain') continue;
      for (const [key, value] of Object.entries(entry.annotations ?? {})) {
        const other = claims.get(key);
        if (!other) {
          claims.set(key, { rule: rule.name, policy, value });
          continue;
        }
        if (other.rule === rule.name || (policy === 'MergePatchJson' && other.policy === 'MergePatchJson') || other.value === value)
          continue;
        problems.push({
          severity: 'error',
          message:
            `SidecarSets ${other.rule} (${other.policy}) and ${rule.name} (${policy}) both patch annotation ` +
            `${key} with different values; the result would depend on their order`,
          fieldPath: `metadata.annotations[${JSON.stringify(key)}]`,
          sidecarSets: [other.rule, rule.name],
        });
      }
    }
  }
  return problems;
}

/** What the apiserver would reject in the merged pod, for the containers the SidecarSets put there. */
export function resultingPodProblems(
  initContainers: readonly V1Container[],
  containers: readonly V1Container[],
  injected: ReadonlyMap<string, string>,
): Problem[] {
  const problems: Problem[] = [];
  const initNames = new Set(initContainers.map((c) => c.name));
  containers.forEach((c, i) => {
    if (initNames.has(c.name)) {
      problems.push({
        severity: 'error',
        message: `the pod would have an init container and a container both named ${c.name}; the apiserver rejects such a pod`,
        fieldPath: `spec.containers[${i}].name`,
        sidecarSets: [injected.get(c.name)].filter((n): n is string => n !== undefined),
      });
    }
  });
  for (const [kind, list] of [
    ['initContainers', initContainers],
    ['containers', containers],
  ] as const) {
    list.forEach((c, i) => {
      const rule = injected.get(c.name);
      if (rule === undefined) return;
      const at = `spec.${kind}[${i}]`;
      const fail = (message: string, field: string) =>
        problems.push({
          severity: 'error',
          message: `${c.name} from SidecarSet ${rule}: ${message}; the apiserver rejects such a pod`,
          fieldPath: `${at}.${field}`,
          sidecarSets: [rule],
        });
      if (c.name.length > MAX_NAME) fail(`the container name is longer than ${MAX_NAME} characters`, 'name');
      if (/-[12]$/.test(c.name) && versionAnnotation(c.name).split('/')[1].length > MAX_NAME) {
        fail(`the annotation ${versionAnnotation(c.name)} has a name part longer than ${MAX_NAME} characters`, 'name');
      }
      const paths = new Set<string>();
      (c.volumeMounts ?? []).forEach((m, j) => {
        if (paths.has(m.mountPath)) fail(`mountPath ${m.mountPath} is used twice`, `volumeMounts[${j}].mountPath`);
        paths.add(m.mountPath);
      });
      (c.volumeDevices ?? []).forEach((d, j) => {
        if (paths.has(d.devicePath)) fail(`devicePath ${d.devicePath} is also a mountPath`, `volumeDevices[${j}].devicePath`);
      });
    });
  }
  return problems;
}
