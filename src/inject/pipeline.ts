// The create path of the Kruise pod webhook (§3.0) on one pod template. Pure: a template and the
// ordered, matched rules in; a new template, whether it changed, and problems out.
import type { V1LocalObjectReference, V1Volume } from '@kubernetes/client-node';
import type { Rule } from '../sidecarset/rules.js';
import type { Container, SidecarContainer } from '../sidecarset/types.js';
import type { Options } from '../config/options.js';
import type { Severity } from '../krm/results.js';
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
  HASH_ANNOTATION,
  HASH_WITHOUT_IMAGE_ANNOTATION,
  INJECTED_LIST_ANNOTATION,
  WORKING_HOT_UPGRADE_ANNOTATION,
  encodeHashMap,
  type HashEntry,
  type HashMap,
  goMapJson,
  parseHashAnnotation,
  parseStringMap,
} from './bookkeeping.js';

/** Something to report about the template; fieldPath is relative to the template. */
export interface Problem {
  severity: Severity;
  message: string;
  fieldPath?: string;
  sidecarSets: string[];
  /** Marks the report of what a step stripped of its own earlier run: the modes that write nothing, and uninject, say that their own way. */
  stripped?: true;
}

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
function orderedSidecar(spec0: SidecarContainer): Container {
  let ordered = orderedSidecars.get(spec0);
  if (!ordered) orderedSidecars.set(spec0, (ordered = goOrderContainer(spec0)));
  return ordered;
}

export function injectTemplate(original: PodTemplate, matched: readonly Rule[], ctx: InjectContext): InjectOutcome {
  const problems: Problem[] = [];
  const unchanged = (): InjectOutcome => ({ template: original, changed: false, problems, injected: [] });
  const owned = ctx.options.stripPreviousInjection ? takeOwnership(original, matched, ctx, problems) : undefined;
  const rules = owned?.rules ?? matched;
  const base = owned?.base;
  // Shallow copies: every step below replaces the lists and maps it changes instead of editing them.
  const pod: PodTemplate = { ...original, spec: { ...(base?.spec ?? original.spec) } };
  const metadata = (pod.metadata = { ...(original.metadata ?? {}) });
  let spec = pod.spec;

  // §3.1 patchPodMetadata, in list order; its errors reject the pod.
  const patched = applyPatchPodMetadata(
    { ...(base?.annotations ?? metadata.annotations ?? {}) },
    rules.map((r) => ({ name: r.name, patchPodMetadata: r.set.spec.patchPodMetadata })),
    { normalizeMergePatchOnFirstWrite: ctx.options.normalizeMergePatchOnFirstWrite },
  );
  for (const e of patched.errors) {
    problems.push({
      severity: 'error',
      message: `patchPodMetadata of SidecarSet ${e.sidecarSet} cannot be applied to annotation ${e.key}: ${e.message}; the cluster would reject every pod of this template`,
      fieldPath: `metadata.annotations[${JSON.stringify(e.key)}]`,
      sidecarSets: [e.sidecarSet],
    });
  }
  if (patched.errors.length > 0) return unchanged();
  const annotations: Record<string, string> = patched.annotations;

  // §3.2 what the pod already carries.
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
  if (typeof hashes === 'string' || typeof hashesWithoutImage === 'string') return unchanged();
  const hotWorking = parseStringMap(annotations[WORKING_HOT_UPGRADE_ANNOTATION]);
  const injectedList = new Set<string>(
    annotations[INJECTED_LIST_ANNOTATION] ? annotations[INJECTED_LIST_ANNOTATION].split(',') : [],
  );

  const books = { hashes, hashesWithoutImage, injectedList, hotWorking };
  const forbiddenNames = new Set(
    rules.flatMap((r) => [...(r.set.spec.containers ?? []), ...(r.set.spec.initContainers ?? [])].map((c) => c.name)),
  );
  const injectedNow = new Set([...forbiddenNames].flatMap(withTwins));
  const stripped = owned ? stripStaleInjection(spec, annotations, books, owned.mine, new Set(rules.map((r) => r.name)), injectedNow) : undefined;
  // This step's earlier volumes: replaced by the current definition when a SidecarSet still has them, else dropped once unused.
  const earlierVolumes = new Set(owned?.mine.volumes ?? []);
  // Sidecars of every step: none is an app container to the sidecars built now (a single admission has none of them yet).
  const otherSidecars = new Set([...(owned?.others.values() ?? [])].flatMap((r) => r.containers));
  const volumesBefore = new Set((spec.volumes ?? []).map((v) => v.name));
  const secretsBefore = new Set((spec.imagePullSecrets ?? []).map((s) => s.name));

  // §3.3 build, looking at the pod as it is after the metadata patch; the pod is not changed meanwhile.
  const seen = { metadata: { ...metadata, annotations }, spec };
  const podContainers = spec.containers ?? [];
  // Idempotency (§6.5 item 2): a sidecar this run re-injects, or another step injected, is no source for transferEnv.
  const transferSources = podContainers.filter((c) => !((injectedNow.has(c.name) || otherSidecars.has(c.name)) && isInjectedSidecar(c)));
  const resourceTargetsExcluded = new Set([...injectedNow, ...otherSidecars]);
  const builtInit: BuiltContainer[] = [];
  const builtContainers: BuiltContainer[] = [];
  const candidateVolumes: Array<{ volume: V1Volume; rule: string }> = [];
  const sidecarSecrets: V1LocalObjectReference[] = [];
  const extraAnnotations = new Map<string, string>();
  const timestamp = ctx.options.injectionTimestamp ?? EPOCH_TIMESTAMP;
  let hotInjected = false;
  let failed = false;

  for (const rule of rules) {
    injectedList.add(rule.name);
    const volumesByName = new Map((rule.set.spec.volumes ?? []).map((v) => [v.name, v]));
    const sidecarList = new Set<string>();
    let processed = false;

    const build = (spec0: SidecarContainer, kind: 'initContainers' | 'containers', index: number): BuiltContainer[] => {
      const where = `${kind}[${index}]`;
      // Only the fields in PER_POD_FIELDS are replaced below; the rest stays shared with the SidecarSet.
      const c: SidecarContainer = { ...spec0 };
      const problem = (severity: Severity, message: string) =>
        problems.push({ severity, message: `SidecarSet ${rule.name} ${where} (${c.name}): ${message}`, sidecarSets: [rule.name] });

      if (c.resourcesPolicy) {
        // Hot-upgrade twins of an earlier run are no targets either: in a first admission they do not exist yet.
        const computed = computeSidecarResources({ sidecar: c, pod: seen, forbiddenNames: resourceTargetsExcluded, limitRanges: ctx.limitRanges as never });
        if (!computed.ok) {
          problem('error', `resourcesPolicy: ${computed.error}; the cluster would reject every pod of this template`);
          failed = true;
          return [];
        }
        c.resources = computed.resources;
        for (const w of computed.warnings) problem('warning', `resourcesPolicy: ${w}`);
      }
      const shared = sharedMountsAndEnvs(podContainers, c);
      for (const m of shared.missingEnvs) {
        problem('warning', `shared mount ${m.mountPath} of container ${m.container} uses $(${m.env}) in subPathExpr, but that container defines no env ${m.env} (envFrom is not looked at), so it is not copied into the sidecar`);
      }
      const transfer = transferEnvs(transferSources, metadata.labels ?? {}, annotations, c);
      for (const w of transfer.warnings) problem('warning', `${w.path}: ${w.message}`);
      const extraEnv = appendMissingEnvs(transfer.envs, shared.subPathEnvs);

      for (const [list, what] of [
        [c.volumeMounts ?? [], 'volumeMounts'],
        [c.volumeDevices ?? [], 'volumeDevices'],
      ] as const) {
        for (const m of list) {
          const volume = volumesByName.get(m.name);
          if (volume) candidateVolumes.push({ volume, rule: rule.name });
          else problem('warning', `${what} ${m.name} names no volume of the SidecarSet; no volume is injected for it`);
        }
      }
      const mounts = mergeSidecarMounts(c.volumeMounts, c.volumeDevices, shared.mounts);
      // Two app containers often mount one volume at one path; only a real collision is worth a word.
      for (const m of mounts.skipped) {
        if (mounts.mounts.some((kept) => deepEqual(kept, m))) continue;
        problem('warning', `shared volume mount ${m.name} at ${m.mountPath} not added: the sidecar already uses that path`);
      }
      c.volumeMounts = mounts.mounts.length > 0 ? mounts.mounts : undefined;
      c.env = mergeSidecarEnv(c.env, extraEnv);
      const devices = mergeSidecarDevices(podContainers, c, mounts.mounts);
      for (const d of devices.skipped) {
        if ((devices.devices ?? []).some((kept) => deepEqual(kept, d))) continue;
        problem('warning', `shared volume device ${d.name} at ${d.devicePath} not added: the sidecar already uses that path`);
      }
      c.volumeDevices = devices.devices && devices.devices.length > 0 ? devices.devices : undefined;

      const native = kind === 'initContainers' && c.restartPolicy === 'Always';
      const hot = c.upgradeStrategy?.upgradeType === 'HotUpgrade' && (kind === 'containers' || native);
      const placement = rule.placements?.get(c.name);
      if (!hot) return [{ container: goOrderContainerChanged(orderedSidecar(spec0), c, c.resourcesPolicy ? PER_POD_FIELDS_WITH_RESOURCES : PER_POD_FIELDS), policy: c.podInjectPolicy, rule: rule.name, placement }];
      if (!c.upgradeStrategy?.hotUpgradeEmptyImage) {
        problem('warning', 'HotUpgrade without upgradeStrategy.hotUpgradeEmptyImage: the idle container gets no image and the pod will be rejected');
      }
      hotInjected = true;
      const twins = hotUpgradeContainers(c);
      for (const [k, v] of twins.annotations) extraAnnotations.set(k, v);
      hotWorking.set(c.name, twins.working);
      return twins.containers.map((t) => ({ container: goOrderContainer(t), policy: c.podInjectPolicy, rule: rule.name, placement }));
    };

    (rule.set.spec.initContainers ?? []).forEach((ic, i) => {
      if (ic.restartPolicy === 'Always') sidecarList.add(ic.name);
      builtInit.push(...build(ic, 'initContainers', i));
      processed = true;
    });
    sidecarSecrets.push(...(rule.set.spec.imagePullSecrets ?? []));
    (rule.set.spec.containers ?? []).forEach((c, i) => {
      sidecarList.add(c.name);
      builtContainers.push(...build(c, 'containers', i));
      processed = true;
    });
    if (processed) {
      const previous = hashes.get(rule.name);
      const ts = previous && previous.hash === rule.hash && previous.updateTimestamp ? previous.updateTimestamp : timestamp;
      const entries = hashEntries(rule, ts, sidecarList);
      hashes.set(rule.name, entries.hash);
      hashesWithoutImage.set(rule.name, entries.withoutImage);
    }
  }
  if (failed) return unchanged();

  // Last steps of every path that injects or strips: what is left of this step's earlier run, and its record for the next.
  const conclude = (replaced: { containers: string[]; initContainers: string[] }, injectedNames: readonly string[], placement?: Record<string, string>) => {
    if (!owned || !stripped) return;
    const volumes = sweepUnmounted(spec, earlierVolumes);
    if (stripped.containers.length + stripped.sidecarSets.length + volumes.length > 0) {
      problems.push({
        severity: 'warning',
        message: `removed what an earlier run of this step (${ctx.step}) injected for SidecarSets that no longer apply here or changed: ${describeStripped(stripped, volumes)}`,
        sidecarSets: stripped.sidecarSets,
        stripped: true,
      });
    }
    const overwritten = recordOverwrites(owned.base, { annotations, spec }, patched.changedKeys, replaced, owned.base.blocked, {
      annotations: new Set(rules.flatMap((r) => (r.set.spec.patchPodMetadata ?? []).flatMap((p) => Object.keys(p.annotations ?? {})))),
      serviceAccount: ctx.options.featureGates.SidecarSetServiceAccountInjection && rules.some((r) => !!r.set.spec.serviceAccountName),
    }, earlierVolumes);
    const finalVolumes = (spec.volumes ?? []).map((v) => v.name);
    const finalSecrets = (spec.imagePullSecrets ?? []).map((s) => s.name).filter((n): n is string => typeof n === 'string');
    owned.records.set(ctx.step, {
      sidecarSets: rules.map((r) => r.name).sort(byteOrder),
      containers: [...injectedNames],
      volumes: finalVolumes.filter((n) => !volumesBefore.has(n) || earlierVolumes.has(n)),
      imagePullSecrets: finalSecrets.filter((n) => !secretsBefore.has(n) || owned.base.keptSecrets.has(n)),
      ...(overwritten ? { overwritten } : {}),
      ...(placement ? { placement } : {}),
      // Known on this step's first run only; kept from its record after that.
      emptyBefore: owned.mine.emptyBefore ?? (owned.records.size === 0 ? emptyFieldsOf(original) : []),
    });
    delete annotations[OVERWRITTEN_ANNOTATION];
    const encoded = encodeInjectionRecords(owned.records);
    if (encoded === undefined) delete annotations[INJECTIONS_ANNOTATION];
    else annotations[INJECTIONS_ANNOTATION] = encoded;
  };
  if (builtInit.length === 0 && builtContainers.length === 0) {
    if (stripped && stripped.containers.length + stripped.sidecarSets.length > 0) writeBookkeeping(annotations, books, false);
    conclude({ containers: [], initContainers: [] }, []);
    return finish(original, pod, annotations, problems, []);
  }
  problems.push(
    ...containerNameConflicts([...builtInit, ...builtContainers]),
    ...volumeConflicts(candidateVolumes),
    ...metadataConflicts(rules.map((r) => ({ name: r.name, patchPodMetadata: r.set.spec.patchPodMetadata }))),
  );
  // After that error, a pod with two containers of one name would be worse than one of them:
  // keep the first SidecarSet's (which also makes a re-run a fixed point).
  const owner = firstOwners([...builtInit, ...builtContainers], rules);
  const firstOnly = (list: BuiltContainer[]) => list.filter((b) => owner.get(b.container.name) === b.rule);
  builtInit.splice(0, builtInit.length, ...firstOnly(builtInit));
  builtContainers.splice(0, builtContainers.length, ...firstOnly(builtContainers));
  if (otherSidecars.size > 0) {
    // Another step's sidecar of the same name stays, as the first SidecarSet's does within one run.
    const theirs = (b: BuiltContainer) => otherSidecars.has(b.container.name) && [...(spec.initContainers ?? []), ...(spec.containers ?? [])].some((c) => c.name === b.container.name && isInjectedSidecar(c));
    for (const b of [...builtInit, ...builtContainers].filter(theirs)) problems.push(crossStepConflict(b, hashes, owned?.others));
    builtInit.splice(0, builtInit.length, ...builtInit.filter((b) => !theirs(b)));
    builtContainers.splice(0, builtContainers.length, ...builtContainers.filter((b) => !theirs(b)));
  }
  const built = [...builtInit, ...builtContainers];

  builtInit.sort((a, b) => byteOrder(a.container.name, b.container.name));
  if (ctx.options.featureGates.EnableSortSidecarContainerByName) {
    builtContainers.sort((a, b) => byteOrder(a.container.name, b.container.name));
  } else {
    const contributors = [...new Set(builtContainers.map((b) => b.rule))];
    if (contributors.length > 1) {
      problems.push({
        severity: 'warning',
        message: `SidecarSets ${contributors.join(', ')} all add containers: in a cluster their order is random (Kruise lists SidecarSets from a map); rendered in this function's fixed order. Turn on the EnableSortSidecarContainerByName feature gate, here and in Kruise, for one order everywhere`,
        fieldPath: 'spec.containers',
        sidecarSets: contributors,
      });
    }
  }
  const placing = placementContext(built, owned?.mine, owned?.others.values() ?? []);
  const initMerge = mergeAndPlace(spec.initContainers ?? [], builtInit, placing, 'initContainers');
  const containerMerge = mergeAndPlace(spec.containers ?? [], builtContainers, placing, 'containers');
  problems.push(...initMerge.problems, ...containerMerge.problems);
  for (const [merge, kind] of [
    [initMerge, 'initContainers'],
    [containerMerge, 'containers'],
  ] as const) {
    for (const r of merge.replacedAppContainers) {
      problems.push({
        severity: 'warning',
        message: `SidecarSet ${r.rule} replaces the ${kind === 'containers' ? 'container' : 'init container'} ${r.name}, which the template defines itself (not injected by a SidecarSet)`,
        fieldPath: `spec.${kind}[${r.index}]`,
        sidecarSets: [r.rule],
      });
    }
  }
  if (builtInit.length > 0) spec.initContainers = initMerge.containers;
  spec.containers = containerMerge.containers;
  problems.push(...resultingPodProblems(spec.initContainers ?? [], spec.containers, new Map(built.map((b) => [b.container.name, b.rule]))));

  // A SidecarSet's volume comes with a container of it that mounts it, not with one a name conflict left out.
  const mountedBy = (c: Container, name: string) => [...(c.volumeMounts ?? []), ...(c.volumeDevices ?? [])].some((m) => m.name === name);
  const kept = candidateVolumes.filter((v) => built.some((b) => b.rule === v.rule && mountedBy(b.container, v.volume.name)));
  mergeVolumes(spec, kept, earlierVolumes, problems);
  const serviceAccount = applyServiceAccount(
    spec,
    rules.map((r) => serviceAccountRule(r, built, ctx.options)),
    {
      namespace: ctx.namespace,
      serviceAccountExists: (_ns, name) => ctx.serviceAccountPullSecrets(name) !== undefined,
      managedElsewhere: new Set(ctx.options.serviceAccountsManagedElsewhere),
      missingSeverity: ctx.options.missingServiceAccount,
    },
  );
  spec = pod.spec = serviceAccount.spec;
  problems.push(...serviceAccount.problems);
  mergePullSecrets(spec, sidecarSecrets, ctx, problems, rules);

  writeBookkeeping(annotations, books, hotInjected);
  for (const key of [...extraAnnotations.keys()].sort(byteOrder)) annotations[key] = extraAnnotations.get(key) as string;
  conclude(
    {
      containers: containerMerge.replacedAppContainers.map((r) => r.name),
      initContainers: initMerge.replacedAppContainers.map((r) => r.name),
    },
    built.map((b) => b.container.name),
    placementRecord(built),
  );

  return finish(
    original,
    pod,
    annotations,
    problems,
    [...builtInit, ...builtContainers].map((b) => b.container.name),
  );
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
      hash: { updateTimestamp: timestamp, hash: rule.hash, sidecarSetName: rule.name, sidecarList: list, ...(revision ? { controllerRevision: revision } : {}) },
      withoutImage: { updateTimestamp: timestamp, hash: rule.hashWithoutImage, sidecarSetName: rule.name, sidecarList: list },
    };
    byTimestamp.set(timestamp, entries);
  }
  return entries;
}

/** §3.7's annotations; entries emptied by stripping leave no annotation behind. */
function writeBookkeeping(annotations: Record<string, string>, books: Bookkeeping, hotInjected: boolean): void {
  const set = (key: string, value: string | undefined) => {
    if (value === undefined) delete annotations[key];
    else annotations[key] = value;
  };
  set(HASH_ANNOTATION, books.hashes.size > 0 ? encodeHashMap(books.hashes, true) : undefined);
  set(HASH_WITHOUT_IMAGE_ANNOTATION, books.hashesWithoutImage.size > 0 ? encodeHashMap(books.hashesWithoutImage, false) : undefined);
  set(INJECTED_LIST_ANNOTATION, books.injectedList.size > 0 ? [...books.injectedList].sort(byteOrder).join(',') : undefined);
  if (hotInjected || annotations[WORKING_HOT_UPGRADE_ANNOTATION] !== undefined) {
    set(WORKING_HOT_UPGRADE_ANNOTATION, books.hotWorking.size > 0 || hotInjected ? goMapJson(books.hotWorking) : undefined);
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
  base: Undone;
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
      message: `annotation ${onTemplate.annotation} cannot be read (${onTemplate.problem}), so what earlier runs injected and overwrote is not undone: the template is taken as it stands`,
      fieldPath: `metadata.annotations[${JSON.stringify(onTemplate.annotation)}]`,
      sidecarSets: [],
    });
  } else if (onTemplate.kind === 'records') {
    records = onTemplate.records;
    mine = records.get(ctx.step) ?? mine;
  } else {
    const hashes = parseHashAnnotation(annotations[HASH_ANNOTATION]);
    if (typeof hashes !== 'string') mine = adoptLegacyInjection(original.spec, hashes, (ts) => isWrittenByThisFunction(ts, ctx.options), onTemplate.legacyOverwritten);
  }
  const others: InjectionRecords = new Map([...records].filter(([step]) => step !== ctx.step));
  const rules = matched.filter((rule) => !appliedByAnotherStep(rule, mine, others, annotations, problems));

  const undone = mine.overwritten ? undoRecorded({ annotations, spec: original.spec }, mine.overwritten) : { annotations, spec: original.spec, blocked: {} };
  const keptSecrets = new Set<string>();
  const added = new Set(mine.imagePullSecrets ?? []);
  if (added.size > 0 && undone.spec.imagePullSecrets) {
    const wanted = new Set(rules.flatMap((r) => (r.set.spec.imagePullSecrets ?? []).map((s) => s.name)));
    const spec = undone.spec;
    const fromServiceAccount = new Set((ctx.serviceAccountPullSecrets(spec.serviceAccountName || spec.serviceAccount || 'default') ?? []).map((s) => s.name));
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
  return { records, mine, others, rules, base: { ...undone, keptSecrets } };
}

/**
 * A SidecarSet that another step already applied to this template: the same spec is left as that
 * step injected it; a different spec under the same name is an error (which one would a cluster run?).
 */
function appliedByAnotherStep(rule: Rule, mine: StepRecord, others: InjectionRecords, annotations: Record<string, string>, problems: Problem[]): boolean {
  if (mine.sidecarSets.includes(rule.name)) return false;
  const step = [...others].find(([, r]) => r.sidecarSets.includes(rule.name))?.[0];
  if (step === undefined) return false;
  const hashes = parseHashAnnotation(annotations[HASH_ANNOTATION]);
  const entry = typeof hashes === 'string' ? undefined : hashes.get(rule.name);
  if (entry?.hash !== rule.hash) {
    problems.push({
      severity: 'error',
      message: `SidecarSet ${rule.name} was already injected into this template by another step (${step}) with a different spec: one name, two SidecarSets; rename one of them or apply it in one step only`,
      sidecarSets: [rule.name],
    });
  }
  return true;
}

function crossStepConflict(built: BuiltContainer, hashes: HashMap, others: InjectionRecords | undefined): Problem {
  const name = built.container.name;
  const [step] = [...(others ?? [])].find(([, r]) => r.containers.includes(name)) ?? [];
  const otherSet =
    [...hashes.values()].find((e) => e.sidecarSetName !== built.rule && (e.sidecarList ?? []).some((n) => withTwins(n).includes(name)))?.sidecarSetName ??
    [...(others ?? [])].find(([, r]) => r.containers.includes(name))?.[1].sidecarSets.join(', ');
  return {
    severity: 'error',
    message: `SidecarSet ${built.rule} injects a container ${name}, and SidecarSet ${otherSet ?? '(unknown)'} of another step (${step}) already injected a container of that name into this template; the other step's container is kept`,
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

function finish(
  original: PodTemplate,
  pod: PodTemplate,
  annotations: Record<string, string>,
  problems: Problem[],
  injected: string[],
): InjectOutcome {
  const metadata = pod.metadata ?? {};
  const hadEmptyMap = original.metadata?.annotations !== undefined && Object.keys(original.metadata.annotations).length === 0;
  if (Object.keys(annotations).length > 0 || hadEmptyMap) metadata.annotations = annotations;
  else delete metadata.annotations;
  if (original.metadata === undefined && Object.keys(metadata).length === 0) delete pod.metadata;
  const changed = !deepEqual(original, pod);
  return { template: changed ? pod : original, changed, problems, injected: changed ? injected : [] };
}

/**
 * §3.6: the pod's own volume of a name always wins; between SidecarSets the first does. A volume
 * an earlier run injected is not the pod's own: the first SidecarSet defining it now replaces it in place.
 */
function mergeVolumes(
  spec: PodTemplate['spec'],
  candidates: Array<{ volume: V1Volume; rule: string }>,
  earlier: ReadonlySet<string>,
  problems: Problem[],
): void {
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
        problems.push({
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

function mergePullSecrets(
  spec: PodTemplate['spec'],
  sidecarSecrets: V1LocalObjectReference[],
  ctx: InjectContext,
  problems: Problem[],
  rules: readonly Rule[],
): void {
  const own = spec.imagePullSecrets ?? [];
  let base = own;
  if (own.length === 0 && sidecarSecrets.length > 0) {
    // §6.3: the ServiceAccount admission plugin copies the ServiceAccount's secrets only into pods
    // without any; it runs with the ServiceAccount the pod ends up with.
    const serviceAccount = spec.serviceAccountName || spec.serviceAccount || 'default';
    const fromServiceAccount = ctx.serviceAccountPullSecrets(serviceAccount);
    if (fromServiceAccount) base = fromServiceAccount;
    else {
      problems.push({
        severity: 'warning',
        message: `imagePullSecrets added to a template that had none, and ServiceAccount ${serviceAccount} is not among the items: once the pod has secrets, Kubernetes no longer copies that ServiceAccount's imagePullSecrets into it; add the ServiceAccount to the package (its secrets are then kept) or list them in the template`,
        fieldPath: 'spec.imagePullSecrets',
        sidecarSets: rules.filter((r) => (r.set.spec.imagePullSecrets ?? []).length > 0).map((r) => r.name),
      });
    }
  }
  const seen = new Set<string | undefined>();
  const merged: V1LocalObjectReference[] = [];
  for (const s of [...base, ...sidecarSecrets]) {
    if (seen.has(s.name)) continue;
    seen.add(s.name);
    merged.push(deepClone(s));
  }
  if (!deepEqual(merged, own) && (merged.length > 0 || spec.imagePullSecrets !== undefined)) {
    spec.imagePullSecrets = merged.length > 0 ? merged : undefined;
    if (spec.imagePullSecrets === undefined) delete spec.imagePullSecrets;
  }
}
