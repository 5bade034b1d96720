// Sidecar placement and opt-out with the real tools (issue 15): two injection steps, one placing its
// sidecar first and the other a native sidecar before the pod's own init containers, over a
// workload that skips one SidecarSet and a namespace that opts out — once through kpt fn render
// (two mutators, rendered in place twice, then an opt-out added and rendered again) and once
// through kubectl kustomize (two transformer files).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  assertTools,
  describeRun,
  find,
  parseStream,
  skipWithout,
  tempDirs,
  type KubeObject,
  bundleOnPath,
  kustomizeWithPlugin,
  kptfile,
  kptRenderResults,
} from './helpers.js';

const NODE_AGENT = `apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: node-agent
  annotations:
    inject-sidecarsets.kpt.dev/placement: '{"node-agent": "first"}'
spec:
  selector:
    matchLabels:
      app: web
  containers:
    - name: node-agent
      image: example.com/node-agent:1.0
      podInjectPolicy: AfterAppContainer
`;

const MESH = `apiVersion: apps.kruise.io/v1beta1
kind: SidecarSet
metadata:
  name: mesh
  annotations:
    inject-sidecarsets.kpt.dev/placement: '{"mesh-proxy": "first"}'
spec:
  selector:
    matchLabels:
      app: web
  updateStrategy:
    type: NotUpdate
  initContainers:
    - name: mesh-proxy
      image: example.com/mesh-proxy:2.1
      restartPolicy: Always
  containers:
    - name: mesh-telemetry
      image: example.com/mesh-telemetry:2.1
`;

/** `web` gets both SidecarSets, `batch` skips the mesh, and everything in namespace `lab` opts out. */
const WORKLOADS = `apiVersion: v1
kind: Namespace
metadata:
  name: lab
  annotations:
    inject-sidecarsets.kpt.dev/inject: "false"
---
${deployment('web', 'shop')}---
${deployment('batch', 'shop', '    inject-sidecarsets.kpt.dev/skip: mesh\n')}---
${deployment('trial', 'lab')}`;

function deployment(name: string, namespace: string, annotations = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
${annotations ? `  annotations:\n${annotations}` : ''}spec:
  selector:
    matchLabels:
      app: web
      name: ${name}
  template:
    metadata:
      labels:
        app: web
        name: ${name}
    spec:
      initContainers:
        - name: migrate
          image: example.com/migrate:1.0
      containers:
        - name: app
          image: example.com/${name}:1.0
`;
}

interface Named {
  name: string;
}
const names = (workload: KubeObject, list: 'containers' | 'initContainers'): string[] =>
  ((workload.spec as { template: { spec: Record<string, Named[] | undefined> } }).template.spec[list] ?? []).map((c) => c.name);

/** What both tools must produce from WORKLOADS with the node-agent step, then the mesh step. */
function expectPlacedAndOptedOut(objects: readonly KubeObject[]): void {
  const web = find(objects, 'Deployment', 'web');
  // node-agent is placed first by the first step and stays first when the mesh step adds its BeforeAppContainer sidecar.
  expect(names(web, 'containers')).toEqual(['node-agent', 'mesh-telemetry', 'app']);
  expect(names(web, 'initContainers')).toEqual(['mesh-proxy', 'migrate']);
  const batch = find(objects, 'Deployment', 'batch');
  expect(names(batch, 'containers')).toEqual(['node-agent', 'app']);
  expect(names(batch, 'initContainers')).toEqual(['migrate']);
  const trial = find(objects, 'Deployment', 'trial');
  expect(names(trial, 'containers')).toEqual(['app']);
  expect(names(trial, 'initContainers')).toEqual(['migrate']);
}

const dirs = tempDirs('e2e-placement');
afterAll(() => dirs.cleanup());

const KUSTOMIZE = 'placement and opt-out with kubectl kustomize';

describe.skipIf(skipWithout(KUSTOMIZE, ['kubectl', 'node']))(KUSTOMIZE, () => {
  beforeAll(() => assertTools(['kubectl', 'node']));

  it('places the sidecars of two transformer files and honours the opt-outs', () => {
    const dir = dirs.tree({
      'kustomization.yaml': 'resources: [workloads.yaml]\ntransformers: [node-agent.yaml, mesh.yaml]\n',
      'workloads.yaml': WORKLOADS,
      'node-agent.yaml': NODE_AGENT,
      'mesh.yaml': MESH,
    });
    const r = kustomizeWithPlugin(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    expectPlacedAndOptedOut(parseStream(r.stdout));
  });
});

const KPT = 'placement and opt-out with kpt fn render';

describe.skipIf(skipWithout(KPT, ['kpt']))(KPT, () => {
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(['kpt']);
    env = bundleOnPath(dirs.make).env;
  });

  /** Renders in place: exit 0; the messages of the warnings and errors of every function run. */
  const render = (pkg: string): string[] =>
    kptRenderResults(pkg, env, dirs.make)
      .filter((x) => x.severity !== 'info')
      .map((x) => x.message ?? '');
  const snapshot = (dir: string) =>
    new Map(
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((p) => statSync(join(dir, p)).isFile())
        .map((p) => [p, readFileSync(join(dir, p), 'utf8')]),
    );
  const local = (text: string) => text.replace('  annotations:\n', '  annotations:\n    config.kubernetes.io/local-config: "true"\n');

  it('places and opts out in two mutators, a second render changes nothing, and an opt-out added later strips the sidecars', () => {
    const pkg = dirs.tree({
      Kptfile: kptfile(
        'shop',
        [
          'mutators:',
          '  - exec: inject-sidecarsets',
          '    configPath: node-agent.yaml',
          '  - exec: inject-sidecarsets',
          '    configPath: mesh.yaml',
          '',
        ].join('\n'),
      ),
      'workloads.yaml': WORKLOADS,
      'node-agent.yaml': local(NODE_AGENT),
      'mesh.yaml': local(MESH),
    });
    // The node-agent step cannot tell a SidecarSet of another step from a misspelt name.
    const otherStep = [
      'inject-sidecarsets.kpt.dev/skip on the workload names mesh, which no SidecarSet of this step has; check the spelling',
    ];
    expect(render(pkg)).toEqual(otherStep);
    expectPlacedAndOptedOut(parseStream(readFileSync(join(pkg, 'workloads.yaml'), 'utf8')));
    const first = snapshot(pkg);
    expect(render(pkg)).toEqual(otherStep);
    expect(snapshot(pkg)).toEqual(first);

    // web now opts out of the mesh: the mesh step strips what it injected there.
    const rendered = readFileSync(join(pkg, 'workloads.yaml'), 'utf8');
    const optedOut = rendered.replace(
      '  name: web\n  namespace: shop\n',
      '  name: web\n  namespace: shop\n  annotations:\n    inject-sidecarsets.kpt.dev/skip: mesh\n',
    );
    expect(optedOut).not.toBe(rendered);
    writeFileSync(join(pkg, 'workloads.yaml'), optedOut);
    // The node-agent step now says so for web too; the mesh step reports what it removed.
    expect(render(pkg)).toEqual([
      otherStep[0],
      otherStep[0],
      expect.stringMatching(/^removed what an earlier run of this step \(SidecarSet\/mesh\) injected .*SidecarSets mesh; containers /),
    ]);
    const web = find(parseStream(readFileSync(join(pkg, 'workloads.yaml'), 'utf8')), 'Deployment', 'web');
    expect(names(web, 'containers')).toEqual(['node-agent', 'app']);
    expect(names(web, 'initContainers')).toEqual(['migrate']);
  });
});
