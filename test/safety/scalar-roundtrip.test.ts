// Every string the function writes is read back as the same string by YAML 1.2 core readers and
// YAML 1.1 readers alike: random strings in every scalar form of either version (ints in every
// base, floats, sexagesimal numbers, booleans, nulls, timestamps, indicators) with and without the
// characters readers treat specially, through each way the function writes a scalar. FUZZ_RUNS
// sets the number of cases (`npm run fuzz`), FUZZ_SEED replays a failure.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import jsyaml from 'js-yaml';
import { emitBlock, SCALAR_OPTIONS, yamlOptions } from '../../src/krm/emit.js';
import { editItemText } from '../../src/krm/text-edit.js';
import { rewriteWithDocument } from '../../src/krm/edit.js';
import { runFunction } from '../../src/run.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const params = <T>(runs = RUNS): fc.Parameters<T> => ({ numRuns: runs, ...(SEED === undefined ? {} : { seed: SEED }) });

// --- The strings -------------------------------------------------------------------------------

const chars = (alphabet: string, minLength: number, maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { minLength, maxLength }).map((cs) => cs.join(''));
const DEC = '0123456789';
const sign = fc.constantFrom('', '', '+', '-');
/** Underscores at a few places after the first character, as YAML 1.1 and Go allow in numbers. */
const underscored = (form: fc.Arbitrary<string>) =>
  fc.tuple(form, fc.array(fc.nat(), { maxLength: 2 })).map(([s, at]) => {
    let out = s;
    for (const n of at) if (out.length > 1) out = out.slice(0, 1 + (n % out.length)) + '_' + out.slice(1 + (n % out.length));
    return out;
  });

const int = underscored(
  fc
    .oneof(
      fc.tuple(sign, fc.constantFrom('0b', '0B'), chars('01', 1, 6)),
      fc.tuple(sign, fc.constantFrom('0o', '0O'), chars('01234567', 1, 4)),
      fc.tuple(sign, fc.constantFrom('0x', '0X'), chars('0123456789abcdefABCDEF', 1, 4)),
      fc.tuple(sign, fc.constant('0'), chars('01234567', 1, 4)),
      fc.tuple(sign, fc.constant(''), chars(DEC, 1, 20)),
    )
    .map((parts) => parts.join('')),
);
const float = fc.oneof(
  fc.constantFrom(
    '.inf',
    '.Inf',
    '.INF',
    '+.inf',
    '-.INF',
    '.nan',
    '.NaN',
    '.NAN',
    '1e3',
    '1E3',
    '1_000.5',
    '6.8523015e+5',
    '685.230_15e+03',
    '.5',
    '1.',
    '-0.0',
    'e5',
    'E+5',
    '0x1p-2',
  ),
  underscored(
    fc
      .tuple(
        sign,
        chars(DEC, 0, 3),
        fc.constantFrom('.', '.', ''),
        chars(DEC, 0, 3),
        fc.constantFrom('', '', 'e', 'E', 'e+', 'e-'),
        chars(DEC, 0, 2),
      )
      .map((p) => p.join('')),
  ),
);
const sexagesimal = fc
  .tuple(
    sign,
    chars(DEC, 1, 3),
    fc.array(fc.tuple(chars('012345', 1, 1), chars(DEC, 1, 1)), { minLength: 1, maxLength: 3 }),
    fc.constantFrom('', '.15', '.5'),
  )
  .map(([s, head, rest, fraction]) => s + head + rest.map(([a, b]) => `:${a}${b}`).join('') + fraction);
const YAML11_BOOLS = [
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'n',
  'N',
  'no',
  'No',
  'NO',
  'true',
  'True',
  'TRUE',
  'false',
  'False',
  'FALSE',
  'on',
  'On',
  'ON',
  'off',
  'Off',
  'OFF',
];
const bool = fc.constantFrom(...YAML11_BOOLS);
const nulls = fc.constantFrom('~', 'null', 'Null', 'NULL', '');
const timestamp = fc.oneof(
  fc.constantFrom(
    '2001-12-14t21:59:43.10-05:00',
    '2001-12-14 21:59:43.10 -5',
    '2001-12-15T02:59:43.1Z',
    '2002-12-14',
    '2001-12-14 21:59:43.10',
  ),
  fc
    .tuple(chars(DEC, 4, 4), chars(DEC, 1, 2), chars(DEC, 1, 2), fc.constantFrom('', 'T1:2:3', 't10:20:30.5Z', ' 10:20:30 +01:00'))
    .map(([y, m, d, time]) => `${y}-${m}-${d}${time}`),
);
const indicator = fc.constantFrom(
  '<<',
  '=',
  '-',
  '?',
  ':',
  '- x',
  '? x',
  'a: b',
  'a #b',
  '#x',
  'a#b',
  '&a',
  '*a',
  '!t',
  '!!str',
  '%x',
  '@x',
  '`x',
  '|',
  '|+',
  '>',
  '>-',
  "'",
  '"',
  "it's",
  'say "hi"',
  '---',
  '...',
  '--- x',
  '[a]',
  '{a: 1}',
  ',',
  'a,b',
  'x:',
  ':x',
  'http://x',
  'a\\b',
  '-1-',
  '1-2',
  '0.0.1',
);
const word = fc.constantFrom(
  'nginx:1.25',
  'hello',
  'a b',
  '/var/run',
  'IS_INJECTED',
  '{"a":1}',
  'Deployment',
  '100Mi',
  '250m',
  'é',
  'Ünïcode',
  '日本',
);
const form = fc.oneof(int, float, sexagesimal, bool, nulls, timestamp, indicator, word);

/** What readers treat specially: line and paragraph separators, NEL, BOM, controls, tabs, line breaks, spaces. */
const special = fc.constantFrom(
  '\u2028',
  '\u2029',
  '\u0085',
  '\ufeff',
  '\t',
  '\n',
  '\n\n',
  '\r',
  '\r\n',
  '\x00',
  '\x07',
  '\x1b',
  '\x7f',
  '\x80',
  '\x9f',
  '\ufffe',
  '\uffff',
  '\u00a0',
  ' ',
  '  ',
  '\u3000',
  '😀',
  ' #',
  ': ',
  '- ',
);

/** A form as it is, with special characters around it, or several of both run together. */
const scalarString = fc
  .oneof(
    { weight: 4, arbitrary: form },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.array(special, { maxLength: 2 }), form, fc.array(special, { maxLength: 2 }))
        .map(([before, f, after]) => before.join('') + f + after.join('')),
    },
    { weight: 2, arbitrary: fc.array(fc.oneof(form, special), { minLength: 2, maxLength: 4 }).map((parts) => parts.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  )
  // Input is checked to be UTF-8, which holds no unpaired surrogates.
  .filter((s) => !/\p{Surrogate}/u.test(s));

// --- Reading back ------------------------------------------------------------------------------

const READERS: Array<[string, (text: string) => unknown]> = [
  ['yaml 1.2 core', (text) => parse(text, { maxAliasCount: -1 })],
  ['yaml 1.1', (text) => parse(text, { version: '1.1', maxAliasCount: -1 })],
  ['js-yaml', (text) => jsyaml.load(text)],
];

/**
 * Characters the `yaml` package reads raw but go-yaml (kubectl, kustomize, kpt) and YAML 1.1
 * readers do not: they break lines there or reject the file. The function writes them escaped.
 */
const RAW_SPECIAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;

function expectReadBack(text: string, expected: unknown): void {
  for (const [name, read] of READERS) expect({ reader: name, value: read(text) }).toEqual({ reader: name, value: expected });
  expect(text).not.toMatch(RAW_SPECIAL);
}

/** Whether a reader takes the string, written plain, for something else (or cannot read it). */
function misreadPlain(s: string): boolean {
  return READERS.some(([, read]) => {
    try {
      return (read(`v: ${s}\n`) as { v?: unknown } | null)?.v !== s;
    } catch {
      return true;
    }
  });
}

// --- The properties ------------------------------------------------------------------------------

describe(`strings read back by YAML 1.2 core and 1.1 readers (${RUNS} runs${SEED === undefined ? '' : `, seed ${SEED}`})`, () => {
  it('covers every scalar form and the special characters', () => {
    let misread = 0;
    let specials = 0;
    fc.assert(
      fc.property(scalarString, (s) => {
        if (misreadPlain(s)) misread++;
        if (RAW_SPECIAL.test(s) || s.includes('\t')) specials++;
      }),
      params(),
    );
    // A generator of harmless strings would make every property below vacuous.
    expect(misread).toBeGreaterThan(RUNS / 3);
    expect(specials).toBeGreaterThan(RUNS / 10);
  });

  it.each([false, true])('as the fast emitter writes them, and as keys (compact sequences: %s)', (compactSequences) => {
    const style = { compactSequences };
    let emitted = 0;
    fc.assert(
      fc.property(scalarString, (s) => {
        const value = { a: s, b: [s], c: { [s]: s } };
        const lines = emitBlock(value, style);
        const text = stringify(value, yamlOptions(style));
        if (lines !== undefined) {
          emitted++;
          expect(lines.join('\n') + '\n').toBe(text);
        }
        expectReadBack(text, value);
      }),
      params(),
    );
    // An emitter that declined every scalar would pass the comparison above without writing one.
    expect(emitted).toBeGreaterThan(RUNS / 4);
  });

  it('as the text edit and the Document path write them, to the same bytes', () => {
    const item =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    note: x # kept\nspec:\n  containers:\n  - name: app\n    image: app:1\n    args:\n    - a\n';
    const old = parse(item);
    let edited = 0;
    fc.assert(
      fc.property(scalarString, (s) => {
        const next = structuredClone(old);
        next.metadata.annotations.note = s;
        next.metadata.annotations[`k/${s}`] = s;
        next.spec.containers[0].args.push(s);
        next.spec.containers.push({ name: 'side', image: s, env: [{ name: 'X', value: s }] });
        const slow = rewriteWithDocument(item, next);
        const fast = editItemText(item, old, next, { compactSequences: true });
        if (fast !== undefined) {
          edited++;
          expect(fast).toBe(slow);
        }
        expectReadBack(slow, next);
      }),
      params(),
    );
    // A text edit that gave up on every value would leave the comparison above unexercised.
    expect(edited).toBeGreaterThan(RUNS / 4);
  });

  // Injected env values and args, patched annotations, and transferEnv's copy of an app's env value,
  // in an item the text edit writes and in one it leaves to the Document path (an anchor).
  it('end to end, as injected values', () => {
    const input = (values: string[], anchored: boolean) => {
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'main', image: 'main:1', env: [{ name: 'MODE', value: values[0] }] }] },
          },
        },
      };
      const sidecarSet = {
        apiVersion: 'apps.kruise.io/v1beta1',
        kind: 'SidecarSet',
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          patchPodMetadata: [{ annotations: Object.fromEntries(values.map((v, i) => [`example.com/v${i}`, v])) }],
          containers: [
            {
              name: 'agent',
              image: 'agent:1',
              args: values,
              env: values.map((value, i) => ({ name: `V${i}`, value })),
              transferEnv: [{ sourceContainerName: 'main', envName: 'MODE' }],
            },
          ],
        },
      };
      const text = stringify(
        { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [deployment], functionConfig: sidecarSet },
        SCALAR_OPTIONS,
      );
      return anchored ? text.replace(/^( +template):$/m, '$1: &template') : text;
    };
    fc.assert(
      fc.property(fc.array(scalarString, { minLength: 1, maxLength: 5 }), fc.boolean(), (values, anchored) => {
        const text = input(values, anchored);
        expect(anchored).toBe(text.includes('&template'));
        const out = runFunction({ text });
        expect(out.results.filter((r) => r.severity === 'error')).toEqual([]);
        expect(out.exitCode).toBe(0);
        const sidecar = {
          name: 'agent',
          args: values,
          env: expect.arrayContaining([...values.map((value, i) => ({ name: `V${i}`, value })), { name: 'MODE', value: values[0] }]),
        };
        const annotations = Object.fromEntries(values.map((v, i) => [`example.com/v${i}`, v]));
        for (const [name, read] of READERS) {
          const template = (read(out.stdout) as any).items[0].spec.template;
          expect({ reader: name, sidecar: template.spec.containers[0] }).toMatchObject({ reader: name, sidecar });
          expect({ reader: name, annotations: template.metadata.annotations }).toMatchObject({ reader: name, annotations });
        }
        expect(out.stdout).not.toMatch(RAW_SPECIAL);
      }),
      params(Math.max(1, Math.round(RUNS / 4))),
    );
  });
});
