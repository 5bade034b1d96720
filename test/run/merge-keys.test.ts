// YAML 1.1 merge keys (`<<: *common`), which kubectl, kustomize and kpt apply (go-yaml): the function
// reads items as they do (krm/merge-keys.ts) and writes them so that they read back as the injected
// data. The oracle: the same items written without anchors and merge keys, run through the function,
// must come out as the same data, read the way kubectl reads them.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runFunction, type RunOutput } from '../../src/run.js';
import { runCli } from '../../src/modes/cli.js';
import { RESOURCE_LIST_HEAD as HEADER, type Obj } from '../helpers/krm.js';
import { checkIdempotent } from '../safety/invariants.js';
import { asItem, LOG_SIDECARSET as LOG_SIDECARSET_DOCUMENT, WEB as WEB_DOCUMENT } from '../helpers/merge-keys.js';

const LOG_SIDECARSET = asItem(LOG_SIDECARSET_DOCUMENT);
const WEB = asItem(WEB_DOCUMENT);

/** As kubectl reads a YAML text: merge keys applied. */
const kubectlReads = (text: string): unknown => parse(text, { version: '1.1', maxAliasCount: -1 });

/** The same ResourceList without anchors, aliases and merge keys. */
const expanded = (text: string) => stringify(kubectlReads(text), { aliasDuplicateObjects: false });

const itemsOf = (out: RunOutput) => (kubectlReads(out.stdout) as Obj).items as unknown[];

/** The run of `text`, checked against the run of its expanded form, and against a run on its own output. */
function runChecked(text: string): RunOutput {
  const out = runFunction({ text });
  const plain = runFunction({ text: expanded(text) });
  expect(out.exitCode, out.stderr).toBe(0);
  expect(plain.exitCode, plain.stderr).toBe(0);
  expect(itemsOf(out)).toEqual(itemsOf(plain));
  expect(out.results.map((r) => r.message)).toEqual(plain.results.map((r) => r.message));
  checkIdempotent({ text, first: out, input: [] });
  return out;
}

const templateOf = (item: unknown) => (item as Obj).spec.template;

describe('merge keys in pod templates', () => {
  it('match a SidecarSet selecting labels a template merges, without a warning about its labels', () => {
    const out = runChecked(HEADER + LOG_SIDECARSET + WEB);
    expect(out.items[1].changed).toBe(true);
    const template = templateOf(itemsOf(out)[1]);
    expect(template.metadata.labels).toEqual({ app: 'web', tier: 'front', track: 'stable' });
    expect(template.spec.containers.map((c: Obj) => c.name)).toEqual(['log', 'main']);
    expect(out.results.filter((r) => r.severity !== 'info')).toEqual([]);
    expect(out.stderr).not.toMatch(/strings to strings/);
  });

  it('write a merged key the injection changes into the merging map, leaving the anchored map alone', () => {
    const out = runChecked(HEADER + LOG_SIDECARSET + WEB);
    const text = out.items[1].text;
    // The merge keys stay; the overwritten annotation is an explicit key beside its merge key.
    expect(text).toContain('          <<: *common\n');
    expect(text).toMatch(/^ {10}<<: \*owner\n(?: {10}.*\n)*? {10}team\/owner: logging\n/m);
    const web = itemsOf(out)[1] as Obj;
    expect(web.metadata.annotations).toEqual({ 'team/owner': 'web-team', note: 'kept' });
    expect(web.spec.template.metadata.annotations).toMatchObject({ 'team/owner': 'logging', note: 'kept' });
  });

  it('write a map whose merged keys un-injection removes with its keys explicit and without its merge key', () => {
    // An injected template whose annotations the workload's own hold too, merged from there.
    const injected = kubectlReads(runFunction({ text: expanded(HEADER + LOG_SIDECARSET + WEB) }).stdout) as Obj;
    const annotations = injected.items[1].spec.template.metadata.annotations as Obj;
    const owned = stringify({ annotations }).replace(/\n(?=.)/g, '\n    ');
    const web = WEB.replace(
      '    annotations: &owner\n      team/owner: web-team\n      note: kept\n',
      `    ${owned.replace('annotations:', 'annotations: &owner')}`,
    ).replace(
      '        containers:\n        - name: main\n          image: main:1\n',
      `${indented(injected.items[1].spec.template.spec, 8)}`,
    );
    const uninject = `functionConfig:\n  apiVersion: fn.kpt.dev/v1alpha1\n  kind: InjectSidecarSets\n  metadata:\n    name: back\n  spec:\n    mode: uninject\n`;
    const text = HEADER + web + uninject;
    expect(parse(text, { version: '1.1' }).items[0].spec.template.metadata.annotations).toEqual(annotations);
    const out = runChecked(text);
    const item = itemsOf(out)[0] as Obj;
    expect(item.spec.template.metadata.annotations).toEqual({ 'team/owner': 'web-team', note: 'kept' });
    expect(item.metadata.annotations).toEqual(annotations);
    expect(out.items[0].text).not.toContain('<<: *owner');
    expect(out.items[0].text).toContain('<<: *common');
  });

  it('leave a template merging an anchored map alone when the injection changes the map in another template', () => {
    const list = `- apiVersion: v1
  kind: List
  items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      selector:
        matchLabels:
          app: web
      template:
        metadata:
          labels:
            app: web
          annotations: &shared
            note: shared
        spec:
          containers:
          - name: main
            image: main:1
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: other
    spec:
      selector:
        matchLabels:
          app: other
      template:
        metadata:
          labels:
            app: other
          annotations:
            <<: *shared
            extra: "1"
        spec:
          containers:
          - name: main
            image: main:1
`;
    const out = runChecked(HEADER + LOG_SIDECARSET + list);
    const [web, other] = (itemsOf(out)[1] as Obj).items as Obj[];
    expect(web.spec.template.metadata.annotations).toMatchObject({ note: 'shared', 'team/owner': 'logging' });
    expect(other.spec.template.metadata.annotations).toEqual({ note: 'shared', extra: '1' });
    expect(other.spec.template.spec.containers).toHaveLength(1);
  });

  it('report a merge key kubectl does not read on its item, which passes through unchanged', () => {
    for (const [value, field] of [
      ['5', 'spec.template.metadata.labels.<<'],
      ['[*common, 5]', 'spec.template.metadata.labels.<<'],
      ['*common\n          <<: {x: y}', 'spec.template.metadata.labels'],
    ]) {
      const web = WEB.replace('          <<: *common\n', `          <<: ${value}\n`);
      const out = runFunction({ text: HEADER + LOG_SIDECARSET + web });
      expect(out.exitCode).toBe(1);
      expect(out.items[1].text).toBe(web);
      const errors = out.results.filter((r) => r.severity === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].field?.path).toBe(field);
      expect(errors[0].resourceRef).toMatchObject({ kind: 'Deployment', name: 'web' });
    }
  });
});

describe('merge keys in SidecarSets', () => {
  it('inject a container that takes its fields from another through a merge key', () => {
    const sidecarSet = LOG_SIDECARSET.replace(
      '    - name: log\n      image: log:1\n',
      '    - &base\n      name: log\n      image: log:1\n      env:\n      - name: LEVEL\n        value: info\n    - <<: *base\n      name: audit\n',
    );
    const out = runChecked(HEADER + sidecarSet + WEB);
    const containers = templateOf(itemsOf(out)[1]).spec.containers as Obj[];
    const env = [
      { name: 'LEVEL', value: 'info' },
      { name: 'IS_INJECTED', value: 'true' },
    ];
    expect(containers.map((c) => [c.name, c.image, c.env])).toEqual([
      ['log', 'log:1', env],
      ['audit', 'log:1', env],
      ['main', 'main:1', undefined],
    ]);
  });
});

describe('merge keys in the command-line mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inject-merge-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('read manifest files as kubectl does', () => {
    mkdirSync(join(dir, 'manifests'));
    writeFileSync(join(dir, 'manifests', 'web.yaml'), WEB_DOCUMENT);
    writeFileSync(join(dir, 'sidecarsets.yaml'), LOG_SIDECARSET_DOCUMENT);
    const out = runCli(['--config', join(dir, 'sidecarsets.yaml'), join(dir, 'manifests')], () => '');
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stderr).not.toMatch(/strings to strings/);
    const web = parse(out.stdout, { version: '1.1' }) as Obj;
    expect(web.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['log', 'main']);
    expect(web.spec.template.metadata.labels).toEqual({ app: 'web', tier: 'front', track: 'stable' });
    expect(out.stdout).toContain('<<: *common');
  });
});

/** A map's block lines at `indent`, each ending in a line break. */
function indented(value: Obj, indent: number): string {
  return stringify(value)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ' '.repeat(indent) + line + '\n')
    .join('');
}
