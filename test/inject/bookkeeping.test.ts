import { describe, expect, it } from 'vitest';
import { encodeHashMap, goMapJson, parseHashAnnotation, parseStringMap } from '../../src/inject/bookkeeping.js';

describe('hash annotations', () => {
  it('writes entries in Kruise field order with keys in byte order', () => {
    const map = new Map([
      ['9', { updateTimestamp: '1970-01-01T00:00:00Z', hash: 'h9', sidecarSetName: '9', sidecarList: ['b'] }],
      ['10', { updateTimestamp: '1970-01-01T00:00:00Z', hash: 'h10', sidecarSetName: '10', sidecarList: [], controllerRevision: '10-abc' }],
    ]);
    expect(encodeHashMap(map, true)).toBe(
      '{"10":{"updateTimestamp":"1970-01-01T00:00:00Z","hash":"h10","sidecarSetName":"10","sidecarList":[],"controllerRevision":"10-abc"},' +
        '"9":{"updateTimestamp":"1970-01-01T00:00:00Z","hash":"h9","sidecarSetName":"9","sidecarList":["b"]}}',
    );
    expect(encodeHashMap(map, false)).not.toContain('controllerRevision');
  });

  it('reads the object form and converts the legacy form', () => {
    const obj = parseHashAnnotation('{"a":{"updateTimestamp":"2025-03-01T08:09:10Z","hash":"x","sidecarSetName":"a","sidecarList":["c"]}}');
    expect(obj instanceof Map && obj.get('a')?.hash).toBe('x');
    const legacy = parseHashAnnotation('{"a":"x"}');
    expect(legacy instanceof Map && legacy.get('a')).toEqual({ updateTimestamp: null, hash: 'x', sidecarSetName: 'a', sidecarList: null });
    expect(encodeHashMap(legacy as any, true)).toBe('{"a":{"updateTimestamp":null,"hash":"x","sidecarSetName":"a","sidecarList":null}}');
  });

  it('reports a value that is neither form', () => {
    expect(typeof parseHashAnnotation('not json')).toBe('string');
    expect(typeof parseHashAnnotation('{"a":1}')).toBe('string');
    expect(typeof parseHashAnnotation('[1]')).toBe('string');
  });

  it('ignores an unparsable hot-upgrade map, as Kruise does', () => {
    expect(parseStringMap('{oops').size).toBe(0);
    expect([...parseStringMap('{"envoy":"envoy-2"}')]).toEqual([['envoy', 'envoy-2']]);
  });

  it('escapes like Go', () => {
    expect(goMapJson(new Map([['a', '<&>']]))).toBe('{"a":"\\u003c\\u0026\\u003e"}');
  });
});
