// The JSON scan agrees with JSON.parse on what JSON is; the rewrite gives the new data and keeps
// the text of what did not change.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { layoutOf, repeatedJsonKey, rewriteJson, scanJson } from '../../src/krm/json.js';

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
const scans = (text: string) => {
  try {
    scanJson(text, 0);
    return true;
  } catch {
    return false;
  }
};

/** JSON text, and now and then one character of it changed, dropped or doubled. */
const jsonish = fc
  .tuple(
    fc.json({ maxDepth: 4 }),
    fc.nat(),
    fc.constantFrom('', ' ', '\t', '\n', '\r\n', ',', '"', '\\', '-', '0', 'e', '}', ']', '\u0001', '\u2028'),
    fc.nat(3),
  )
  .map(([json, at, char, mode]) => {
    const p = json.length === 0 ? 0 : at % json.length;
    if (mode === 0) return json;
    if (mode === 1) return json.slice(0, p) + char + json.slice(p + 1);
    if (mode === 2) return json.slice(0, p) + json.slice(p + 1);
    return json.slice(0, p) + char + json.slice(p);
  });

describe('scanJson', () => {
  it('takes exactly what JSON.parse takes', () => {
    const outcomes = { json: 0, not: 0 };
    fc.assert(
      fc.property(jsonish, (text) => {
        const json = parses(text);
        expect(scans(text), text).toBe(json);
        outcomes[json ? 'json' : 'not']++;
      }),
      { numRuns: 3000 },
    );
    expect(Math.min(outcomes.json, outcomes.not)).toBeGreaterThan(500);
    for (const text of [
      '',
      ' ',
      '01',
      '1.',
      '.5',
      '1e',
      '-',
      '+1',
      '"\\x"',
      '"\\u12"',
      '[1,]',
      '{"a":1,}',
      '{a:1}',
      'nul',
      'true false',
      '"\t"',
    ]) {
      expect(scans(text), text).toBe(false);
    }
  });

  it('records spans as deep as asked, keys decoded', () => {
    const text = '{ "a\\u0062" : [1, {"c": 2}] , "d": "x" }';
    const root = scanJson(text, 2);
    expect(root.entries?.map((e) => [e.key, e.keyText, text.slice(e.value.start, e.value.end)])).toEqual([
      ['ab', '"a\\u0062"', '[1, {"c": 2}]'],
      ['d', '"d"', '"x"'],
    ]);
    expect(root.entries?.[0].value.elements?.map((e) => text.slice(e.start, e.end))).toEqual(['1', '{"c": 2}']);
    expect(root.entries?.[0].value.elements?.[1].entries).toBeUndefined();
  });

  it('leaves nesting deeper than 1000 to the YAML parser', () => {
    expect(scans('['.repeat(1000) + ']'.repeat(1000))).toBe(true);
    expect(scans('['.repeat(1001) + ']'.repeat(1001))).toBe(false);
  });

  it('finds a repeated key at any depth', () => {
    expect(repeatedJsonKey('{"a":{"b":1,"c":2,"b":3}}')).toBe('b');
    expect(repeatedJsonKey('{"a":[{"b":1},{"b":2}]}')).toBeUndefined();
  });
});

describe('rewriteJson', () => {
  const object = fc.dictionary(fc.constantFrom('a', 'b', 'name', 'x y', '__proto__'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });

  it('gives the new data, keeping the text of each unchanged member', () => {
    fc.assert(
      fc.property(object, object, fc.constantFrom(undefined, 2, '\t'), (old, change, indent) => {
        const text = JSON.stringify(old, null, indent);
        const read = JSON.parse(text) as Record<string, unknown>;
        const next = { ...read, ...change };
        const out = rewriteJson(text, layoutOf(text, '', '\n'), read, next);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(next)));
        if (JSON.stringify(next) === JSON.stringify(read)) expect(out).toBe(text);
        for (const e of scanJson(text, 1).entries ?? []) {
          if (!Object.prototype.hasOwnProperty.call(change, e.key))
            expect(out).toContain(
              `${e.keyText}: ${text.slice(e.value.start, e.value.end)}`.replace(': ', indent === undefined ? ':' : ': '),
            );
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps numbers as written where they did not change', () => {
    const text = '{"a": 1.0, "b": 12345678901234567890, "c": [1E2]}';
    expect(rewriteJson(text, layoutOf(text, '', '\n'), JSON.parse(text), { ...JSON.parse(text), d: 2 })).toBe(
      '{"a": 1.0, "b": 12345678901234567890, "c": [1E2], "d": 2}',
    );
  });

  // Un-injecting gives back a replaced container whose keys the record holds in the input's order
  // (an uninject property counterexample: `cpu` came back after `memory`).
  it('writes a new member where the data has it, not at the end', () => {
    const text = '{"requests": {"memory": "64Mi"}}';
    const next = { requests: { cpu: '100m', memory: '64Mi' } };
    expect(rewriteJson(text, layoutOf(text, '', '\n'), JSON.parse(text), next)).toBe('{"requests": {"cpu": "100m", "memory": "64Mi"}}');
  });
});
