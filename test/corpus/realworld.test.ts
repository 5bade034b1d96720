// The built function on the real-world corpus (/work/shared/corpus/realworld, read in place), fed
// exactly what kpt sends: `kpt fn source --fn-config` for the function alone, and a real
// `kpt fn render --allow-exec` of a package copy. What is checked per source:
//  - the run passes, every item comes back in order, every item not injected is byte-identical;
//  - the injected templates are exactly those an independent oracle (the small selector and
//    template locator below, not the function's own code) says the fixture's SidecarSets select,
//    and their number per kind is pinned, so both cannot drift together unnoticed;
//  - a second run on the function's own output is a fixed point, and un-injecting it gives the input back;
//  - `kpt fn render` twice: the first changes only the files holding selected workloads (their
//    documents equal the function's output, no comment is lost, a file's head comment stays
//    single), the second changes nothing that a render with `cat` would not change as well.
import { spawn } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BUNDLE, ROOT, runCommand, type Run } from '../e2e/helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
// The corpus sits in shared/ beside the repository; INJECT_SIDECARSETS_CORPUS points elsewhere.
const CORPUS = process.env.INJECT_SIDECARSETS_CORPUS ?? join(ROOT, '../shared/corpus/realworld');

// ---------------------------------------------------------------------------------------------
// The sources and what each fixture is expected to select.

interface SourceCase {
  dir: string;
  /** Injected items per `apiVersion kind`; kinds with no injection are absent. */
  injectedPerKind: Record<string, number>;
  /** Items the function must report with a `not injected: …` info result instead. */
  notInjectedInfos?: number;
  /** Items that repeat a mapping key, with a warning each (none of them is selected here, so they stay unchanged). */
  repeatedKeyItems?: number;
  /** Templates whose labels are not strings (template placeholders): left alone, with a warning each. */
  unreadableTemplates?: number;
  /** Files SOURCES.md says `kpt fn render` refuses: left out of the package copy. */
  renderRefused: string[];
}

const SOURCES: SourceCase[] = [
  {
    dir: 'argo-cd',
    injectedPerKind: { 'apps/v1 Deployment': 2, 'apps/v1 StatefulSet': 1 },
    renderRefused: [],
  },
  {
    dir: 'kube-prometheus',
    injectedPerKind: { 'apps/v1 Deployment': 2, 'apps/v1 DaemonSet': 1 },
    renderRefused: [
      'manifests/grafana-dashboardDefinitions.yaml',
      'manifests/prometheus-roleBindingSpecificNamespaces.yaml',
      'manifests/prometheus-roleSpecificNamespaces.yaml',
    ],
  },
  {
    // Five of its files repeat a mapping key, which kpt accepts: see the focused test at the end.
    dir: 'kubernetes-examples',
    repeatedKeyItems: 3,
    unreadableTemplates: 1,
    injectedPerKind: {
      'v1 Pod': 10,
      'v1 ReplicationController': 10,
      'apps/v1 Deployment': 17,
      'apps/v1 StatefulSet': 4,
      'apps/v1 DaemonSet': 1,
      'extensions/v1beta1 DaemonSet': 2,
    },
    renderRefused: [
      '_archived/scheduler-policy/scheduler-policy-config.json',
      '_archived/scheduler-policy/scheduler-policy-config-with-extender.json',
      '_archived/newrelic/newrelic-config-template.yaml',
      '_archived/newrelic-infrastructure/newrelic-config-template.yaml',
      '_archived/storage/vitess/etcd-controller-template.yaml',
      '_archived/storage/vitess/etcd-service-template.yaml',
      '_archived/storage/vitess/vtgate-controller-template.yaml',
    ],
  },
  {
    dir: 'argo-rollouts',
    // Two Rollouts use spec.workloadRef (rollout-template-ref.yaml and workload-ref/workload-ref.yaml).
    injectedPerKind: { 'argoproj.io/v1alpha1 Rollout': 18, 'apps/v1 Deployment': 2 },
    notInjectedInfos: 2,
    renderRefused: ['examples/traffic-management/rollout-linkerd.yaml'],
  },
  {
    dir: 'microservices-demo',
    injectedPerKind: { 'apps/v1 Deployment': 3 },
    renderRefused: [],
  },
  {
    dir: 'ingress-nginx',
    injectedPerKind: { 'batch/v1 Job': 2 },
    renderRefused: [],
  },
  {
    dir: 'kruise',
    // The AdvancedCronJob and the v1beta1 StatefulSet samples are stubs without a template.
    injectedPerKind: {
      'apps.kruise.io/v1alpha1 CloneSet': 3,
      'apps.kruise.io/v1alpha1 StatefulSet': 4,
      'apps.kruise.io/v1alpha1 DaemonSet': 1,
      'apps.kruise.io/v1alpha1 BroadcastJob': 4,
      'apps.kruise.io/v1beta1 BroadcastJob': 3,
      'apps.kruise.io/v1alpha1 UnitedDeployment': 1,
      'apps.kruise.io/v1beta1 UnitedDeployment': 2,
      'apps/v1 Deployment': 1,
    },
    renderRefused: [],
  },
  {
    dir: 'descheduler',
    injectedPerKind: { 'batch/v1 CronJob': 1, 'batch/v1 Job': 1 },
    renderRefused: [],
  },
];

/** Workload objects per group/kind in the whole corpus, as SOURCES.md counts them. */
const CORPUS_WORKLOADS: Record<string, number> = {
  'core/Pod': 59,
  'core/ReplicationController': 38,
  'apps/Deployment': 55,
  'apps/StatefulSet': 5,
  'apps/DaemonSet': 3,
  'extensions/DaemonSet': 2,
  'batch/Job': 3,
  'batch/CronJob': 1,
  'argoproj.io/Rollout': 21,
  'apps.kruise.io/CloneSet': 4,
  'apps.kruise.io/StatefulSet': 5,
  'apps.kruise.io/DaemonSet': 1,
  'apps.kruise.io/BroadcastJob': 7,
  'apps.kruise.io/AdvancedCronJob': 1,
  'apps.kruise.io/UnitedDeployment': 3,
};

function groupKind(apiVersion: string, kind: string): string {
  return `${apiVersion.includes('/') ? apiVersion.split('/')[0] : 'core'}/${kind}`;
}

// ---------------------------------------------------------------------------------------------
// Tools and processes.

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return statSync(join(dir, tool)).isFile();
    } catch {
      return false;
    }
  });
}

function skipReason(): string | undefined {
  if (process.env.CI) return undefined; // in CI a missing kpt or corpus must fail, not skip
  if (!onPath('kpt')) return 'kpt is not on PATH';
  if (!existsSync(CORPUS)) return `${CORPUS} is missing`;
  return undefined;
}
const SKIP = skipReason();
if (SKIP) console.warn(`[corpus] skipping the real-world corpus tests: ${SKIP} (with CI set this is a failure)`);

/** The corpus's renders are large: room for their output. */
const LARGE_OUTPUT = { maxBuffer: 256 * 1024 * 1024 };

function runFunction(resourceList: string): Run {
  return runCommand(process.execPath, [BUNDLE], { input: resourceList, ...LARGE_OUTPUT });
}

function explain(what: string, r: Run): string {
  return `${what}: exit ${r.status}\n${r.stderr.slice(0, 4000)}`;
}

// ---------------------------------------------------------------------------------------------
// ResourceList items, split by their text (kpt writes block-style items at column 0) and parsed
// one by one without the uniqueness check, so that this test can read what kpt accepts.

interface Item {
  raw: string;
  object: Record<string, unknown>;
}

function splitItems(resourceList: string): { items: Item[]; results: Array<Record<string, unknown>> } {
  const lines = resourceList.split('\n');
  const start = lines.indexOf('items:');
  if (start === -1) throw new Error('no block `items:` key in the ResourceList');
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    if (/^[A-Za-z]/.test(lines[i]!)) {
      end = i;
      break;
    }
  }
  const texts: string[] = [];
  for (let i = start + 1; i < end; i++) {
    const line = lines[i]!;
    if (line.startsWith('- ') || line === '-') texts.push(line + '\n');
    else if (texts.length > 0) texts[texts.length - 1] += line + '\n';
    else if (line.trim() !== '') throw new Error(`unexpected text before the first item: ${line}`);
  }
  const items = texts.map((raw) => {
    const parsed = YAML.parse(raw, { uniqueKeys: false, logLevel: 'silent' }) as unknown;
    if (!Array.isArray(parsed) || parsed.length !== 1) throw new Error(`not one item:\n${raw.slice(0, 300)}`);
    return { raw, object: parsed[0] as Record<string, unknown> };
  });
  const whole = YAML.parse(lines.slice(end).join('\n'), { logLevel: 'silent' }) as Record<string, unknown> | null;
  return { items, results: (whole?.results as Array<Record<string, unknown>> | undefined) ?? [] };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const dig = (v: unknown, path: readonly string[]): unknown => path.reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), v);

function meta(item: Obj): Obj {
  return isObj(item.metadata) ? item.metadata : {};
}

function annotation(item: Obj, key: string): string | undefined {
  const a = meta(item).annotations;
  return isObj(a) && typeof a[key] === 'string' ? a[key] : undefined;
}

function identity(item: Obj): string {
  const m = meta(item);
  return [
    item.apiVersion,
    item.kind,
    m.namespace,
    m.name,
    annotation(item, 'internal.config.kubernetes.io/path'),
    annotation(item, 'internal.config.kubernetes.io/index'),
  ]
    .map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
    .join(' ');
}

function kindKey(item: Obj): string {
  return `${String(item.apiVersion)} ${String(item.kind)}`;
}

// ---------------------------------------------------------------------------------------------
// The oracle: where pod templates are, and which SidecarSets of a fixture select them.

function templatePaths(item: Obj): string[][] {
  const group = String(item.apiVersion ?? '').includes('/') ? String(item.apiVersion).split('/')[0] : '';
  const kind = item.kind;
  if (group === '' && kind === 'Pod') return [[]];
  if (group === '' && kind === 'ReplicationController') return [['spec', 'template']];
  if ((group === 'apps' || group === 'extensions') && ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(String(kind)))
    return [['spec', 'template']];
  if (group === 'batch' && kind === 'Job') return [['spec', 'template']];
  if (group === 'batch' && kind === 'CronJob') return [['spec', 'jobTemplate', 'spec', 'template']];
  if (group === 'argoproj.io' && kind === 'Rollout') return [['spec', 'template']];
  if (group === 'apps.kruise.io') {
    if (['CloneSet', 'StatefulSet', 'DaemonSet', 'BroadcastJob'].includes(String(kind))) return [['spec', 'template']];
    if (kind === 'AdvancedCronJob')
      return [
        ['spec', 'template', 'jobTemplate', 'spec', 'template'],
        ['spec', 'template', 'broadcastJobTemplate', 'spec', 'template'],
      ];
    if (kind === 'UnitedDeployment') {
      return ['statefulSetTemplate', 'advancedStatefulSetTemplate', 'cloneSetTemplate', 'deploymentTemplate'].map((t) => [
        'spec',
        'template',
        t,
        'spec',
        'template',
      ]);
    }
  }
  return [];
}

function isWorkloadKind(item: Obj): boolean {
  return templatePaths(item).length > 0;
}

/** Templates present in the item, with the path they sit at. */
function templatesOf(item: Obj): Array<{ path: string[]; template: Obj }> {
  return templatePaths(item).flatMap((path) => {
    const t = path.length === 0 ? item : dig(item, path);
    return isObj(t) ? [{ path, template: t }] : [];
  });
}

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}
interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Requirement[];
}
interface FixtureSet {
  name: string;
  selector: Selector;
  namespaceSelector?: Selector;
  sidecarNames: string[];
}

function selects(selector: Selector, labels: Obj): boolean {
  const has = (k: string) => Object.hasOwn(labels, k);
  const value = (k: string) => labels[k];
  const all = [
    ...Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In', values: [v] })),
    ...(selector.matchExpressions ?? []),
  ];
  if (all.length === 0) return false; // Kruise: an empty SidecarSet selector selects nothing
  return all.every((r) => {
    switch (r.operator) {
      case 'In':
        return has(r.key) && (r.values ?? []).includes(value(r.key) as string);
      case 'NotIn':
        return !has(r.key) || !(r.values ?? []).includes(value(r.key) as string);
      case 'Exists':
        return has(r.key);
      case 'DoesNotExist':
        return !has(r.key);
      default:
        throw new Error(`operator ${r.operator} not supported by the test oracle`);
    }
  });
}

function loadFixture(dir: string): { path: string; sets: FixtureSet[]; defaultNamespace: string } {
  const path = join(FIXTURES, `${dir}.sidecarsets.yaml`);
  const doc = YAML.parse(readFileSync(path, 'utf8')) as Obj;
  const raw: Obj[] =
    doc.kind === 'List' ? (doc.items as Obj[]) : doc.kind === 'InjectSidecarSets' ? (dig(doc, ['spec', 'sidecarSets']) as Obj[]) : [doc];
  const defaultNamespace = (dig(doc, ['spec', 'defaultNamespace']) as string | undefined) ?? 'default';
  const sets = raw.map((s) => {
    const spec = s.spec as Obj;
    const names = [...((spec.containers as Obj[] | undefined) ?? []), ...((spec.initContainers as Obj[] | undefined) ?? [])].map((c) =>
      String(c.name),
    );
    return {
      name: String(meta(s).name),
      selector: spec.selector as Selector,
      namespaceSelector: spec.namespaceSelector as Selector | undefined,
      sidecarNames: names,
    };
  });
  return { path, sets, defaultNamespace };
}

/** Names of the fixture's SidecarSets that select this template (per the oracle). */
function expectedSets(item: Obj, template: Obj, fixture: ReturnType<typeof loadFixture>, namespaceLabels: Map<string, Obj>): string[] {
  const labels = isObj(dig(template, ['metadata', 'labels'])) ? (dig(template, ['metadata', 'labels']) as Obj) : {};
  // Labels that are not strings (template placeholders such as `cell: {{cell}}`): the function
  // leaves such a template alone, with a warning.
  if (Object.values(labels).some((v) => typeof v !== 'string')) return [];
  const namespace = typeof meta(item).namespace === 'string' ? String(meta(item).namespace) : fixture.defaultNamespace;
  return fixture.sets
    .filter((s) => {
      if (!selects(s.selector, labels)) return false;
      if (!s.namespaceSelector) return true;
      const nsLabels = namespaceLabels.get(namespace);
      if (!nsLabels) throw new Error(`fixture ${fixture.path}: namespace ${namespace} is not among the items; the oracle cannot decide`);
      return selects(s.namespaceSelector, nsLabels);
    })
    .map((s) => s.name);
}

/** Names of the fixture's SidecarSets whose sidecars are in this (output) template. */
function presentSets(template: Obj, fixture: ReturnType<typeof loadFixture>): string[] {
  const spec = isObj(template.spec) ? template.spec : {};
  const names = new Set(
    [...((spec.containers as Obj[] | undefined) ?? []), ...((spec.initContainers as Obj[] | undefined) ?? [])].map((c) => String(c?.name)),
  );
  return fixture.sets.filter((s) => s.sidecarNames.every((n) => names.has(n))).map((s) => s.name);
}

function namespaceLabelsOf(items: readonly Item[]): Map<string, Obj> {
  const map = new Map<string, Obj>();
  for (const { object } of items) {
    if (object.apiVersion === 'v1' && object.kind === 'Namespace' && typeof meta(object).name === 'string') {
      map.set(String(meta(object).name), isObj(meta(object).labels) ? (meta(object).labels as Obj) : {});
    }
  }
  return map;
}

function resultRef(r: Obj): string {
  const ref = isObj(r.resourceRef) ? r.resourceRef : {};
  return [ref.apiVersion, ref.kind, ref.namespace ?? '', ref.name, dig(r, ['file', 'path']) ?? ''].join(' ');
}

function itemRef(item: Obj): string {
  return [
    item.apiVersion,
    item.kind,
    meta(item).namespace ?? '',
    meta(item).name,
    annotation(item, 'internal.config.kubernetes.io/path') ?? '',
  ].join(' ');
}

const injectedInfos = (results: readonly Obj[]) =>
  results.filter((r) => r.severity === 'info' && String(r.message).startsWith('injected '));

// ---------------------------------------------------------------------------------------------
// Files of a package directory.

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

const commentLines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('#'))
    .sort();

const ORCHESTRATOR_ANNOTATION =
  /^(internal\.)?config\.(kubernetes\.io|k8s\.io)\/(path|index|id|seqindent|annotations-migration-resource-id|package-path)$/;

/** The object as kpt writes it to a file: without the annotations kpt adds for the function. */
function withoutOrchestratorAnnotations(item: Obj): Obj {
  const copy = structuredClone(item);
  const m = meta(copy);
  if (isObj(m.annotations)) {
    for (const k of Object.keys(m.annotations)) if (ORCHESTRATOR_ANNOTATION.test(k)) delete m.annotations[k];
    if (Object.keys(m.annotations).length === 0) delete m.annotations;
  }
  return copy;
}

/** Entries of `expected` (a multiset) that `actual` lacks. */
function missingFrom(actual: readonly string[], expected: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const a of actual) left.set(a, (left.get(a) ?? 0) + 1);
  return expected.filter((e) => {
    const n = left.get(e) ?? 0;
    left.set(e, n - 1);
    return n <= 0;
  });
}

/** The comment block a file starts with, if any (the license header in microservices-demo). */
function headComment(text: string): string | undefined {
  const lines = text.split('\n');
  const n = lines.findIndex((l) => !l.startsWith('#'));
  return n > 0 ? lines.slice(0, n).join('\n') + '\n' : undefined;
}

// ---------------------------------------------------------------------------------------------

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

function makeTemp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `${prefix}-`));
  scratch.push(d);
  return d;
}

function runAsync(command: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const sourced = new Map<string, string>();

/** What `kpt fn source` sends for a corpus source, with its fixture as functionConfig (read once). */
function kptSource(dir: string): string {
  let text = sourced.get(dir);
  if (text === undefined) {
    const r = runCommand(
      'kpt',
      ['fn', 'source', join(CORPUS, dir), '--fn-config', join(FIXTURES, `${dir}.sidecarsets.yaml`)],
      LARGE_OUTPUT,
    );
    if (r.status !== 0) throw new Error(explain(`kpt fn source ${dir}`, r));
    text = r.stdout;
    sourced.set(dir, text);
  }
  return text;
}

/** Writes an executable shell script. */
function writeScript(path: string, body: string): void {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
}

/**
 * Two copies of a source without the files kpt render refuses, each a package whose one mutator reads
 * sidecarsets.yaml: `pkg` runs the function (recording its input beside the package, not inside it,
 * where kpt would read it as a resource), `baseline` runs `cat`.
 */
function preparePackages(source: SourceCase, configPath: string) {
  const temp = makeTemp(`realworld-${source.dir}`);
  const pkg = join(temp, 'pkg');
  const baseline = join(temp, 'baseline');
  const capture = join(temp, 'captured-input.yaml');
  const injectScript = join(temp, 'inject.sh');
  const echoScript = join(temp, 'echo.sh');
  writeScript(injectScript, `tee '${capture}' | exec '${process.execPath}' '${BUNDLE}'`);
  writeScript(echoScript, 'exec cat');
  const kptfile = readFileSync(join(FIXTURES, 'Kptfile.template'), 'utf8').replace('__PACKAGE_NAME__', source.dir);
  const from = join(CORPUS, source.dir);
  for (const [dir, script] of [
    [pkg, injectScript],
    [baseline, echoScript],
  ] as const) {
    cpSync(from, dir, { recursive: true, filter: (f) => !source.renderRefused.includes(relative(from, f)) });
    writeFileSync(join(dir, 'Kptfile'), kptfile.replace('__EXEC__', script));
    cpSync(configPath, join(dir, 'sidecarsets.yaml'));
  }
  return { pkg, baseline, capture, injectScript, echoScript };
}

beforeAll(() => {
  // `npm test` builds first (pretest); a direct `vitest run` of this file may not have.
  if (!existsSync(BUNDLE)) {
    const build = runCommand('npm', ['run', 'build', '--silent'], { cwd: ROOT, ...LARGE_OUTPUT });
    if (build.status !== 0) throw new Error(explain('npm run build', build));
  }
});

describe.skipIf(SKIP !== undefined)('real-world corpus with kpt', () => {
  beforeAll(() => {
    if (!onPath('kpt')) throw new Error('kpt is not on PATH (required in CI)');
    if (!existsSync(CORPUS)) throw new Error(`${CORPUS} is missing`);
  });

  for (const source of SOURCES) {
    describe(source.dir, () => {
      const fixture = loadFixture(source.dir);
      let first: Run;
      let inputItems: Item[] = [];

      beforeAll(() => {
        const sourced = kptSource(source.dir);
        inputItems = splitItems(sourced).items;
        first = runFunction(sourced);
      });

      it('injects exactly the selected templates and echoes every other item byte for byte', () => {
        expect(first.status, explain('function', first)).toBe(0);
        const output = splitItems(first.stdout);
        expect(output.items.map((i) => identity(i.object))).toEqual(inputItems.map((i) => identity(i.object)));

        const namespaces = namespaceLabelsOf(inputItems);
        const injectedPerKind: Record<string, number> = {};
        const changedRefs: string[] = [];
        inputItems.forEach((before, index) => {
          const after = output.items[index]!;
          const expected = templatesOf(before.object).map(({ path, template }) => ({
            path,
            sets: expectedSets(before.object, template, fixture, namespaces),
          }));
          const selected = expected.some((t) => t.sets.length > 0);
          if (!selected) {
            expect(after.raw, `item ${index} (${identity(before.object)}) must be echoed`).toBe(before.raw);
            return;
          }
          for (const { path, sets } of expected) {
            const template = path.length === 0 ? after.object : dig(after.object, path);
            expect(presentSets(template as Obj, fixture), `${identity(before.object)} at ${path.join('.')}`).toEqual(sets);
          }
          expect(commentLines(after.raw), `comments of ${identity(before.object)}`).toEqual(commentLines(before.raw));
          injectedPerKind[kindKey(before.object)] = (injectedPerKind[kindKey(before.object)] ?? 0) + 1;
          changedRefs.push(itemRef(before.object));
        });
        expect(injectedPerKind).toEqual(source.injectedPerKind);
        expect(injectedInfos(output.results).map(resultRef).sort()).toEqual(changedRefs.sort());
        const notInjected = output.results.filter((r) => String(r.message).startsWith('not injected: Rollout uses spec.workloadRef'));
        expect(notInjected).toHaveLength(source.notInjectedInfos ?? 0);
        const repeated = output.results.filter(
          (r) => r.severity === 'warning' && / repeated( at line \d+)? in this object/.test(String(r.message)),
        );
        expect(repeated).toHaveLength(source.repeatedKeyItems ?? 0);
        const unreadable = output.results.filter(
          (r) => r.severity === 'warning' && /the apiserver would reject this pod template/.test(String(r.message)),
        );
        expect(unreadable).toHaveLength(source.unreadableTemplates ?? 0);
        expect(
          output.results.filter(
            (r) => (r.severity === 'error' || r.severity === 'warning') && !repeated.includes(r) && !unreadable.includes(r),
          ),
        ).toEqual([]);
      });

      it('is a fixed point on its own output', () => {
        expect(first.status, explain('function', first)).toBe(0);
        const second = runFunction(first.stdout);
        expect(second.status, explain('second run', second)).toBe(0);
        const a = splitItems(first.stdout);
        const b = splitItems(second.stdout);
        expect(b.items.length).toBe(a.items.length);
        b.items.forEach((item, i) => expect(item.raw, `item ${i} (${identity(item.object)})`).toBe(a.items[i]!.raw));
        expect(injectedInfos(b.results)).toEqual([]);
      });

      it('un-injects back to its input byte for byte (uninject(inject(x)) == x)', () => {
        expect(first.status, explain('function', first)).toBe(0);
        const injected = first.stdout.slice(0, first.stdout.search(/^(functionConfig|results):/m));
        const back = runFunction(
          `${injected}functionConfig:\n  apiVersion: fn.kpt.dev/v1alpha1\n  kind: InjectSidecarSets\n  metadata:\n    name: back\n  spec:\n    mode: uninject\n`,
        );
        expect(back.status, explain('uninject', back)).toBe(0);
        const items = splitItems(back.stdout).items;
        expect(items.length).toBe(inputItems.length);
        items.forEach((item, i) => expect(item.raw, `item ${i} (${identity(item.object)})`).toBe(inputItems[i]!.raw));
      });

      it('renders in place with kpt: only selected files change, comments stay, a second render changes nothing', async () => {
        expect(first.status, explain('function', first)).toBe(0);
        const { pkg, baseline, capture, injectScript, echoScript } = preparePackages(source, fixture.path);

        // kpt rewrites every file it renders, even for an echo function: the reference for "unchanged" is
        // the same package rendered by `cat`, not the corpus file. Both renders run at once.
        const [echoed, rendered1] = await Promise.all([
          runAsync('kpt', ['fn', 'render', '--allow-exec', baseline]),
          runAsync('kpt', ['fn', 'render', '--allow-exec', pkg]),
        ]);
        expect(echoed.status, explain('kpt fn render (echo)', echoed)).toBe(0);
        expect(rendered1.status, explain('kpt fn render #1', rendered1)).toBe(0);
        const afterFirst = filesUnder(pkg);
        const reference = filesUnder(baseline);

        // kpt sends the config file and the Kptfile as items too; the function passes them through.
        const captured = splitItems(readFileSync(capture, 'utf8')).items.map((i) =>
          annotation(i.object, 'internal.config.kubernetes.io/path'),
        );
        expect(captured).toContain('sidecarsets.yaml');
        expect(captured).toContain('Kptfile');
        expect(afterFirst.get('sidecarsets.yaml')).toBe(reference.get('sidecarsets.yaml'));
        // The two Kptfiles differ only by the exec path.
        expect(afterFirst.get('Kptfile')).toBe(reference.get('Kptfile')!.replace(echoScript, injectScript));

        const functionItems = splitItems(first.stdout).items;
        const expectedChanged = new Set(
          functionItems
            .filter((item, i) => item.raw !== inputItems[i]!.raw)
            .map((item) => annotation(item.object, 'internal.config.kubernetes.io/path')!)
            .filter((path) => !source.renderRefused.includes(path)),
        );
        expect([...afterFirst.keys()].sort()).toEqual([...reference.keys()].sort());
        const changed = [...afterFirst.keys()].filter((f) => f !== 'Kptfile' && afterFirst.get(f) !== reference.get(f)).sort();
        expect(changed).toEqual([...expectedChanged].sort());

        const functionOutput = new Map(
          functionItems.map((i) => [
            `${annotation(i.object, 'internal.config.kubernetes.io/path')}#${annotation(i.object, 'internal.config.kubernetes.io/index') ?? '0'}`,
            withoutOrchestratorAnnotations(i.object),
          ]),
        );
        for (const file of changed) {
          const text = afterFirst.get(file)!;
          // Every comment is still there, and a file's head comment only once. (kpt beta.56 may add copies of
          // an app container's comments onto a sidecar inserted before it: see the focused test below.)
          expect(missingFrom(commentLines(text), commentLines(reference.get(file)!)), `comments lost from ${file}`).toEqual([]);
          const head = headComment(reference.get(file)!);
          if (head) expect(text.split(head).length - 1, `head comment of ${file}`).toBe(1);
          const docs = YAML.parseAllDocuments(text, { uniqueKeys: false })
            .map((d) => d.toJS() as Obj)
            .filter((d) => d !== null);
          docs.forEach((doc, index) => expect(doc, `${file} document ${index}`).toEqual(functionOutput.get(`${file}#${index}`)));
        }

        // kpt is not a fixed point on its own for every file (a comment between `- ` and the first key, as in
        // kubernetes-examples' AI/vllm-deployment/hpa/gpu-dcgm-exporter-service-gke.yaml, moves on each of
        // the first two renders even with `cat`), so the echo package is rendered a second time too.
        // That second echo render only runs when the second real render changed something.
        const rendered2 = await runAsync('kpt', ['fn', 'render', '--allow-exec', pkg]);
        expect(rendered2.status, explain('kpt fn render #2', rendered2)).toBe(0);
        const afterSecond = filesUnder(pkg);
        if ([...afterFirst].some(([file, text]) => afterSecond.get(file) !== text)) {
          const echoed2 = await runAsync('kpt', ['fn', 'render', '--allow-exec', baseline]);
          expect(echoed2.status, explain('kpt fn render #2 (echo)', echoed2)).toBe(0);
          const reference2 = filesUnder(baseline);
          for (const [file, text] of afterFirst) {
            if (reference2.get(file) === reference.get(file)) expect(afterSecond.get(file), `${file} after the second render`).toBe(text);
            else if (!expectedChanged.has(file))
              expect(afterSecond.get(file), `${file} after the second render`).toBe(reference2.get(file));
          }
        }
        expect(rendered2.stderr, 'no injected results on the second render').not.toMatch(/: injected /);

        // Every microservices-demo file starts with a license header: once after each render, not doubled.
        for (const [file, text] of afterSecond) {
          const head = headComment(reference.get(file)!);
          if (head?.includes('Licensed under the Apache License')) expect(text.split(head).length - 1, `license header in ${file}`).toBe(1);
        }
      });
    });
  }

  it('finds every workload kind SOURCES.md lists, and the fixtures inject each kind that has a template', () => {
    const found: Record<string, number> = {};
    for (const source of SOURCES) {
      for (const { object } of splitItems(kptSource(source.dir)).items) {
        if (!isWorkloadKind(object)) continue;
        const key = groupKind(String(object.apiVersion), String(object.kind));
        found[key] = (found[key] ?? 0) + 1;
      }
    }
    expect(found).toEqual(CORPUS_WORKLOADS);
    const injectedKinds = new Set(
      SOURCES.flatMap((s) => Object.keys(s.injectedPerKind).map((k) => groupKind(...(k.split(' ') as [string, string])))),
    );
    // The AdvancedCronJob sample is a stub with no template: nothing to inject.
    expect([...injectedKinds].sort()).toEqual(
      Object.keys(CORPUS_WORKLOADS)
        .filter((k) => k !== 'apps.kruise.io/AdvancedCronJob')
        .sort(),
    );
  });

  it('kpt render refuses a configPath object without metadata.name, which is why the List fixtures carry one', () => {
    const dir = makeTemp('realworld-nameless-list');
    const list = readFileSync(join(FIXTURES, 'kruise.sidecarsets.yaml'), 'utf8').replace(/^metadata:\n {2}name: .*\n/m, '');
    writeFileSync(join(dir, 'sidecarsets.yaml'), list);
    writeFileSync(
      join(dir, 'Kptfile'),
      readFileSync(join(FIXTURES, 'Kptfile.template'), 'utf8').replace('__PACKAGE_NAME__', 'nameless').replace('__EXEC__', '/bin/cat'),
    );
    const r = runCommand('kpt', ['fn', 'render', '--allow-exec', dir], LARGE_OUTPUT);
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toContain('resource must have `metadata.name`');
  });

  // Known problem (reported to the lead): kpt beta.56 restores comments by pairing list elements by
  // position, so a sidecar inserted before an app container (BeforeAppContainer, Kruise's default)
  // receives copies of that container's field comments. The function's own output is right.
  it.fails('kpt render keeps an app container comment on the app container only when a sidecar goes before it', () => {
    const temp = makeTemp('realworld-comment-shift');
    const dir = join(temp, 'pkg');
    cpSync(join(FIXTURES, 'comment-shift/deploy.yaml'), join(dir, 'deploy.yaml'));
    cpSync(join(FIXTURES, 'comment-shift/sidecarset.yaml'), join(dir, 'sidecarsets.yaml'));
    const script = join(temp, 'inject.sh');
    writeScript(script, `exec '${process.execPath}' '${BUNDLE}'`);
    writeFileSync(
      join(dir, 'Kptfile'),
      readFileSync(join(FIXTURES, 'Kptfile.template'), 'utf8').replace('__PACKAGE_NAME__', 'comment-shift').replace('__EXEC__', script),
    );
    const r = runCommand('kpt', ['fn', 'render', '--allow-exec', dir], LARGE_OUTPUT);
    expect(r.status, explain('kpt fn render', r)).toBe(0);
    const rendered = readFileSync(join(dir, 'deploy.yaml'), 'utf8');
    expect(rendered).toContain('name: log-agent');
    expect(rendered.split('# pinned by the platform team').length - 1).toBe(1);
  });
});

// Five kubernetes-examples files repeat a mapping key (`selector` twice in three openshift-origin
// controllers, `type` twice in a Secret, …); kpt reads and sends them. The function warns about
// such an item, and injects the others.
it('passes an item with a repeated key through and still injects the others', () => {
  const input = readFileSync(join(FIXTURES, 'repeated-key.resourcelist.yaml'), 'utf8');
  const r = runFunction(input);
  expect(r.status, explain('function', r)).toBe(0);
  const inputItems = splitItems(input).items;
  const outputItems = splitItems(r.stdout).items;
  expect(outputItems[0]!.raw).toBe(inputItems[0]!.raw);
  expect(outputItems[1]!.raw).toContain('name: log-agent');
});

// The etcd Deployment repeats spec.selector with the same value, outside its pod template: a
// SidecarSet selecting it injects it, with a warning, and every line of it stays (issue 12, defect 10).
it("injects kubernetes-examples' etcd Deployment, which repeats spec.selector, keeping both", () => {
  const file = readFileSync(join(CORPUS, 'kubernetes-examples/_archived/openshift-origin/etcd-controller.yaml'), 'utf8');
  const item =
    file
      .trimEnd()
      .split('\n')
      .map((line, i) => (i === 0 ? '- ' : line === '' ? '' : '  ') + line)
      .join('\n') + '\n';
  const input = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
${item}functionConfig:
  apiVersion: apps.kruise.io/v1beta1
  kind: SidecarSet
  metadata:
    name: log-sidecar
  spec:
    selector:
      matchLabels:
        name: etcd
    containers:
    - name: log-agent
      image: registry.example.com/log-agent:1.2
`;
  const r = runFunction(input);
  expect(r.status, explain('function', r)).toBe(0);
  const { items, results } = splitItems(r.stdout);
  expect((dig(items[0]!.object, ['spec', 'template', 'spec', 'containers']) as Obj[]).map((c) => c.name)).toEqual(['log-agent', 'member']);
  const output = items[0]!.raw.split('\n');
  let at = 0;
  for (const line of item.split('\n')) {
    at = output.indexOf(line, at);
    expect(at, `input line kept: ${line}`).toBeGreaterThanOrEqual(0);
  }
  expect(results.filter((x) => x.severity === 'warning').map((x) => x.message)).toEqual([
    expect.stringMatching(/^key "selector" repeated at line 12 in this object/),
  ]);
  expect(runFunction(r.stdout).stdout.split('\nresults:')[0]).toBe(r.stdout.split('\nresults:')[0]);
});
