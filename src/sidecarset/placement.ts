// Our extension: where a SidecarSet's sidecars go in the pod, chosen per SidecarSet by annotation.
// Kruise places containers only by podInjectPolicy (before or after all the app containers) and
// appends init containers sorted by name (pkg/webhook/pod/mutating/sidecarset.go,
// sidecarsetMutatingPod and mergeSidecarContainers). The annotation is not in the spec, so it is
// not part of Kruise's hash, and a Kruise cluster keeps it when the SidecarSet is applied there.
import type { SidecarSet } from './types.js';
import { dns1123LabelProblems } from '../k8s/validation.js';

export const PLACEMENT_ANNOTATION = 'inject-sidecarsets.kpt.dev/placement';

export type Placement = { at: 'first' | 'last' } | { at: 'before' | 'after'; anchor: string };

/** Container or init container name (unique across both lists, Kruise validates) → placement. */
export type Placements = ReadonlyMap<string, Placement>;

/** undefined without the annotation; the problems when it is invalid (then the SidecarSet is not applied). */
export function placementsOf(set: SidecarSet): Placements | undefined | { problems: string[] } {
  const text: unknown = set.metadata.annotations?.[PLACEMENT_ANNOTATION];
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(text));
  } catch (e) {
    return { problems: [`is not valid JSON (${(e as Error).message})`] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problems: ['must be a JSON object mapping container names to first, last, before:<container> or after:<container>'] };
  }
  const own = new Set([...(set.spec.containers ?? []), ...(set.spec.initContainers ?? [])].map((c) => c.name));
  const placements = new Map<string, Placement>();
  const problems: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (!own.has(name)) {
      problems.push(`names ${JSON.stringify(name)}, which is no container or init container of this SidecarSet`);
      continue;
    }
    const placement = parsePlacement(value);
    if (typeof placement === 'string') problems.push(`${JSON.stringify(name)}: ${placement}`);
    else if ('anchor' in placement && placement.anchor === name) problems.push(`${JSON.stringify(name)} is placed relative to itself`);
    else placements.set(name, placement);
  }
  for (const list of [set.spec.containers ?? [], set.spec.initContainers ?? []]) {
    const inList = new Map(list.flatMap((c) => (placements.has(c.name) ? [[c.name, placements.get(c.name) as Placement]] : [])));
    const cycle = problems.length === 0 ? anchorCycle(inList) : undefined;
    if (cycle) problems.push(`${cycle.join(' → ')} are placed relative to each other in a cycle`);
  }
  return problems.length > 0 ? { problems } : placements;
}

/** A placement, or why the value is not one. */
export function parsePlacement(value: unknown): Placement | string {
  if (value === 'first' || value === 'last') return { at: value };
  const match = typeof value === 'string' ? /^(before|after):(.*)$/.exec(value) : null;
  if (!match) return `${JSON.stringify(value)} is not first, last, before:<container> or after:<container>`;
  const anchor = match[2];
  const problems = dns1123LabelProblems(anchor);
  if (problems.length > 0) return `${JSON.stringify(value)} does not name a container (${problems[0]})`;
  return { at: match[1] as 'before' | 'after', anchor };
}

/** A cycle of relative placements among one SidecarSet's containers, which no order satisfies. */
function anchorCycle(placements: Placements): string[] | undefined {
  for (const start of placements.keys()) {
    const path = [start];
    for (let next = anchorOf(placements.get(start)); next !== undefined; next = anchorOf(placements.get(next))) {
      if (next === start) return [...path, start];
      if (path.includes(next)) break;
      path.push(next);
    }
  }
  return undefined;
}

function anchorOf(placement: Placement | undefined): string | undefined {
  return placement && 'anchor' in placement ? placement.anchor : undefined;
}

export function describePlacement(placement: Placement): string {
  return 'anchor' in placement ? `${placement.at}:${placement.anchor}` : placement.at;
}
