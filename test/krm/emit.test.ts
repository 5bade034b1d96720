// The fast emitter writes exactly what `yaml`'s stringify writes, or declines.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { emitBlock, emitInto, toYaml, yamlOptions } from '../../src/krm/emit.js';

const tricky = fc.constantFrom(
  'on',
  'yes',
  'Y',
  'no',
  'NULL',
  '~',
  'true',
  '2021-01-01',
  '1.25',
  '0x1F',
  '012',
  '1:20',
  '.inf',
  '-a',
  'a: b',
  'a #b',
  '#x',
  'nginx:1.25',
  'example.com/a:b',
  'a:',
  "it's",
  'say "hi"',
  '{"a":1}',
  '[x]',
  '',
  ' x',
  'x ',
  '*',
  '&a',
  '!t',
  '%p',
  '@x',
  '`x',
  '|',
  '>',
  'kruise.io/sidecarset-hash',
  'IS_INJECTED',
  '/var/run',
  "metadata.annotations['x']",
  'ü',
  'a\tb',
  // Where the emitter decides without `yaml`: YAML 1.1 words and floats, and what ends a plain scalar.
  'e0',
  'E5',
  'e+5',
  'e-12',
  'e',
  'ex1',
  'y',
  'n',
  'N',
  'Off',
  'OFF',
  'Null',
  'True',
  'FALSE',
  'Nul',
  'yess',
  'a: b',
  "it's: x",
  'x"y: z',
  'a\\b: c',
  'a ',
  'a:',
  'a:b',
  'a #b',
  'a#b',
  '#',
  'a, b (c) = d @e',
  '--- x',
  '... x',
  '%x',
  "SidecarSets a, b all add containers: in a cluster their order is random; rendered in this function's fixed order",
  // Paths, JSON annotation values and quantities, which the emitter also decides without `yaml`.
  '/etc/config',
  '/a: b',
  '/a #b',
  '/a:',
  '/a"b',
  "/it's",
  '{"a":{"b":["c"]}}',
  '{"a":"it\'s"}',
  '{"a":"b\\c"}',
  "{'a'}",
  '{a}',
  '[1, 2]',
  '64Mi',
  '50m',
  '1.5Gi',
  '100k',
  '1E',
  '0E',
  '1e3',
  '1.5',
  '08m',
  '1Mx',
);
/** Strings of the characters that decide plain or quoted, to reach every branch of the quick path. */
const quick = fc
  .array(fc.constantFrom('a', 'E', 'y', '0', ' ', ':', '#', '"', "'", '\\', '-', '.', ',', 'é', '/', '{', '[', 'm', 'i', 'M'), {
    minLength: 1,
    maxLength: 10,
  })
  .map((cs) => cs.join(''));
const scalar = fc.oneof(tricky, quick, fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.double());
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, tie('map'), tie('seq')),
  map: fc.dictionary(fc.oneof(tricky, quick, fc.string({ maxLength: 6 })), tie('node'), { maxKeys: 4 }),
  seq: fc.array(tie('node'), { maxLength: 4 }),
})).node;

const RUNS = 3000;

describe('emitBlock', () => {
  it.each([false, true])('equals stringify or declines (compact sequences: %s)', (compactSequences) => {
    const style = { compactSequences };
    let emitted = 0;
    fc.assert(
      fc.property(fc.oneof(value.filter((v) => typeof v === 'object' && v !== null)), (v) => {
        const lines = emitBlock(v, style);
        if (lines !== undefined) {
          emitted++;
          expect(lines.join('\n') + '\n').toBe(stringify(v, yamlOptions(style)));
        }
      }),
      { numRuns: RUNS },
    );
    // An emitter that declined everything would pass the check above without writing a line.
    expect(emitted).toBeGreaterThan(RUNS / 4); // about half at the time of writing
  });

  it('handles what injection produces', () => {
    const container = {
      name: 'log-agent',
      image: 'example.com/log-agent:1.2',
      env: [
        { name: 'IS_INJECTED', value: 'true' },
        { name: 'X', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['a']" } } },
      ],
      resources: {},
      volumeMounts: [{ name: 'v', mountPath: '/v', readOnly: true }],
      terminationMessagePath: '/dev/termination-log',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    };
    for (const compactSequences of [false, true]) {
      const lines = emitBlock([container], { compactSequences });
      expect(lines).toBeDefined();
      expect(lines!.join('\n') + '\n').toBe(stringify([container], yamlOptions({ compactSequences })));
    }
  });
});

describe('emitInto', () => {
  it('appends the lines of emitBlock, indented, and leaves the lines as they were when it declines', () => {
    let appended = 0;
    fc.assert(
      fc.property(value, fc.constantFrom(0, 2, 6), fc.boolean(), (v, indent, compactSequences) => {
        const out = ['before'];
        const lines = emitBlock(v, { compactSequences });
        expect(emitInto(v, indent, { compactSequences }, out)).toBe(lines !== undefined);
        expect(out).toEqual(['before', ...(lines ?? []).map((l) => ' '.repeat(indent) + l)]);
        if (lines !== undefined && lines.length > 0) appended++;
      }),
      { numRuns: 2000 },
    );
    expect(appended).toBeGreaterThan(2000 / 4);
  });
});

describe('toYaml, `<<` keys', () => {
  // Items are read with their merge keys applied (krm/merge-keys.ts): a `<<` key in the data is a
  // string key, quoted so that no YAML 1.1 reader takes it for a merge key, also where the emitter
  // declines the shape (a list in a list) and `yaml` writes it.
  it.each([
    ['the emitter', { '<<': { a: null, b: 'x' }, c: 1 }],
    ['yaml, for a shape the emitter declines', { '<<': { a: null, b: 'x' }, c: [[1]] }],
  ])('writes a `<<` key quoted: %s', (_, value) => {
    const text = toYaml(value);
    expect(text).toMatch(/^"<<":$/m);
    expect(parse(text, { version: '1.1', merge: true })).toEqual(value);
    expect(parse(text, { schema: 'core' })).toEqual(value);
  });
});
