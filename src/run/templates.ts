// One pod template in the run's mode: matched, its opt-outs applied, then injected, validated,
// explained or un-injected. Results go to the workload's item through `say`.
import type { Problem, Subject } from '../krm/results.js';
import { resourceRefOf } from '../krm/annotations.js';
import type { Rule } from '../sidecarset/rules.js';
import type { PodTemplate, PodTemplateRef } from '../workloads/locate.js';
import { templateShapeProblems } from '../workloads/shape.js';
import { matchTemplate, type MatchOutcome } from '../match/order.js';
import { applyOptOut, decideOptOut, readOptOut, type OptOutDecision, type OptOutLevel } from '../match/opt-out.js';
import { injectTemplate, type InjectContext } from '../inject/pipeline.js';
import { INJECTED_LIST_ANNOTATION } from '../sidecarset/kruise-keys.js';
import { OVERWRITTEN_ANNOTATION } from '../inject/overwritten.js';
import { INJECTIONS_ANNOTATION } from '../inject/ownership.js';
import { uninjectTemplate } from '../inject/uninject.js';
import { describeDrift, expectedTemplate, validationPlan } from './validate.js';
import { explainTemplate, explanationResults, stepToCheck, type TemplateExplanation } from './explain.js';
import { deepEqual } from '../util/json.js';
import { describeObject, type Member, type RunState, type Say } from './state.js';

/** What the templates of one workload share: its own opt-out, and what they opted out of, for one result. */
export interface WorkloadScope {
  optOut: OptOutLevel | undefined;
  /** Why → the SidecarSets opted out of for that reason. */
  optedOut: Map<string, Set<string>>;
}

/** What to write back into one pod template, and for the summary, what was injected from which SidecarSets. */
export interface TemplateOutcome {
  template: PodTemplate;
  injected: string[];
  rules: readonly Rule[];
}

/** One pod template in the run's mode; what to write back, if anything. */
export function processTemplate(
  state: RunState,
  ref: PodTemplateRef,
  member: Member,
  subject: Subject,
  say: Say,
  scope: WorkloadScope,
): TemplateOutcome | undefined {
  const { options } = state;
  const at = member.prefix + ref.fieldPrefix;
  // A template the apiserver would reject anyway is left alone: an error when a SidecarSet
  // selects it, a warning when its labels are unreadable, nothing otherwise.
  const shape = templateShapeProblems(ref.template);
  if (options.mode === 'uninject') return shape.length === 0 ? uninjectOne(state, ref, say, at) : undefined;
  const labelsUnreadable = shape.some((p) => p.path.startsWith('metadata'));
  const match = labelsUnreadable ? undefined : matchTemplate(state.index, ref, state.namespaces, options);
  if (options.mode === 'explain') {
    const rejected =
      shape.length > 0
        ? `the apiserver would reject this pod template ` +
          `(${shape.map((p) => `${p.path || 'the pod template'} ${p.message}`).join('; ')}), so nothing is injected into it`
        : undefined;
    explainOne(state, ref, member, subject, match, rejected, rejected ? undefined : optOutDecision(state, ref, scope.optOut, say, at));
    return undefined;
  }
  if (shape.length > 0) {
    if (labelsUnreadable || (match && match.rules.length > 0)) {
      for (const p of shape) {
        say(
          labelsUnreadable ? 'warning' : 'error',
          `${p.path || 'the pod template'} ${p.message}: the apiserver would reject this pod template, so nothing is injected into it`,
          { field: at + p.path || undefined },
        );
      }
    }
    return undefined;
  }
  if (!match) return undefined;
  pushProblems(match.problems, say, at);
  if (match.skipped) say('info', `not injected: ${match.skipped}`, { field: member.prefix.slice(0, -1) || undefined });
  for (const r of match.rules) state.matchedRules.add(r.name);
  const decision = optOutDecision(state, ref, scope.optOut, say, at);
  if (decision.inject === 'invalid') return undefined;
  const optOut = applyOptOut(match.rules, decision);
  if (optOut.because) scope.optedOut.set(optOut.because, new Set([...(scope.optedOut.get(optOut.because) ?? []), ...optOut.skipped]));
  // With no SidecarSet left, a template an earlier run injected may still have leftovers to strip.
  if (optOut.rules.length === 0 && !(options.stripPreviousInjection && carriesEarlierRun(ref.template.metadata?.annotations)))
    return undefined;
  if (options.mode === 'validate') {
    if (validateOne(state, ref, optOut.rules, say, at)) state.driftedWorkloads.add(member.object);
    return undefined;
  }
  const outcome = injectTemplate(ref.template, optOut.rules, injectContext(state, ref.namespace));
  pushProblems(outcome.problems, say, at);
  if (!outcome.changed) return undefined;
  return { template: outcome.template, injected: outcome.injected, rules: optOut.rules };
}

/** An error result when injection would change the template; whether it would. */
function validateOne(state: RunState, ref: PodTemplateRef, matched: readonly Rule[], say: Say, at: string): boolean {
  const plan = validationPlan(ref.template, matched, state.ruleNames, state.step);
  const expected = expectedTemplate(ref.template, plan, (template, applied, step) =>
    injectTemplate(template, applied, injectContext(state, ref.namespace, step)),
  );
  pushProblems(expected.problems, say, at);
  if (deepEqual(expected.template, ref.template)) return false;
  const drift = describeDrift(ref.template, expected.template, matched);
  say('error', drift.message, {
    field: at.slice(0, -1) || undefined,
    tags: drift.sidecarSets.length > 0 ? { sidecarSets: drift.sidecarSets.join(',') } : undefined,
  });
  return true;
}

function uninjectOne(state: RunState, ref: PodTemplateRef, say: Say, at: string): TemplateOutcome | undefined {
  const outcome = uninjectTemplate(ref.template, { ...injectContext(state, ref.namespace), only: state.options.uninjectStep });
  pushProblems(outcome.problems, say, at);
  return outcome.changed ? { template: outcome.template, injected: [], rules: [] } : undefined;
}

/** Mode explain: a verdict per SidecarSet for the template, as an explanation and info results. */
function explainOne(
  state: RunState,
  ref: PodTemplateRef,
  member: Member,
  subject: Subject,
  match: MatchOutcome | undefined,
  rejected: string | undefined,
  decision: OptOutDecision | undefined,
): void {
  const { options, cluster } = state;
  const step = stepToCheck(ref.template, state.ruleNames, state.step);
  const { verdicts, note } = explainTemplate(ref, {
    rules: state.index.ordered,
    match,
    rejected:
      rejected ??
      (decision?.inject === 'invalid'
        ? 'an opt-out annotation it depends on is invalid (see the error result), so nothing is injected into it'
        : undefined),
    inject: (applied) => injectTemplate(ref.template, applied, injectContext(state, ref.namespace, step)),
    optOut: (rule) => (decision ? applyOptOut([rule], decision).because : undefined),
    step,
    namespaces: state.namespaces,
    namespaceSource: (name) =>
      cluster.namespaces.some((n) => n.name === name) ? 'item' : Object.hasOwn(options.namespaceLabels, name) ? 'config' : undefined,
    options,
  });
  const resource = resourceRefOf(member.object);
  const explanation: TemplateExplanation = {
    workload: member.label ? member.label.slice(0, -2) : describeObject(member.object),
    kind: resource?.kind,
    name: resource?.name,
    file: subject.file,
    fieldPath: (member.prefix + ref.fieldPrefix).replace(/\.$/, ''),
    namespace: ref.namespace,
    note,
    verdicts,
  };
  state.explanations.push(explanation);
  state.results.push(...explanationResults(explanation, subject, member.label));
}

/**
 * What the template, its workload and its namespace say about opting out (inject: 'invalid' when a deciding annotation is wrong, reported).
 */
function optOutDecision(state: RunState, ref: PodTemplateRef, workload: OptOutLevel | undefined, say: Say, at: string): OptOutDecision {
  const template = readOptOut(ref.template.metadata, ref.path.length > 0 ? 'the pod template' : 'the pod', state.ruleNames);
  pushProblems(template.problems, say, at);
  return decideOptOut([template.level, workload, state.namespaceOptOuts.get(ref.namespace)]);
}

/** Problems of a template (field paths relative to it) as results of its item. */
export function pushProblems(problems: readonly Problem[], say: Say, prefix: string): void {
  for (const p of problems) {
    say(p.severity, p.message, {
      field: p.fieldPath ? prefix + p.fieldPath : prefix.slice(0, -1) || undefined,
      tags: p.sidecarSets.length > 0 ? { sidecarSets: p.sidecarSets.join(',') } : undefined,
    });
  }
}

function injectContext(state: RunState, namespace: string, step = state.step): InjectContext {
  const { cluster } = state;
  return {
    options: state.options,
    namespace,
    limitRanges: cluster.limitRanges.get(namespace),
    serviceAccountPullSecrets: (name) => cluster.serviceAccountPullSecrets.get(`${namespace}/${name}`),
    step,
  };
}

/** Whether a template shows an earlier run of this function, whose leftovers may need undoing. */
export function carriesEarlierRun(annotations: Record<string, string> | undefined): boolean {
  return [INJECTED_LIST_ANNOTATION, INJECTIONS_ANNOTATION, OVERWRITTEN_ANNOTATION].some((key) => annotations?.[key] !== undefined);
}
