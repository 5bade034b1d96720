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
import { hotUpgradeContainers, HOT_UPGRADE_SUFFIXES } from './hot-upgrade.js';
import { mergeContainers, type BuiltContainer } from './containers.js';
import { containerNameConflicts, metadataConflicts, resultingPodProblems, volumeConflicts } from './pod-checks.js';
import { stripStaleInjection, sweepUnmounted, volumesOnlySidecarsMount, type Bookkeeping, type StripOutcome } from './strip.js';
import { applyServiceAccount, tokenScopeOf, type ServiceAccountRule } from './service-account.js';
import { OVERWRITTEN_ANNOTATION, readRecord, recordOverwrites, undoRecorded, type Template } from './overwritten.js';
import {
  EPOCH_TIMESTAMP,
  HASH_ANNOTATION,
  HASH_WITHOUT_IMAGE_ANNOTATION,
  INJECTED_LIST_ANNOTATION,
  WORKING_HOT_UPGRADE_ANNOTATION,
  encodeHashMap,
  type HashEntry,
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
}

export interface InjectContext {
  options: Options;
  /** LimitRange objects of the pod's namespace, when among the items. */
  limitRanges?: unknown[];
  /** The pod's namespace. */
  namespace: string;
  /** imagePullSecrets of a ServiceAccount of the pod's namespace, when it is among the items. */
  serviceAccountPullSecrets: (serviceAccountName: string) => V1LocalObjectReference[] | undefined;
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

export function injectTemplate(original: PodTemplate, rules: readonly Rule[], ctx: InjectContext): InjectOutcome {
  const problems: Problem[] = [];
  const unchanged = (): InjectOutcome => ({ template: original, changed: false, problems, injected: [] });
  const base = ctx.options.stripPreviousInjection ? undoPreviousOverwrites(original, problems) : undefined;
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
  const stripped = ctx.options.stripPreviousInjection
    ? stripStaleInjection(
        spec,
        annotations,
        books,
        new Map(rules.map((r) => [r.name, new Set([...(r.set.spec.containers ?? []), ...(r.set.spec.initContainers ?? [])].map((c) => c.name))])),
        (ts) => ts === EPOCH_TIMESTAMP || (ts !== null && ts === ctx.options.injectionTimestamp),
      )
    : undefined;
  // An earlier run's volumes: replaced by the current definition when a SidecarSet still has them, else dropped once unused.
  const earlierVolumes = new Set(
    base && stripped?.earlierRun ? [...volumesOnlySidecarsMount(original.spec)].filter((name) => !base.ownVolumes.has(name)) : [],
  );

  // §3.3 build, looking at the pod as it is after the metadata patch; the pod is not changed meanwhile.
  const seen = { metadata: { ...metadata, annotations }, spec };
  const podContainers = spec.containers ?? [];
  const forbiddenNames = new Set(
    rules.flatMap((r) => [...(r.set.spec.containers ?? []), ...(r.set.spec.initContainers ?? [])].map((c) => c.name)),
  );
  const injectedNow = new Set([...forbiddenNames].flatMap((n) => [n, ...HOT_UPGRADE_SUFFIXES.map((s) => n + s)]));
  // Idempotency (§6.5 item 2): a sidecar this run re-injects is no source for another sidecar's transferEnv.
  const transferSources = podContainers.filter((c) => !(injectedNow.has(c.name) && isInjectedSidecar(c)));
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
        const computed = computeSidecarResources({ sidecar: c, pod: seen, forbiddenNames: injectedNow, limitRanges: ctx.limitRanges as never });
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
      if (!hot) return [{ container: goOrderContainerChanged(orderedSidecar(spec0), c, c.resourcesPolicy ? PER_POD_FIELDS_WITH_RESOURCES : PER_POD_FIELDS), policy: c.podInjectPolicy, rule: rule.name }];
      if (!c.upgradeStrategy?.hotUpgradeEmptyImage) {
        problem('warning', 'HotUpgrade without upgradeStrategy.hotUpgradeEmptyImage: the idle container gets no image and the pod will be rejected');
      }
      hotInjected = true;
      const twins = hotUpgradeContainers(c);
      for (const [k, v] of twins.annotations) extraAnnotations.set(k, v);
      hotWorking.set(c.name, twins.working);
      return twins.containers.map((t) => ({ container: goOrderContainer(t), policy: c.podInjectPolicy, rule: rule.name }));
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

  // Last steps of every path that injects or strips: what is left of earlier runs, and the record for the next.
  const conclude = (replaced: { containers: string[]; initContainers: string[] }) => {
    if (!base || !stripped) return;
    const volumes = sweepUnmounted(spec, earlierVolumes);
    if (stripped.containers.length + stripped.sidecarSets.length + volumes.length > 0) {
      problems.push({
        severity: 'info',
        message: `removed what an earlier run injected for SidecarSets that no longer apply here or changed: ${describeStripped(stripped, volumes)}`,
        sidecarSets: stripped.sidecarSets,
      });
    }
    const ownSidecarOnly = base.spec.volumes?.length
      ? new Set([...volumesOnlySidecarsMount(spec)].filter((name) => !earlierVolumes.has(name)))
      : new Set<string>();
    const record = recordOverwrites(base, { annotations, spec }, patched.changedKeys, replaced, ownSidecarOnly);
    // Field order is the template's, so that a container given back reads as its author wrote it.
    if (record) annotations[OVERWRITTEN_ANNOTATION] = JSON.stringify(record);
  };
  if (builtInit.length === 0 && builtContainers.length === 0) {
    if (stripped && stripped.containers.length + stripped.sidecarSets.length > 0) writeBookkeeping(annotations, books, false);
    conclude({ containers: [], initContainers: [] });
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
  const initMerge = mergeContainers(spec.initContainers ?? [], builtInit);
  const containerMerge = mergeContainers(spec.containers ?? [], builtContainers);
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

  mergeVolumes(spec, candidateVolumes, earlierVolumes, problems);
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
  conclude({
    containers: containerMerge.replacedAppContainers.map((r) => r.name),
    initContainers: initMerge.replacedAppContainers.map((r) => r.name),
  });

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

/**
 * The template as it was before an earlier run, as far as that run recorded what it overwrote
 * (inject/overwritten.ts); undefined fields of the result are the template's own.
 */
function undoPreviousOverwrites(original: PodTemplate, problems: Problem[]): Template & { ownVolumes: ReadonlySet<string> } {
  const annotations = original.metadata?.annotations ?? {};
  const record = readRecord(annotations);
  if (record === undefined) return { annotations, spec: original.spec, ownVolumes: new Set() };
  if ('invalid' in record) {
    problems.push({
      severity: 'warning',
      message: `annotation ${OVERWRITTEN_ANNOTATION} cannot be read (${record.invalid}), so what an earlier run changed of the template's own annotations, pull secrets, ServiceAccount, volumes and containers is not undone: the template is taken as it stands`,
      fieldPath: `metadata.annotations[${JSON.stringify(OVERWRITTEN_ANNOTATION)}]`,
      sidecarSets: [],
    });
    const rest = { ...annotations };
    delete rest[OVERWRITTEN_ANNOTATION];
    return { annotations: rest, spec: original.spec, ownVolumes: new Set() };
  }
  return { ...undoRecorded({ annotations, spec: original.spec }, record), ownVolumes: new Set(record.ownVolumes) };
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
