// Rules indexed by what their selectors require, so that a template is checked against the rules
// that can match it rather than against every rule (500 SidecarSets cost little more than 20).
import type { Rule } from '../sidecarset/rules.js';
import { isEmptySelector } from '../k8s/selector.js';

const SEP = '\u0000';

export class RuleIndex {
  /**
   * For each requirement a label can satisfy (k=v keyed `k\0v`, k present keyed `k\0`), the rules
   * with a requirement group it satisfies, once per such group.
   */
  private readonly byRequirement = new Map<string, number[]>();
  /** For each indexed rule, how many requirement groups a template's labels must satisfy. */
  private readonly groups = new Map<number, number>();
  /** Rules the index cannot narrow down (an operator to report, or only NotIn/DoesNotExist). */
  private readonly always: number[] = [];
  /**
   * Label keys one of which a template must carry for any rule to apply; undefined when some rule
   * needs none. A cheap test on an item's text before it is parsed.
   */
  readonly requiredKeys: string[] | undefined;

  constructor(readonly ordered: readonly Rule[]) {
    const keys = new Set<string>();
    ordered.forEach((rule, position) => {
      const selector = rule.set.spec.selector;
      if (!selector || isEmptySelector(selector)) return; // matches nothing
      const groups = requirementGroups(selector);
      if (!groups) {
        this.always.push(position);
        return;
      }
      keys.add(groups[0].key);
      this.groups.set(position, groups.length);
      for (const group of groups) {
        for (const entry of group.entries) {
          const list = this.byRequirement.get(entry);
          if (list) list.push(position);
          else this.byRequirement.set(entry, [position]);
        }
      }
    });
    this.requiredKeys = this.always.length === 0 ? [...keys] : undefined;
  }

  /**
   * The rules that may match these labels, in the order of `ordered`: those whose matchLabels, In
   * and Exists requirements the labels all satisfy (NotIn and DoesNotExist are left to the match).
   */
  candidates(labels: Readonly<Record<string, string>>): Rule[] {
    const satisfied = new Map<number, number>();
    const count = (entry: string) => {
      for (const position of this.byRequirement.get(entry) ?? []) satisfied.set(position, (satisfied.get(position) ?? 0) + 1);
    };
    for (const k in labels) {
      if (!Object.hasOwn(labels, k)) continue;
      count(k + SEP + labels[k]);
      count(k + SEP);
    }
    const positions = [...this.always];
    for (const [position, n] of satisfied) if (n === this.groups.get(position)) positions.push(position);
    return positions.sort((a, b) => a - b).map((p) => this.ordered[p]);
  }
}

/**
 * The requirements of a selector a label can satisfy, one group per requirement (a matchLabels
 * pair, an In with its values, an Exists); each group is satisfied by at most one label, since a
 * pod has one value per key. Undefined when there are none, or when an operator is not one of the
 * four (the match reports it).
 */
function requirementGroups(selector: NonNullable<Rule['set']['spec']['selector']>): Array<{ key: string; entries: string[] }> | undefined {
  const expressions = selector.matchExpressions ?? [];
  if (expressions.some((e) => !['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator))) return undefined;
  const groups = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => ({ key: k, entries: [k + SEP + v] }));
  for (const e of expressions) {
    if (e.operator === 'In') groups.push({ key: e.key, entries: [...new Set((e.values ?? []).map((v) => e.key + SEP + v))] });
    else if (e.operator === 'Exists') groups.push({ key: e.key, entries: [e.key + SEP] });
  }
  return groups.length > 0 ? groups : undefined;
}
