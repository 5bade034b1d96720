import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { load, CORE_SCHEMA } from 'js-yaml';
import {
  readResourceList,
  parseItem,
  dedentItem,
  indentItem,
  dedentLines,
  indentLines,
  sniffKind,
  InputError,
  NeedsFullParse,
} from '../../src/krm/read.js';
import { hasOtherLineBreak } from '../../src/krm/chars.js';
import { itemArb } from './item-texts.js';
import { rewriteItem } from '../../src/krm/edit.js';
import { writeResourceList } from '../../src/krm/write.js';

const KPT_INPUT = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- # leading comment
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web # trailing comment on name
    annotations:
      config.kubernetes.io/path: 'deploy.yaml'
      internal.config.kubernetes.io/id: '1'
  spec:
    template:
      spec:
        containers:
        - name: app
          image: nginx:1.25
          args: ["a", 'b', c]
        - name: other   # keeps its comment
          image: "busybox"
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cfg
  data:
    date: "2021-01-01"
    script: |
      - not an item
      echo hi
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: function-input
  data: {}
`;

describe('readResourceList (fast path)', () => {
  it('splits block items and keeps each item text exactly', () => {
    const list = readResourceList(KPT_INPUT);
    expect(list.items).toHaveLength(2);
    expect(list.items[0].raw.startsWith('- # leading comment\n  apiVersion: apps/v1')).toBe(true);
    expect(list.items.map((i) => i.raw).join('')).toBe(KPT_INPUT.slice(KPT_INPUT.indexOf('- #'), KPT_INPUT.indexOf('functionConfig:')));
    expect((parseItem(list.items[1]).object as any).data.script).toBe('- not an item\necho hi\n');
    expect(list.functionConfig).toMatchObject({ kind: 'ConfigMap', data: {} });
    expect(list.hasFunctionConfig).toBe(true);
  });

  it('knows an absent functionConfig from an empty one', () => {
    const list = readResourceList('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n');
    expect(list.items).toEqual([]);
    expect(list.hasFunctionConfig).toBe(false);
  });

  it('handles items indented under items: as this function writes them', () => {
    const text =
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n';
    const list = readResourceList(text);
    expect(list.items[0].indent).toBe(2);
    expect(parseItem(list.items[0]).object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
  });

  it("accepts the older ResourceList versions and JSON, keeping each JSON item's text", () => {
    const json = JSON.stringify({
      apiVersion: 'config.kubernetes.io/v1beta1',
      kind: 'ResourceList',
      items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { on: 'yes' } }],
    });
    const list = readResourceList(json);
    expect(list.apiVersion).toBe('config.kubernetes.io/v1beta1');
    expect(list.json).toEqual({ unit: undefined });
    expect(parseItem(list.items[0]).object).toMatchObject({ metadata: { name: 'a' } });
    expect(list.items[0].raw).toBe('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"on":"yes"}}');
    expect(sniffKind(list.items[0])).toBe('ConfigMap');
  });

  it.each([
    ['', /no input/],
    ['kind: Deployment\napiVersion: apps/v1\n', /not a ResourceList/],
    ['apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n', /no items/],
    ['apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: 3\n', /not a list/],
    ['a: [1, 2\n', /not valid YAML/],
    ['apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n---\nfoo: 1\n', /2 YAML documents/],
  ])('rejects %j with a clear message', (text, message) => {
    expect(() => readResourceList(text)).toThrow(InputError);
    expect(() => readResourceList(text)).toThrow(message);
  });

  it('strips a BOM and CRLF line endings', () => {
    const list = readResourceList(
      '\ufeffapiVersion: config.kubernetes.io/v1\r\nkind: ResourceList\r\nitems:\r\n- apiVersion: v1\r\n  kind: X\r\n',
    );
    expect(parseItem(list.items[0]).object).toEqual({ apiVersion: 'v1', kind: 'X' });
  });
});

describe('dedentItem / indentItem', () => {
  it('are inverses for kpt-style items', () => {
    const raw = readResourceList(KPT_INPUT).items[0].raw;
    expect(indentItem(dedentItem(raw, 0), 0)).toBe(raw);
  });
});

describe('rewriteItem', () => {
  it('keeps the head comment on the dash line and comments of untouched nodes', () => {
    const item = readResourceList(KPT_INPUT).items[0];
    const next = structuredClone(parseItem(item).object) as any;
    next.spec.template.spec.containers.push({ name: 'sidecar', image: 'on' });
    const out = rewriteItem(item.raw, item.indent, parseItem(item).object, next);
    expect(out.startsWith('- # leading comment\n  apiVersion: apps/v1\n')).toBe(true);
    expect(out.match(/leading comment/g)).toHaveLength(1);
    expect(out).toContain('name: web # trailing comment on name');
    expect(out).toContain('# keeps its comment');
    expect(out).toContain('image: "on"');
    expect(out).toContain("config.kubernetes.io/path: 'deploy.yaml'");
    // the result reads back as the new object
    const again = readResourceList(`apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${out}`);
    expect(parseItem(again.items[0]).object).toEqual(next);
  });
});

describe('writeResourceList', () => {
  it('always writes items, and results in block style quoted for YAML 1.1 readers', () => {
    const out = writeResourceList('config.kubernetes.io/v1', [], [{ message: 'on', severity: 'info' }]).join('');
    expect(out).toBe(
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n  - message: "on"\n    severity: info\n',
    );
  });
});

// The line-by-line code holds to the whole-text code it stands in for, on random items.
describe('item text, line by line', () => {
  const listOf = (items: Array<{ raw: string }>) =>
    readResourceList(`apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items.map((i) => i.raw).join('')}`);
  const fastItems = fc.array(itemArb(2), { minLength: 1, maxLength: 3 }).map((items) => {
    try {
      return listOf(items).items.filter((i) => i.parsed === undefined);
    } catch {
      return [];
    }
  });

  it('dedentLines is dedentItem split into lines, where no other line break is in the way', () => {
    fc.assert(
      fc.property(itemArb(10), ({ raw, indent }) => {
        const lines = dedentLines(raw, indent);
        if (lines === undefined) expect(hasOtherLineBreak(raw)).toBe(true);
        else expect(lines).toEqual(dedentItem(raw, indent).slice(0, -1).split('\n'));
      }),
      { numRuns: 500 },
    );
  });

  it('indentLines is indentItem of the joined lines', () => {
    const line = fc
      .array(fc.constantFrom(' ', '  ', '\t', '-', 'a', '# c', ':', '\u00a0', '\u2028', '\r'), { maxLength: 4 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.constantFrom(0, 2), (lines, indent) => {
        expect(indentLines(lines, indent)).toBe(indentItem(lines.join('\n') + '\n', indent));
      }),
      { numRuns: 2000 },
    );
  });

  it('parseItem reads an item where it stands as the dedented text reads', () => {
    let parsed = 0;
    fc.assert(
      fc.property(fastItems, (items) => {
        for (const item of items) {
          let expected: unknown;
          try {
            expected = load(dedentItem(item.raw, item.indent), { schema: CORE_SCHEMA }) ?? null;
          } catch {
            // duplicate keys, or no YAML at all: left to the full parsers, checked elsewhere
            continue;
          }
          if (/[&*!]/.test(item.raw)) continue;
          expect(parseItem(item).object).toEqual(expected);
          parsed++;
        }
      }),
      { numRuns: 400 },
    );
    expect(parsed).toBeGreaterThan(50);
  });

  it('parseItem still parses the dedented text where that reads differently', () => {
    // A line that dedents to a document marker; a line break other than \n.
    const marker = readResourceList('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- a: "x\n  --- y"\n').items[0];
    expect(() => parseItem(marker)).toThrow(NeedsFullParse);
    const other = { raw: '- a: "x\u2028  y"\n  b: 1\n', indent: 0 };
    expect(parseItem(other).object).toEqual(load(dedentItem(other.raw, 0)));
  });

  it('sniffKind takes exactly one kind line at the item level', () => {
    const kind = (raw: string, indent = 0) => sniffKind({ raw, indent });
    expect(kind('- kind: Deployment\n  a: 1\n')).toBe('Deployment');
    expect(kind('- a: 1\n  kind: "Pod" # c\n')).toBe('Pod');
    expect(kind('  - a: 1\n    kind: Job\n', 2)).toBe('Job');
    expect(kind('- a:\n    kind: Job\n')).toBeUndefined();
    expect(kind('- kind: Job\n  b: |\n  kind: Pod\n')).toBeUndefined();
    expect(kind('- kind: Job x\n')).toBeUndefined();
    expect(kind('- a: 1\n')).toBeUndefined();
    expect(kind('- a: 1\u2028  kind: Job\n')).toBe('Job');
  });
});

describe('readResourceList, the line scan', () => {
  const list = (items: string, rest = '') =>
    readResourceList(`apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items}${rest}`);

  it('takes comment lines before the first item into it, and text without a last newline', () => {
    const l = list('# one\n- a: 1\n- b: 2', '');
    expect(l.items.map((i) => i.raw)).toEqual(['# one\n- a: 1\n', '- b: 2\n']);
  });

  it("checks only the start of deeper lines, and any line that reaches the items' indentation", () => {
    expect(list('  - a:\n      - x\n    \tb: 1\n  # c\n  - c: 1\n').items.map((i) => i.raw)).toEqual([
      '  - a:\n      - x\n    \tb: 1\n  # c\n',
      '  - c: 1\n',
    ]);
    // Declined by the scan, so read by the full parser, which finds them invalid.
    expect(() => list('  - a: 1\n b: 2\n')).toThrow(InputError);
    expect(() => list('- a: 1\nx\n')).toThrow(InputError);
    expect(list('- a: 1\n\tb\n').items.map((i) => i.raw)).toEqual(['- a: 1\n\tb\n']);
  });

  it('echoes the functionConfig without its trailing blank lines', () => {
    const l = list('- a: 1\n', 'functionConfig:\n  # c\n\n  data: {}\n  \n\nresults: []\n');
    expect(l.functionConfigText).toBe('functionConfig:\n  # c\n\n  data: {}\n');
    expect(l.items.map((i) => i.raw)).toEqual(['- a: 1\n']);
  });
});
