// Rules indexed by what their selectors require, so that a template is checked against the rules
// that can match it rather than against every rule (500 SidecarSets cost little more than 20).
import type { Rule } from '../sidecarset/rules.js';
import { isEmptySelector } from './selector.js';

const SEP = '\u0000';

export class RuleIndex {
  /** Rules whose selector requires a label k=v, keyed `k\0v`; rules requiring k to exist, keyed `k\0`. */
  private readonly byRequirement = new Map<string, number[]>();
  /** Rules the index cannot narrow down (only NotIn/DoesNotExist, or an operator to report). */
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
      const anchor = anchorOf(selector);
      if (!anchor) {
        this.always.push(position);
        return;
      }
      keys.add(anchor.key);
      for (const entry of anchor.entries) this.byRequirement.set(entry, [...(this.byRequirement.get(entry) ?? []), position]);
    });
    this.requiredKeys = this.always.length === 0 ? [...keys] : undefined;
  }

  /** The rules that may match these labels, in the order of `ordered`. */
  candidates(labels: Readonly<Record<string, string>>): Rule[] {
    const positions = new Set(this.always);
    for (const [k, v] of Object.entries(labels)) {
      for (const p of this.byRequirement.get(k + SEP + v) ?? []) positions.add(p);
      for (const p of this.byRequirement.get(k + SEP) ?? []) positions.add(p);
    }
    return [...positions].sort((a, b) => a - b).map((p) => this.ordered[p]);
  }
}

/** One requirement every matching pod satisfies: a matchLabels pair, an In, or an Exists. */
function anchorOf(selector: NonNullable<Rule['set']['spec']['selector']>): { key: string; entries: string[] } | undefined {
  if ((selector.matchExpressions ?? []).some((e) => !['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator))) return undefined;
  const [first] = Object.entries(selector.matchLabels ?? {});
  if (first) return { key: first[0], entries: [first[0] + SEP + first[1]] };
  const inExpr = (selector.matchExpressions ?? []).find((e) => e.operator === 'In');
  if (inExpr) return { key: inExpr.key, entries: (inExpr.values ?? []).map((v) => inExpr.key + SEP + v) };
  const exists = (selector.matchExpressions ?? []).find((e) => e.operator === 'Exists');
  if (exists) return { key: exists.key, entries: [exists.key + SEP] };
  return undefined;
}
