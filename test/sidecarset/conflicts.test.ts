import { describe, expect, it } from 'vitest';
import { findConflicts } from '../../src/sidecarset/conflicts.js';
import type { PatchPolicy, SidecarSet, SidecarSetSpec } from '../../src/sidecarset/types.js';

const container = (name: string) => ({ name, image: 'img' });

function set(name: string, spec: Partial<SidecarSetSpec>, annotations?: Record<string, string>): SidecarSet {
  return {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'SidecarSet',
    metadata: annotations ? { name, annotations } : { name },
    spec: { selector: { matchLabels: { a: 'b' } }, containers: [container(`${name}-sidecar`)], ...spec },
  };
}

describe('findConflicts: container names (Kruise TestSidecarSetNameConflict)', () => {
  it('same container and init container names with overlapping selectors → 2 conflicts; an identical volume is fine', () => {
    const spec = {
      containers: [container('container-name')],
      initContainers: [container('init-name')],
      volumes: [{ name: 'volume-name', emptyDir: {} }],
    };
    const conflicts = findConflicts([set('sidecarset2', spec), set('sidecarset1', spec)]);
    expect(conflicts).toEqual([
      {
        a: 'sidecarset1',
        b: 'sidecarset2',
        pointer: '/spec/initContainers/0/name',
        message: expect.stringContaining('init container "init-name"'),
      },
      {
        a: 'sidecarset1',
        b: 'sidecarset2',
        pointer: '/spec/containers/0/name',
        message: expect.stringContaining('container "container-name"'),
      },
    ]);
    expect(conflicts[1].message).toContain('"sidecarset1"');
    expect(conflicts[1].message).toContain('"sidecarset2"');
  });

  it('equal namespaceSelectors → 1 conflict', () => {
    const spec = { namespaceSelector: { matchLabels: { app: 'nginx' } }, containers: [container('container-name')] };
    expect(findConflicts([set('sidecarset1', spec), set('sidecarset2', spec)])).toHaveLength(1);
  });

  it('disjoint namespaceSelectors → no conflict', () => {
    expect(
      findConflicts([
        set('sidecarset1', { namespaceSelector: { matchLabels: { app: 'redis' } }, containers: [container('c')] }),
        set('sidecarset2', { namespaceSelector: { matchLabels: { app: 'nginx' } }, containers: [container('c')] }),
      ]),
    ).toEqual([]);
  });

  it('a namespaceSelector on one side only still overlaps (the other covers all namespaces)', () => {
    expect(
      findConflicts([
        set('sidecarset1', { namespaceSelector: { matchLabels: { app: 'redis' } }, containers: [container('c')] }),
        set('sidecarset2', { containers: [container('c')] }),
      ]),
    ).toHaveLength(1);
  });

  it('disjoint pod selectors → no conflict', () => {
    expect(
      findConflicts([
        set('x', { selector: { matchLabels: { app: 'one' } }, containers: [container('c')] }),
        set('y', { selector: { matchLabels: { app: 'two' } }, containers: [container('c')] }),
      ]),
    ).toEqual([]);
  });

  it("an init container named like the other one's container is not a conflict here (Kruise does not check it)", () => {
    expect(findConflicts([set('x', { initContainers: [container('c')] }), set('y', { containers: [container('c')] })])).toEqual([]);
  });

  it('a canary and its base may share names, in either order', () => {
    const canary = set(
      'canary',
      { containers: [container('c')] },
      {
        'apps.kruise.io/sidecarset-canary': 'true',
        'apps.kruise.io/sidecarset-base': 'base',
      },
    );
    expect(findConflicts([canary, set('base', { containers: [container('c')] })])).toEqual([]);
    expect(findConflicts([set('base', { containers: [container('c')] }), canary])).toEqual([]);
  });

  it('a SidecarSet that only looks like a canary (annotation not exactly "true") is not exempt', () => {
    const notCanary = set(
      'canary',
      { containers: [container('c')] },
      {
        'apps.kruise.io/sidecarset-canary': 'TRUE',
        'apps.kruise.io/sidecarset-base': 'base',
      },
    );
    expect(findConflicts([notCanary, set('base', { containers: [container('c')] })])).toHaveLength(1);
  });

  it('reports every pair once, pairs in name order', () => {
    const spec = { containers: [container('c')] };
    const conflicts = findConflicts([set('c', spec), set('a', spec), set('b', spec)]);
    expect(conflicts.map((c) => [c.a, c.b])).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
  });
});

describe('findConflicts: patchPodMetadata (Kruise TestSidecarSetPodMetadataConflict)', () => {
  const patch = (policy: PatchPolicy, key = 'oom-score') => ({
    patchPodMetadata: [{ annotations: { [key]: '{"log-agent": 1}' }, patchPolicy: policy }],
  });

  it('Overwrite vs MergePatchJson on the same key → 1 conflict', () => {
    const conflicts = findConflicts([set('a', patch('Overwrite')), set('b', patch('MergePatchJson'))]);
    expect(conflicts).toEqual([
      { a: 'a', b: 'b', pointer: '/spec/patchPodMetadata/0/annotations/oom-score', message: expect.stringContaining('"oom-score"') },
    ]);
  });

  it('MergePatchJson vs Overwrite (Overwrite on the second side) → 1 conflict', () => {
    expect(findConflicts([set('a', patch('MergePatchJson')), set('b', patch('Overwrite'))])).toHaveLength(1);
  });

  it('different keys → no conflict', () => {
    expect(findConflicts([set('a', patch('Overwrite', 'k1')), set('b', patch('MergePatchJson', 'k2'))])).toEqual([]);
  });

  it('MergePatchJson on both sides → no conflict', () => {
    expect(findConflicts([set('a', patch('MergePatchJson')), set('b', patch('MergePatchJson'))])).toEqual([]);
  });

  it('Retain on either side never conflicts', () => {
    expect(findConflicts([set('a', patch('Retain')), set('b', patch('Overwrite'))])).toEqual([]);
    expect(findConflicts([set('a', patch('Overwrite')), set('b', patch('Retain'))])).toEqual([]);
  });

  it('keys with a slash are escaped in the pointer', () => {
    const conflicts = findConflicts([set('a', patch('Overwrite', 'example.com/k')), set('b', patch('Overwrite', 'example.com/k'))]);
    expect(conflicts.map((c) => c.pointer)).toEqual(['/spec/patchPodMetadata/0/annotations/example.com~1k']);
  });
});

describe('findConflicts: volumes (Kruise TestSidecarSetVolumeConflict)', () => {
  const volumes = (...vs: Array<{ name: string; [k: string]: unknown }>) => ({ volumes: vs });

  it('different names → no conflict', () => {
    expect(
      findConflicts([
        set('a', volumes({ name: 'volume-1', emptyDir: {} }, { name: 'volume-2', emptyDir: {} })),
        set('b', volumes({ name: 'volume-3', emptyDir: {} }, { name: 'volume-4', emptyDir: {} })),
      ]),
    ).toEqual([]);
  });

  it('same name and equal content → no conflict', () => {
    expect(
      findConflicts([
        set('a', volumes({ name: 'volume-1', emptyDir: {} }, { name: 'volume-2', emptyDir: {} })),
        set('b', volumes({ name: 'volume-2', emptyDir: {} }, { name: 'volume-3', emptyDir: {} })),
      ]),
    ).toEqual([]);
  });

  it('same name but different content → 1 conflict at the volume', () => {
    const conflicts = findConflicts([
      set('a', volumes({ name: 'volume-1', emptyDir: {} }, { name: 'volume-2', emptyDir: {} })),
      set('b', volumes({ name: 'volume-2', hostPath: { path: '/var/data', type: '' } }, { name: 'volume-3', emptyDir: {} })),
    ]);
    expect(conflicts).toEqual([{ a: 'a', b: 'b', pointer: '/spec/volumes/1', message: expect.stringContaining('volume "volume-2"') }]);
  });
});
