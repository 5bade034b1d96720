import { describe, expect, it } from 'vitest';
import { withNullsOf, withoutNulls } from '../../src/util/nulls.js';

describe('withoutNulls', () => {
  it('drops null map entries at any depth, keeps null list elements', () => {
    expect(withoutNulls({ a: null, b: { c: null, d: 1 }, e: [null, { f: null }] })).toEqual({ b: { d: 1 }, e: [null, {}] });
  });

  it('copies nothing without nulls', () => {
    const value = { a: { b: [{ c: 1 }] } };
    expect(withoutNulls(value)).toBe(value);
    const partly = { keep: { x: 1 }, drop: { y: null } };
    const out = withoutNulls(partly);
    expect(out.keep).toBe(partly.keep);
  });

  it('keeps the entries of free-form maps, named by the keys leading to them', () => {
    const value = { metadata: { labels: { a: null }, other: null }, spec: { labels: { b: null } } };
    expect(withoutNulls(value, (path) => path.length === 2 && path[0] === 'metadata')).toEqual({
      metadata: { labels: { a: null } },
      spec: { labels: {} },
    });
  });

  it('keeps a __proto__ key as data', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "n": null}');
    const out = withoutNulls(value);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });
});

describe('withNullsOf', () => {
  it('puts back the nulls the result does not fill, and leaves filled ones', () => {
    const source = { a: null, b: null, c: { d: null } };
    expect(withNullsOf(source, { a: { filled: true }, c: {} })).toEqual({ a: { filled: true }, c: { d: null }, b: null });
  });

  it('pairs named list elements by name, the others by position', () => {
    const source = { containers: [{ name: 'app', env: null }], ports: [{ hostPort: null }] };
    const result = { containers: [{ name: 'side' }, { name: 'app' }], ports: [{}] };
    expect(withNullsOf(source, result)).toEqual({
      containers: [{ name: 'side' }, { name: 'app', env: null }],
      ports: [{ hostPort: null }],
    });
  });

  it('returns the result itself when there is nothing to put back', () => {
    const result = { a: [{ name: 'x' }] };
    expect(withNullsOf({ a: [{ name: 'x' }] }, result)).toBe(result);
  });
});
