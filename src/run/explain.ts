// mode: explain / --explain — for each pod template, every SidecarSet: injected or not, and why.
// The match (match/order.ts) and the injection (inject/pipeline.ts) decide, exactly as a render
// would; match/explain.ts says why a SidecarSet is not selected. The report comes as info results
// (KRM) or as text (command-line mode); items are never changed.
import type { Rule } from '../sidecarset/rules.js';
import type { MatchOutcome } from '../match/order.js';
import type { InjectOutcome } from '../inject/pipeline.js';
import type { PodTemplate, PodTemplateRef } from '../workloads/locate.js';
import type { FileRef, Problem, Result, Subject } from '../krm/results.js';
import { result } from '../krm/results.js';
import { readInjectionRecords } from '../inject/ownership.js';
import { skippedNamespace, whyNotSelected, type ExplainMatchContext, type OptOutReason } from '../match/explain.js';

export type VerdictStatus = 'injected' | 'not injected' | 'conflict';

export interface Verdict {
  sidecarSet: string;
  status: VerdictStatus;
  /** What it injects, or why not. */
  reason: string;
  /** Warnings and infos of the match and the injection about this SidecarSet. */
  notes: string[];
}

export interface TemplateExplanation {
  /** `Deployment shop/web`, or for an object of a List, `Deployment shop/web, items[2] of List apps`. */
  workload: string;
  kind?: string;
  name?: string;
  file?: FileRef;
  /** Where the template is in the item (`spec.template`); '' for a Pod. */
  fieldPath: string;
  namespace: string;
  /** Why nothing is injected into the template at all, when that is decided before any SidecarSet. */
  note?: string;
  verdicts: Verdict[];
}

export interface ExplainInputs extends ExplainMatchContext {
  /** Every rule, in the order of orderRules. */
  rules: readonly Rule[];
  /** undefined when the template's labels cannot be read. */
  match: MatchOutcome | undefined;
  /** Why the apiserver would reject the template, if it would. */
  rejected?: string;
  inject: (rules: readonly Rule[]) => InjectOutcome;
  optOut: OptOutReason;
  step: string;
}

export function explainTemplate(ref: PodTemplateRef, inputs: ExplainInputs): Pick<TemplateExplanation, 'note' | 'verdicts'> {
  const note = inputs.rejected ?? skippedNamespace(ref.namespace, inputs);
  if (note || !inputs.match) {
    const why = note ?? 'its labels cannot be read';
    return { note: why, verdicts: inputs.rules.map((r) => ({ sidecarSet: r.name, status: 'not injected', reason: why, notes: [] })) };
  }
  const match = inputs.match;
  const selected = new Set(match.rules.map((r) => r.name));
  const optedOut = new Map(
    match.rules.flatMap((r) => {
      const why = inputs.optOut(r);
      return why ? [[r.name, why] as const] : [];
    }),
  );
  const applied = match.rules.filter((r) => !optedOut.has(r.name));
  const outcome = applied.length > 0 ? inputs.inject(applied) : undefined;
  const problems = [...match.problems, ...(outcome?.problems ?? [])];
  const verdicts = inputs.rules.map((rule): Verdict => {
    // Infos restate what the verdict says (paused, a canary); warnings add to it.
    const notes = problems.filter((p) => p.severity === 'warning' && p.sidecarSets.includes(rule.name)).map((p) => p.message);
    if (optedOut.has(rule.name))
      return { sidecarSet: rule.name, status: 'not injected', reason: `the workload opted out: ${optedOut.get(rule.name)}`, notes };
    if (!selected.has(rule.name))
      return { sidecarSet: rule.name, status: 'not injected', reason: whyNotApplied(rule, ref, inputs, match), notes: [] };
    const conflicts = problems.filter((p) => p.severity === 'error' && p.sidecarSets.includes(rule.name));
    if (conflicts.length > 0)
      return { sidecarSet: rule.name, status: 'conflict', reason: conflicts.map((p) => p.message).join('; '), notes };
    return { sidecarSet: rule.name, status: 'injected', reason: describeInjection(rule, ref, inputs.step), notes };
  });
  return { verdicts };
}

/**
 * The one injection step an explanation checks a template as (as validate.ts validationPlan
 * chooses, where that comes to one step): its own when the template records it, else the one recorded step that
 * applied any of its SidecarSets, else its own (other steps' SidecarSets with the same spec then
 * show as theirs, with another spec as a conflict).
 */
export function stepToCheck(template: PodTemplate, sidecarSets: ReadonlySet<string>, step: string): string {
  const read = readInjectionRecords(template.metadata?.annotations ?? {});
  if (read.kind !== 'records' || read.records.has(step)) return step;
  const holders = [...read.records].filter(([, r]) => r.sidecarSets.some((name) => sidecarSets.has(name)));
  return holders.length === 1 ? holders[0][0] : step;
}

/** A rule the match left out: not selected, replaced by its canary, or refused by the match with an error. */
function whyNotApplied(rule: Rule, ref: PodTemplateRef, inputs: ExplainInputs, match: MatchOutcome): string {
  const why = whyNotSelected(rule, ref, inputs);
  if (why) return why;
  const canary = match.rules.find((r) => r.canaryBase === rule.name);
  if (canary) return `canary: its canary SidecarSet ${canary.name} selects the template too and replaces it`;
  const said = match.problems.filter((p) => p.sidecarSets.includes(rule.name)).map((p: Problem) => p.message);
  return said.length > 0 ? said.join('; ') : 'not selected';
}

function describeInjection(rule: Rule, ref: PodTemplateRef, step: string): string {
  const records = readInjectionRecords(ref.template.metadata?.annotations ?? {});
  if (records.kind === 'records') {
    const other = [...records.records].find(([s, r]) => s !== step && r.sidecarSets.includes(rule.name));
    if (other && !records.records.get(step)?.sidecarSets.includes(rule.name)) return `already injected by step ${other[0]}, which keeps it`;
  }
  const spec = rule.set.spec;
  const names = (list: Array<{ name?: string }> | undefined) => (list ?? []).map((x) => x.name).join(', ');
  // A SidecarSet's volume goes into the pod only when one of its containers mounts it (pkg/webhook/pod/mutating/sidecarset.go,
  // buildSidecars).
  const mounts = new Set(
    [...(spec.containers ?? []), ...(spec.initContainers ?? [])].flatMap((c) =>
      [...(c.volumeMounts ?? []), ...(c.volumeDevices ?? [])].map((m) => m.name),
    ),
  );
  const mounted = (spec.volumes ?? []).map((v) => v.name).filter((n) => mounts.has(n));
  const parts = [
    spec.containers?.length ? `containers ${names(spec.containers)}` : '',
    spec.initContainers?.length ? `init containers ${names(spec.initContainers)}` : '',
    mounted.length > 0 ? `volumes ${mounted.join(', ')}` : '',
    spec.imagePullSecrets?.length ? `imagePullSecrets ${names(spec.imagePullSecrets)}` : '',
    spec.patchPodMetadata?.length ? `annotations ${spec.patchPodMetadata.flatMap((p) => Object.keys(p.annotations ?? {})).join(', ')}` : '',
    spec.serviceAccountName ? `serviceAccountName ${spec.serviceAccountName}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join('; ') : 'nothing (it has no containers)';
}

/**
 * The explanation as info results: one per SidecarSet, or the note when nothing is checked.
 * @param prefix names the object of a List item the results are about (run.ts Member.label)
 */
export function explanationResults(e: TemplateExplanation, subject: Subject, prefix: string): Result[] {
  const at = e.fieldPath || undefined;
  if (e.verdicts.length === 0)
    return [result('info', `${prefix}no SidecarSet to explain${e.note ? `; ${e.note}` : ''}`, subject, { field: at })];
  return e.verdicts.map((v) =>
    result(
      'info',
      `${prefix}SidecarSet ${v.sidecarSet}: ${v.status}: ${v.reason}${v.notes.map((n) => ` (note: ${n})`).join('')}`,
      subject,
      { field: at, tags: { sidecarSet: v.sidecarSet, verdict: v.status } },
    ),
  );
}

/**
 * `KIND/NAME` or `NAME`: the workloads a `--explain` filter names (the kind in any case).
 * Undefined: every workload.
 */
export function matchesFilter(e: TemplateExplanation, filter: string | undefined): boolean {
  if (filter === undefined) return true;
  const slash = filter.indexOf('/');
  if (slash === -1) return e.name === filter;
  return e.kind?.toLowerCase() === filter.slice(0, slash).toLowerCase() && e.name === filter.slice(slash + 1);
}

/** The command-line report, one block per template, one line per SidecarSet (`istioctl x check-inject` style). */
export function formatReport(explanations: readonly TemplateExplanation[]): string {
  return explanations.map(formatTemplate).join('\n');
}

function formatTemplate(e: TemplateExplanation): string {
  const file = e.file ? ` (${e.file.path}${e.file.index ? `#${e.file.index}` : ''})` : '';
  const where = e.fieldPath ? `pod template ${e.fieldPath}` : 'the pod';
  const lines = [`${e.workload}${file}`, `  ${where}, namespace ${e.namespace}`];
  if (e.verdicts.length === 0) lines.push(`    no SidecarSet${e.note ? `: ${e.note}` : ''}`);
  const width = Math.max(0, ...e.verdicts.map((v) => v.sidecarSet.length));
  for (const v of e.verdicts) {
    lines.push(`    ${v.sidecarSet.padEnd(width)}  ${v.status.padEnd(12)}  ${v.reason}`);
    for (const n of v.notes) lines.push(`    ${''.padEnd(width)}  ${''.padEnd(12)}  note: ${n}`);
  }
  return lines.join('\n') + '\n';
}
