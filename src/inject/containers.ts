// Merging built sidecars into the pod's containers or init containers (pkg/webhook/pod/mutating/sidecarset.go,
// mergeSidecarContainers).
import type { V1Container } from '@kubernetes/client-node';
import { isInjectedSidecar } from './shared-volumes.js';
import type { Placement } from '../sidecarset/placement.js';
import type { PodInjectPolicy } from '../sidecarset/types.js';

export interface BuiltContainer {
  /** Only the core Container fields, in Go field order: what goes into the pod. */
  container: V1Container;
  policy?: PodInjectPolicy;
  /** Name of the SidecarSet that built it. */
  rule: string;
  /** Where its SidecarSet's placement annotation puts it (inject/placement.ts). */
  placement?: Placement;
}

export interface MergeOutcome {
  containers: V1Container[];
  /** Containers the template defined itself (no IS_INJECTED=true) that a sidecar replaced. */
  replacedAppContainers: Array<{ name: string; index: number; rule: string }>;
}

/**
 * A sidecar whose name the pod already has replaces that container in place; the others go
 * before the pod's list (BeforeAppContainer) or after it (anything else), in built order.
 */
export function mergeContainers(pod: readonly V1Container[], built: readonly BuiltContainer[]): MergeOutcome {
  const result = [...pod];
  const indexByName = new Map<string, number>();
  pod.forEach((c, i) => indexByName.set(c.name, i));
  const before: V1Container[] = [];
  const after: V1Container[] = [];
  const replacedAppContainers: MergeOutcome['replacedAppContainers'] = [];
  for (const b of built) {
    const index = indexByName.get(b.container.name);
    if (index !== undefined) {
      if (!isInjectedSidecar(pod[index]) && !replacedAppContainers.some((r) => r.index === index)) {
        replacedAppContainers.push({ name: b.container.name, index, rule: b.rule });
      }
      result[index] = b.container;
      continue;
    }
    (b.policy === 'BeforeAppContainer' ? before : after).push(b.container);
  }
  const containers = [...before, ...result, ...after];
  // Report positions in the merged list, which is what the output shows.
  for (const r of replacedAppContainers) r.index += before.length;
  return { containers, replacedAppContainers };
}
