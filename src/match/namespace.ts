// namespaceSelector at render time: Namespace items, configured labels, or just the name.
import type { LabelSelector } from '../sidecarset/types.js';
import type { UndecidableNamespacePolicy } from '../config/options.js';
import { NAMESPACE_NAME_LABEL, labelSelectorMatches, selectorKeys } from '../k8s/selector.js';

export interface NamespaceDirectory {
  /** Labels of a namespace known from the items or the config, with the name label the apiserver always sets. */
  labelsOf(namespace: string): Record<string, string> | undefined;
}

export function namespaceDirectory(
  namespaceItems: ReadonlyArray<{ name: string; labels: Record<string, string> }>,
  configured: Readonly<Record<string, Record<string, string>>>,
): NamespaceDirectory {
  const known = new Map<string, Record<string, string>>();
  for (const [name, labels] of Object.entries(configured)) known.set(name, { ...labels, [NAMESPACE_NAME_LABEL]: name });
  for (const ns of namespaceItems) known.set(ns.name, { ...ns.labels, [NAMESPACE_NAME_LABEL]: ns.name });
  return { labelsOf: (namespace) => known.get(namespace) };
}

export type NamespaceDecision =
  | { match: boolean }
  | { match: boolean; assumed: true; policy: UndecidableNamespacePolicy; reason: string }
  | { undecidable: true; reason: string };

export function decideNamespace(
  selector: LabelSelector,
  namespace: string,
  directory: NamespaceDirectory,
  policy: UndecidableNamespacePolicy,
): NamespaceDecision {
  const labels = directory.labelsOf(namespace);
  if (labels) return { match: labelSelectorMatches(selector, labels) };
  const otherKeys = selectorKeys(selector).filter((k) => k !== NAMESPACE_NAME_LABEL);
  if (otherKeys.length === 0) return { match: labelSelectorMatches(selector, { [NAMESPACE_NAME_LABEL]: namespace }) };
  const reason =
    `namespace ${JSON.stringify(namespace)} is neither among the items nor in the config's namespaceLabels, ` +
    `and the namespaceSelector uses label(s) ${otherKeys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (policy === 'error') return { undecidable: true, reason };
  return { match: policy === 'assumeMatch', assumed: true, policy, reason };
}
