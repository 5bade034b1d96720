// A null map or list is an absent one, as Kubernetes decodes it (issue 12, defect 1). Every
// map and list field of a fully populated pod template and SidecarSet is nulled in turn: the
// run must give the same results and the same injection as with the field left out, keep the
// null where the injection does not fill it, and be a fixed point.
import { describe, expect, it } from 'vitest';
import { run, runText, itemTexts, sidecarSet, type Obj, RESOURCE_LIST_HEAD as HEADER, logSidecarSetItem } from '../helpers/krm.js';
import { deploymentItemHead } from '../helpers/manifest-text.js';

type Path = (string | number)[];

/** The paths of every map entry whose value is a map or a list, below `from`. */
function collectionFields(value: unknown, from: Path = []): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, at: Path) => {
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...at, i]));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        if (typeof child !== 'object' || child === null) continue;
        out.push([...at, k]);
        walk(child, [...at, k]);
      }
    }
  };
  walk(get(value, from), from);
  return out;
}

function get(obj: unknown, path: Path): any {
  return path.reduce<any>((o, k) => o?.[k], obj);
}

function edited(obj: Obj, path: Path, edit: (parent: any, key: string | number) => void): Obj {
  const copy = structuredClone(obj);
  edit(get(copy, path.slice(0, -1)), path[path.length - 1]);
  return copy;
}

const nulled = (obj: Obj, path: Path) => edited(obj, path, (parent, key) => (parent[key] = null));
const removed = (obj: Obj, path: Path) => edited(obj, path, (parent, key) => delete parent[key]);
const show = (path: Path) =>
  path
    .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
    .join('')
    .slice(1);

const appContainer = {
  name: 'app',
  image: 'app:1',
  command: ['run'],
  args: ['--port', '80'],
  ports: [{ containerPort: 80 }],
  env: [{ name: 'TZ', value: 'UTC' }],
  envFrom: [{ configMapRef: { name: 'app-env' } }],
  volumeMounts: [{ name: 'data', mountPath: '/data' }],
  resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '512Mi' } },
  securityContext: { capabilities: { add: ['NET_ADMIN'] }, runAsNonRoot: true },
  lifecycle: { preStop: { exec: { command: ['sleep', '1'] } } },
};

const template = {
  metadata: { labels: { app: 'web' }, annotations: { note: 'kept' } },
  spec: {
    initContainers: [
      { name: 'init', image: 'init:1', env: [{ name: 'A', value: 'a' }], volumeMounts: [{ name: 'data', mountPath: '/init' }] },
    ],
    containers: [appContainer],
    volumes: [{ name: 'data', emptyDir: {} }],
    imagePullSecrets: [{ name: 'own' }],
    securityContext: { runAsUser: 1000, supplementalGroups: [1] },
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 'k', operator: 'Exists' }],
    dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
  },
};

const deploymentWithTemplate: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { selector: { matchLabels: { app: 'web' } }, template },
};
const podWithTemplate: Obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', ...template.metadata }, spec: template.spec };

/** Uses every part of the pod the injection reads: env, mounts, resources, annotations, volumes, secrets. */
const fullSidecarSet = sidecarSet(
  'side',
  {
    // Selects templates with or without labels, so that nulling them still injects.
    selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] },
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } },
    initContainers: [{ name: 'side-init', image: 'side-init:1', env: [{ name: 'B', value: 'b' }] }],
    containers: [
      {
        name: 'side',
        image: 'side:1',
        command: ['side'],
        args: ['--verbose'],
        ports: [{ containerPort: 9000 }],
        env: [{ name: 'X', value: 'x' }],
        volumeMounts: [{ name: 'side-config', mountPath: '/config' }],
        resources: { limits: { cpu: '100m' }, requests: { cpu: '10m' } },
        securityContext: { runAsNonRoot: true },
        transferEnv: [{ sourceContainerName: 'app', envName: 'TZ' }],
        shareVolumePolicy: { type: 'enabled' },
      },
      {
        name: 'sizer',
        image: 'sizer:1',
        podInjectPolicy: 'AfterAppContainer',
        resourcesPolicy: { targetContainersMode: 'sum', targetContainersNameRegex: '^app$', resourcesExpr: { limits: { cpu: 'cpu*10%' } } },
      },
    ],
    volumes: [{ name: 'side-config', configMap: { name: 'side-config', items: [{ key: 'a', path: 'a' }] } }],
    imagePullSecrets: [{ name: 'side-secret' }],
    patchPodMetadata: [{ patchPolicy: 'Retain', annotations: { 'side/patched': 'yes' } }],
    injectionStrategy: {},
    updateStrategy: { type: 'NotUpdate' },
  },
  { metadata: { labels: { team: 'platform' }, annotations: { owner: 'platform' } } },
);

const whitelist = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'kruise-configuration' },
  data: { SidecarSet_PatchPodMetadata_WhiteList: JSON.stringify({ rules: [{ allowedAnnotationKeyExprs: ['side/.*'] }] }) },
};

/** Null map entries, and the data without them. */
function nullsIn(value: unknown): { count: number; rest: unknown } {
  if (Array.isArray(value)) {
    const parts = value.map(nullsIn);
    return { count: parts.reduce((n, p) => n + p.count, 0), rest: parts.map((p) => p.rest) };
  }
  if (typeof value !== 'object' || value === null) return { count: 0, rest: value };
  let count = 0;
  const rest: Obj = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) count++;
    else {
      const inner = nullsIn(v);
      count += inner.count;
      rest[k] = inner.rest;
    }
  }
  return { count, rest };
}

/** The template fields the injection fills (relative to the template); any other null stays. */
const FILLED = new Set([
  'metadata',
  'metadata.annotations',
  'spec.containers',
  'spec.initContainers',
  'spec.volumes',
  'spec.imagePullSecrets',
]);

const resultsOf = (out: ReturnType<typeof run>) => out.results.map((r) => `${r.severity} ${r.field?.path ?? ''} ${r.message}`);

describe.each([
  ['Deployment', deploymentWithTemplate, ['spec', 'template']],
  ['Pod', podWithTemplate, []],
] as const)('a null field of a %s pod template', (_kind, workload, templatePath) => {
  const baseline = run([fullSidecarSet, whitelist, workload]);
  const fields = collectionFields(workload, [...templatePath]).filter((p) => !(p.length === 1 && p[0] === 'metadata'));

  it('the populated template is injected cleanly (else the cases below prove nothing)', () => {
    expect(baseline.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(baseline.items[2].changed).toBe(true);
    expect(fields.length).toBeGreaterThan(25);
  });

  it.each(fields.map((p) => [show(p), p] as const))('%s', (_name, path) => {
    const withNull = run([fullSidecarSet, whitelist, nulled(workload, [...path])]);
    const absent = run([fullSidecarSet, whitelist, removed(workload, [...path])]);
    expect(withNull.results.filter((r) => /could not process/.test(r.message))).toEqual([]);
    expect(resultsOf(withNull)).toEqual(resultsOf(absent));
    expect(withNull.exitCode).toBe(absent.exitCode);
    expect(withNull.items[2].changed).toBe(absent.items[2].changed);
    const { count, rest } = nullsIn(withNull.objects[2]);
    expect(rest).toEqual(absent.objects[2]);
    expect(count).toBe(withNull.items[2].changed && FILLED.has(show(path.slice(templatePath.length))) ? 0 : 1);
    expect(itemTexts(runText(withNull.stdout))).toBe(itemTexts(withNull));
  });
});

describe('a null field of a SidecarSet', () => {
  const workload = deploymentWithTemplate;
  const baseline = run([fullSidecarSet, whitelist, workload]);
  const fields = collectionFields(fullSidecarSet);

  it('the populated SidecarSet is applied cleanly (else the cases below prove nothing)', () => {
    expect(baseline.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(baseline.items[2].changed).toBe(true);
    expect(fields.length).toBeGreaterThan(25);
  });

  it.each(fields.map((p) => [show(p), p] as const))('%s', (_name, path) => {
    const withNull = run([nulled(fullSidecarSet, [...path]), whitelist, workload]);
    const absent = run([removed(fullSidecarSet, [...path]), whitelist, workload]);
    expect(resultsOf(withNull)).toEqual(resultsOf(absent));
    expect(withNull.exitCode).toBe(absent.exitCode);
    expect(withNull.items[2].text).toBe(absent.items[2].text);
  });

  it('a SidecarSet whose metadata.labels and metadata.annotations are null is accepted, and hashed as without them', () => {
    const bare = removed(removed(fullSidecarSet, ['metadata', 'labels']), ['metadata', 'annotations']);
    const withNulls = nulled(nulled(fullSidecarSet, ['metadata', 'labels']), ['metadata', 'annotations']);
    const out = run([withNulls, whitelist, workload]);
    expect(out.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(out.items[2].text).toBe(run([bare, whitelist, workload]).items[2].text);
  });

  it('in an InjectSidecarSets functionConfig too', () => {
    const config = (set: Obj) => ({
      apiVersion: 'fn.kpt.dev/v1alpha1',
      kind: 'InjectSidecarSets',
      metadata: { name: 'c' },
      spec: { sidecarSets: [set] },
    });
    const withNulls = nulled(nulled(fullSidecarSet, ['metadata', 'annotations']), ['spec', 'containers', 0, 'env']);
    const out = run([whitelist, workload], config(withNulls));
    expect(out.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(out.items[1].text).toBe(
      run([whitelist, workload], config(removed(removed(fullSidecarSet, ['metadata', 'annotations']), ['spec', 'containers', 0, 'env'])))
        .items[1].text,
    );
  });
});

describe('a null map written as YAML writes it', () => {
  const rule = logSidecarSetItem('log');
  const deployment = (annotations: string, env: string) => `${deploymentItemHead('web')}        annotations:${annotations}
      spec:
        containers:
        - name: app
          image: app:1
          env:${env}
`;

  it.each([
    ['only commented-out keys', '\n          # owner: someone', '\n            # - name: A'],
    ['~', ' ~', ' ~'],
    ['null', ' null', ' Null'],
  ])('%s: filled when the injection adds to it, kept as written otherwise', (_name, annotations, env) => {
    const out = runText(HEADER + rule + deployment(annotations, env));
    expect(out.exitCode).toBe(0);
    const text = out.items[1].text;
    expect(text).toMatch(/\n {8}annotations:\n {10}kruise\.io\/sidecarset-hash: /);
    // The app container's env is untouched: its line, and a comment below it, stay.
    expect(text).toContain(`          env:${env}\n`);
    expect(itemTexts(runText(out.stdout))).toBe(itemTexts(out));
  });
});
