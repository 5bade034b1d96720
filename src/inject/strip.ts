// Leftovers of an earlier run of this function (§6.5 item 3). Kruise never removes what it once
// injected; a render that runs over its own output must, or a SidecarSet that was removed or
// changed since would leave its sidecars behind. Only what this function wrote is touched: its
// hash entries carry the timestamp it writes (1970-01-01T00:00:00Z or the configured one), which
// a cluster never does.
import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import type { HashMap } from './bookkeeping.js';
import { versionAnnotation, versionAltAnnotation } from './bookkeeping.js';
import { isInjectedSidecar } from './shared-volumes.js';
import { HOT_UPGRADE_SUFFIXES } from './hot-upgrade.js';

export interface Bookkeeping {
  hashes: HashMap;
  hashesWithoutImage: HashMap;
  injectedList: Set<string>;
  hotWorking: Map<string, string>;
}

export interface StripOutcome {
  /** Whether the template carries an injection of this function at all. */
  earlierRun: boolean;
  containers: string[];
  sidecarSets: string[];
}

/**
 * @param current the SidecarSets matching the template now, with the container names they inject
 * @param written whether a hash entry's timestamp is one this function writes
 * Mutates `spec`, `annotations` and `books`.
 */
export function stripStaleInjection(
  spec: V1PodSpec,
  annotations: Record<string, string>,
  books: Bookkeeping,
  current: ReadonlyMap<string, ReadonlySet<string>>,
  written: (timestamp: string | null) => boolean,
): StripOutcome {
  const ours = [...books.hashes.values()].filter((e) => written(e.updateTimestamp));
  const outcome: StripOutcome = { earlierRun: ours.length > 0, containers: [], sidecarSets: [] };
  if (ours.length === 0) return outcome;
  const injectedNow = new Set([...current.values()].flatMap((names) => [...names].flatMap(withTwins)));

  const stale = new Set<string>();
  for (const entry of ours) {
    for (const name of entry.sidecarList ?? []) for (const n of withTwins(name)) if (!injectedNow.has(n)) stale.add(n);
    if (!current.has(entry.sidecarSetName)) {
      for (const map of [books.hashes, books.hashesWithoutImage]) map.delete(entry.sidecarSetName);
      books.injectedList.delete(entry.sidecarSetName);
      outcome.sidecarSets.push(entry.sidecarSetName);
    }
  }
  // Classic init containers are in no sidecarList; they are ours when every entry is.
  const onlyOurs = ours.length === books.hashes.size + outcome.sidecarSets.length;
  const removable = (c: V1Container, init: boolean) =>
    isInjectedSidecar(c) && !injectedNow.has(c.name) && (stale.has(c.name) || (init && onlyOurs));

  const removed: V1Container[] = [];
  const keep = (list: V1Container[] | undefined, init: boolean) =>
    list?.filter((c) => {
      if (!removable(c, init)) return true;
      removed.push(c);
      return false;
    });
  spec.containers = keep(spec.containers, false) ?? spec.containers;
  const init = keep(spec.initContainers, true);
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

function containersOf(spec: V1PodSpec): V1Container[] {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...((spec.ephemeralContainers ?? []) as V1Container[])];
}

function withTwins(name: string): string[] {
  return [name, ...HOT_UPGRADE_SUFFIXES.map((s) => name + s)];
}
