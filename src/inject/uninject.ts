// Un-injection: what this function injected into a pod template removed, and what it overwrote
// given back, step by step from the template's own record (inject/ownership.ts). Each step is
// undone by the path a step takes when none of its SidecarSets applies any more (injectTemplate
// with no rules), so stripping on a re-render and un-injecting cannot drift apart. Kruise has no
// counterpart: it never removes what it injected.
import type { PodTemplate } from '../workloads/locate.js';
import { byteOrder } from '../util/go-string-order.js';
import { deepEqual } from '../util/json.js';
import { injectTemplate, isWrittenByThisFunction, type InjectContext } from './pipeline.js';
import type { Problem } from '../krm/results.js';
import { readInjectionRecords, type EmptyField, type InjectionRecords, type StepRecord } from './ownership.js';
import { undoRecorded, type OverwrittenRecord } from './overwritten.js';
import { parseHashAnnotation } from './bookkeeping.js';
import { HASH_ANNOTATION, INJECTED_LIST_ANNOTATION } from '../sidecarset/kruise-keys.js';

export interface UninjectContext extends Omit<InjectContext, 'step'> {
  /** Only this step's injection is removed; every step's when undefined. */
  only?: string;
}

export interface UninjectOutcome {
  template: PodTemplate;
  changed: boolean;
  problems: Problem[];
}

/** Stands for the one step a template injected before steps existed (no record, this function's timestamps). */
const BEFORE_STEPS = 'an injection before steps';

export function uninjectTemplate(original: PodTemplate, ctx: UninjectContext): UninjectOutcome {
  const annotations = original.metadata?.annotations ?? {};
  const onTemplate = readInjectionRecords(annotations);
  const unchanged = (problem?: Problem): UninjectOutcome => ({ template: original, changed: false, problems: problem ? [problem] : [] });
  if (onTemplate.kind === 'invalid') {
    return unchanged(
      problem(
        'warning',
        `annotation ${onTemplate.annotation} cannot be read (${onTemplate.problem}), so what this function injected is ` +
          `not known: the template is left as it is`,
      ),
    );
  }
  if (onTemplate.kind === 'none') return uninjectWithoutRecord(original, ctx);
  if (ctx.only !== undefined && !onTemplate.records.has(ctx.only)) return unchanged();

  const steps = ctx.only !== undefined ? [ctx.only] : [...onTemplate.records.keys()].sort(byteOrder);
  const undone = undoSteps(original, steps, ctx);
  if (ctx.only === undefined) undone.problems.push(...keptKruiseEntries(undone.template));
  const template = withEmptyFields(undone.template, original, undone.emptyBefore);
  return { template, changed: template !== original, problems: undone.problems };
}

/**
 * Undoes each step once, and again while one leaves a record behind: a volume a step added that
 * another step's sidecar mounts stays until that sidecar is gone too.
 */
function undoSteps(original: PodTemplate, steps: readonly string[], ctx: UninjectContext) {
  const problems: Problem[] = [];
  const emptyBefore = new Set<EmptyField>();
  const reported = new Set<string>();
  let template = original;
  let pending = [...steps];
  for (let round = 0; round <= steps.length && pending.length > 0; round++) {
    while (pending.length > 0) {
      const records = readRecordsOf(template);
      const step = nextStep(template, pending, records);
      pending = pending.filter((s) => s !== step);
      const record = records.get(step);
      if (!record) continue;
      const blocked = record.overwritten ? undoRecorded(templateParts(template), record.overwritten).blocked : {};
      for (const field of record.emptyBefore ?? []) emptyBefore.add(field);
      template = undoStep(template, step, ctx, problems);
      if (reported.has(step)) continue;
      reported.add(step);
      problems.push(problem('info', `removed what step ${step} injected (${describeRecord(record)})`, record.sidecarSets));
      const kept = describeOverwritten(blocked);
      if (kept)
        problems.push(problem('warning', `step ${step} had set ${kept}, which changed since: kept as it is now`, record.sidecarSets));
    }
    const left = readRecordsOf(template);
    pending = steps.filter((s) => left.has(s));
  }
  return { template, problems, emptyBefore };
}

/**
 * The fields the injection filled as they were: those a step recorded as empty before
 * (`volumes: []`) come back empty where they stood in `injected`; a `metadata` left empty (added
 * by the injection for its annotations) is removed.
 */
function withEmptyFields(template: PodTemplate, injected: PodTemplate, emptyBefore: ReadonlySet<EmptyField>): PodTemplate {
  let { metadata, spec } = template;
  const restore = <T extends object>(target: T, reference: object | undefined, field: EmptyField, empty: unknown): T =>
    emptyBefore.has(field) && !(field in target) && reference && field in reference
      ? insertedAsIn(target, field, empty, reference)
      : target;
  for (const field of ['initContainers', 'volumes', 'imagePullSecrets'] as const) spec = restore(spec, injected.spec, field, []);
  if (metadata) metadata = restore(metadata, injected.metadata, 'annotations', {});
  const out: PodTemplate = { ...template, spec };
  if (metadata && (Object.keys(metadata).length > 0 || emptyBefore.has('metadata'))) out.metadata = metadata;
  else delete out.metadata;
  return deepEqual(out, template) ? template : out;
}

/** `target` with `key: value` put where `reference` has that key: before the next of reference's keys that target has. */
function insertedAsIn<T extends object>(target: T, key: string, value: unknown, reference: object): T {
  const order = Object.keys(reference);
  const anchor = order.slice(order.indexOf(key) + 1).find((k) => k in target);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(target)) {
    if (k === anchor) out[key] = value;
    out[k] = v;
  }
  if (anchor === undefined) out[key] = value;
  return out as T;
}

/** A template without a record: injected by a version before steps (its timestamps tell), by a cluster, or never. */
function uninjectWithoutRecord(original: PodTemplate, ctx: UninjectContext): UninjectOutcome {
  const annotations = original.metadata?.annotations ?? {};
  const hashes = parseHashAnnotation(annotations[HASH_ANNOTATION]);
  const entries = typeof hashes === 'string' ? [] : [...hashes.values()];
  const ours = entries.filter((e) => isWrittenByThisFunction(e.updateTimestamp, ctx.options));
  if (ours.length === 0) {
    if (entries.length === 0 && annotations[INJECTED_LIST_ANNOTATION] === undefined)
      return { template: original, changed: false, problems: [] };
    return {
      template: original,
      changed: false,
      problems: [
        problem(
          'info',
          `carries Kruise's SidecarSet annotations but no record of this function (injected by a cluster, e.g. a pod ` +
            `exported from one): left as it is`,
          entries.map((e) => e.sidecarSetName),
        ),
      ],
    };
  }
  if (ctx.only !== undefined) return { template: original, changed: false, problems: [] };
  const problems: Problem[] = [];
  const template = withEmptyFields(undoStep(original, BEFORE_STEPS, ctx, problems), original, new Set());
  problems.push(
    problem(
      'info',
      `removed what ${BEFORE_STEPS} injected (SidecarSets ${ours.map((e) => e.sidecarSetName).join(', ')})`,
      ours.map((e) => e.sidecarSetName),
    ),
  );
  problems.push(...keptKruiseEntries(template));
  return { template, changed: template !== original, problems };
}

function undoStep(template: PodTemplate, step: string, ctx: UninjectContext, problems: Problem[]): PodTemplate {
  // No ServiceAccount's pull secrets: a step keeps those it added when the ServiceAccount has them
  // too (they are wanted again on a re-render); un-injection wants none of its additions.
  const outcome = injectTemplate(template, [], { ...ctx, step, serviceAccountPullSecrets: () => undefined });
  problems.push(...outcome.problems.filter((p) => !p.stripped));
  return outcome.template;
}

/**
 * The step to undo next: one whose overwritten values the template still holds as it wrote them.
 * Two steps that patched one annotation are undone last-first this way, so the first one's
 * `before` is what remains.
 */
function nextStep(template: PodTemplate, pending: readonly string[], records: InjectionRecords): string {
  const parts = templateParts(template);
  const free = pending.find((step) => {
    const overwritten = records.get(step)?.overwritten;
    return !overwritten || isEmptyRecord(undoRecorded(parts, overwritten).blocked);
  });
  return free ?? pending[0];
}

function readRecordsOf(template: PodTemplate): InjectionRecords {
  const read = readInjectionRecords(template.metadata?.annotations ?? {});
  return read.kind === 'records' ? read.records : new Map();
}

function templateParts(template: PodTemplate) {
  return { annotations: { ...(template.metadata?.annotations ?? {}) }, spec: template.spec };
}

/** Kruise's entries no step of this function recorded: another injector's, which stay. */
function keptKruiseEntries(template: PodTemplate): Problem[] {
  const hashes = parseHashAnnotation(template.metadata?.annotations?.[HASH_ANNOTATION]);
  if (typeof hashes === 'string' || hashes.size === 0) return [];
  const names = [...hashes.keys()];
  return [
    problem(
      'info',
      `kept Kruise's annotations of SidecarSet${names.length > 1 ? 's' : ''} ${names.join(', ')}, which this function ` +
        `did not inject (or another step still holds)`,
      names,
    ),
  ];
}

function describeRecord(record: StepRecord): string {
  const parts = [`SidecarSets ${record.sidecarSets.join(', ') || '(none)'}`];
  if (record.containers.length > 0) parts.push(`containers ${record.containers.join(', ')}`);
  if (record.volumes?.length) parts.push(`volumes ${record.volumes.join(', ')}`);
  if (record.imagePullSecrets?.length) parts.push(`imagePullSecrets ${record.imagePullSecrets.join(', ')}`);
  const given = describeOverwritten(record.overwritten ?? {});
  if (given) parts.push(`gave back ${given}`);
  return parts.join('; ');
}

function describeOverwritten(record: OverwrittenRecord): string {
  const parts = [
    ...Object.keys(record.annotations ?? {}).map((key) => `annotation ${key}`),
    ...Object.keys(record.spec ?? {}).map((field) => `spec.${field}`),
    ...(record.replacedContainers ?? []).map((c) => `container ${c.name}`),
    ...(record.replacedInitContainers ?? []).map((c) => `init container ${c.name}`),
    ...(record.removedVolumes ?? []).map((r) => `volume ${r.volume.name}`),
    ...(record.removedMounts ?? []).map((r) => `mount ${r.mount.name} of container ${r.container}`),
  ];
  return parts.join(', ');
}

function isEmptyRecord(record: OverwrittenRecord): boolean {
  return describeOverwritten(record) === '';
}

function problem(severity: Problem['severity'], message: string, sidecarSets: string[] = []): Problem {
  return { severity, message, sidecarSets };
}
