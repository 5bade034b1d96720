// Sidecar placement (our extension, sidecarset/placement.ts): after Kruise's merge has put every
// sidecar where its podInjectPolicy says (pkg/webhook/pod/mutating/sidecarset.go,
// mergeSidecarContainers), the placed sidecars are moved to the place their SidecarSet's annotation
// names. Every step honours the placements all steps recorded (inject/ownership.ts), so a sidecar
// one step placed `first` stays first when another step injects, and a re-run is a fixed point.
//
// The order is a tree flattened: the roots are the `first` group, then every container not placed
// (in Kruise's order), then the `last` group; each container is preceded by the sidecars placed
// `before:` it and followed by those placed `after:` it, each with their own. Within one group the
// sidecars of other steps keep the order the template has, and this step's come in SidecarSet order
// (SidecarSet, then spec order), where the first of them was, or after the others when all are new.
import type { V1Container } from '@kubernetes/client-node';
import type { Problem } from '../krm/results.js';
import type { StepRecord } from './ownership.js';
import { mergeContainers, type BuiltContainer, type MergeOutcome } from './containers.js';
import { isInjectedSidecar } from './shared-volumes.js';
import { describePlacement, parsePlacement, type Placement } from '../sidecarset/placement.js';

export type ListKind = 'containers' | 'initContainers';

/** What one step knows about placements on a template. */
export interface PlacementContext {
  /** This step's placed sidecars, in SidecarSet order (SidecarSet, spec, hot-upgrade twin). */
  own: readonly BuiltContainer[];
  /** Placements other steps recorded for their sidecars. */
  others: ReadonlyMap<string, Placement>;
  /** Sidecars this step placed in its earlier run: one no longer placed is injected as new, where its podInjectPolicy puts it. */
  placedEarlier: ReadonlySet<string>;
}

export function placementContext(
  built: readonly BuiltContainer[],
  mine: StepRecord | undefined,
  others: Iterable<StepRecord>,
): PlacementContext {
  const recorded = new Map<string, Placement>();
  for (const record of others) {
    for (const [name, text] of Object.entries(record.placement ?? {})) {
      const placement = parsePlacement(text);
      if (typeof placement !== 'string') recorded.set(name, placement);
    }
  }
  return { own: built.filter((b) => b.placement), others: recorded, placedEarlier: new Set(Object.keys(mine?.placement ?? {})) };
}

/** What the step's record keeps of its placements: container name → placement. */
export function placementRecord(built: readonly BuiltContainer[]): Record<string, string> | undefined {
  const placed = built.filter((b) => b.placement);
  return placed.length > 0
    ? Object.fromEntries(placed.map((b) => [b.container.name, describePlacement(b.placement as Placement)]))
    : undefined;
}

/** Kruise's merge of one list, then placement; replaced app containers are reported at their final index. */
export function mergeAndPlace(
  pod: readonly V1Container[],
  built: readonly BuiltContainer[],
  ctx: PlacementContext,
  kind: ListKind,
): MergeOutcome & { problems: Problem[] } {
  if (ctx.own.length === 0 && ctx.others.size === 0 && ctx.placedEarlier.size === 0)
    return { ...mergeContainers(pod, built), problems: [] };
  const builtNames = new Set(built.map((b) => b.container.name));
  // Every other sidecar of the step is replaced in place, as Kruise does with a container the pod
  // has: a sidecar that is still placed is moved below if its placement holds, and left where it
  // is if not (where it went when it was new), so that a re-run changes nothing.
  const placedNow = new Set(ctx.own.map((b) => b.container.name));
  const unplaced = new Set([...ctx.placedEarlier].filter((name) => builtNames.has(name) && !placedNow.has(name)));
  const merged = mergeContainers(
    pod.filter((c) => !(unplaced.has(c.name) && isInjectedSidecar(c))),
    built,
  );
  const own = ctx.own.filter((b) => builtNames.has(b.container.name));
  const placed = placeSidecars(merged.containers, own, ctx.others, pod, kind);
  const index = new Map(placed.containers.map((c, i) => [c.name, i]));
  const replacedAppContainers = merged.replacedAppContainers.map((r) => ({ ...r, index: index.get(r.name) ?? r.index }));
  return { containers: placed.containers, replacedAppContainers, problems: placed.problems };
}

interface Directive {
  name: string;
  placement: Placement;
  /** The built sidecar, for this step's own. */
  own?: BuiltContainer;
  /** Position among this step's placed sidecars (SidecarSet order). */
  order: number;
  /** Position in the template as the step found it. */
  incoming?: number;
}

/**
 * @param merged the list after Kruise's merge
 * @param own this step's placed sidecars, in SidecarSet order
 * @param incoming the list as the template had it before this step
 */
function placeSidecars(
  merged: readonly V1Container[],
  own: readonly BuiltContainer[],
  others: ReadonlyMap<string, Placement>,
  incoming: readonly V1Container[],
  kind: ListKind,
): { containers: V1Container[]; problems: Problem[] } {
  const byName = new Map(merged.map((c) => [c.name, c]));
  // Two containers of one name make an invalid pod, reported elsewhere; moving one of them would only add confusion.
  if (byName.size !== merged.length) return { containers: [...merged], problems: [] };
  const directives = collectDirectives(byName, own, others, incoming);
  const problems: Problem[] = [];
  for (const [name, reason] of unresolvable(directives, byName)) {
    const d = directives.get(name) as Directive;
    directives.delete(name);
    if (d.own) problems.push(unresolvedProblem(d, d.own, reason, kind));
  }
  const groups = new Map<string, Directive[]>();
  for (const d of directives.values()) {
    const key = describePlacement(d.placement);
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  const ordered = (key: string) => orderGroup(groups.get(key) ?? []).map((d) => d.name);
  const roots = [...ordered('first'), ...merged.map((c) => c.name).filter((n) => !directives.has(n)), ...ordered('last')];
  const names: string[] = [];
  const visit = (name: string): void => {
    for (const child of ordered(`before:${name}`)) visit(child);
    names.push(name);
    for (const child of ordered(`after:${name}`)) visit(child);
  };
  for (const root of roots) visit(root);
  return { containers: names.map((n) => byName.get(n) as V1Container), problems };
}

function collectDirectives(
  present: ReadonlyMap<string, V1Container>,
  own: readonly BuiltContainer[],
  others: ReadonlyMap<string, Placement>,
  incoming: readonly V1Container[],
): Map<string, Directive> {
  const incomingIndex = new Map(incoming.map((c, i) => [c.name, i]));
  const directives = new Map<string, Directive>();
  for (const [name, placement] of others) {
    if (present.has(name)) directives.set(name, { name, placement, order: -1, incoming: incomingIndex.get(name) });
  }
  own.forEach((b, order) => {
    const name = b.container.name;
    if (present.has(name))
      directives.set(name, { name, placement: b.placement as Placement, own: b, order, incoming: incomingIndex.get(name) });
  });
  return directives;
}

/**
 * Placements that cannot be honoured: an anchor the list lacks, or anchors that lead round in a
 * cycle (several SidecarSets naming each other). Those sidecars stay where Kruise's merge put them.
 */
function unresolvable(
  directives: ReadonlyMap<string, Directive>,
  present: ReadonlyMap<string, V1Container>,
): Map<string, 'missing' | 'cycle'> {
  const found = new Map<string, 'missing' | 'cycle'>();
  for (const d of directives.values()) {
    if ('anchor' in d.placement && !present.has(d.placement.anchor)) found.set(d.name, 'missing');
  }
  for (const start of directives.keys()) {
    const path: string[] = [];
    let name: string | undefined = start;
    while (name !== undefined && !found.has(name) && !path.includes(name)) {
      path.push(name);
      const placement: Placement | undefined = directives.get(name)?.placement;
      name = placement && 'anchor' in placement ? placement.anchor : undefined;
    }
    if (name !== undefined && path.includes(name)) for (const member of path.slice(path.indexOf(name))) found.set(member, 'cycle');
  }
  return found;
}

/** Other steps' sidecars in the template's order; this step's in SidecarSet order, where its first one was (or after the others). */
function orderGroup(members: readonly Directive[]): Directive[] {
  const others = members.filter((d) => !d.own).sort((a, b) => (a.incoming ?? 0) - (b.incoming ?? 0));
  const own = members.filter((d) => d.own).sort((a, b) => a.order - b.order);
  const positions = own.flatMap((d) => (d.incoming === undefined ? [] : [d.incoming]));
  const at = positions.length === 0 ? others.length : others.filter((d) => (d.incoming ?? 0) < Math.min(...positions)).length;
  return [...others.slice(0, at), ...own, ...others.slice(at)];
}

function unresolvedProblem(d: Directive, built: BuiltContainer, reason: 'missing' | 'cycle', kind: ListKind): Problem {
  const what = kind === 'containers' ? 'container' : 'init container';
  const anchor = 'anchor' in d.placement ? d.placement.anchor : '';
  const why =
    reason === 'missing'
      ? `the template has no ${what} ${anchor}`
      : `the placements of the ${what}s ${anchor} and ${d.name} name each other in a cycle`;
  return {
    severity: 'warning',
    message:
      `SidecarSet ${built.rule}: ${what} ${d.name} is placed ${describePlacement(d.placement)}, but ${why}; it is ` +
      `left where Kruise puts it (podInjectPolicy ${built.policy})`,
    fieldPath: `spec.${kind}`,
    sidecarSets: [built.rule],
  };
}
