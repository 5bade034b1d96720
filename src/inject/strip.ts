// Leftovers of an earlier run of this step. Kruise never removes what it once injected; a render
// that runs over its own output must, or a SidecarSet that was removed from the step or changed
// since would leave its sidecars behind. Only what the step's record names is touched
// (inject/ownership.ts): other steps' sidecars, and what a cluster injected, stay.
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import type { HashMap } from './bookkeeping.js';
import type { StepRecord } from './ownership.js';
import { versionAnnotation, versionAltAnnotation } from '../sidecarset/kruise-keys.js';
import { containersOf, isInjectedSidecar } from './shared-volumes.js';

export interface Bookkeeping {
  hashes: HashMap;
  hashesWithoutImage: HashMap;
  injectedList: Set<string>;
  hotWorking: Map<string, string>;
}

export interface StripOutcome {
  containers: string[];
  sidecarSets: string[];
}

/**
 * @param mine what this step injected in an earlier run
 * @param current the SidecarSets this step applies to the template now
 * @param injectedNow the container names (hot-upgrade twins included) they inject
 * Mutates `spec`, `annotations` and `books`.
 */
export function stripStaleInjection(
  spec: V1PodSpec,
  annotations: Record<string, string>,
  books: Bookkeeping,
  mine: StepRecord,
  current: ReadonlySet<string>,
  injectedNow: ReadonlySet<string>,
): StripOutcome {
  const outcome: StripOutcome = { containers: [], sidecarSets: [] };
  for (const name of mine.sidecarSets) {
    if (current.has(name)) continue;
    for (const map of [books.hashes, books.hashesWithoutImage]) map.delete(name);
    books.injectedList.delete(name);
    outcome.sidecarSets.push(name);
  }
  const stale = new Set(mine.containers.filter((name) => !injectedNow.has(name)));
  if (stale.size === 0) return outcome;

  const removed: V1Container[] = [];
  const keep = (list: V1Container[] | undefined) =>
    list?.filter((c) => {
      if (!(stale.has(c.name) && isInjectedSidecar(c))) return true;
      removed.push(c);
      return false;
    });
  spec.containers = keep(spec.containers) ?? spec.containers;
  const init = keep(spec.initContainers);
  if (init !== undefined) {
    if (init.length > 0) spec.initContainers = init;
    else delete spec.initContainers;
  }
  if (removed.length === 0) return outcome;
  outcome.containers = removed.map((c) => c.name);

  for (const c of removed) {
    delete annotations[versionAnnotation(c.name)];
    delete annotations[versionAltAnnotation(c.name)];
  }
  for (const [sidecar, working] of books.hotWorking) if (outcome.containers.includes(working)) books.hotWorking.delete(sidecar);

  return outcome;
}

/** Removes the given volumes that no container mounts any more; returns their names. */
export function sweepUnmounted(spec: V1PodSpec, candidates: ReadonlySet<string>): string[] {
  if (candidates.size === 0 || !spec.volumes) return [];
  const mounted = new Set<string>();
  for (const c of containersOf(spec)) {
    for (const m of c.volumeMounts ?? []) mounted.add(m.name);
    for (const d of c.volumeDevices ?? []) mounted.add(d.name);
  }
  const swept: string[] = [];
  const kept = spec.volumes.filter((v) => {
    if (!candidates.has(v.name) || mounted.has(v.name)) return true;
    swept.push(v.name);
    return false;
  });
  if (swept.length === 0) return swept;
  if (kept.length > 0) spec.volumes = kept;
  else delete spec.volumes;
  return swept;
}
