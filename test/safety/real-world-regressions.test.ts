// Issue 12, the reader's side: JSON and flow input (defect 3), document markers and a BOM
// (defect 5), CRLF (defect 6), many aliases (defect 7); and the counterexamples real-world.test.ts
// found, each reduced by hand.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runFunction } from '../../src/run.js';
import { runCli } from '../../src/modes/cli.js';
import { expandsWithinBudget, readResourceList } from '../../src/krm/read.js';
import {
  checkIdempotent,
  checkItemsKept,
  checkLineBreaks,
  checkSameDataUnderBothReaders,
  checkUntouchedVerbatim,
  observe,
  readItems,
} from './invariants.js';
import { RESOURCE_LIST_HEAD as HEADER } from '../helpers/krm.js';
import { sidecarSetItemHead } from '../helpers/manifest-text.js';

const SIDECAR_SET = `${sidecarSetItemHead('log')}    containers:
    - name: log
      image: log:1
      env:
      - name: MODE
        value: "0o644"
`;
const POD = `- apiVersion: v1
  kind: Pod
  metadata:
    name: web # the web pod
    labels:
      app: web
  spec:
    containers:
    - name: app
      image: app:1
`;
const CONFIG_MAP = `- apiVersion: v1
  kind: ConfigMap
  metadata:
    name:   cfg      # spaced   comment
  data:
    list: [a,   b]
    folded: >
      one
      two
`;

const sidecarSetObject = {
  apiVersion: 'apps.kruise.io/v1beta1',
  kind: 'SidecarSet',
  metadata: { name: 'log' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    containers: [{ name: 'log', image: 'log:1', env: [{ name: 'MODE', value: '0o644' }] }],
  },
};
const podObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', labels: { app: 'web' }, annotations: { mode: '0o644', hex: '0X1F' } },
  spec: { containers: [{ name: 'app', image: 'app:1', env: [{ name: 'X', value: '+0x1F' }] }] },
};
const configMapObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { mode: '0o644', on: 'yes', n: '1e3' } };
const jsonList = (items: unknown[]) => ({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items });

/** Every string value of `value`, by its path. */
function strings(value: unknown, path = ''): Record<string, string> {
  if (typeof value === 'string') return { [path]: value };
  if (typeof value !== 'object' || value === null) return {};
  return Object.assign({}, ...Object.entries(value).map(([k, v]) => strings(v, `${path}.${k}`)));
}

/** The items of a text read by JSON (when it is JSON), YAML 1.2 core and YAML 1.1. */
function readings(text: string): unknown[][] {
  const lists = [parse(text, { schema: 'core' }), parse(text, { version: '1.1' })];
  try {
    lists.push(JSON.parse(text));
  } catch {
    // YAML output: the two YAML readings
  }
  return lists.map((l) => l.items);
}

describe("defect 3: JSON input keeps every value's type, and JSON comes back as JSON", () => {
  it.each([
    ['on one line', (l: unknown) => JSON.stringify(l)],
    ['indented by 2', (l: unknown) => JSON.stringify(l, null, 2) + '\n'],
    ['indented by 4, CRLF', (l: unknown) => JSON.stringify(l, null, 4).replace(/\n/g, '\r\n') + '\r\n'],
    ['indented by tabs', (l: unknown) => JSON.stringify(l, null, '\t') + '\n'],
  ])('a JSON list %s: untouched items byte for byte, the injected one typed, a re-run changes nothing', (_, write) => {
    const text = write(jsonList([sidecarSetObject, configMapObject, podObject]));
    const observed = observe(text);
    const { first } = observed;
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.items.map((i) => i.changed)).toEqual([false, false, true]);
    checkUntouchedVerbatim(observed);
    checkSameDataUnderBothReaders(observed);
    checkLineBreaks(observed);
    checkIdempotent(observed);
    // JSON out, and every string the input had is the same string to JSON and both YAML readers.
    const out = JSON.parse(first.stdout);
    expect(out.kind).toBe('ResourceList');
    for (const items of readings(first.stdout)) {
      expect(strings(items[1])).toEqual(strings(configMapObject));
      const pod = items[2] as typeof podObject;
      expect(pod.metadata.annotations).toMatchObject(podObject.metadata.annotations);
      expect(pod.spec.containers.find((c) => c.name === 'app')).toEqual(podObject.spec.containers[0]);
      expect(pod.spec.containers.find((c) => c.name === 'log')?.env).toContainEqual({ name: 'MODE', value: '0o644' });
    }
  });

  it("keeps the input's layout: a list that needs nothing gains only its results", () => {
    const text = JSON.stringify(jsonList([configMapObject]), null, 4) + '\n';
    const out = runFunction({ text }).stdout;
    expect(out.startsWith(text.slice(0, -'\n}\n'.length))).toBe(true);
    expect(out).toMatch(/\],\n {4}"results": \[\n {8}\{\n {12}"message"/);
  });

  it('keeps the text of every unchanged part of a changed item: numbers as written', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        minReadySeconds: 0,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
      },
    };
    const text = JSON.stringify(jsonList([sidecarSetObject, deployment]), null, 2)
      .replace('"replicas": 1', '"replicas": 1.0')
      .replace('"minReadySeconds": 0', '"minReadySeconds": 12345678901234567890');
    const out = runFunction({ text });
    expect(out.items[1].changed).toBe(true);
    expect(out.items[1].text).toContain('"replicas": 1.0,');
    expect(out.items[1].text).toContain('"minReadySeconds": 12345678901234567890,');
    expect(out.items[1].text).toContain(
      '\n        "selector": {\n          "matchLabels": {\n            "app": "web"\n          }\n        },\n',
    );
  });

  it('reads a repeated key in a JSON item as in a YAML item: reported, the item untouched', () => {
    const text = JSON.stringify(jsonList([sidecarSetObject, podObject])).replace('"name":"web"', '"name":"web","name":"web"');
    const out = runFunction({ text });
    expect(out.items[1]).toMatchObject({ changed: false });
    expect(out.results.map((r) => r.message)).toContainEqual(expect.stringMatching(/^key "name" repeated in this object/));
  });

  it('keeps flow and JSON items of a YAML list byte for byte, and writes a changed JSON item as JSON', () => {
    const flow = '- {apiVersion: v1, kind: ConfigMap, metadata: {name: flow}, data: {mode: "0o644"}}  # flow\n';
    const json = `- ${JSON.stringify(podObject)}\n`;
    const observed = observe(HEADER + SIDECAR_SET + flow + json);
    expect(observed.first.items.map((i) => i.changed)).toEqual([false, false, true]);
    checkUntouchedVerbatim(observed);
    checkSameDataUnderBothReaders(observed);
    checkIdempotent(observed);
    const changed = observed.first.items[2].text;
    expect(changed.startsWith('- {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"')).toBe(true);
    expect(JSON.parse(changed.slice(2)).spec.containers[0].env).toEqual([
      { name: 'MODE', value: '0o644' },
      { name: 'IS_INJECTED', value: 'true' },
    ]);
  });

  it('keeps flow items byte for byte when the list goes to the whole-list parser', () => {
    const flow = '- {apiVersion: v1, kind: ConfigMap,\n   metadata: {name: flow}, data: {mode: "0o644"}}  # flow\n';
    const text = '%YAML 1.2\n---\n' + HEADER + SIDECAR_SET + flow + CONFIG_MAP + POD;
    expect(readResourceList(text).items.every((i) => i.parsed !== undefined)).toBe(true);
    const observed = observe(text);
    checkUntouchedVerbatim(observed);
    checkSameDataUnderBothReaders(observed);
    checkIdempotent(observed);
    expect(observed.first.items[3].changed).toBe(true);
  });

  describe('command-line mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inject-json-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes a changed .json manifest as JSON in its layout, an unchanged one as it was', () => {
      writeFileSync(join(dir, 'sidecarset.json'), JSON.stringify(sidecarSetObject, null, 2) + '\n');
      writeFileSync(join(dir, 'pod.json'), JSON.stringify(podObject, null, 2) + '\n');
      writeFileSync(join(dir, 'cfg.json'), JSON.stringify(configMapObject) + '\n');
      const out = runCli([join(dir, 'cfg.json'), join(dir, 'pod.json'), join(dir, 'sidecarset.json')], () => '');
      expect(out.exitCode, out.stderr).toBe(0);
      const [cfg, pod, sidecarSet] = out.stdout.split('---\n');
      expect(cfg).toBe(JSON.stringify(configMapObject) + '\n');
      expect(sidecarSet).toBe(JSON.stringify(sidecarSetObject, null, 2) + '\n');
      const injected = JSON.parse(pod);
      expect(pod.startsWith('{\n  "apiVersion": "v1",\n  "kind": "Pod",\n')).toBe(true);
      expect(injected.metadata.annotations).toMatchObject(podObject.metadata.annotations);
      expect(injected.spec.containers.map((c: { name: string }) => c.name)).toEqual(['log', 'app']);
    });
  });
});

describe('defect 5: document markers and a BOM keep the line scan, and every untouched item its bytes', () => {
  const items = SIDECAR_SET + CONFIG_MAP + POD + '- {apiVersion: v1, kind: Service, metadata: {name: s}}\n';
  const plain = runFunction({ text: HEADER + items });

  it.each([
    ['a leading ---', `---\n${HEADER}${items}`],
    ['a leading --- after comments', `# rendered\n\n--- # start\n${HEADER}${items}`],
    ['a ... end', `${HEADER}${items}...\n`],
    ['a ... end and comments after it', `${HEADER}${items}...\n# trailing\n`],
    ['a --- end (an empty document)', `${HEADER}${items}---\n`],
    ['a --- end with a comment', `---\n${HEADER}${items}--- # nothing\n# more\n...\n`],
    ['a BOM before ---', `\ufeff---\n${HEADER}${items}`],
    ['a BOM before ---, and a ... end', `\ufeff---\n${HEADER}${items}...\n`],
  ])('%s', (_, text) => {
    // The line scan cut the items (the whole-list parser would have parsed them all).
    expect(readResourceList(text).items.every((i) => i.parsed === undefined)).toBe(true);
    const out = runFunction({ text });
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.items).toEqual(plain.items);
    expect(out.stdout).toBe(plain.stdout);
  });

  it('still rejects a second document', () => {
    for (const text of [`${HEADER}${items}...\nfoo: 1\n`, `---\n${HEADER}${items}---\nfoo: 1\n`]) {
      const out = runFunction({ text });
      expect(out.exitCode).toBe(1);
      expect(out.stderr).toMatch(/2 YAML documents/);
    }
  });

  // Found by real-world.test.ts: the whole-list parser took the empty document after a last --- for a second one.
  it('takes an empty last document as nothing on the whole-list parser too', () => {
    const out = runFunction({ text: `%YAML 1.2\n---\n${HEADER}${items}---\n# an empty document\n` });
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.items.map((i) => i.text)).toEqual(plain.items.map((i) => i.text));
  });

  // Found by real-world.test.ts: on the whole-list parser, an item with its head comment on the dash line was written from its data.
  it('keeps an item with a head comment on its dash line on the whole-list parser', () => {
    const headed = '- # head comment\n\n  apiVersion: v1 # why\n  kind: ConfigMap\n  metadata: &m {name: c,\n    namespace: n}\n';
    const observed = observe(`%YAML 1.2\n---\n${HEADER}${headed}${CONFIG_MAP}`);
    expect(observed.first.items.map((i) => i.text)).toEqual([headed, CONFIG_MAP]);
  });
});

describe('defect 6: CRLF stays CRLF', () => {
  const crlf = (s: string) => s.replace(/\n/g, '\r\n');

  it("untouched items byte for byte; the changed item, the list's own lines and the results with CRLF; a re-run changes nothing", () => {
    const observed = observe(crlf(HEADER + SIDECAR_SET + CONFIG_MAP + POD));
    const { first } = observed;
    expect(first.items.map((i) => i.changed)).toEqual([false, false, true]);
    expect(first.stdout.replace(/\r\n/g, '')).not.toContain('\n');
    checkUntouchedVerbatim(observed);
    checkSameDataUnderBothReaders(observed);
    checkItemsKept(observed);
    checkIdempotent(observed);
  });

  it('keeps an untouched item that mixes line endings as it is, and gives a changed one the ending most of its lines have', () => {
    const mixed = CONFIG_MAP.replace('\n', '\r\n');
    const pod = crlf(POD).replace('\r\n', '\n');
    const observed = observe(HEADER + SIDECAR_SET + mixed + pod);
    const { first } = observed;
    expect(first.items[1]).toMatchObject({ changed: false, text: mixed });
    expect(first.items[2].changed).toBe(true);
    expect(first.items[2].text.replace(/\r\n/g, '')).not.toContain('\n');
    checkLineBreaks(observed);
    checkIdempotent(observed);
  });

  it("keeps block scalars' data: CRLF inside them reads as LF", () => {
    const out = runFunction({ text: crlf(HEADER + CONFIG_MAP) });
    expect((readItems(out.stdout)[0].object as { data: { folded: string } }).data.folded).toBe('one two\n');
  });
});

describe('defect 7: aliases are bounded by what they expand to, not by their number', () => {
  const aliases = (n: number, indent: string) => Array.from({ length: n }, (_, i) => `${indent}k${i}: *v\n`).join('');

  it('passes a ConfigMap with 150 aliases through', () => {
    const configMap = `- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: many\n  data:\n    a: &v value\n${aliases(150, '    ')}`;
    const out = runFunction({ text: HEADER + configMap });
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.items[0]).toEqual({ text: configMap, changed: false, indent: 0 });
  });

  it('injects into a workload with 150 aliases, keeping them', () => {
    const env = Array.from({ length: 150 }, (_, i) => `      - name: E${i}\n        value: *v\n`).join('');
    const pod = `- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: web\n    labels:\n      app: web\n    annotations:\n      a: &v value\n  spec:\n    containers:\n    - name: app\n      image: app:1\n      env:\n${env}`;
    const observed = observe(HEADER + SIDECAR_SET + pod);
    expect(observed.first.exitCode, observed.first.stderr).toBe(0);
    expect(observed.first.items[1].changed).toBe(true);
    expect(observed.first.items[1].text.match(/\*v/g)).toHaveLength(150);
    checkSameDataUnderBothReaders(observed);
    checkIdempotent(observed);
  });

  it('leaves an item no rule can select unexpanded: an alias bomb in it passes through', () => {
    const bomb = [
      'a0: &a0 [x, x, x, x, x, x, x, x, x]',
      ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`),
    ];
    const widget = `- apiVersion: example.com/v1\n  kind: Widget\n  metadata:\n    name: w\n  spec:\n${bomb.map((l) => `    ${l}\n`).join('')}`;
    const out = runFunction({ text: HEADER + SIDECAR_SET + widget + POD });
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.items[1]).toMatchObject({ text: widget, changed: false });
    expect(out.items[2].changed).toBe(true);
  });

  it('measures the expansion: as many nodes as the text has characters, or a million', () => {
    const list = `l: &l [${Array(999).fill('x').join(', ')}]\n`;
    const expanded = (n: number) => {
      const text = `${list}m:\n${Array.from({ length: n }, () => '- *l\n').join('')}`;
      return expandsWithinBudget(parse(text, { maxAliasCount: -1 }), text);
    };
    // Each alias stands for 1,000 nodes: 998 of them keep the data under a million nodes, 1,000 do not.
    expect(expanded(998)).toBe(true);
    expect(expanded(1_000)).toBe(false);
    expect(expandsWithinBudget(parse('a: &a\n  b: *a\n', { maxAliasCount: -1 }), 'a: &a\n  b: *a\n')).toBe(false);
  });

  it('rejects data that contains itself', () => {
    const out = runFunction({ text: `${HEADER}- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n  data: &a\n    x: *a\n` });
    expect(out.exitCode).toBe(1);
    expect(out.stderr).toMatch(/alias/);
  });
});

describe('counterexamples of real-world.test.ts', () => {
  // The whole-list parser wrote an item with an alias to another item's anchor with the alias in
  // it (unreadable on its own), or as YAML 1.1 data (`0o644` plain, an int to YAML 1.2 readers).
  it('writes an item with an alias to another item as JSON, every other item as it was', () => {
    const anchored =
      '# the first item\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n    labels: &shared\n      app: web\n# after the first item\n';
    const aliasing =
      '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n    labels: *shared\n  data:\n    mode: "0o644"\n# after the last item\n';
    const text = `${HEADER}${anchored}${aliasing}functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: config\n`;
    const observed = observe(text);
    const { first } = observed;
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.items[0].text).toBe(anchored);
    const written = first.items[1].text;
    expect(written.startsWith('- {\n    "apiVersion": "v1",')).toBe(true);
    for (const options of [{ schema: 'core' as const }, { version: '1.1' as const }]) {
      expect(parse(written, options)).toEqual([
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels: { app: 'web' } }, data: { mode: '0o644' } },
      ]);
    }
    checkSameDataUnderBothReaders(observed);
    checkIdempotent(observed);
  });

  // An item merging another item's anchored map cannot keep its alias: it is written as the data
  // kubectl reads, the merge applied.
  it('writes an item with a merge key and an alias to another item as the merged data', () => {
    const anchored = '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data: &base\n    x: "1"\n';
    const merging = '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n  data:\n    <<: *base\n    z: "2"\n';
    const observed = observe(HEADER + anchored + merging);
    expect(observed.first.exitCode, observed.first.stderr).toBe(0);
    expect(observed.first.items[0].text).toBe(anchored);
    expect(observed.first.items[1].text).not.toContain('<<');
    expect(parse(observed.first.items[1].text, { version: '1.1' })).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, data: { x: '1', z: '2' } },
    ]);
    checkSameDataUnderBothReaders(observed);
    checkIdempotent(observed);
  });

  // A trailing comment on a flow collection the injection changes went with it. (The collection
  // stays flow since issue 17, §7.)
  it('keeps the comment after a flow collection the injection changes', () => {
    const pod = POD.replace('    labels:\n      app: web\n', '    labels:\n      app: web\n    annotations: {note: x} # why\n');
    const out = runFunction({ text: HEADER + SIDECAR_SET + pod });
    expect(out.items[1].changed).toBe(true);
    expect(out.items[1].text).toMatch(/^ {4}annotations: \{note: x, .*\} # why$/m);
  });
});
