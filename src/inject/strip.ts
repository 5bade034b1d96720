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
  containers: string[];
  volumes: string[];
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
  const outcome: StripOutcome = { containers: [], volumes: [], sidecarSets: [] };
  const ours = [...books.hashes.values()].filter((e) => written(e.updateTimestamp));
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

  // Volumes only the removed sidecars used came with them.
  const usedBy = (containers: readonly V1Container[]) =>
    new Set(containers.flatMap((c) => [...(c.volumeMounts ?? []), ...(c.volumeDevices ?? [])].map((m) => m.name)));
  const stillUsed = usedBy([...(spec.containers ?? []), ...(spec.initContainers ?? []), ...((spec.ephemeralContainers ?? []) as V1Container[])]);
  const orphaned = usedBy(removed);
  if (spec.volumes) {
    spec.volumes = spec.volumes.filter((v) => {
      if (!orphaned.has(v.name) || stillUsed.has(v.name)) return true;
      outcome.volumes.push(v.name);
      return false;
    });
    if (spec.volumes.length === 0) delete spec.volumes;
  }
  return outcome;
}

function withTwins(name: string): string[] {
  return [name, ...HOT_UPGRADE_SUFFIXES.map((s) => name + s)];
}
