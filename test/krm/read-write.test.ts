import { describe, expect, it } from 'vitest';
import { readResourceList, parseItem, dedentItem, indentItem, InputError } from '../../src/krm/read.js';
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
    const text = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n';
    const list = readResourceList(text);
    expect(list.items[0].indent).toBe(2);
    expect(parseItem(list.items[0]).object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
  });

  it('accepts the older ResourceList versions and JSON, re-emitting JSON items in block style', () => {
    const json = JSON.stringify({
      apiVersion: 'config.kubernetes.io/v1beta1',
      kind: 'ResourceList',
      items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { on: 'yes' } }],
    });
    const list = readResourceList(json);
    expect(list.apiVersion).toBe('config.kubernetes.io/v1beta1');
    expect(parseItem(list.items[0]).object).toMatchObject({ metadata: { name: 'a' } });
    expect(list.items[0].raw).not.toContain('{');
    expect(list.items[0].raw).toContain('"on": "yes"');
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
    const list = readResourceList('\ufeffapiVersion: config.kubernetes.io/v1\r\nkind: ResourceList\r\nitems:\r\n- apiVersion: v1\r\n  kind: X\r\n');
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
    expect(out).toBe('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n  - message: "on"\n    severity: info\n');
  });
});
