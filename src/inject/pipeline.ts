// The create path of the Kruise pod webhook (pkg/webhook/pod/mutating/sidecarset.go, sidecarsetMutatingPod) on one pod template. Pure: a
// template and the
// ordered, matched rules in; a new template, whether it changed, and problems out.
import type { V1LocalObjectReference, V1Volume } from '@kubernetes/client-node';
import type { Rule } from '../sidecarset/rules.js';
import type { Container, SidecarContainer } from '../sidecarset/types.js';
import type { Options } from '../config/options.js';
import type { Problem, Severity } from '../krm/results.js';
import type { PodTemplate } from '../workloads/locate.js';
import { deepClone, deepEqual } from '../util/json.js';
import { byteOrder } from '../util/go-string-order.js';
import { goOrderContainer, goOrderContainerChanged } from '../sidecarset/go-json.js';
import { applyPatchPodMetadata } from './pod-metadata.js';
import { transferEnvs, mergeSidecarEnv, appendMissingEnvs } from './env.js';
import { sharedMountsAndEnvs, mergeSidecarMounts, mergeSidecarDevices, isInjectedSidecar } from './shared-volumes.js';
import { computeSidecarResources } from './resources-policy.js';
import { hotUpgradeContainers } from './hot-upgrade.js';
import type { BuiltContainer } from './containers.js';
import { mergeAndPlace, placementContext, placementRecord } from './placement.js';
import { containerNameConflicts, metadataConflicts, resultingPodProblems, volumeConflicts } from './pod-checks.js';
import { stripStaleInjection, sweepUnmounted, type Bookkeeping, type StripOutcome } from './strip.js';
import {
  INJECTIONS_ANNOTATION,
  adoptLegacyInjection,
  emptyFieldsOf,
  encodeInjectionRecords,
  readInjectionRecords,
  withTwins,
  type InjectionRecords,
  type StepRecord,
} from './ownership.js';
import { applyServiceAccount, tokenScopeOf, type ServiceAccountRule } from './service-account.js';
import { OVERWRITTEN_ANNOTATION, recordOverwrites, undoRecorded, type OverwrittenRecord, type Template } from './overwritten.js';
import {
  EPOCH_TIMESTAMP,
  encodeHashMap,
  type HashEntry,
  type HashMap,
  goMapJson,
  parseHashAnnotation,
  parseStringMap,
} from './bookkeeping.js';
import {
  HASH_ANNOTATION,
  HASH_WITHOUT_IMAGE_ANNOTATION,
  INJECTED_LIST_ANNOTATION,
  WORKING_HOT_UPGRADE_ANNOTATION,
} from '../sidecarset/kruise-keys.js';

export interface InjectContext {
  options: Options;
  /** LimitRange objects of the pod's namespace, when among the items. */
  limitRanges?: unknown[];
  /** The pod's namespace. */
  namespace: string;
  /** imagePullSecrets of a ServiceAccount of the pod's namespace, when it is among the items. */
  serviceAccountPullSecrets: (serviceAccountName: string) => V1LocalObjectReference[] | undefined;
  /** This injection step's identity (config/forms.ts): what it injected earlier is its own to strip. */
  step: string;
}

export interface InjectOutcome {
  template: PodTemplate;
  changed: boolean;
  problems: Problem[];
  /** Names of the containers and init containers put into the pod, for the summary result. */
  injected: string[];
}

/** The fields of a sidecar that depend on the pod (shared volumes, env; resources with a resourcesPolicy); build() replaces only these. */
const PER_POD_FIELDS: ReadonlySet<string> = new Set(['volumeMounts', 'volumeDevices', 'env']);
const PER_POD_FIELDS_WITH_RESOURCES: ReadonlySet<string> = new Set([...PER_POD_FIELDS, 'resources']);
const orderedSidecars = new WeakMap<SidecarContainer, Container>();

/** goOrderContainer of a SidecarSet's container, once per container: every pod it goes into shares it. */
function orderedSidecar(definition: SidecarContainer): Container {
  let ordered = orderedSidecars.get(definition);
  if (!ordered) orderedSidecars.set(definition, (ordered = goOrderContainer(definition)));
  return ordered;
}

/**
 * The template under injection and what the steps below share. `pod` is a shallow copy of the
 * template: each step replaces the lists and maps of `pod.spec` it changes instead of editing
 * them; `annotations` and `bookkeeping` are this run's own and are changed in place.
 */
export interface Injection {
  original: PodTemplate;
  ctx: InjectContext;
  /** The rules this step applies, in list order. */
  rules: readonly Rule[];
  owned: Ownership | undefined;
  pod: PodTemplate;
  annotations: Record<string, string>;
  /** Annotation keys patchPodMetadata added or changed. */
  patchedKeys: string[];
  bookkeeping: Bookkeeping;
  problems: Problem[];
}

/** What this step's earlier run left on the template, and what the template held before this run. */
export interface EarlierRun {
  stripped: StripOutcome | undefined;
  /** This step's earlier volumes: replaced by the current definition when a SidecarSet still has them, else dropped once unused. */
  volumes: ReadonlySet<string>;
  /** Sidecars of other steps: none is an app container to the sidecars built now (a single admission has none of them yet). */
  otherSidecars: ReadonlySet<string>;
  volumesBefore: ReadonlySet<string>;
  secretsBefore: ReadonlySet<string | undefined>;
}

export function injectTemplate(original: PodTemplate, matched: readonly Rule[], ctx: InjectContext): InjectOutcome {
  const problems: Problem[] = [];
  const owned = ctx.options.stripPreviousInjection ? takeOwnership(original, matched, ctx, problems) : undefined;
  const state = startInjection(original, owned?.rules ?? matched, owned, ctx, problems);
  if (!state) return unchanged(original, problems);
  const injectedNow = containerNamesWithTwins(state.rules);
  const earlier = stripEarlierRun(state, injectedNow);
  const sidecars = buildSidecars(state, earlier, injectedNow);
  if (!sidecars) return unchanged(original, problems);
  if (sidecars.init.length === 0 && sidecars.containers.length === 0) {
    const stripped = earlier.stripped;
    if (stripped && stripped.containers.length + stripped.sidecarSets.length > 0)
      writeBookkeeping(state.annotations, state.bookkeeping, false);
    recordStep(state, earlier, { containers: [], initContainers: [] }, []);
    return finish(state, []);
  }
  const lists = resolveNameConflicts(state, sidecars, earlier.otherSidecars);
  orderSidecars(state, lists);
  const replaced = mergeSidecars(state, lists);
  mergeVolumes(state, sidecarVolumes(sidecars.candidateVolumes, lists.all), earlier.volumes);
  injectServiceAccount(state, lists.all);
  mergePullSecrets(state, sidecars.pullSecrets);
  writeBookkeeping(state.annotations, state.bookkeeping, sidecars.hotInjected);
  for (const key of [...sidecars.hotUpgradeAnnotations.keys()].sort(byteOrder))
    state.annotations[key] = sidecars.hotUpgradeAnnotations.get(key) as string;
  recordStep(
    state,
    earlier,
    replaced,
    lists.all.map((b) => b.container.name),
    placementRecord(lists.all),
  );
  return finish(
    state,
    [...lists.init, ...lists.containers].map((b) => b.container.name),
  );
}

function unchanged(original: PodTemplate, problems: Problem[]): InjectOutcome {
  return { template: original, changed: false, problems, injected: [] };
}

/** The template with patchPodMetadata applied and Kruise's bookkeeping read; undefined when either fails (reported). */
export function startInjection(
  original: PodTemplate,
  rules: readonly Rule[],
  owned: Ownership | undefined,
  ctx: InjectContext,
  problems: Problem[],
): Injection | undefined {
  const undone = owned?.undone;
  const pod: PodTemplate = { ...original, spec: { ...(undone?.spec ?? original.spec) } };
  const metadata = (pod.metadata = { ...(original.metadata ?? {}) });
  const patched = patchMetadata(undone?.annotations ?? metadata.annotations ?? {}, rules, ctx.options, problems);
  if (!patched) return undefined;
  const bookkeeping = readBookkeeping(patched.annotations, problems);
  if (!bookkeeping) return undefined;
  return { original, ctx, rules, owned, pod, annotations: patched.annotations, patchedKeys: patched.changedKeys, bookkeeping, problems };
}

/**
 * patchPodMetadata of each SidecarSet in list order (Kruise: pkg/webhook/pod/mutating/sidecarset.go,
 * sidecarSetMutatingPod, which calls sidecarcontrol.PatchPodMetadata); its errors reject the pod.
 */
export function patchMetadata(
  annotations: Record<string, string>,
  rules: readonly Rule[],
  options: Options,
  problems: Problem[],
): { annotations: Record<string, string>; changedKeys: string[] } | undefined {
  const patched = applyPatchPodMetadata(
    { ...annotations },
    rules.map((r) => ({ name: r.name, patchPodMetadata: r.set.spec.patchPodMetadata })),
    { normalizeMergePatchOnFirstWrite: options.normalizeMergePatchOnFirstWrite },
  );
  for (const e of patched.errors) {
    problems.push({
      severity: 'error',
      message:
        `patchPodMetadata of SidecarSet ${e.sidecarSet} cannot be applied to annotation ${e.key}: ${e.message}; ` +
        `the cluster would reject every pod of this template`,
      fieldPath: `metadata.annotations[${JSON.stringify(e.key)}]`,
      sidecarSets: [e.sidecarSet],
    });
  }
  return patched.errors.length > 0 ? undefined : patched;
}

/** Kruise's annotations the pod already carries; undefined when a hash annotation does not parse (reported). */
export function readBookkeeping(annotations: Record<string, string>, problems: Problem[]): Bookkeeping | undefined {
  const hashes = parseHashAnnotation(annotations[HASH_ANNOTATION]);
  const hashesWithoutImage = parseHashAnnotation(annotations[HASH_WITHOUT_IMAGE_ANNOTATION]);
  for (const [key, parsed] of [
    [HASH_ANNOTATION, hashes],
    [HASH_WITHOUT_IMAGE_ANNOTATION, hashesWithoutImage],
  ] as const) {
    if (typeof parsed === 'string') {
      problems.push({
        severity: 'error',
        message: `annotation ${key} is not valid Kruise bookkeeping (${parsed}); the cluster would reject every pod of this template`,
        fieldPath: `metadata.annotations[${JSON.stringify(key)}]`,
        sidecarSets: [],
      });
    }
  }
  if (typeof hashes === 'string' || typeof hashesWithoutImage === 'string') return undefined;
  const hotWorking = parseStringMap(annotations[WORKING_HOT_UPGRADE_ANNOTATION]);
  const injectedList = new Set<string>(annotations[INJECTED_LIST_ANNOTATION] ? annotations[INJECTED_LIST_ANNOTATION].split(',') : []);
  return { hashes, hashesWithoutImage, injectedList, hotWorking };
}

/** The names of the containers and init containers the rules inject, hot-upgrade twins included. */
export function containerNamesWithTwins(rules: readonly Rule[]): Set<string> {
  const names = new Set(rules.flatMap((r) => [...(r.set.spec.containers ?? []), ...(r.set.spec.initContainers ?? [])].map((c) => c.name)));
  return new Set([...names].flatMap(withTwins));
}

/** Strips this step's leftovers (when it owns its injections) and notes what the template holds before this run. */
export function stripEarlierRun(state: Injection, injectedNow: ReadonlySet<string>): EarlierRun {
  const { owned, rules } = state;
  const spec = state.pod.spec;
  const stripped = owned
    ? stripStaleInjection(spec, state.annotations, state.bookkeeping, owned.mine, new Set(rules.map((r) => r.name)), injectedNow)
    : undefined;
  return {
    stripped,
    volumes: new Set(owned?.mine.volumes ?? []),
    otherSidecars: new Set([...(owned?.others.values() ?? [])].flatMap((r) => r.containers)),
    volumesBefore: new Set((spec.volumes ?? []).map((v) => v.name)),
    secretsBefore: new Set((spec.imagePullSecrets ?? []).map((s) => s.name)),
  };
}

/** What the sidecars of all rules come to, before they are merged into the pod. */
export interface BuiltSidecars {
  init: BuiltContainer[];
  containers: BuiltContainer[];
  /** Each SidecarSet volume a built sidecar mounts, with its SidecarSet. */
  candidateVolumes: Array<{ volume: V1Volume; rule: string }>;
  pullSecrets: V1LocalObjectReference[];
  /** The hot-upgrade annotations of the twins built (inject/hot-upgrade.ts). */
  hotUpgradeAnnotations: Map<string, string>;
  hotInjected: boolean;
}

/** What building a sidecar reads of the pod: the pod as it is after the metadata patch, not changed while sidecars are built. */
interface PodView {
  pod: { metadata: NonNullable<PodTemplate['metadata']>; spec: PodTemplate['spec'] };
  containers: NonNullable<PodTemplate['spec']['containers']>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The app containers transferEnv may copy from. */
  transferSources: NonNullable<PodTemplate['spec']['containers']>;
  /** Containers no resourcesPolicy counts as a target. */
  resourceTargetsExcluded: ReadonlySet<string>;
  limitRanges: unknown[] | undefined;
}

/**
 * Each rule's sidecars built for this pod (Kruise: pkg/webhook/pod/mutating/sidecarset.go,
 * buildSidecars), with the rule's hash entries written into the bookkeeping; undefined when a
 * sidecar cannot be built (reported), which rejects the pod.
 */
export function buildSidecars(state: Injection, earlier: EarlierRun, injectedNow: ReadonlySet<string>): BuiltSidecars | undefined {
  const spec = state.pod.spec;
  const containers = spec.containers ?? [];
  const view: PodView = {
    pod: { metadata: { ...state.pod.metadata, annotations: state.annotations }, spec },
    containers,
    labels: state.pod.metadata?.labels ?? {},
    annotations: state.annotations,
    // Idempotency: a sidecar this run re-injects, or another step injected, is no source for transferEnv.
    transferSources: containers.filter((c) => !((injectedNow.has(c.name) || earlier.otherSidecars.has(c.name)) && isInjectedSidecar(c))),
    resourceTargetsExcluded: new Set([...injectedNow, ...earlier.otherSidecars]),
    limitRanges: state.ctx.limitRanges,
  };
  const out: BuiltSidecars = {
    init: [],
    containers: [],
    candidateVolumes: [],
    pullSecrets: [],
    hotUpgradeAnnotations: new Map(),
    hotInjected: false,
  };
  const timestamp = state.ctx.options.injectionTimestamp ?? EPOCH_TIMESTAMP;
  let failed = false;
  for (const rule of state.rules) {
    const volumesByName = new Map((rule.set.spec.volumes ?? []).map((v) => [v.name, v]));
    if (!buildRuleSidecars({ rule, volumesByName, view, out, bookkeeping: state.bookkeeping, problems: state.problems }, timestamp))
      failed = true;
  }
  return failed ? undefined : out;
}

/** One rule's part of buildSidecars. */
interface RuleBuild {
  rule: Rule;
  volumesByName: Map<string, V1Volume>;
  view: PodView;
  out: BuiltSidecars;
  bookkeeping: Bookkeeping;
  problems: Problem[];
}

/** Builds one rule's init containers and containers into `b.out`; false when one of them cannot be built. */
function buildRuleSidecars(b: RuleBuild, timestamp: string): boolean {
  const { rule, out, bookkeeping } = b;
  bookkeeping.injectedList.add(rule.name);
  const sidecarList = new Set<string>();
  let processed = false;
  let ok = true;
  const add = (into: BuiltContainer[], built: BuiltContainer[] | undefined) => {
    if (built) into.push(...built);
    else ok = false;
    processed = true;
  };
  (rule.set.spec.initContainers ?? []).forEach((definition, i) => {
    if (definition.restartPolicy === 'Always') sidecarList.add(definition.name);
    add(out.init, buildSidecar(definition, 'initContainers', i, b));
  });
  out.pullSecrets.push(...(rule.set.spec.imagePullSecrets ?? []));
  (rule.set.spec.containers ?? []).forEach((definition, i) => {
    sidecarList.add(definition.name);
    add(out.containers, buildSidecar(definition, 'containers', i, b));
  });
  if (processed) {
    const previous = bookkeeping.hashes.get(rule.name);
    const ts = previous && previous.hash === rule.hash && previous.updateTimestamp ? previous.updateTimestamp : timestamp;
    const entries = hashEntries(rule, ts, sidecarList);
    bookkeeping.hashes.set(rule.name, entries.hash);
    bookkeeping.hashesWithoutImage.set(rule.name, entries.withoutImage);
  }
  return ok;
}

type SayAboutSidecar = (severity: Severity, message: string) => void;

/**
 * One SidecarSet container made ready for this pod: resources by its resourcesPolicy, shared
 * mounts and env, hot-upgrade twins. Undefined when its resourcesPolicy fails (reported).
 */
function buildSidecar(
  definition: SidecarContainer,
  kind: 'initContainers' | 'containers',
  index: number,
  b: RuleBuild,
): BuiltContainer[] | undefined {
  const { rule } = b;
  // Only the fields in PER_POD_FIELDS are replaced below; the rest stays shared with the SidecarSet.
  const c: SidecarContainer = { ...definition };
  const say: SayAboutSidecar = (severity, message) =>
    b.problems.push({ severity, message: `SidecarSet ${rule.name} ${kind}[${index}] (${c.name}): ${message}`, sidecarSets: [rule.name] });
  if (c.resourcesPolicy) {
    // Hot-upgrade twins of an earlier run are no targets either: in a first admission they do not exist yet.
    const computed = computeSidecarResources({
      sidecar: c,
      pod: b.view.pod,
      forbiddenNames: b.view.resourceTargetsExcluded,
      limitRanges: b.view.limitRanges as never,
    });
    if (!computed.ok) {
      say('error', `resourcesPolicy: ${computed.error}; the cluster would reject every pod of this template`);
      return undefined;
    }
    c.resources = computed.resources;
    for (const w of computed.warnings) say('warning', `resourcesPolicy: ${w}`);
  }
  addPodVolumesAndEnv(c, b, say);
  const native = kind === 'initContainers' && c.restartPolicy === 'Always';
  const hot = c.upgradeStrategy?.upgradeType === 'HotUpgrade' && (kind === 'containers' || native);
  const placement = rule.placements?.get(c.name);
  if (!hot) {
    const container = goOrderContainerChanged(
      orderedSidecar(definition),
      c,
      c.resourcesPolicy ? PER_POD_FIELDS_WITH_RESOURCES : PER_POD_FIELDS,
    );
    return [{ container, policy: c.podInjectPolicy, rule: rule.name, placement }];
  }
  if (!c.upgradeStrategy?.hotUpgradeEmptyImage) {
    say(
      'warning',
      'HotUpgrade without upgradeStrategy.hotUpgradeEmptyImage: the idle container gets no image and the pod will be rejected',
    );
  }
  b.out.hotInjected = true;
  const twins = hotUpgradeContainers(c);
  for (const [k, v] of twins.annotations) b.out.hotUpgradeAnnotations.set(k, v);
  b.bookkeeping.hotWorking.set(c.name, twins.working);
  return twins.containers.map((t) => ({ container: goOrderContainer(t), policy: c.podInjectPolicy, rule: rule.name, placement }));
}

/**
 * The sidecar's volume mounts and devices with the pod's shared ones, its env with transferEnv and
 * the env its subPathExpr needs (Kruise: pkg/control/sidecarcontrol/util.go, GetInjectedVolumeMountsAndEnvs
 * and GetSidecarTransferEnvs); the SidecarSet volumes it mounts become candidates for the pod.
 */
function addPodVolumesAndEnv(c: SidecarContainer, b: RuleBuild, say: SayAboutSidecar): void {
  const { view } = b;
  const shared = sharedMountsAndEnvs(view.containers, c);
  for (const m of shared.missingEnvs) {
    say(
      'warning',
      `shared mount ${m.mountPath} of container ${m.container} uses $(${m.env}) in subPathExpr, but that container ` +
        `defines no env ${m.env} (envFrom is not looked at), so it is not copied into the sidecar`,
    );
  }
  const transfer = transferEnvs(view.transferSources, view.labels, view.annotations, c);
  for (const w of transfer.warnings) say('warning', `${w.path}: ${w.message}`);
  const extraEnv = appendMissingEnvs(transfer.envs, shared.subPathEnvs);
  for (const [list, what] of [
    [c.volumeMounts ?? [], 'volumeMounts'],
    [c.volumeDevices ?? [], 'volumeDevices'],
  ] as const) {
    for (const m of list) {
      const volume = b.volumesByName.get(m.name);
      if (volume) b.out.candidateVolumes.push({ volume, rule: b.rule.name });
      else say('warning', `${what} ${m.name} names no volume of the SidecarSet; no volume is injected for it`);
    }
  }
  const mounts = mergeSidecarMounts(c.volumeMounts, c.volumeDevices, shared.mounts);
  // Two app containers often mount one volume at one path; only a real collision is worth a word.
  for (const m of mounts.skipped) {
    if (mounts.mounts.some((kept) => deepEqual(kept, m))) continue;
    say('warning', `shared volume mount ${m.name} at ${m.mountPath} not added: the sidecar already uses that path`);
  }
  c.volumeMounts = mounts.mounts.length > 0 ? mounts.mounts : undefined;
  c.env = mergeSidecarEnv(c.env, extraEnv);
  const devices = mergeSidecarDevices(view.containers, c, mounts.mounts);
  for (const d of devices.skipped) {
    if ((devices.devices ?? []).some((kept) => deepEqual(kept, d))) continue;
    say('warning', `shared volume device ${d.name} at ${d.devicePath} not added: the sidecar already uses that path`);
  }
  c.volumeDevices = devices.devices && devices.devices.length > 0 ? devices.devices : undefined;
}

/** The sidecars that go into the pod: `all` in built order, `init` and `containers` in merge order once orderSidecars has run. */
export interface SidecarLists {
  init: BuiltContainer[];
  containers: BuiltContainer[];
  all: BuiltContainer[];
}

/**
 * Conflicts between the built sidecars, reported. Of two containers of one name the first
 * SidecarSet's is kept (which also makes a re-run a fixed point), and another step's sidecar of
 * that name stays: a pod with two containers of one name would be worse than one of them.
 */
export function resolveNameConflicts(state: Injection, sidecars: BuiltSidecars, otherSidecars: ReadonlySet<string>): SidecarLists {
  const { problems, rules } = state;
  problems.push(
    ...containerNameConflicts([...sidecars.init, ...sidecars.containers]),
    ...volumeConflicts(sidecars.candidateVolumes),
    ...metadataConflicts(rules.map((r) => ({ name: r.name, patchPodMetadata: r.set.spec.patchPodMetadata }))),
  );
  const owner = firstOwners([...sidecars.init, ...sidecars.containers], rules);
  const firstOnly = (list: BuiltContainer[]) => list.filter((b) => owner.get(b.container.name) === b.rule);
  let init = firstOnly(sidecars.init);
  let containers = firstOnly(sidecars.containers);
  if (otherSidecars.size > 0) {
    const spec = state.pod.spec;
    const onPod = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    const theirs = (b: BuiltContainer) =>
      otherSidecars.has(b.container.name) && onPod.some((c) => c.name === b.container.name && isInjectedSidecar(c));
    for (const b of [...init, ...containers].filter(theirs))
      problems.push(crossStepConflict(b, state.bookkeeping.hashes, state.owned?.others));
    init = init.filter((b) => !theirs(b));
    containers = containers.filter((b) => !theirs(b));
  }
  return { init, containers, all: [...init, ...containers] };
}

/**
 * Init containers by name; containers by name with the EnableSortSidecarContainerByName gate, else in rule order (with a warning when that
 * order is Kruise's random one).
 */
export function orderSidecars(state: Injection, lists: SidecarLists): void {
  lists.init.sort((a, b) => byteOrder(a.container.name, b.container.name));
  if (state.ctx.options.featureGates.EnableSortSidecarContainerByName) {
    lists.containers.sort((a, b) => byteOrder(a.container.name, b.container.name));
    return;
  }
  const contributors = [...new Set(lists.containers.map((b) => b.rule))];
  if (contributors.length > 1) {
    state.problems.push({
      severity: 'warning',
      message:
        `SidecarSets ${contributors.join(', ')} all add containers: in a cluster their order is random (Kruise ` +
        `lists SidecarSets from a map); rendered in this function's fixed order. Turn on the ` +
        `EnableSortSidecarContainerByName feature gate, here and in Kruise, for one order everywhere`,
      fieldPath: 'spec.containers',
      sidecarSets: contributors,
    });
  }
}

/** The sidecars merged into the pod's lists and placed; the names of the app containers they replaced. */
function mergeSidecars(state: Injection, lists: SidecarLists): { containers: string[]; initContainers: string[] } {
  const { problems, owned } = state;
  const spec = state.pod.spec;
  const placing = placementContext(lists.all, owned?.mine, owned?.others.values() ?? []);
  const initMerge = mergeAndPlace(spec.initContainers ?? [], lists.init, placing, 'initContainers');
  const containerMerge = mergeAndPlace(spec.containers ?? [], lists.containers, placing, 'containers');
  problems.push(...initMerge.problems, ...containerMerge.problems);
  for (const [merge, kind] of [
    [initMerge, 'initContainers'],
    [containerMerge, 'containers'],
  ] as const) {
    for (const r of merge.replacedAppContainers) {
      problems.push({
        severity: 'warning',
        message:
          `SidecarSet ${r.rule} replaces the ${kind === 'containers' ? 'container' : 'init container'} ${r.name}, ` +
          `which the template defines itself (not injected by a SidecarSet)`,
        fieldPath: `spec.${kind}[${r.index}]`,
        sidecarSets: [r.rule],
      });
    }
  }
  if (lists.init.length > 0) spec.initContainers = initMerge.containers;
  spec.containers = containerMerge.containers;
  problems.push(
    ...resultingPodProblems(spec.initContainers ?? [], spec.containers, new Map(lists.all.map((b) => [b.container.name, b.rule]))),
  );
  return {
    containers: containerMerge.replacedAppContainers.map((r) => r.name),
    initContainers: initMerge.replacedAppContainers.map((r) => r.name),
  };
}

/** A SidecarSet's volume comes with a container of it that mounts it, not with one a name conflict left out. */
function sidecarVolumes(
  candidates: ReadonlyArray<{ volume: V1Volume; rule: string }>,
  built: readonly BuiltContainer[],
): Array<{ volume: V1Volume; rule: string }> {
  const mountedBy = (c: Container, name: string) => [...(c.volumeMounts ?? []), ...(c.volumeDevices ?? [])].some((m) => m.name === name);
  return candidates.filter((v) => built.some((b) => b.rule === v.rule && mountedBy(b.container, v.volume.name)));
}

/** The SidecarSets' ServiceAccount (our extension, inject/service-account.ts); replaces `state.pod.spec`. */
function injectServiceAccount(state: Injection, built: readonly BuiltContainer[]): void {
  const { ctx } = state;
  const serviceAccount = applyServiceAccount(
    state.pod.spec,
    state.rules.map((r) => serviceAccountRule(r, built, ctx.options)),
    {
      namespace: ctx.namespace,
      serviceAccountExists: (_ns, name) => ctx.serviceAccountPullSecrets(name) !== undefined,
      managedElsewhere: new Set(ctx.options.serviceAccountsManagedElsewhere),
      missingSeverity: ctx.options.missingServiceAccount,
    },
  );
  state.pod.spec = serviceAccount.spec;
  state.problems.push(...serviceAccount.problems);
}

/**
 * Last step of every path that injects or strips, when the step owns its injections: what is left
 * of its earlier run is swept, and its record for the next run is written.
 */
function recordStep(
  state: Injection,
  earlier: EarlierRun,
  replaced: { containers: string[]; initContainers: string[] },
  injectedNames: readonly string[],
  placement?: Record<string, string>,
): void {
  const { owned, ctx, rules, annotations } = state;
  const stripped = earlier.stripped;
  if (!owned || !stripped) return;
  const spec = state.pod.spec;
  const volumes = sweepUnmounted(spec, earlier.volumes);
  if (stripped.containers.length + stripped.sidecarSets.length + volumes.length > 0) {
    state.problems.push({
      severity: 'warning',
      message:
        `removed what an earlier run of this step (${ctx.step}) injected for SidecarSets that no longer apply ` +
        `here or changed: ${describeStripped(stripped, volumes)}`,
      sidecarSets: stripped.sidecarSets,
      stripped: true,
    });
  }
  const overwritten = recordOverwrites(
    owned.undone,
    { annotations, spec },
    state.patchedKeys,
    replaced,
    owned.undone.blocked,
    {
      annotations: new Set(rules.flatMap((r) => (r.set.spec.patchPodMetadata ?? []).flatMap((p) => Object.keys(p.annotations ?? {})))),
      serviceAccount: ctx.options.featureGates.SidecarSetServiceAccountInjection && rules.some((r) => !!r.set.spec.serviceAccountName),
    },
    earlier.volumes,
  );
  const finalVolumes = (spec.volumes ?? []).map((v) => v.name);
  const finalSecrets = (spec.imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => typeof n === 'string');
  owned.records.set(ctx.step, {
    sidecarSets: rules.map((r) => r.name).sort(byteOrder),
    containers: [...injectedNames],
    volumes: finalVolumes.filter((n) => !earlier.volumesBefore.has(n) || earlier.volumes.has(n)),
    imagePullSecrets: finalSecrets.filter((n) => !earlier.secretsBefore.has(n) || owned.undone.keptSecrets.has(n)),
    ...(overwritten ? { overwritten } : {}),
    ...(placement ? { placement } : {}),
    // Known on this step's first run only; kept from its record after that.
    emptyBefore: owned.mine.emptyBefore ?? (owned.records.size === 0 ? emptyFieldsOf(state.original) : []),
  });
  delete annotations[OVERWRITTEN_ANNOTATION];
  const encoded = encodeInjectionRecords(owned.records);
  if (encoded === undefined) delete annotations[INJECTIONS_ANNOTATION];
  else annotations[INJECTIONS_ANNOTATION] = encoded;
}

const hashEntriesByRule = new WeakMap<Rule, Map<string, { hash: HashEntry; withoutImage: HashEntry }>>();

/** A rule's two hash entries for a timestamp: the same objects for every pod, so that they are encoded once. */
function hashEntries(rule: Rule, timestamp: string, sidecarList: ReadonlySet<string>): { hash: HashEntry; withoutImage: HashEntry } {
  let byTimestamp = hashEntriesByRule.get(rule);
  if (!byTimestamp) hashEntriesByRule.set(rule, (byTimestamp = new Map()));
  let entries = byTimestamp.get(timestamp);
  if (!entries) {
    const list = [...sidecarList].sort(byteOrder);
    const revision = rule.set.status?.latestRevision;
    entries = {
      hash: {
        updateTimestamp: timestamp,
        hash: rule.hash,
        sidecarSetName: rule.name,
        sidecarList: list,
        ...(revision ? { controllerRevision: revision } : {}),
      },
      withoutImage: { updateTimestamp: timestamp, hash: rule.hashWithoutImage, sidecarSetName: rule.name, sidecarList: list },
    };
    byTimestamp.set(timestamp, entries);
  }
  return entries;
}

/**
 * Kruise's annotations (pkg/control/sidecarcontrol/util.go, UpdatePodSidecarSetHash; buildSidecars); entries emptied by stripping leave no
 * annotation behind.
 */
function writeBookkeeping(annotations: Record<string, string>, bookkeeping: Bookkeeping, hotInjected: boolean): void {
  const set = (key: string, value: string | undefined) => {
    if (value === undefined) delete annotations[key];
    else annotations[key] = value;
  };
  set(HASH_ANNOTATION, bookkeeping.hashes.size > 0 ? encodeHashMap(bookkeeping.hashes, true) : undefined);
  set(
    HASH_WITHOUT_IMAGE_ANNOTATION,
    bookkeeping.hashesWithoutImage.size > 0 ? encodeHashMap(bookkeeping.hashesWithoutImage, false) : undefined,
  );
  set(INJECTED_LIST_ANNOTATION, bookkeeping.injectedList.size > 0 ? [...bookkeeping.injectedList].sort(byteOrder).join(',') : undefined);
  if (hotInjected || annotations[WORKING_HOT_UPGRADE_ANNOTATION] !== undefined) {
    set(WORKING_HOT_UPGRADE_ANNOTATION, bookkeeping.hotWorking.size > 0 || hotInjected ? goMapJson(bookkeeping.hotWorking) : undefined);
  }
}

function describeStripped(s: StripOutcome, volumes: string[]): string {
  const parts = [];
  if (s.sidecarSets.length > 0) parts.push(`SidecarSets ${s.sidecarSets.join(', ')}`);
  if (s.containers.length > 0) parts.push(`containers ${s.containers.join(', ')}`);
  if (volumes.length > 0) parts.push(`volumes ${volumes.join(', ')}`);
  return parts.join('; ');
}

interface Ownership {
  /** Every step's record on the template; this step's is replaced once it has injected. */
  records: InjectionRecords;
  /** What this step injected in an earlier run (adopted, for a template injected before steps). */
  mine: StepRecord;
  others: InjectionRecords;
  /** The rules this step applies: the matched ones less those another step already applied. */
  rules: readonly Rule[];
  /** The template with what this step overwrote given back. */
  undone: Undone;
}

interface Undone extends Template {
  /** Recorded changes that could not be given back because a later step built on them. */
  blocked: OverwrittenRecord;
  /** Pull secrets this step added earlier and keeps. */
  keptSecrets: ReadonlySet<string>;
}

/**
 * Whose injection is whose (inject/ownership.ts), and the template as it was before this step's
 * earlier run, as far as that run recorded what it overwrote.
 */
function takeOwnership(original: PodTemplate, matched: readonly Rule[], ctx: InjectContext, problems: Problem[]): Ownership {
  const annotations = { ...(original.metadata?.annotations ?? {}) };
  const onTemplate = readInjectionRecords(annotations);
  delete annotations[INJECTIONS_ANNOTATION];
  delete annotations[OVERWRITTEN_ANNOTATION];
  let records: InjectionRecords = new Map();
  let mine: StepRecord = { sidecarSets: [], containers: [] };
  if (onTemplate.kind === 'invalid') {
    problems.push({
      severity: 'warning',
      message:
        `annotation ${onTemplate.annotation} cannot be read (${onTemplate.problem}), so what earlier runs ` +
        `injected and overwrote is not undone: the template is taken as it stands`,
      fieldPath: `metadata.annotations[${JSON.stringify(onTemplate.annotation)}]`,
      sidecarSets: [],
    });
  } else if (onTemplate.kind === 'records') {
    records = onTemplate.records;
    mine = records.get(ctx.step) ?? mine;
  } else {
    const hashes = parseHashAnnotation(annotations[HASH_ANNOTATION]);
    if (typeof hashes !== 'string')
      mine = adoptLegacyInjection(original.spec, hashes, (ts) => isWrittenByThisFunction(ts, ctx.options), onTemplate.legacyOverwritten);
  }
  const others: InjectionRecords = new Map([...records].filter(([step]) => step !== ctx.step));
  const rules = matched.filter((rule) => !appliedByAnotherStep(rule, mine, others, annotations, problems));

  const undone = mine.overwritten
    ? undoRecorded({ annotations, spec: original.spec }, mine.overwritten)
    : { annotations, spec: original.spec, blocked: {} };
  const keptSecrets = new Set<string>();
  const added = new Set(mine.imagePullSecrets ?? []);
  if (added.size > 0 && undone.spec.imagePullSecrets) {
    const wanted = new Set(rules.flatMap((r) => (r.set.spec.imagePullSecrets ?? []).map((s) => s.name)));
    const spec = undone.spec;
    const fromServiceAccount = new Set(
      (ctx.serviceAccountPullSecrets(spec.serviceAccountName || spec.serviceAccount || 'default') ?? []).map((s) => s.name),
    );
    // A list that holds only this step's additions is built again from scratch (mergePullSecrets: the
    // ServiceAccount's secrets come first when a pod has none). Otherwise what is still added keeps its place.
    const onlyMine = (spec.imagePullSecrets ?? []).every((s) => s.name !== undefined && added.has(s.name));
    const keep = (name: string | undefined) =>
      name === undefined || !added.has(name) || (!onlyMine && (wanted.has(name) || fromServiceAccount.has(name)));
    const list = undone.spec.imagePullSecrets.filter((s) => keep(s.name));
    for (const s of list) if (s.name !== undefined && added.has(s.name)) keptSecrets.add(s.name);
    undone.spec = { ...undone.spec, imagePullSecrets: list.length > 0 ? list : undefined };
    if (list.length === 0) delete undone.spec.imagePullSecrets;
  }
  return { records, mine, others, rules, undone: { ...undone, keptSecrets } };
}

/**
 * A SidecarSet that another step already applied to this template: the same spec is left as that
 * step injected it; a different spec under the same name is an error (which one would a cluster run?).
 */
function appliedByAnotherStep(
  rule: Rule,
  mine: StepRecord,
  others: InjectionRecords,
  annotations: Record<string, string>,
  problems: Problem[],
): boolean {
  if (mine.sidecarSets.includes(rule.name)) return false;
  const step = [...others].find(([, r]) => r.sidecarSets.includes(rule.name))?.[0];
  if (step === undefined) return false;
  const hashes = parseHashAnnotation(annotations[HASH_ANNOTATION]);
  const entry = typeof hashes === 'string' ? undefined : hashes.get(rule.name);
  if (entry?.hash !== rule.hash) {
    problems.push({
      severity: 'error',
      message:
        `SidecarSet ${rule.name} was already injected into this template by another step (${step}) with a ` +
        `different spec: one name, two SidecarSets; rename one of them or apply it in one step only`,
      sidecarSets: [rule.name],
    });
  }
  return true;
}

function crossStepConflict(built: BuiltContainer, hashes: HashMap, others: InjectionRecords | undefined): Problem {
  const name = built.container.name;
  const [step] = [...(others ?? [])].find(([, r]) => r.containers.includes(name)) ?? [];
  const otherSet =
    [...hashes.values()].find((e) => e.sidecarSetName !== built.rule && (e.sidecarList ?? []).some((n) => withTwins(n).includes(name)))
      ?.sidecarSetName ?? [...(others ?? [])].find(([, r]) => r.containers.includes(name))?.[1].sidecarSets.join(', ');
  return {
    severity: 'error',
    message:
      `SidecarSet ${built.rule} injects a container ${name}, and SidecarSet ${otherSet ?? '(unknown)'} of another ` +
      `step (${step}) already injected a container of that name into this template; the other step's container is kept`,
    sidecarSets: [built.rule, ...(otherSet ? [otherSet] : [])],
  };
}

/** Whether a hash entry's timestamp is one this function writes (the epoch, or the configured one). */
export function isWrittenByThisFunction(timestamp: string | null, options: Options): boolean {
  return timestamp === EPOCH_TIMESTAMP || (timestamp !== null && timestamp === options.injectionTimestamp);
}

/** For each container name, the first SidecarSet in list order that builds it. */
function firstOwners(built: readonly BuiltContainer[], rules: readonly Rule[]): Map<string, string> {
  const order = new Map(rules.map((r, i) => [r.name, i]));
  const owner = new Map<string, string>();
  for (const b of built) {
    const current = owner.get(b.container.name);
    if (current === undefined || (order.get(b.rule) ?? 0) < (order.get(current) ?? 0)) owner.set(b.container.name, b.rule);
  }
  return owner;
}

function serviceAccountRule(rule: Rule, built: readonly BuiltContainer[], options: Options): ServiceAccountRule {
  const scope = tokenScopeOf(rule.set.metadata.annotations);
  return {
    name: rule.name,
    serviceAccountName: options.featureGates.SidecarSetServiceAccountInjection ? rule.set.spec.serviceAccountName : undefined,
    errorOnConflict: rule.set.spec.errorWhenServiceAccountInjectionConflict === true,
    // An invalid scope is reported once per SidecarSet by the rules stage.
    tokenScope: typeof scope === 'string' ? scope : 'Pod',
    containerNames: built.filter((b) => b.rule === rule.name).map((b) => b.container.name),
  };
}

/** The outcome: the patched annotations put on the template (an empty map only where it had one). */
export function finish(state: Injection, injected: string[]): InjectOutcome {
  const { original, pod, annotations, problems } = state;
  const metadata = pod.metadata ?? {};
  const hadEmptyMap = original.metadata?.annotations !== undefined && Object.keys(original.metadata.annotations).length === 0;
  if (Object.keys(annotations).length > 0 || hadEmptyMap) metadata.annotations = annotations;
  else delete metadata.annotations;
  if (original.metadata === undefined && Object.keys(metadata).length === 0) delete pod.metadata;
  const changed = !deepEqual(original, pod);
  return { template: changed ? pod : original, changed, problems, injected: changed ? injected : [] };
}

/**
 * Kruise's util.MergeVolumes (pkg/util/pods.go) in sidecarsetMutatingPod: the pod's own volume of a name always wins; between SidecarSets
 * the first does. A volume
 * an earlier run injected is not the pod's own: the first SidecarSet defining it now replaces it in place.
 */
function mergeVolumes(state: Injection, candidates: Array<{ volume: V1Volume; rule: string }>, earlier: ReadonlySet<string>): void {
  const spec = state.pod.spec;
  let existing = spec.volumes ?? [];
  const byName = new Map(existing.map((v) => [v.name, v]));
  const renewed = new Set<string>();
  const added: V1Volume[] = [];
  for (const { volume, rule } of candidates) {
    const present = byName.get(volume.name);
    if (present && earlier.has(volume.name) && !renewed.has(volume.name)) {
      renewed.add(volume.name);
      const copy = deepClone(volume);
      existing = existing.map((v) => (v === present ? copy : v));
      byName.set(volume.name, copy);
      continue;
    }
    if (present) {
      if (existing.includes(present) && !renewed.has(volume.name) && !deepEqual(present, volume)) {
        state.problems.push({
          severity: 'warning',
          message: `the template's own volume ${volume.name} is kept; SidecarSet ${rule} defines a different volume of that name`,
          fieldPath: `spec.volumes[${existing.indexOf(present)}]`,
          sidecarSets: [rule],
        });
      }
      continue;
    }
    const copy = deepClone(volume);
    byName.set(volume.name, copy);
    added.push(copy);
  }
  if (added.length > 0 || renewed.size > 0) spec.volumes = [...existing, ...added];
}

function mergePullSecrets(state: Injection, sidecarSecrets: V1LocalObjectReference[]): void {
  const { ctx, rules } = state;
  const spec = state.pod.spec;
  const own = spec.imagePullSecrets ?? [];
  let first = own;
  if (own.length === 0 && sidecarSecrets.length > 0) {
    // The ServiceAccount admission plugin (kubernetes plugin/pkg/admission/serviceaccount/admission.go) copies the ServiceAccount's secrets
    // only into pods
    // without any; it runs with the ServiceAccount the pod ends up with.
    const serviceAccount = spec.serviceAccountName || spec.serviceAccount || 'default';
    const fromServiceAccount = ctx.serviceAccountPullSecrets(serviceAccount);
    if (fromServiceAccount) first = fromServiceAccount;
    else {
      state.problems.push({
        severity: 'warning',
        message:
          `imagePullSecrets added to a template that had none, and ServiceAccount ${serviceAccount} is not among ` +
          `the items: once the pod has secrets, Kubernetes no longer copies that ServiceAccount's imagePullSecrets into ` +
          `it; add the ServiceAccount to the package (its secrets are then kept) or list them in the template`,
        fieldPath: 'spec.imagePullSecrets',
        sidecarSets: rules.filter((r) => (r.set.spec.imagePullSecrets ?? []).length > 0).map((r) => r.name),
      });
    }
  }
  const names = new Set<string | undefined>();
  const merged: V1LocalObjectReference[] = [];
  for (const s of [...first, ...sidecarSecrets]) {
    if (names.has(s.name)) continue;
    names.add(s.name);
    merged.push(deepClone(s));
  }
  if (!deepEqual(merged, own) && (merged.length > 0 || spec.imagePullSecrets !== undefined)) {
    spec.imagePullSecrets = merged.length > 0 ? merged : undefined;
    if (spec.imagePullSecrets === undefined) delete spec.imagePullSecrets;
  }
}
