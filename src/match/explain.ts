// Why a SidecarSet does not select a pod template, in the order the match (match/order.ts) decides
// it: the namespace the webhook skips, a namespace pin, paused, the namespaceSelector (with where
// the namespace's labels came from), the selector (the requirement that fails and the label value
// the template has), the revision a pod would get. The match stays the judge of what is selected;
// this only says why not.
import type { Rule } from '../sidecarset/rules.js';
import type { LabelSelector } from '../sidecarset/types.js';
import type { Options } from '../config/options.js';
import type { PodTemplateRef } from '../workloads/locate.js';
import { chooseRevision } from '../sidecarset/revision.js';
import { decideNamespace, type NamespaceDirectory } from './namespace.js';
import { NAMESPACE_NAME_LABEL } from '../k8s/selector.js';
import { CONTROL_PLANE_LABEL } from './order.js';

/**
 * Why the template opts out of a SidecarSet, if it does: the `inject`/`skip` annotation of the pod
 * template, the workload or the Namespace that decides it (match/opt-out.ts, as run.ts reads them).
 */
export type OptOutReason = (rule: Rule) => string | undefined;

export interface ExplainMatchContext {
  namespaces: NamespaceDirectory;
  /** Where a namespace's labels come from: a Namespace item, the config's namespaceLabels, or nowhere. */
  namespaceSource: (namespace: string) => 'item' | 'config' | undefined;
  options: Options;
}

/** Why the webhook skips the template's namespace as a whole, if it does. */
export function skippedNamespace(namespace: string, ctx: ExplainMatchContext): string | undefined {
  const labels = ctx.namespaces.labelsOf(namespace);
  if (!labels || !Object.prototype.hasOwnProperty.call(labels, CONTROL_PLANE_LABEL)) return undefined;
  return (
    `namespace ${namespace} has the ${CONTROL_PLANE_LABEL} label ` +
    `(${describeSource(ctx.namespaceSource(namespace))}), which Kruise's pod webhook skips`
  );
}

/**
 * Why `rule` does not select the template, every reason that holds (a paused SidecarSet whose
 * selector fails too needs both fixed); undefined when it does select it (before canaries,
 * opt-outs and conflicts).
 */
export function whyNotSelected(rule: Rule, ref: PodTemplateRef, ctx: ExplainMatchContext): string | undefined {
  const labels = ref.template.metadata?.labels ?? {};
  const spec = rule.set.spec;
  const reasons: string[] = [];
  const pinned = rule.pinnedNamespaces && !rule.pinnedNamespaces.includes(ref.namespace);
  if (pinned) {
    reasons.push(
      `it is for namespace${rule.pinnedNamespaces!.length > 1 ? 's' : ''} ${rule.pinnedNamespaces!.join(', ')} ` +
        `(namespaceSelector), and the pod's namespace is ${ref.namespace}`,
    );
  }
  if (spec.injectionStrategy?.paused) reasons.push('it is paused (spec.injectionStrategy.paused: true)');
  const namespace = spec.namespaceSelector && !pinned ? namespaceReason(spec.namespaceSelector, ref.namespace, ctx) : undefined;
  if (namespace) reasons.push(namespace);
  // Kruise's validation (sidecarset/validate.ts) lets no SidecarSet without a selector through.
  const failing = failingRequirement(spec.selector ?? {}, labels);
  if (failing) reasons.push(`selector: ${failing}`);
  if (reasons.length === 0 && rule.historic) {
    const choice = chooseRevision(rule.set, labels, ctx.options.partialRevision);
    if ('error' in choice) reasons.push(`the cluster would reject the pod: ${choice.error}`);
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined;
}

function namespaceReason(selector: LabelSelector, namespace: string, ctx: ExplainMatchContext): string | undefined {
  const decision = decideNamespace(selector, namespace, ctx.namespaces, ctx.options.undecidableNamespaceSelector);
  if ('undecidable' in decision) {
    return `namespaceSelector cannot be decided: ${decision.reason} (undecidableNamespaceSelector: error)`;
  }
  if (decision.match) return undefined;
  // A namespace known from nowhere still has the name label the apiserver sets (namespace.ts).
  const labels = ctx.namespaces.labelsOf(namespace) ?? { [NAMESPACE_NAME_LABEL]: namespace };
  if ('assumed' in decision)
    return `namespaceSelector: ${decision.reason}; assumed no match (undecidableNamespaceSelector: ${decision.policy})`;
  const failing = failingRequirement(selector, labels, `namespace ${namespace}`);
  return (
    `namespaceSelector: ${failing ?? 'does not select the namespace'}; its labels come from ` +
    `${describeSource(ctx.namespaceSource(namespace))}`
  );
}

/** Where a namespace's labels come from, in words. */
function describeSource(source: 'item' | 'config' | undefined): string {
  if (source === 'item') return 'the Namespace item';
  if (source === 'config') return "the config's namespaceLabels";
  return 'nowhere (no Namespace item, no namespaceLabels): only the name label kubernetes.io/metadata.name, which the apiserver sets';
}

/**
 * The first requirement of `selector` that `labels` fail, with the value they have, e.g.
 * `app In (web, api): the template has app=worker`; undefined when all hold.
 */
export function failingRequirement(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
  holder = 'the template',
): string | undefined {
  const has = (key: string) => Object.prototype.hasOwnProperty.call(labels, key);
  const actual = (key: string) => (has(key) ? `${holder} has ${key}=${labels[key]}` : `${holder} has no label ${key}`);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(key) || labels[key] !== value) return `matchLabels ${key}=${value}: ${actual(key)}`;
  }
  for (const req of selector.matchExpressions ?? []) {
    const values = req.values ?? [];
    const written = `${req.key} ${req.operator}${values.length > 0 ? ` (${values.join(', ')})` : ''}`;
    const holds =
      req.operator === 'In'
        ? has(req.key) && values.includes(labels[req.key])
        : req.operator === 'NotIn'
          ? !(has(req.key) && values.includes(labels[req.key]))
          : req.operator === 'Exists'
            ? has(req.key)
            : req.operator === 'DoesNotExist'
              ? !has(req.key)
              : false;
    if (!holds) return `${written}: ${actual(req.key)}`;
  }
  return undefined;
}
