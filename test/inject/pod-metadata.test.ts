import { describe, expect, it } from 'vitest';
import { applyPatchPodMetadata } from '../../src/inject/pod-metadata.js';
import type { PatchPodMetadata, PatchPolicy } from '../../src/sidecarset/types.js';

const kruiseFaithful = { normalizeMergePatchOnFirstWrite: false };
const normalising = { normalizeMergePatchOnFirstWrite: true };

function one(patches: PatchPodMetadata[], name = 'sidecarset1') {
  return [{ name, patchPodMetadata: patches }];
}

describe('applyPatchPodMetadata: Retain and Overwrite', () => {
  it('adds missing keys with Retain and Overwrite (Kruise "add pod annotation")', () => {
    const result = applyPatchPodMetadata(
      {},
      one([
        { patchPolicy: 'Retain', annotations: { key1: 'value1' } },
        { patchPolicy: 'Overwrite', annotations: { key2: 'value2' } },
      ]),
      kruiseFaithful,
    );
    expect(result.annotations).toEqual({ key1: 'value1', key2: 'value2' });
    expect(result.changedKeys).toEqual(['key1', 'key2']);
    expect(result.errors).toEqual([]);
  });

  it('Retain keeps an existing value, Overwrite replaces it (Kruise "exist")', () => {
    const result = applyPatchPodMetadata(
      { key1: 'old', key2: 'old' },
      one([
        { patchPolicy: 'Retain', annotations: { key1: 'value1' } },
        { patchPolicy: 'Overwrite', annotations: { key2: 'value2' } },
      ]),
      kruiseFaithful,
    );
    expect(result.annotations).toEqual({ key1: 'old', key2: 'value2' });
    expect(result.changedKeys).toEqual(['key2']);
  });

  it('Retain counts a present-but-empty value as present', () => {
    const result = applyPatchPodMetadata({ key: '' }, one([{ patchPolicy: 'Retain', annotations: { key: 'v' } }]), kruiseFaithful);
    expect(result.annotations).toEqual({ key: '' });
  });

  it('treats an empty or missing patchPolicy as Retain', () => {
    const result = applyPatchPodMetadata(
      { a: 'old' },
      one([{ patchPolicy: '' as PatchPolicy, annotations: { a: 'new', b: 'new' } }, { annotations: { a: 'newer', c: 'new' } }]),
      kruiseFaithful,
    );
    expect(result.annotations).toEqual({ a: 'old', b: 'new', c: 'new' });
  });

  it('ignores an unknown patchPolicy', () => {
    const result = applyPatchPodMetadata(
      { a: 'old' },
      one([{ patchPolicy: 'Replace' as PatchPolicy, annotations: { a: 'new', b: 'x' } }]),
      kruiseFaithful,
    );
    expect(result.annotations).toEqual({ a: 'old' });
    expect(result.changedKeys).toEqual([]);
  });

  it('applies SidecarSets and their entries in list order', () => {
    const result = applyPatchPodMetadata(
      {},
      [
        { name: 's1', patchPodMetadata: [{ patchPolicy: 'Overwrite', annotations: { k: 'first', r: 'first' } }] },
        { name: 's2', patchPodMetadata: [{ patchPolicy: 'Retain', annotations: { k: 'second' } }] },
        { name: 's3', patchPodMetadata: [{ patchPolicy: 'Overwrite', annotations: { r: 'third' } }] },
      ],
      kruiseFaithful,
    );
    expect(result.annotations).toEqual({ k: 'first', r: 'third' });
  });
});

describe('applyPatchPodMetadata: MergePatchJson', () => {
  it('merges, keeps an identical value and stores a new key verbatim (Kruise "json merge")', () => {
    const result = applyPatchPodMetadata(
      { key1: '{"log-agent":1}', key2: '{"log-agent":1}' },
      one([
        {
          patchPolicy: 'MergePatchJson',
          annotations: { key1: '{"log-agent":1}', key2: '{"envoy":2}', key3: '{"probe":5}' },
        },
      ]),
      kruiseFaithful,
    );
    expect(result.annotations).toEqual({
      key1: '{"log-agent":1}',
      key2: '{"envoy":2,"log-agent":1}',
      key3: '{"probe":5}',
    });
    expect(result.changedKeys).toEqual(['key2', 'key3']);
  });

  it('reports no change when the merge gives the same bytes (Kruise "skip")', () => {
    const result = applyPatchPodMetadata(
      { key1: '{"log-agent":1}' },
      one([{ patchPolicy: 'MergePatchJson', annotations: { key1: '{"log-agent":1}' } }]),
      normalising,
    );
    expect(result.annotations).toEqual({ key1: '{"log-agent":1}' });
    expect(result.changedKeys).toEqual([]);
  });

  it('merges values across SidecarSets (Kruise TestInjectMetadata)', () => {
    const result = applyPatchPodMetadata(
      {},
      [
        {
          name: 'sidecarset1',
          patchPodMetadata: [
            { patchPolicy: 'MergePatchJson', annotations: { key1: '{"log-agent":1}' } },
            { patchPolicy: 'Retain', annotations: { key: 'envoy=1,log=2' } },
          ],
        },
        { name: 'sidecarset2', patchPodMetadata: [{ patchPolicy: 'MergePatchJson', annotations: { key1: '{"envoy":2}' } }] },
      ],
      kruiseFaithful,
    );
    expect(result.annotations).toEqual({ key1: '{"envoy":2,"log-agent":1}', key: 'envoy=1,log=2' });
  });

  it('treats an empty existing value like an absent one', () => {
    const result = applyPatchPodMetadata(
      { k: '' },
      one([{ patchPolicy: 'MergePatchJson', annotations: { k: '{ "b" : 1 }' } }]),
      kruiseFaithful,
    );
    expect(result.annotations).toEqual({ k: '{ "b" : 1 }' });
  });

  it('reports a merge error with its SidecarSet and key, leaving the key unchanged', () => {
    const result = applyPatchPodMetadata(
      { bad: 'envoy=1', good: '{"a":1}' },
      [
        { name: 's1', patchPodMetadata: [{ patchPolicy: 'MergePatchJson', annotations: { bad: '{"x":1}' } }] },
        { name: 's2', patchPodMetadata: [{ patchPolicy: 'MergePatchJson', annotations: { good: 'null' } }] },
      ],
      kruiseFaithful,
    );
    expect(result.errors).toEqual([
      { sidecarSet: 's1', key: 'bad', message: 'Invalid JSON Document' },
      { sidecarSet: 's2', key: 'good', message: 'Invalid JSON Patch' },
    ]);
    expect(result.annotations).toEqual({ bad: 'envoy=1', good: '{"a":1}' });
    expect(result.changedKeys).toEqual([]);
  });
});

describe('applyPatchPodMetadata: normalisation on first write (§6.5 b)', () => {
  const patch = one([{ patchPolicy: 'MergePatchJson', annotations: { k: '{ "z": {"y":1, "x":null}, "a": 2 }' } }]);

  it('stores the value verbatim when normalisation is off (what one Kruise admission does)', () => {
    expect(applyPatchPodMetadata({}, patch, kruiseFaithful).annotations.k).toBe('{ "z": {"y":1, "x":null}, "a": 2 }');
  });

  it('stores merge(v, v) when normalisation is on', () => {
    expect(applyPatchPodMetadata({}, patch, normalising).annotations.k).toBe('{"a":2,"z":{"y":1}}');
  });

  it('makes a second run a fixed point only when on', () => {
    const first = applyPatchPodMetadata({}, patch, normalising).annotations;
    const second = applyPatchPodMetadata(first, patch, normalising);
    expect(second.annotations).toEqual(first);
    expect(second.changedKeys).toEqual([]);

    const faithful = applyPatchPodMetadata({}, patch, kruiseFaithful).annotations;
    expect(applyPatchPodMetadata(faithful, patch, kruiseFaithful).annotations).not.toEqual(faithful);
  });

  it('falls back to the verbatim value when v cannot merge with itself', () => {
    const result = applyPatchPodMetadata(
      {},
      one([{ patchPolicy: 'MergePatchJson', annotations: { text: 'envoy=1', scalar: '1', nothing: 'null' } }]),
      normalising,
    );
    expect(result.annotations).toEqual({ text: 'envoy=1', scalar: '1', nothing: 'null' });
    expect(result.errors).toEqual([]);
  });

  it('does not touch Retain or Overwrite values', () => {
    const result = applyPatchPodMetadata({}, one([{ patchPolicy: 'Overwrite', annotations: { k: '{ "b":1, "a":2 }' } }]), normalising);
    expect(result.annotations.k).toBe('{ "b":1, "a":2 }');
  });
});

describe('applyPatchPodMetadata: purity', () => {
  it('returns a new object and leaves its input alone', () => {
    const input = { keep: 'x', k: '{"a":1}' };
    const result = applyPatchPodMetadata(input, one([{ patchPolicy: 'MergePatchJson', annotations: { k: '{"b":2}' } }]), normalising);
    expect(input).toEqual({ keep: 'x', k: '{"a":1}' });
    expect(result.annotations).not.toBe(input);
    expect(result.annotations).toEqual({ keep: 'x', k: '{"a":1,"b":2}' });
  });

  it('keeps keys that collide with Object.prototype names as plain data', () => {
    const patchWithProto = JSON.parse('{"__proto__":"p"}') as Record<string, string>;
    const result = applyPatchPodMetadata(
      { constructor: 'c' },
      one([{ patchPolicy: 'Overwrite', annotations: patchWithProto }]),
      kruiseFaithful,
    );
    expect(Object.getPrototypeOf(result.annotations)).toBe(Object.prototype);
    expect(Object.keys(result.annotations).sort()).toEqual(['__proto__', 'constructor']);
    expect(result.changedKeys).toEqual(['__proto__']);
  });

  it('tolerates SidecarSets without patches and entries without annotations', () => {
    const result = applyPatchPodMetadata(
      { a: '1' },
      [{ name: 's' }, { name: 't', patchPodMetadata: [{ patchPolicy: 'Overwrite' }] }],
      kruiseFaithful,
    );
    expect(result).toEqual({ annotations: { a: '1' }, changedKeys: [], errors: [] });
  });
});
