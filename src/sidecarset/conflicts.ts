// Conflicts between SidecarSets that may select the same pods (pkg/webhook/sidecarset/validating/sidecarset_create_update_handler.go,
// validateSidecarConflict; pkg/webhook/sidecarset/validating/utils.go, isSidecarSetNamespaceOverlapping). Kruise checks only the
// SidecarSet being written, so which one of a conflicting pair exists depends on creation order;
// offline every pair is checked and both names are reported.
import { selectorsOverlap } from '../k8s/selector-overlap.js';
import { deepEqual } from '../util/json.js';
import { childPointer } from '../k8s/validation.js';
import type { SidecarContainer, SidecarSet } from './types.js';
import { canaryBaseOf } from './validate.js';

export interface SidecarSetConflict {
  /** The SidecarSet `pointer` points into (the first of the pair in name order). */
  a: string;
  b: string;
  pointer: string;
  message: string;
}

/** Every conflict between pairs of valid, converted and defaulted SidecarSets, pairs in name order. */
export function findConflicts(sets: SidecarSet[]): SidecarSetConflict[] {
  const sorted = [...sets].sort((x, y) => compareNames(x.metadata.name, y.metadata.name));
  // Only SidecarSets sharing a name can conflict; comparing selectors of every pair is what costs.
  const holders = new Map<string, number[]>();
  sorted.forEach((set, index) => {
    for (const name of conflictableNames(set)) {
      const list = holders.get(name);
      if (list) list.push(index);
      else holders.set(name, [index]);
    }
  });
  const conflicts: SidecarSetConflict[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const partners = new Set<number>();
    for (const name of conflictableNames(sorted[i])) for (const j of holders.get(name) ?? []) if (j > i) partners.add(j);
    for (const j of [...partners].sort((x, y) => x - y)) {
      const [a, b] = [sorted[i], sorted[j]];
      if (a.metadata.name === b.metadata.name || isCanaryPair(a, b) || !maySharePods(a, b)) continue;
      conflicts.push(...conflictsBetween(a, b));
    }
  }
  return conflicts;
}

/** What conflictsBetween compares: container, init container and volume names and patched annotation keys. */
function conflictableNames(set: SidecarSet): Set<string> {
  const names = new Set<string>();
  for (const c of set.spec.initContainers ?? []) names.add(`initContainer ${c.name}`);
  for (const c of set.spec.containers ?? []) names.add(`container ${c.name}`);
  for (const v of set.spec.volumes ?? []) names.add(`volume ${v.name}`);
  for (const key of patchPoliciesByKey(set).keys()) names.add(`annotation ${key}`);
  return names;
}

function compareNames(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

// A canary replaces its base on the pods both select, so sharing names with it is the point.
function isCanaryPair(a: SidecarSet, b: SidecarSet): boolean {
  return canaryBaseOf(a) === b.metadata.name || canaryBaseOf(b) === a.metadata.name;
}

function maySharePods(a: SidecarSet, b: SidecarSet): boolean {
  const [nsA, nsB] = [a.spec.namespaceSelector, b.spec.namespaceSelector];
  if (nsA && nsB && !selectorsOverlap(nsA, nsB)) return false;
  return selectorsOverlap(a.spec.selector ?? {}, b.spec.selector ?? {});
}

function conflictsBetween(a: SidecarSet, b: SidecarSet): SidecarSetConflict[] {
  const [nameA, nameB] = [a.metadata.name, b.metadata.name];
  const conflict = (pointer: string, message: string): SidecarSetConflict => ({ a: nameA, b: nameB, pointer, message });
  const both = `both SidecarSets ${JSON.stringify(nameA)} and ${JSON.stringify(nameB)}, which may select the same pods`;
  const found: SidecarSetConflict[] = [];

  const sameNamedContainers = (field: 'initContainers' | 'containers', label: string) => {
    const namesInB = new Set((b.spec[field] ?? []).map((c: SidecarContainer) => c.name));
    (a.spec[field] ?? []).forEach((c, i) => {
      if (namesInB.has(c.name)) {
        found.push(conflict(childPointer('/spec', field, i, 'name'), `${label} ${JSON.stringify(c.name)} is defined by ${both}`));
      }
    });
  };
  sameNamedContainers('initContainers', 'init container');
  sameNamedContainers('containers', 'container');

  const volumesOfB = new Map((b.spec.volumes ?? []).map((v) => [v.name, v]));
  (a.spec.volumes ?? []).forEach((volume, i) => {
    const other = volumesOfB.get(volume.name);
    if (other && !deepEqual(volume, other)) {
      found.push(conflict(childPointer('/spec', 'volumes', i), `volume ${JSON.stringify(volume.name)} is defined differently by ${both}`));
    }
  });

  const policiesOfB = patchPoliciesByKey(b);
  (a.spec.patchPodMetadata ?? []).forEach((patch, i) => {
    if (isRetain(patch.patchPolicy)) return;
    for (const key of Object.keys(patch.annotations ?? {}).sort()) {
      const otherPolicy = policiesOfB.get(key);
      if (otherPolicy === undefined) continue;
      if (patch.patchPolicy === 'Overwrite' || otherPolicy === 'Overwrite') {
        found.push(
          conflict(
            childPointer('/spec', 'patchPodMetadata', i, 'annotations', key),
            `pod annotation ${JSON.stringify(key)} is patched with ${patch.patchPolicy} by ${JSON.stringify(nameA)} and ` +
              `${otherPolicy} by ${JSON.stringify(nameB)}, which may select the same pods (Overwrite cannot be combined)`,
          ),
        );
      }
    }
  });
  return found;
}

function isRetain(policy: string | undefined): boolean {
  return policy === 'Retain' || policy === undefined || policy === '';
}

// Only Overwrite and MergePatchJson entries take part, as in Kruise; the last entry for a key wins.
function patchPoliciesByKey(s: SidecarSet): Map<string, string> {
  const policies = new Map<string, string>();
  for (const patch of s.spec.patchPodMetadata ?? []) {
    if (isRetain(patch.patchPolicy)) continue;
    for (const key of Object.keys(patch.annotations ?? {})) policies.set(key, patch.patchPolicy!);
  }
  return policies;
}
