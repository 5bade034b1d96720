// mode: uninject (inject/uninject.ts): everything this function injected is removed and what it
// overwrote given back, from the templates' own records, so that uninject(inject(x)) is x byte for
// byte; one step alone with uninjectStep; templates injected by a cluster are left alone.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runFunction } from '../../src/run.js';
import { runCli } from '../../src/modes/cli.js';
import { readResourceList } from '../../src/krm/read.js';
import { resourceList, sidecarSet, podMeta, SHAPES, app, type Obj, withFunctionConfig, RESOURCE_LIST_HEAD } from '../helpers/krm.js';
import { podItemHead } from '../helpers/manifest-text.js';

const selector = { matchLabels: { app: 'web' } };
const logging = sidecarSet('logging', {
  selector,
  containers: [{ name: 'log-agent', image: 'log:1', volumeMounts: [{ name: 'logs', mountPath: '/logs' }] }],
  initContainers: [{ name: 'log-init', image: 'log-init:1' }],
  volumes: [{ name: 'logs', emptyDir: {} }],
  imagePullSecrets: [{ name: 'log-registry' }],
  patchPodMetadata: [{ annotations: { 'team/owner': 'logging' }, patchPolicy: 'Overwrite' }],
});
const mesh = sidecarSet('mesh', {
  selector,
  containers: [
    { name: 'proxy', image: 'proxy:1', podInjectPolicy: 'BeforeAppContainer', volumeMounts: [{ name: 'certs', mountPath: '/certs' }] },
  ],
  volumes: [{ name: 'certs', secret: { secretName: 'certs' } }],
  imagePullSecrets: [{ name: 'mesh-registry' }],
  patchPodMetadata: [{ annotations: { 'team/owner': 'mesh' }, patchPolicy: 'Overwrite' }],
});
const uninjectConfig = (spec: Obj = {}) => ({
  apiVersion: 'fn.kpt.dev/v1alpha1',
  kind: 'InjectSidecarSets',
  metadata: { name: 'back' },
  spec: { mode: 'uninject', ...spec },
});

const itemTexts = (text: string) => readResourceList(text).items.map((i) => i.raw);
const items = (text: string) => itemTexts(text).join('');
/** Runs each config on the output of the one before; every run must pass. */
function chain(text: string, ...configs: Obj[]) {
  let out = runFunction({ text: withFunctionConfig(text, configs[0]) });
  for (const config of configs.slice(1)) {
    expect(out.exitCode, out.stderr).toBe(0);
    out = runFunction({ text: withFunctionConfig(out.stdout, config) });
  }
  expect(out.exitCode, out.stderr).toBe(0);
  return out;
}

describe.each(SHAPES)('on a %s', (_kind, make) => {
  const web = () => {
    const w = make(
      'web',
      { app: 'web' },
      { containers: [app()], volumes: [{ name: 'own', emptyDir: {} }], imagePullSecrets: [{ name: 'own-registry' }] },
    );
    podMeta(w).annotations = { 'team/owner': 'apps', note: 'kept' };
    return w;
  };
  const input = () => resourceList([web()]);

  it("removes two steps' containers, init containers, volumes, pull secrets and bookkeeping, and gives back the annotation both patched", () => {
    const injected = chain(input(), logging, mesh);
    expect(injected.stdout).toContain('name: proxy');
    const back = chain(injected.stdout, uninjectConfig());
    expect(itemTexts(back.stdout)).toEqual(itemTexts(input()));
    expect(back.results.filter((r) => r.severity === 'info' && r.message.startsWith('removed what step')).map((r) => r.message)).toEqual([
      expect.stringMatching(
        /^removed what step SidecarSet\/mesh injected \(SidecarSets mesh; containers proxy; volumes certs; imagePullSecrets mesh-registry; gave back annotation team\/owner\)$/,
      ),
      expect.stringMatching(/^removed what step SidecarSet\/logging injected/),
    ]);
    expect(back.results.filter((r) => r.severity !== 'info')).toEqual([]);
  });

  it('with uninjectStep removes that step alone: what the steps before it wrote comes back', () => {
    const first = chain(input(), logging);
    const both = chain(first.stdout, mesh);
    expect(itemTexts(chain(both.stdout, uninjectConfig({ uninjectStep: 'SidecarSet/mesh' })).stdout)).toEqual(itemTexts(first.stdout));
    const withoutLogging = items(chain(both.stdout, uninjectConfig({ uninjectStep: 'SidecarSet/logging' })).stdout);
    expect(withoutLogging).toContain('name: proxy');
    expect(withoutLogging).not.toContain('log-agent');
    expect(withoutLogging).toContain('team/owner: mesh');
  });

  it('leaves a template alone when uninjectStep names a step it does not carry', () => {
    const injected = chain(input(), logging);
    expect(itemTexts(chain(injected.stdout, uninjectConfig({ uninjectStep: 'SidecarSet/mesh' })).stdout)).toEqual(
      itemTexts(injected.stdout),
    );
  });

  it('leaves a template Kruise injected in a cluster as it is, with an info result', () => {
    const exported = web();
    podMeta(exported).annotations = {
      'kruise.io/sidecarset-hash': JSON.stringify({
        mesh: { updateTimestamp: '2024-05-01T10:00:00Z', hash: 'abc', sidecarSetName: 'mesh', sidecarList: ['proxy'] },
      }),
      'kruise.io/sidecarset-injected-list': 'mesh',
    };
    const text = resourceList([exported]);
    const back = chain(text, uninjectConfig());
    expect(itemTexts(back.stdout)).toEqual(itemTexts(text));
    expect(back.results).toContainEqual(
      expect.objectContaining({
        severity: 'info',
        message: expect.stringMatching(/carries Kruise's SidecarSet annotations but no record of this function.*left as it is/),
      }),
    );
  });

  it("removes an injection made before steps existed (no record, this function's timestamp)", () => {
    const injected = chain(input(), logging);
    // What a version before steps wrote: its own record of what it overwrote, pull secrets as a list.
    const overwritten = {
      annotations: { 'team/owner': { before: 'apps', after: 'logging' } },
      spec: { imagePullSecrets: { before: [{ name: 'own-registry' }], after: [{ name: 'own-registry' }, { name: 'log-registry' }] } },
    };
    const legacy = injected.stdout.replace(
      /(inject-sidecarsets\.kpt\.dev\/)injections: .*$/m,
      `$1overwritten: '${JSON.stringify(overwritten)}'`,
    );
    const back = chain(legacy, uninjectConfig());
    expect(itemTexts(back.stdout)).toEqual(itemTexts(input()));
    expect(back.results).toContainEqual(
      expect.objectContaining({
        message: expect.stringMatching(/removed what an injection before steps injected \(SidecarSets logging\)/),
      }),
    );
  });

  it('warns and changes nothing when the record cannot be read', () => {
    const injected = chain(input(), logging);
    const broken = injected.stdout.replace(/(inject-sidecarsets\.kpt\.dev\/injections: )'.*'$/m, "$1'{not json'");
    const back = runFunction({ text: withFunctionConfig(broken, uninjectConfig()) });
    expect(itemTexts(back.stdout)).toEqual(itemTexts(broken));
    expect(back.results).toContainEqual(
      expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/cannot be read .* left as it is/) }),
    );
  });
});

describe('byte for byte, the corner cases', () => {
  const roundTrip = (text: string, ...configs: Obj[]) => {
    const injected = chain(text, ...configs);
    expect(itemTexts(injected.stdout)).not.toEqual(itemTexts(text));
    expect(itemTexts(chain(injected.stdout, uninjectConfig()).stdout)).toEqual(itemTexts(text));
  };

  it('an empty annotations map, empty lists, and a template without metadata', () => {
    const empty = `${RESOURCE_LIST_HEAD}- apiVersion: v1
  kind: Pod
  metadata:
    name: p
    annotations: {}
    labels:
      app: web
  spec:
    initContainers: []
    containers:
    - name: app
      image: app:1
    volumes: []
    imagePullSecrets: []
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: j
  spec:
    template:
      spec:
        restartPolicy: Never
        containers:
        - name: app
          image: app:1
`;
    const unlabelled = sidecarSet('unlabelled', {
      selector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] },
      ...logging.spec,
    });
    roundTrip(empty, unlabelled);
  });

  it('a ServiceAccount set, and the old token volume and its mount removed for it', () => {
    const text = `${RESOURCE_LIST_HEAD}- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: mesh
    namespace: default
${podItemHead('p')}    containers:
    - name: app
      image: app:1
      volumeMounts:
      - name: data
        mountPath: /data
      - name: kube-api-access-abcde
        mountPath: /var/run/secrets/kubernetes.io/serviceaccount
        readOnly: true
    volumes:
    - name: kube-api-access-abcde
      projected:
        sources:
        - serviceAccountToken:
            path: token
    - name: data
      emptyDir: {}
`;
    const meshSet = sidecarSet(
      'mesh',
      { selector, serviceAccountName: 'mesh', containers: [{ name: 'agent', image: 'agent:1' }] },
      { metadata: { annotations: { 'sidecarset.kruise.io/token-scope': 'Sidecars' } } },
    );
    roundTrip(text, meshSet);
    // A re-render of the step without that SidecarSet gives them back as well.
    const injected = chain(text, meshSet);
    const withoutIt = {
      apiVersion: 'fn.kpt.dev/v1alpha1',
      kind: 'InjectSidecarSets',
      metadata: { name: 'c' },
      spec: { step: 'SidecarSet/mesh' },
    };
    expect(itemTexts(chain(injected.stdout, withoutIt).stdout)).toEqual(itemTexts(text));
  });

  it('an app container a sidecar of the same name replaced, a field of it the sidecar lacks included', () => {
    const text = `${RESOURCE_LIST_HEAD}${podItemHead('p')}    containers:
    - name: web # the app
      image: app:1
      volumeMounts:
      - name: certs
        mountPath: /data
      resources: {}
    volumes:
    - name: certs
      configMap:
        name: cfg
`;
    roundTrip(text, sidecarSet('side', { selector, containers: [{ name: 'web', image: 'side:1' }] }));
  });
});

describe('the golden examples: uninject of each rendered file is its source', () => {
  const EXAMPLES = join(import.meta.dirname, '../../functions/inject-sidecarsets/examples');
  const files = readdirSync(EXAMPLES).flatMap((example) => {
    const rendered = join(EXAMPLES, example, '.expected/files');
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
    return walk(rendered).map((file) => [example, relative(rendered, file)] as const);
  });

  it('covers every example', () => {
    expect(new Set(files.map(([example]) => example))).toEqual(new Set(readdirSync(EXAMPLES)));
  });

  it.each(files)('%s: %s', (example, file) => {
    const rendered = join(EXAMPLES, example, '.expected/files', file);
    const out = runCli(
      ['--uninject', rendered],
      () => '',
      (p) => readFileSync(p, 'utf8'),
    );
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toBe(readFileSync(join(EXAMPLES, example, file), 'utf8'));
  });
});

describe('the config forms', () => {
  it('ConfigMap mode=uninject and uninjectStep; an invalid mode is an error', () => {
    const injected = chain(resourceList([SHAPES[1][1]('web', { app: 'web' }, { containers: [app()] })]), logging, mesh);
    const configMap = (data: Obj) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
    const one = items(chain(injected.stdout, configMap({ mode: 'uninject', uninjectStep: 'SidecarSet/logging' })).stdout);
    expect(one).not.toContain('log-agent');
    expect(one).toContain('name: proxy');
    const bad = runFunction({ text: withFunctionConfig(injected.stdout, configMap({ mode: 'remove' })) });
    expect(bad.exitCode).toBe(1);
    expect(bad.results).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        message: expect.stringMatching(/option mode="remove": must be one of inject, validate, explain, uninject/),
      }),
    );
  });

  it("ignores the config's SidecarSets: un-injection goes by what the templates record", () => {
    const injected = chain(resourceList([SHAPES[0][1]('web', { app: 'web' }, { containers: [app()] })]), logging);
    const config = {
      apiVersion: 'fn.kpt.dev/v1alpha1',
      kind: 'InjectSidecarSets',
      metadata: { name: 'c' },
      spec: { mode: 'uninject', sidecarSets: [mesh] },
    };
    const back = chain(injected.stdout, config);
    expect(items(back.stdout)).not.toContain('log-agent');
    expect(back.results.filter((r) => r.message.includes('matches no pod template'))).toEqual([]);
  });
});
