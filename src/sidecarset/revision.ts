// injectionStrategy.revision (pkg/webhook/pod/mutating/sidecarset.go, getSuitableRevisionSidecarSet): which spec a new pod gets — the
// SidecarSet's current one or a
// historic one restored from a ControllerRevision.
import type { Options } from '../config/options.js';
import type { SidecarSet, SidecarSetSpec } from './types.js';
import { deepClone, isPlainObject } from '../util/json.js';
import { labelSelectorMatches } from '../k8s/selector.js';
import { defaultSidecarSet } from './defaults.js';
import { sidecarSetHashes } from './hash.js';
import { HASH_ANNOTATION, HASH_WITHOUT_IMAGE_ANNOTATION } from './kruise-keys.js';

/** The five spec fields a ControllerRevision of a SidecarSet carries. */
const REVISION_FIELDS = ['volumes', 'containers', 'initContainers', 'imagePullSecrets', 'patchPodMetadata'] as const;

export interface HistoricSpec {
  set: SidecarSet;
  hash: string;
  hashWithoutImage: string;
  revisionName: string;
}

/** The SidecarSet as restored from a ControllerRevision: current metadata and strategies, the revision's five fields. */
export function restoreRevision(current: SidecarSet, revision: Record<string, unknown>): HistoricSpec | string {
  const meta = isPlainObject(revision.metadata) ? revision.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const data = isPlainObject(revision.data) && isPlainObject(revision.data.spec) ? revision.data.spec : undefined;
  if (!data) return `ControllerRevision ${name} has no data.spec to restore the SidecarSet from`;
  const spec: SidecarSetSpec = deepClone(current.spec);
  for (const field of REVISION_FIELDS) {
    if (data[field] === undefined || data[field] === null) delete spec[field];
    else (spec as Record<string, unknown>)[field] = deepClone(data[field]);
  }
  const set = defaultSidecarSet({ ...deepClone(current), spec, status: { ...(current.status ?? {}), latestRevision: name } });
  const annotations = isPlainObject(meta.annotations) ? meta.annotations : {};
  const computed =
    typeof annotations[HASH_ANNOTATION] === 'string' && typeof annotations[HASH_WITHOUT_IMAGE_ANNOTATION] === 'string'
      ? undefined
      : sidecarSetHashes(set.spec);
  return {
    set,
    hash: typeof annotations[HASH_ANNOTATION] === 'string' ? annotations[HASH_ANNOTATION] : computed!.hash,
    hashWithoutImage:
      typeof annotations[HASH_WITHOUT_IMAGE_ANNOTATION] === 'string'
        ? annotations[HASH_WITHOUT_IMAGE_ANNOTATION]
        : computed!.hashWithoutImage,
    revisionName: name,
  };
}

export type RevisionChoice = { use: 'latest' | 'historic'; warning?: string } | { error: string };

/** getSuitableRevisionSidecarSet's choice, with the random Partial draw (selectRevisionRandomly) replaced by the option partialRevision. */
export function chooseRevision(
  set: SidecarSet,
  podLabels: Record<string, string>,
  partialRevision: Options['partialRevision'],
): RevisionChoice {
  const strategy = set.spec.updateStrategy ?? {};
  if (strategy.paused) return { use: 'historic' };
  if (set.spec.injectionStrategy?.revision?.policy !== 'Partial') return { use: 'historic' };
  if (strategy.selector) {
    try {
      if (!labelSelectorMatches(strategy.selector, podLabels)) return { use: 'historic' };
    } catch (e) {
      return { error: `updateStrategy.selector: ${(e as Error).message}` };
    }
  }
  const partition = strategy.partition;
  if (partition === undefined || typeof partition === 'number') return { use: 'latest' };
  const m = /^(\d+)%$/.exec(partition);
  if (!m) return { error: `updateStrategy.partition ${JSON.stringify(partition)} is not a percentage` };
  const percent = Number(m[1]);
  if (percent === 0) return { use: 'latest' };
  if (percent >= 100) return { use: 'historic' };
  const why =
    `injectionStrategy.revision.policy Partial with partition ${partition}: Kruise picks the historic revision ` +
    `for about ${percent}% of the pods at random`;
  if (partialRevision === 'error') {
    return { error: `${why}; a render cannot, so set partialRevision to latest or historic in the function's config` };
  }
  return { use: partialRevision, warning: `${why}; injected the ${partialRevision} revision (partialRevision: ${partialRevision})` };
}
