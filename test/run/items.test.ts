// The item and template steps of a run on their own.
import { describe, expect, it } from 'vitest';
import { replacedAt, workloadsOf } from '../../src/run/items.js';
import { carriesEarlierRun, pushProblems } from '../../src/run/templates.js';
import { INJECTED_LIST_ANNOTATION } from '../../src/sidecarset/kruise-keys.js';

const deployment = (name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name } });

describe('workloadsOf', () => {
  it('is the item itself when it is no List', () => {
    const obj = deployment('web');
    expect(workloadsOf(obj)).toEqual([{ object: obj, path: [], prefix: '', label: '' }]);
  });

  it('flattens Lists in Lists, as kubectl does, with paths, prefixes and labels', () => {
    const inner = { apiVersion: 'v1', kind: 'List', items: [deployment('b')] };
    const outer = { apiVersion: 'v1', kind: 'List', metadata: { name: 'all' }, items: [deployment('a'), 'not an object', inner] };
    expect(workloadsOf(outer).map(({ path, prefix, label }) => ({ path, prefix, label }))).toEqual([
      { path: ['items', '0'], prefix: 'items[0].', label: 'Deployment a, items[0] of List all: ' },
      { path: ['items', '2', 'items', '0'], prefix: 'items[2].items[0].', label: 'Deployment b, items[2].items[0] of List all: ' },
    ]);
  });

  it('takes a List of another apiVersion as an object of its own', () => {
    const obj = { apiVersion: 'example.com/v1', kind: 'List', items: [deployment('a')] };
    expect(workloadsOf(obj)).toHaveLength(1);
  });
});

describe('replacedAt', () => {
  it('copies what is on the path and shares the rest', () => {
    const root = { items: [{ a: 1 }, { b: 2 }], other: { c: 3 } };
    const next = replacedAt(root, ['items', '1'], { b: 9 }) as typeof root;
    expect(next).toEqual({ items: [{ a: 1 }, { b: 9 }], other: { c: 3 } });
    expect(root.items[1]).toEqual({ b: 2 });
    expect(next.items[0]).toBe(root.items[0]);
    expect(next.other).toBe(root.other);
    expect(replacedAt(root, [], 'all')).toBe('all');
  });
});

describe('template steps', () => {
  it('carriesEarlierRun sees this function’s annotations only', () => {
    expect(carriesEarlierRun({ [INJECTED_LIST_ANNOTATION]: 'a' })).toBe(true);
    expect(carriesEarlierRun({ other: 'x' })).toBe(false);
    expect(carriesEarlierRun(undefined)).toBe(false);
  });

  it('pushProblems puts field paths under the template and tags the SidecarSets', () => {
    const said: unknown[][] = [];
    pushProblems(
      [
        { severity: 'warning', message: 'm1', fieldPath: 'spec.volumes[0]', sidecarSets: ['a', 'b'] },
        { severity: 'error', message: 'm2', sidecarSets: [] },
      ],
      (...args) => said.push(args),
      'spec.template.',
    );
    expect(said).toEqual([
      ['warning', 'm1', { field: 'spec.template.spec.volumes[0]', tags: { sidecarSets: 'a,b' } }],
      ['error', 'm2', { field: 'spec.template', tags: undefined }],
    ]);
  });
});
