// Which rules apply to one pod template (pkg/control/sidecarcontrol/util.go, PodMatchedSidecarSet), in the
// deterministic order ARCHITECTURE.md describes ("Deterministic order").
import type { Rule } from '../sidecarset/rules.js';
import type { Options } from '../config/options.js';
import type { Problem } from '../krm/results.js';
import type { PodTemplateRef } from '../workloads/locate.js';
import { byteOrder } from '../util/go-string-order.js';
import { labelSelectorMatches, isEmptySelector, SelectorError } from '../k8s/selector.js';
import { decideNamespace, type NamespaceDirectory } from './namespace.js';
import { chooseRevision } from '../sidecarset/revision.js';
import type { RuleIndex } from './rule-index.js';

/** Kruise's namespace exclusion: its webhook registration skips namespaces with this label key. */
export const CONTROL_PLANE_LABEL = 'control-plane';

export interface MatchOutcome {
  rules: Rule[];
  problems: Problem[];
  /** Why the template is skipped as a whole, if it is. */
  skipped?: string;
}

/** Namespace-pinned rules first, then cluster-scoped ones, each group by name: one of the orders Kruise's map can give. */
export function orderRules(rules: readonly Rule[]): Rule[] {
  const byName = (a: Rule, b: Rule) => byteOrder(a.name, b.name);
  return [...rules.filter((r) => r.pinnedNamespaces).sort(byName), ...rules.filter((r) => !r.pinnedNamespaces).sort(byName)];
}

/**
 * @param index the rules in the order of orderRules; rules pinned to other namespaces are not
 *        candidates, as in Kruise's index lookup.
 */
export function matchTemplate(index: RuleIndex, ref: PodTemplateRef, namespaces: NamespaceDirectory, options: Options): MatchOutcome {
  const problems: Problem[] = [];
  const nsLabels = namespaces.labelsOf(ref.namespace);
  if (nsLabels && Object.prototype.hasOwnProperty.call(nsLabels, CONTROL_PLANE_LABEL)) {
    return {
      rules: [],
      problems,
      skipped: `namespace ${ref.namespace} has the ${CONTROL_PLANE_LABEL} label, which Kruise's pod webhook skips`,
    };
  }
  const labels = ref.template.metadata?.labels ?? {};
  const matched: Rule[] = [];
  for (const rule of index.candidates(labels)) {
    if (rule.pinnedNamespaces && !rule.pinnedNamespaces.includes(ref.namespace)) continue;
    const spec = rule.set.spec;
    if (spec.injectionStrategy?.paused) {
      if (!isEmptySelector(spec.selector) && safeMatch(spec.selector!, labels)) {
        problems.push({
          severity: 'info',
          message: `SidecarSet ${rule.name} is paused (injectionStrategy.paused): not injected`,
          sidecarSets: [rule.name],
        });
      }
      continue;
    }
    if (spec.namespaceSelector) {
      const decision = decideNamespace(spec.namespaceSelector, ref.namespace, namespaces, options.undecidableNamespaceSelector);
      if ('undecidable' in decision) {
        if (!isEmptySelector(spec.selector) && safeMatch(spec.selector!, labels)) {
          problems.push({
            severity: 'error',
            message:
              `cannot tell whether SidecarSet ${rule.name} applies: ${decision.reason}. Add the Namespace to the ` +
              `package, list its labels in the config's namespaceLabels, or set undecidableNamespaceSelector to ` +
              `assumeNoMatch or assumeMatch`,
            sidecarSets: [rule.name],
          });
        }
        continue;
      }
      if ('assumed' in decision && !isEmptySelector(spec.selector) && safeMatch(spec.selector!, labels)) {
        problems.push({
          severity: 'warning',
          message:
            `SidecarSet ${rule.name}: ${decision.reason}; assumed the namespace ` +
            `${decision.match ? 'matches' : 'does not match'} (undecidableNamespaceSelector: ${decision.policy})`,
          sidecarSets: [rule.name],
        });
      }
      if (!decision.match) continue;
    }
    if (isEmptySelector(spec.selector)) continue;
    try {
      if (!labelSelectorMatches(spec.selector!, labels)) continue;
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      problems.push({ severity: 'error', message: `SidecarSet ${rule.name}: ${e.message}`, sidecarSets: [rule.name] });
      continue;
    }
    const chosen = revisionFor(rule, labels, options, problems);
    if (chosen) matched.push(chosen);
  }
  const bases = new Map(matched.filter((r) => r.canaryBase !== undefined).map((r) => [r.canaryBase as string, r.name]));
  for (const r of matched) {
    const canary = bases.get(r.name);
    if (canary)
      problems.push({
        severity: 'info',
        message: `SidecarSet ${r.name} is not injected: its canary ${canary} matches too and replaces it`,
        sidecarSets: [r.name, canary],
      });
  }
  return { rules: matched.filter((r) => !bases.has(r.name)), problems };
}

/** The rule with the spec this pod gets (sidecarset/revision.ts); undefined when the cluster would reject the pod. */
function revisionFor(rule: Rule, labels: Record<string, string>, options: Options, problems: Problem[]): Rule | undefined {
  if (!rule.historic) return rule;
  const choice = chooseRevision(rule.set, labels, options.partialRevision);
  if ('error' in choice) {
    problems.push({ severity: 'error', message: `SidecarSet ${rule.name}: ${choice.error}`, sidecarSets: [rule.name] });
    return undefined;
  }
  if (choice.warning)
    problems.push({ severity: 'warning', message: `SidecarSet ${rule.name}: ${choice.warning}`, sidecarSets: [rule.name] });
  if (choice.use === 'latest') return rule;
  const { set, hash, hashWithoutImage } = rule.historic;
  return { ...rule, set, hash, hashWithoutImage };
}

function safeMatch(selector: NonNullable<Rule['set']['spec']['selector']>, labels: Record<string, string>): boolean {
  try {
    return labelSelectorMatches(selector, labels);
  } catch {
    return false;
  }
}
