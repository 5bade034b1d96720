import { describe, expect, it } from 'vitest';
import { selectorsOverlap } from '../../src/k8s/selector-overlap.js';
import type { LabelSelector } from '../../src/sidecarset/types.js';

const labels = (matchLabels: Record<string, string>): LabelSelector => ({ matchLabels });
const expr = (key: string, operator: string, values?: string[]): LabelSelector => ({
  matchExpressions: [values === undefined ? { key, operator } : { key, operator, values }],
});

describe('selectorsOverlap: the vectors of Kruise (§5.4)', () => {
  const vectors: Array<[string, LabelSelector, LabelSelector, boolean]> = [
    ['same label', labels({ a: 'h' }), labels({ a: 'h' }), true],
    ['same key, other value', labels({ a: 'h' }), labels({ a: 'i' }), false],
    ['different keys', labels({ a: 'h' }), labels({ b: 'i' }), true],
    ['one of three labels differs', labels({ a: 'h', b: 'i', c: 'j' }), labels({ a: 'h', b: 'x', c: 'j' }), false],
    ['In containing the value', labels({ a: 'h' }), expr('a', 'In', ['h', 'i', 'j']), true],
    ['In without the value', labels({ a: 'h' }), expr('a', 'In', ['i', 'j']), false],
    ['NotIn listing the value', expr('a', 'NotIn', ['h', 'i']), labels({ a: 'h' }), false],
    ['Exists on the key', labels({ a: 'h' }), expr('a', 'Exists'), true],
    ['DoesNotExist on the key', expr('a', 'DoesNotExist'), labels({ a: 'h' }), false],
  ];
  it.each(vectors)('%s', (_name, a, b, expected) => {
    expect(selectorsOverlap(a, b)).toBe(expected);
    expect(selectorsOverlap(b, a)).toBe(expected);
  });
});

describe('selectorsOverlap: the heuristic and its quirks', () => {
  it('judges a selector with an extra Exists key as disjoint, although a pod can match both', () => {
    expect(
      selectorsOverlap(labels({ app: 'a' }), { matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }),
    ).toBe(false);
  });

  it('NotIn that leaves one of the In values open overlaps', () => {
    expect(selectorsOverlap(expr('a', 'In', ['h', 'i']), expr('a', 'NotIn', ['h']))).toBe(true);
  });

  it('Exists on one side makes any value of the key compatible', () => {
    expect(selectorsOverlap(expr('a', 'Exists'), expr('a', 'In', ['z']))).toBe(true);
  });

  it('an Exists key needs a positive requirement on the same key on the other side', () => {
    expect(selectorsOverlap(expr('a', 'Exists'), expr('a', 'NotIn', ['x']))).toBe(false);
    expect(selectorsOverlap(expr('a', 'Exists'), labels({ b: 'x' }))).toBe(false);
  });

  it('NotIn against Exists conflicts only when the NotIn values literally contain the marker "ALL"', () => {
    const withNotIn = (values: string[]): LabelSelector => ({
      matchExpressions: [
        { key: 'a', operator: 'In', values: ['h'] },
        { key: 'a', operator: 'NotIn', values },
      ],
    });
    expect(selectorsOverlap(expr('a', 'Exists'), withNotIn(['x']))).toBe(true);
    expect(selectorsOverlap(expr('a', 'Exists'), withNotIn(['ALL']))).toBe(false);
  });

  it('an In without values adds no key, so a DoesNotExist on that key does not make them disjoint', () => {
    expect(selectorsOverlap(expr('a', 'In', []), expr('a', 'DoesNotExist'))).toBe(true);
  });

  it('ignores NotIn and DoesNotExist of the base side, and keys the other side does not mention', () => {
    expect(selectorsOverlap(expr('a', 'NotIn', ['h']), expr('b', 'DoesNotExist'))).toBe(true);
  });

  it('empty selectors overlap with everything', () => {
    expect(selectorsOverlap({}, labels({ a: 'h' }))).toBe(true);
    expect(selectorsOverlap({}, {})).toBe(true);
  });
});
