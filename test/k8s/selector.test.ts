import { describe, expect, it } from 'vitest';
import { labelSelectorMatches, isEmptySelector, SelectorError } from '../../src/k8s/selector.js';

describe('labelSelectorMatches', () => {
  const labels = { app: 'web', tier: '', env: 'prod' };
  it.each([
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'api' } }, false],
    [{ matchLabels: { missing: '' } }, false],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['stage'] }] }, false],
    [{ matchExpressions: [{ key: 'nope', operator: 'In', values: ['x'] }] }, false],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['stage'] }] }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, false],
    [{ matchExpressions: [{ key: 'nope', operator: 'NotIn', values: ['x'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, true],
    [{ matchExpressions: [{ key: 'nope', operator: 'Exists' }] }, false],
    [{ matchExpressions: [{ key: 'nope', operator: 'DoesNotExist' }] }, true],
    [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['dev'] }] }, false],
  ])('%j → %s', (selector, expected) => {
    expect(labelSelectorMatches(selector, labels)).toBe(expected);
  });

  it('throws a SelectorError for an unknown operator', () => {
    expect(() => labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'Like' }] }, {})).toThrow(SelectorError);
  });

  it('does not see inherited properties as labels', () => {
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {})).toBe(false);
  });

  it('treats missing and empty selectors as empty', () => {
    expect(isEmptySelector(undefined)).toBe(true);
    expect(isEmptySelector({})).toBe(true);
    expect(isEmptySelector({ matchLabels: {}, matchExpressions: [] })).toBe(true);
    expect(isEmptySelector({ matchLabels: { a: 'b' } })).toBe(false);
  });
});
