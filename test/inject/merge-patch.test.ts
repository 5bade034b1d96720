import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { INVALID_DOCUMENT, INVALID_PATCH, jsonMergePatch } from '../../src/inject/merge-patch.js';

function merged(existing: string, patch: string): string {
  const result = jsonMergePatch(existing, patch);
  if (!result.ok) throw new Error(`unexpected error ${result.error}`);
  return result.value;
}

function failure(existing: string, patch: string): string | undefined {
  const result = jsonMergePatch(existing, patch);
  return result.ok ? undefined : result.error;
}

describe('jsonMergePatch: Kruise vectors', () => {
  it('adds a key and writes the top level with sorted keys', () => {
    expect(merged('{"log-agent":1}', '{"envoy":2}')).toBe('{"envoy":2,"log-agent":1}');
  });

  it('leaves an identical value unchanged', () => {
    expect(merged('{"log-agent":1}', '{"log-agent":1}')).toBe('{"log-agent":1}');
  });
});

describe('jsonMergePatch: RFC 7386 appendix A, as evanphx v5.6.0 encodes it', () => {
  it.each([
    ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
    ['{"a":"b"}', '{"a":null}', '{}'],
    ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
    ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
    ['{"a":{"b": "c"}}', '{"a": {"b": "d","c": null}}', '{"a":{"b":"d"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
    ['["a","b"]', '["c","d"]', '["c","d"]'],
    ['{"a":"b"}', '["c"]', '["c"]'],
    ['{"e":null}', '{"a":1}', '{"a":1,"e":null}'],
    ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
    ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
    ['{"title":null}', '{"title":{"foo":"bar"}}', '{"title":{"foo":"bar"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[null,1]}', '{"a":[null,1]}'],
    ['{ "array": ["one", "two"] }', '{ "array": [] }', '{"array":[]}'],
  ])('%s + %s → %s', (existing, patch, expected) => {
    expect(merged(existing, patch)).toBe(expected);
  });
});

describe('jsonMergePatch: errors', () => {
  it('rejects a document that is not JSON', () => {
    expect(failure('envoy=1', '{"a":1}')).toBe(INVALID_DOCUMENT);
    expect(failure('{"a":1} x', '{"a":1}')).toBe(INVALID_DOCUMENT);
    expect(failure('{"a":1,}', '{"a":1}')).toBe(INVALID_DOCUMENT);
    expect(failure('{"a":01}', '{"a":1}')).toBe(INVALID_DOCUMENT);
  });

  it('rejects a patch that is not JSON, including the empty string', () => {
    expect(failure('{"a":1}', '{a:1}')).toBe(INVALID_PATCH);
    expect(failure('{"a":1}', '')).toBe(INVALID_PATCH);
    expect(failure('{"a":1}', '{"a":"\u0001"}')).toBe(INVALID_PATCH);
    expect(failure('{"a":1}', '{"a":"\\x"}')).toBe(INVALID_PATCH);
  });

  it('rejects a null document and a null patch', () => {
    expect(failure(' null ', '{"a":1}')).toBe(INVALID_DOCUMENT);
    expect(failure('{"a":"foo"}', 'null')).toBe(INVALID_PATCH);
  });

  it('checks both syntax errors before either null, as Go does', () => {
    expect(failure('null', '{')).toBe(INVALID_PATCH);
    expect(failure('{', 'null')).toBe(INVALID_DOCUMENT);
  });

  it('rejects a scalar patch', () => {
    expect(failure('{"a":"foo"}', '"bar"')).toBe(INVALID_PATCH);
    expect(failure('1', '2')).toBe(INVALID_PATCH);
    expect(failure('[1]', 'true')).toBe(INVALID_PATCH);
  });

  it('accepts 10000 levels of nesting and rejects 10001 (encoding/json limit)', () => {
    const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    expect(jsonMergePatch(nested(10000), nested(10000)).ok).toBe(true);
    expect(failure(nested(10001), '{}')).toBe(INVALID_DOCUMENT);
    expect(failure('{}', '['.repeat(10001) + ']'.repeat(10001))).toBe(INVALID_PATCH);
  });
});

describe('jsonMergePatch: output bytes', () => {
  it('keeps untouched nested values in their key order but compacts them', () => {
    expect(merged('{ "z": { "y": 1, "x": [ 1, 2 ] }, "a": 0 }', '{"b":1}')).toBe('{"a":0,"b":1,"z":{"y":1,"x":[1,2]}}');
  });

  it('sorts the keys of every object level the merge went into', () => {
    expect(merged('{"n":{"z":1,"a":{"q":1,"p":2}}}', '{"n":{"m":3}}')).toBe('{"n":{"a":{"q":1,"p":2},"m":3,"z":1}}');
  });

  it('keeps number text exactly: no float64 round trip', () => {
    expect(merged('{"a":1.0,"b":1e3,"c":12345678901234567890,"d":-0,"e":1E+2}', '{"f":1.50,"g":[1.0e-7]}')).toBe(
      '{"a":1.0,"b":1e3,"c":12345678901234567890,"d":-0,"e":1E+2,"f":1.50,"g":[1.0e-7]}',
    );
    expect(merged('{"a":1}', '{"a":12345678901234567890123}')).toBe('{"a":12345678901234567890123}');
  });

  it('HTML-escapes values and keys the way Go does', () => {
    expect(merged('{"html":"<b>&</b>"}', '{"k<>&":"\u2028 \u2029"}')).toBe(
      '{"html":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e","k\\u003c\\u003e\\u0026":"\\u2028 \\u2029"}',
    );
  });

  it('keeps the escapes of untouched strings but re-encodes decoded keys', () => {
    expect(merged('{"s":"\\u0041\\/\\t"}', '{"\\u0042\\/":1}')).toBe('{"B/":1,"s":"\\u0041\\/\\t"}');
    expect(merged('{}', '{"a\\u0001\\b\\f\\u007f\\"\\\\":1}')).toBe('{"a\\u0001\\b\\f\u007f\\"\\\\":1}');
  });

  it('turns an unpaired surrogate escape in a key into U+FFFD', () => {
    expect(merged('{}', '{"\\ud800":1}')).toBe('{"\uFFFD":1}');
  });

  it('sorts keys by UTF-8 byte order, not UTF-16 order', () => {
    expect(merged('{}', '{"😀":1,"\uE000":2,"B":3,"a":4}')).toBe('{"B":3,"a":4,"\uE000":2,"😀":1}');
  });

  it('prunes nulls at every depth when the patch value lands on an absent key', () => {
    expect(merged('{}', '{"a":{"b":null,"c":[null,{"d":null,"e":1}]}}')).toBe('{"a":{"c":[null,{"e":1}]}}');
  });

  it('keeps nulls inside a non-object patch value that replaces an object (evanphx quirk)', () => {
    expect(merged('{"a":{"b":1}}', '{"a":[{"x":null,"b":2,"a":1}]}')).toBe('{"a":[{"x":null,"b":2,"a":1}]}');
    expect(merged('{"a":1}', '{"a":[{"x":null,"b":2,"a":1}]}')).toBe('{"a":[{"a":1,"b":2}]}');
  });

  it('keeps null members the document already had', () => {
    expect(merged('{"e":null,"f":{"g":null}}', '{"f":{"h":1}}')).toBe('{"e":null,"f":{"g":null,"h":1}}');
  });

  it('lets the last of duplicate keys win', () => {
    expect(merged('{"a":1,"a":2}', '{"b":3}')).toBe('{"a":2,"b":3}');
    expect(merged('{"a":1}', '{"a":2,"a":null}')).toBe('{}');
  });

  it('returns an object patch over a non-object document, nulls pruned and keys sorted', () => {
    expect(merged('"str"', '{"b":{"y":1,"x":null},"a":[{"k":null}]}')).toBe('{"a":[{}],"b":{"y":1}}');
  });

  it('returns an array patch with object members pruned and null elements kept', () => {
    expect(merged('{"a":1}', ' [ {"z":1,"a":null}, null, [ {"k":null} ], "<" ] ')).toBe('[{"z":1},null,[{}],"\\u003c"]');
  });

  it('accepts surrounding JSON whitespace', () => {
    expect(merged('\n\t{ "a" : [ 1 , 2 ] }\r\n ', ' {"b": { "d" : 1, "c" : 2 }} ')).toBe('{"a":[1,2],"b":{"c":2,"d":1}}');
  });
});

// RFC 7386 on parsed values; valid whenever arrays hold no objects (where evanphx prunes nulls
// that the RFC would keep).
function rfcMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = rfcMergePatch(result[key], value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const keyArb = fc.constantFrom('a', 'b', 'c', 'B', '<', 'é', '😀', '\uE000');
// JSON has no -0 (it is written as 0): the reference must not see one either.
const scalarArb = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
  fc.string(),
  fc.boolean(),
);
const { value: jsonArb } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalarArb,
    fc.constant(null),
    fc.array(fc.oneof(scalarArb, fc.constant(null)), { maxLength: 3 }),
    tie('object'),
  ),
  object: fc.dictionary(keyArb, tie('value'), { maxKeys: 4 }),
}));
const objectArb = fc.dictionary(keyArb, jsonArb, { maxKeys: 5 });
const textOf = (value: unknown, indent: number) => JSON.stringify(value, null, indent);

describe('jsonMergePatch: properties', () => {
  it('agrees with RFC 7386 on object documents and patches', () => {
    fc.assert(
      fc.property(objectArb, objectArb, fc.nat(2), (doc, patch, indent) => {
        const value = merged(textOf(doc, indent), textOf(patch, indent));
        expect(JSON.parse(value)).toEqual(rfcMergePatch(doc, patch));
        expect(value).not.toMatch(/[<>&\u2028\u2029]/);
      }),
    );
  });

  it('merge(v, v) is a fixed point of merging v again (normalisation of §6.5)', () => {
    const anyValueArb = fc.oneof(objectArb, fc.array(jsonArb, { maxLength: 3 }));
    fc.assert(
      fc.property(anyValueArb, fc.nat(2), (value, indent) => {
        const text = textOf(value, indent);
        const once = merged(text, text);
        expect(merged(once, text)).toBe(once);
      }),
    );
  });
});
