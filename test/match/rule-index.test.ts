import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RuleIndex } from '../../src/match/rule-index.js';
import { isEmptySelector, labelSelectorMatches } from '../../src/k8s/selector.js';
import type { Rule } from '../../src/sidecarset/rules.js';

type Selector = NonNullable<Rule['set']['spec']['selector']>;
const rule = (name: string, selector: Selector): Rule => ({ name, set: { spec: { selector } } }) as unknown as Rule;
const names = (rules: Rule[]) => rules.map((r) => r.name);

describe('RuleIndex', () => {
  const rules = [
    rule('app-web', { matchLabels: { app: 'web' } }),
    rule('web-prod', { matchLabels: { app: 'web', env: 'prod' } }),
    rule('tier-in', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] }),
    rule('has-team', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }),
    rule('not-dev', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] }),
    rule('empty', {}),
  ];
  const index = new RuleIndex(rules);

  it('offers only the rules whose label requirements all hold, in rule order', () => {
    expect(names(index.candidates({ app: 'web' }))).toEqual(['app-web', 'not-dev']);
    expect(names(index.candidates({ app: 'web', env: 'prod', team: 'x' }))).toEqual(['app-web', 'web-prod', 'has-team', 'not-dev']);
    expect(names(index.candidates({ tier: 'b' }))).toEqual(['tier-in', 'not-dev']);
  });

  it('needs no label of its own for NotIn-only rules, so it cannot name required keys then', () => {
    expect(index.requiredKeys).toBeUndefined();
    expect(new RuleIndex(rules.slice(0, 4)).requiredKeys?.sort()).toEqual(['app', 'team', 'tier']);
  });

  it('never leaves out a rule whose selector matches', () => {
    const key = fc.constantFrom('a', 'b', 'c');
    const value = fc.constantFrom('x', 'y');
    const expression = fc.record({
      key,
      operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist'),
      values: fc.array(value, { minLength: 1, maxLength: 2 }),
    });
    const selector = fc.record({
      matchLabels: fc.dictionary(key, value, { maxKeys: 2 }),
      matchExpressions: fc.array(expression, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(selector, { minLength: 1, maxLength: 6 }), fc.dictionary(key, value), (selectors, labels) => {
        const clean = selectors.map((s) => ({
          matchLabels: s.matchLabels,
          matchExpressions: s.matchExpressions.map((e) =>
            e.operator === 'Exists' || e.operator === 'DoesNotExist' ? { key: e.key, operator: e.operator } : e,
          ),
        }));
        const all = clean.map((s, i) => rule(`r${i}`, s));
        const offered = new RuleIndex(all).candidates(labels);
        // An empty selector matches nothing in Kruise.
        const matching = all.filter((r) => !isEmptySelector(r.set.spec.selector) && labelSelectorMatches(r.set.spec.selector!, labels));
        for (const r of matching) expect(offered).toContain(r);
        expect(offered).toEqual(all.filter((r) => offered.includes(r)));
      }),
      { numRuns: 300 },
    );
  });
});
