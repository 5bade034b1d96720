// Hostile and malformed input, run through the real bundle as a child process with a timeout.
// One file per case under corpus/ (the large ones are generated here instead of committed);
// CASES below is the table of what each must produce.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { runFunction } from '../../src/run.js';
import { BUNDLE, runBundle, STACK_TRACE, type BundleRun } from './bundle.js';
import { readItems } from './invariants.js';
import { RESOURCE_LIST_HEAD as HEADER } from '../helpers/krm.js';
import { sidecarSetItemHead } from '../helpers/manifest-text.js';

const corpus = (name: string): Buffer => readFileSync(new URL(`./corpus/${name}`, import.meta.url));
const corpusText = (name: string): string => corpus(name).toString('utf8');

const DEPTH = 10_000;
const BIG = 50 * 1024 * 1024;

/** A ConfigMap item whose `data.x` is `value` written on one line. */
const configMapWith = (name: string, value: string): string =>
  `${HEADER}- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: ${name}\n  data:\n    x: ${value}\n`;

const logAgent = (app: string): string => `${sidecarSetItemHead('log-agent', `app: ${app}`)}    containers:
    - name: log-agent
      image: log-agent:1
`;

interface ExpectedError {
  kind?: string;
  name?: string;
  /** Exact field path of the error result. */
  field?: string;
  file?: string;
  message?: RegExp;
}

type Outcome =
  /** No ResourceList could be read: nothing on stdout, one line on stderr, exit 1. */
  | { rejected: RegExp }
  /** A ResourceList comes out with these error results (and maybe others), exit 1, every item byte-identical. */
  | { errors: ExpectedError[] }
  /** Exit 0 with these warning results, every item byte-identical. */
  | { warnings: ExpectedError[] }
  /** Exit 0 and every item byte-identical to its input text. */
  | { passThrough: true }
  /** Exit 0; the named items changed, every other one byte-identical. */
  | { injected: string[] }
  /** Exit 0 and the same data item by item (the text may be re-emitted). */
  | { sameData: true };

interface Case {
  name: string;
  input: () => string | Buffer;
  outcome: Outcome;
  /** Milliseconds the whole process may take. */
  budget?: number;
  /** A known bug: the outcome test is it.fails until the lead fixes it. */
  bug?: string;
}

const LINE_AND_COLUMN = /line \d+, column \d+/;

const CASES: Case[] = [
  { name: 'empty stdin', input: () => corpus('empty.yaml'), outcome: { rejected: /no input/ } },
  {
    name: 'binary junk',
    input: () => corpus('binary-junk.bin'),
    outcome: { rejected: /not a ResourceList|not valid YAML|not valid UTF-8/ },
  },
  {
    name: 'YAML syntax error',
    input: () => corpus('yaml-syntax-error.yaml'),
    outcome: { rejected: /not valid YAML.*line 10, column 5/ },
  },
  {
    name: 'JSON syntax error',
    input: () => corpus('json-syntax-error.json'),
    outcome: { rejected: /not valid YAML or JSON.*line 5, column \d+/ },
  },
  { name: 'several YAML documents', input: () => corpus('several-documents.yaml'), outcome: { rejected: /2 YAML documents/ } },
  { name: 'ResourceList without items', input: () => corpus('no-items.yaml'), outcome: { rejected: /no items/ } },
  { name: 'items is a scalar', input: () => corpus('items-scalar.yaml'), outcome: { rejected: /items is not a list/ } },
  { name: 'items is a mapping', input: () => corpus('items-mapping.yaml'), outcome: { rejected: /items is not a list/ } },
  {
    name: 'a List, not a ResourceList',
    input: () => corpus('not-a-resource-list.yaml'),
    outcome: { rejected: /not a ResourceList \(kind: "List"\)/ },
  },
  {
    name: 'unknown ResourceList version',
    input: () => corpus('unknown-resource-list-version.yaml'),
    outcome: { rejected: /unsupported ResourceList apiVersion/ },
  },
  {
    name: 'scalar items',
    input: () => corpus('scalar-items.yaml'),
    outcome: {
      errors: [0, 1, 2, 3].map((i) => ({ message: new RegExp(`^item ${i} is not an object`) })),
    },
  },
  {
    // The item is passed through as it is (kpt and kustomize accept such files); a warning names it.
    name: 'duplicate keys',
    input: () => corpus('duplicate-keys.yaml'),
    outcome: { warnings: [{ kind: 'ConfigMap', name: 'second', message: /key "name" repeated/ }] },
  },
  {
    name: 'invalid UTF-8',
    input: () => corpus('invalid-utf8.yaml'),
    outcome: { rejected: /UTF-8/ },
  },
  { name: 'byte order mark', input: () => corpus('bom.yaml'), outcome: { passThrough: true } },
  { name: 'CRLF line endings', input: () => corpus('crlf.yaml'), outcome: { injected: ['web'] } },
  { name: 'legitimate anchors and aliases', input: () => corpus('anchors-and-aliases.yaml'), outcome: { passThrough: true } },
  {
    name: 'legitimate anchors in an injected workload',
    input: () => corpusText('anchors-and-aliases.yaml') + logAgent('api'),
    outcome: { injected: ['api'] },
  },
  {
    name: 'an alias in one item to an anchor in another',
    input: () => corpus('anchors-across-items.yaml'),
    outcome: { sameData: true },
  },
  {
    name: 'alias-expansion bomb',
    input: () => corpus('alias-bomb.yaml'),
    outcome: { rejected: /alias/i },
  },
  {
    name: `${DEPTH}-deep flow nesting`,
    input: () => configMapWith('deep', '['.repeat(DEPTH) + ']'.repeat(DEPTH)),
    outcome: { rejected: /not valid YAML/ },
  },
  {
    name: `${DEPTH}-deep block sequences`,
    input: () => configMapWith('deep', '\n    ' + '- '.repeat(DEPTH) + 'leaf'),
    outcome: { rejected: /not valid YAML/ },
  },
  {
    name: `${DEPTH}-deep JSON`,
    input: () =>
      JSON.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [] }).replace(
        '[]',
        '[' + '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH) + ']',
      ),
    outcome: { rejected: /not valid YAML/ },
  },
  {
    name: 'a 50 MB string in an untouched item',
    input: () => configMapWith('big', 'x'.repeat(BIG)),
    outcome: { passThrough: true },
    budget: 20_000,
  },
  {
    name: 'a 50 MB annotation on an injected pod',
    input: () =>
      `${HEADER}${logAgent('web')}- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: big\n    labels:\n      app: web\n    annotations:\n      big: ${'y'.repeat(BIG)}\n  spec:\n    containers:\n    - name: app\n      image: app:1\n`,
    outcome: { injected: ['big'] },
    budget: 20_000,
  },
  {
    name: '__proto__, constructor and prototype as data',
    input: () => corpus('prototype-keys-as-data.yaml'),
    outcome: { injected: ['p'] },
  },
  {
    name: '__proto__ and constructor as SidecarSet fields',
    input: () => corpus('prototype-keys-in-spec.yaml'),
    outcome: {
      errors: [
        { kind: 'SidecarSet', name: 's', field: 'spec.__proto__' },
        { kind: 'SidecarSet', name: 's', field: 'spec.constructor' },
      ],
    },
  },
  {
    name: 'SidecarSets with a wrong type in every field',
    input: () => corpus('sidecarset-wrong-types.yaml'),
    outcome: { errors: wrongTypeErrors() },
  },
  {
    name: 'selectors with unknown operators',
    input: () => corpus('selector-unknown-operator.yaml'),
    outcome: {
      errors: [
        {
          kind: 'SidecarSet',
          name: 'unknown-op',
          field: 'spec.selector.matchExpressions[0].operator',
          file: 'sidecarsets.yaml',
          message: /"Matches"/,
        },
        {
          kind: 'SidecarSet',
          name: 'unknown-op',
          field: 'spec.namespaceSelector.matchExpressions[0].operator',
          file: 'sidecarsets.yaml',
          message: /"Gt"/,
        },
      ],
    },
  },
  {
    name: 'resourcesPolicy regexes built to backtrack catastrophically',
    input: () => corpus('regex-catastrophic-backtracking.yaml'),
    outcome: {
      errors: ['^(a+)+$', '^(a|aa)*(b|ab)*c$', '^(([a-z])+.)+[A-Z]([a-z])+$', '(a*)*b'].map((pattern) => ({
        kind: 'Pod',
        name: 'victim',
        message: new RegExp(`no containers match the regex pattern ${escapeRegExp(JSON.stringify(pattern))}`),
      })),
    },
    budget: 5_000,
  },
  {
    name: 'items without apiVersion/kind/metadata, the Kptfile and unknown kinds',
    input: () => corpus('pass-through.yaml'),
    outcome: { passThrough: true },
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The expectations of sidecarset-wrong-types.yaml: SidecarSet name → the field it breaks. */
function wrongTypeErrors(): ExpectedError[] {
  const fields: Record<string, string> = {
    spec: 'spec',
    selector: 'spec.selector',
    'match-labels': 'spec.selector.matchLabels',
    'label-value': 'spec.selector.matchLabels.app',
    'match-expressions': 'spec.selector.matchExpressions',
    'expression-values': 'spec.selector.matchExpressions[0].values',
    'namespace-selector': 'spec.namespaceSelector',
    containers: 'spec.containers',
    container: 'spec.containers[0]',
    'container-name': 'spec.containers[0].name',
    'container-image': 'spec.containers[0].image',
    'container-env': 'spec.containers[0].env',
    'env-value': 'spec.containers[0].env[0].value',
    'container-port': 'spec.containers[0].ports[0].containerPort',
    'volume-mounts': 'spec.containers[0].volumeMounts',
    'inject-policy': 'spec.containers[0].podInjectPolicy',
    'share-volume-policy': 'spec.containers[0].shareVolumePolicy',
    'share-device-policy': 'spec.containers[0].shareVolumeDevicePolicy',
    'transfer-env': 'spec.containers[0].transferEnv',
    'transfer-env-names': 'spec.containers[0].transferEnv[0].envNames',
    'upgrade-type': 'spec.containers[0].upgradeStrategy.upgradeType',
    'resources-policy': 'spec.containers[0].resourcesPolicy',
    'resources-expr': 'spec.containers[0].resourcesPolicy.resourcesExpr.limits.cpu',
    'init-containers': 'spec.initContainers',
    'init-restart-policy': 'spec.initContainers[0].restartPolicy',
    volumes: 'spec.volumes',
    'volume-source': 'spec.volumes[0].emptyDir',
    'pull-secrets': 'spec.imagePullSecrets',
    'pull-secret': 'spec.imagePullSecrets[0]',
    'patch-metadata': 'spec.patchPodMetadata',
    'patch-annotations': 'spec.patchPodMetadata[0].annotations',
    'patch-annotation-value': 'spec.patchPodMetadata[0].annotations["example.com/x"]',
    'patch-policy': 'spec.patchPodMetadata[0].patchPolicy',
    'injection-strategy': 'spec.injectionStrategy',
    paused: 'spec.injectionStrategy.paused',
    revision: 'spec.injectionStrategy.revision',
    'update-strategy': 'spec.updateStrategy.type',
    partition: 'spec.updateStrategy.partition',
    'history-limit': 'spec.revisionHistoryLimit',
    'service-account': 'spec.serviceAccountName',
  };
  return Object.entries(fields).map(([name, field]) => ({
    kind: 'SidecarSet',
    name: `wrong-${name}`,
    field,
    file: 'sidecarsets/wrong-types.yaml',
  }));
}

interface OutputResult {
  severity: string;
  message: string;
  resourceRef?: { kind: string; name: string };
  field?: { path: string };
  file?: { path: string };
}

function outputResults(stdout: string): OutputResult[] {
  return (parse(stdout, { maxAliasCount: -1, uniqueKeys: false }) as { results?: OutputResult[] }).results ?? [];
}

/** Item texts as the function sees them (after a BOM is dropped). */
const itemTexts = (text: string): string[] => readItems(text).map((i) => i.raw);

function expectErrors(run: BundleRun, expected: ExpectedError[], severity = 'error'): void {
  const errors = outputResults(run.stdout).filter((r) => r.severity === severity);
  for (const e of expected) {
    const found = errors.some(
      (r) =>
        (e.kind === undefined || r.resourceRef?.kind === e.kind) &&
        (e.name === undefined || r.resourceRef?.name === e.name) &&
        (e.field === undefined || r.field?.path === e.field) &&
        (e.file === undefined || r.file?.path === e.file) &&
        (e.message === undefined || e.message.test(r.message)),
    );
    expect(found, `an ${severity} result ${JSON.stringify({ ...e, message: e.message?.source })}`).toBe(true);
  }
}

function expectOutcome(input: string | Buffer, run: BundleRun, outcome: Outcome): void {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if ('rejected' in outcome) {
    expect(run.stdout).toBe('');
    expect(run.exitCode).toBe(1);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^inject-sidecarsets: /);
    expect(lines[0]).toMatch(outcome.rejected);
    return;
  }
  if ('sameData' in outcome) {
    expect(run.exitCode, run.stderr).toBe(0);
    const data = (t: string) => readItems(t).map((i) => i.object);
    expect(data(run.stdout)).toEqual(data(text));
    return;
  }
  const before = itemTexts(text);
  const after = itemTexts(run.stdout);
  expect(after).toHaveLength(before.length);
  if ('errors' in outcome) {
    expect(run.exitCode).toBe(1);
    expectErrors(run, outcome.errors);
  } else if ('warnings' in outcome) {
    expect(run.exitCode, run.stderr).toBe(0);
    expectErrors(run, outcome.warnings, 'warning');
  } else {
    expect(run.exitCode, run.stderr).toBe(0);
  }
  const changed = 'injected' in outcome ? outcome.injected : [];
  const items = readItems(text);
  items.forEach((item, i) => {
    const name = (item.object as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    if (typeof name === 'string' && changed.includes(name)) expect(after[i]).not.toBe(before[i]);
    else expect(after[i]).toBe(before[i]);
  });
}

// Each case runs the bundle once; the floor and the outcome tests share the run.
const runs = new Map<Case, { input: string | Buffer; run: BundleRun }>();
function runCase(c: Case): { input: string | Buffer; run: BundleRun } {
  let r = runs.get(c);
  if (!r) {
    const input = c.input();
    r = { input, run: runBundle(input, 60_000) };
    runs.set(c, r);
  }
  return r;
}

describe('hostile input: the floor (no hang, no crash, no stack trace)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { run } = runCase(c);
      expect(run.timedOut).toBe(false);
      expect(run.signal).toBeNull();
      expect(run.stderr).not.toMatch(STACK_TRACE);
      expect(run.millis).toBeLessThan(c.budget ?? 5_000);
    });
  }
});

describe('hostile input: the expected outcome', () => {
  for (const c of CASES) {
    // BUG: every case with a `bug` field (its one-line description) runs as it.fails until fixed.
    (c.bug ? it.fails : it)(c.name + (c.bug ? ` — BUG: ${c.bug}` : ''), () => {
      const { input, run } = runCase(c);
      runs.delete(c); // the 50 MB cases would otherwise stay in memory for the rest of the file
      expectOutcome(input, run, c.outcome);
    });
  }

  it('YAML and JSON syntax errors name the line and column', () => {
    for (const file of ['yaml-syntax-error.yaml', 'json-syntax-error.json']) {
      const run = runBundle(corpus(file));
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.split('\n')[0]).toMatch(LINE_AND_COLUMN);
    }
  });

  it('no prototype is polluted and __proto__ keys stay data (in process)', () => {
    const out = runFunction({ text: corpusText('prototype-keys-as-data.yaml') });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('x');
    const pod = readItems(out.stdout)[1].object as Record<string, any>;
    expect(Object.getPrototypeOf(pod.metadata.labels)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(pod.metadata.labels)).toContain('__proto__');
    expect(Object.getOwnPropertyDescriptor(pod.metadata.labels, '__proto__')?.value).toBe('web');
    const sidecar = pod.spec.containers.find((c: { name: string }) => c.name === 'side');
    expect(sidecar.env).toContainEqual({ name: '__proto__', value: 'pp' });
    expect(JSON.parse(pod.metadata.annotations.constructor)).toEqual(
      JSON.parse('{"__proto__":{"a":1,"polluted":"yes"},"constructor":{"prototype":{"b":2}}}'),
    );
    expect(Object.getOwnPropertyDescriptor(pod.metadata.annotations, '__proto__')?.value).toBe('y');
  });

  // Fixed (issue 12, defect 6): CRLF came back as LF.
  it('CRLF input keeps CRLF: untouched items byte for byte, every line of the output with CRLF', () => {
    const input = corpusText('crlf.yaml');
    const run = runBundle(corpus('crlf.yaml'));
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout.replace(/\r\n/g, '')).not.toContain('\n');
    const [, cfg, web] = readItems(run.stdout);
    expect(cfg.raw).toBe(itemTexts(input)[1]);
    expect(input).toContain(cfg.raw);
    expect((cfg.object as any).data.script).toBe('echo one\necho two\n');
    expect(web.raw).toContain('- name: log-agent\r\n');
  });

  it('an alias-expansion bomb is rejected quickly and with bounded memory', () => {
    const run = runBundle(corpus('alias-bomb.yaml'));
    expect(run.millis).toBeLessThan(3_000);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/alias/i);
  });
});

describe('pod templates with a wrong type in a list field', () => {
  const list = parse(corpusText('workload-wrong-types.yaml')) as { items: Array<Record<string, any>> };
  const [sidecarSet, ...workloads] = list.items;
  const FIELDS: Record<string, string> = {
    'wrong-containers': 'spec.template.spec.containers',
    'wrong-init-containers': 'spec.template.spec.initContainers',
    'wrong-volumes': 'spec.template.spec.volumes',
    'wrong-pull-secrets': 'spec.template.spec.imagePullSecrets',
    'wrong-env': 'spec.template.spec.containers[0].env',
    'wrong-env-value': 'spec.template.spec.containers[0].env[0].value',
    'wrong-volume-mounts': 'spec.template.spec.containers[0].volumeMounts',
  };
  for (const workload of workloads) {
    const name = workload.metadata.name as string;
    const input = stringify(
      { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [sidecarSet, workload] },
      { version: '1.1' },
    );
    it(`${name}: never a crash`, () => {
      const run = runBundle(input);
      expect(run.stderr).not.toMatch(STACK_TRACE);
      expect(run.timedOut).toBe(false);
    });
    // Fixed: such a template is reported (the apiserver would reject it) and left alone.
    it(`${name}: an error result naming the workload and ${FIELDS[name]}`, () => {
      const run = runBundle(input);
      expect(run.exitCode).toBe(1);
      expectErrors(run, [{ kind: 'Deployment', name, field: FIELDS[name] }]);
      expect(itemTexts(run.stdout)).toEqual(itemTexts(input));
    });
  }
});

describe('stdout closed early', () => {
  it('`inject-sidecarsets < big.yaml | head -1` exits quietly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'inject-sidecarsets-safety-'));
    try {
      const configMaps = Array.from(
        { length: 20_000 },
        (_, i) => `- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-${i}\n  data:\n    k: ${'v'.repeat(64)}\n`,
      );
      writeFileSync(join(dir, 'big.yaml'), `${HEADER}${configMaps.join('')}`);
      const r = spawnSync('bash', ['-c', `"${process.execPath}" "${BUNDLE}" < big.yaml | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`], {
        cwd: dir,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.stdout).toBe('apiVersion: config.kubernetes.io/v1\n');
      expect(r.stderr).not.toMatch(STACK_TRACE);
      expect(r.stderr).not.toMatch(/EPIPE|cannot write|internal error/);
      expect(r.stderr).toMatch(/exit=[01]\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
