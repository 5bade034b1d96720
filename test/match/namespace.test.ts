import { describe, expect, it } from 'vitest';
import { decideNamespace, namespaceDirectory } from '../../src/match/namespace.js';
import { pinnedNamespaces } from '../../src/sidecarset/rules.js';

describe('decideNamespace', () => {
  const dir = namespaceDirectory([{ name: 'shop', labels: { team: 'a' } }], { billing: { team: 'b' } });
  it('uses the labels of a Namespace among the items', () => {
    expect(decideNamespace({ matchLabels: { team: 'a' } }, 'shop', dir, 'error')).toEqual({ match: true });
    expect(decideNamespace({ matchLabels: { team: 'b' } }, 'shop', dir, 'error')).toEqual({ match: false });
  });
  it('uses labels configured for namespaces not among the items', () => {
    expect(decideNamespace({ matchLabels: { team: 'b' } }, 'billing', dir, 'error')).toEqual({ match: true });
  });
  it('knows every namespace carries kubernetes.io/metadata.name', () => {
    expect(decideNamespace({ matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, 'shop', dir, 'error')).toEqual({ match: true });
    expect(decideNamespace({ matchLabels: { 'kubernetes.io/metadata.name': 'x' } }, 'unknown', dir, 'error')).toEqual({ match: false });
    expect(
      decideNamespace(
        { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['unknown'] }] },
        'unknown',
        dir,
        'error',
      ),
    ).toEqual({ match: true });
  });
  it('cannot decide other labels of an unknown namespace; the policy says what then', () => {
    expect(decideNamespace({ matchLabels: { team: 'a' } }, 'unknown', dir, 'error')).toMatchObject({ undecidable: true });
    expect(decideNamespace({ matchLabels: { team: 'a' } }, 'unknown', dir, 'assumeMatch')).toMatchObject({ match: true, assumed: true });
    expect(decideNamespace({ matchLabels: { team: 'a' } }, 'unknown', dir, 'assumeNoMatch')).toMatchObject({ match: false, assumed: true });
  });
});

describe('pinnedNamespaces (Kruise field index)', () => {
  it('reads matchLabels, else the first In expression on the name label', () => {
    expect(pinnedNamespaces({ matchLabels: { 'kubernetes.io/metadata.name': 'a' } })).toEqual(['a']);
    expect(
      pinnedNamespaces({
        matchExpressions: [
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] },
          { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['b', 'c'] },
        ],
      }),
    ).toEqual(['b', 'c']);
    expect(pinnedNamespaces({ matchLabels: { team: 'a' } })).toBeUndefined();
    expect(pinnedNamespaces(undefined)).toBeUndefined();
  });
});
