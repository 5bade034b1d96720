// The Argo CD Config Management Plugin (deploy/argocd) run through cmp-sim.ts, which does what
// argocd-cmp-server does with a manifest request; plus the repo-server patch applied to a stub.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { symlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { simulateGenerate, type CmpRequest, type Manifest } from './cmp-sim.js';
import {
  BROKEN_SIDECARSET, BUNDLE, DEPLOYMENT, ROOT, SERVICE,
  assertTools, find, orchestratorAnnotations, run, sidecarSet, skipWithout, templateContainers,
  tempDirs, writeTree, type KubeObject,
} from './helpers.js';

const TOOLS = ['kubectl', 'node', 'bash'];
const SUITE = 'Argo CD CMP (simulated argocd-cmp-server)';
const PLUGIN = join(ROOT, 'deploy/argocd/plugin.yaml');
const dirs = tempDirs('e2e-argocd');

const LOCAL_CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: tool-settings
  annotations:
    config.kubernetes.io/local-config: "true"
data:
  mode: render
`;

describe.skipIf(skipWithout(SUITE, TOOLS))(SUITE, () => {
  /** The sidecar's PATH: generate.sh as inject-sidecarsets-generate, the way the ConfigMap mounts it. */
  let sidecarBin: string;

  beforeAll(() => {
    assertTools(TOOLS);
    sidecarBin = dirs.make();
    symlinkSync(join(ROOT, 'deploy/argocd/generate.sh'), join(sidecarBin, 'inject-sidecarsets-generate'));
  });
  afterAll(() => dirs.cleanup());

  function generate(files: Record<string, string | [string, number]>, request: Partial<CmpRequest> = {}, extraBin?: string) {
    const repo = dirs.make();
    writeTree(repo, Object.fromEntries(Object.entries(files).map(([path, content]) => [`apps/web/${path}`, content])));
    const sidecarEnv: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: [extraBin, sidecarBin, process.env.PATH].filter(Boolean).join(':'),
      INJECT_SIDECARSETS_BIN: BUNDLE,
    };
    delete sidecarEnv.KUSTOMIZE_PLUGIN_HOME;
    return simulateGenerate({
      pluginFile: PLUGIN,
      repo,
      appPath: 'apps/web',
      app: { name: 'web', namespace: 'web' },
      sidecarEnv,
      ...request,
    });
  }

  const kinds = (manifests: readonly Manifest[]): string[] => manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort();
  const objects = (manifests: readonly Manifest[]): KubeObject[] => manifests as unknown as KubeObject[];

  describe('kustomize app', () => {
    const kustomizeApp = {
      'kustomization.yaml': 'resources: [deploy.yaml, service.yaml]\ntransformers: [sidecarset.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'service.yaml': SERVICE,
      'sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1'),
    };

    it('is discovered and rendered with kubectl kustomize and the legacy plugin', () => {
      const r = generate(kustomizeApp);
      expect(r.error, r.stderr).toBeUndefined();
      expect(r.discovered).toBe(true);
      expect(kinds(r.manifests)).toEqual(['Deployment/web', 'Service/web']);
      expect(templateContainers(find(objects(r.manifests), 'Deployment', 'web'))).toContain('log-agent');
      expect(orchestratorAnnotations(objects(r.manifests))).toEqual([]);
    });

    it('prefers a standalone kustomize when the sidecar has one', () => {
      const shimDir = dirs.make();
      const marker = join(shimDir, 'called');
      writeTree(shimDir, {
        kustomize: [`#!/bin/sh\necho "$@" > '${marker}'\n[ "$1" = build ] || exit 64\nshift\nexec kubectl kustomize "$@"\n`, 0o755],
      });
      const r = generate(kustomizeApp, {}, shimDir);
      expect(r.error, r.stderr).toBeUndefined();
      expect(readFileSync(marker, 'utf8').trim()).toBe('build --enable-alpha-plugins .');
      expect(templateContainers(find(objects(r.manifests), 'Deployment', 'web'))).toContain('log-agent');
    });

    it('fails with the message and prints nothing when a SidecarSet is broken', () => {
      const r = generate({ ...kustomizeApp, 'sidecarset.yaml': BROKEN_SIDECARSET });
      expect(r.error).toMatch(/containers/);
      expect(r.stdout).toBe('');
    });
  });

  describe('plain manifests with sidecarsets.yaml', () => {
    const rules = `# SidecarSets for this app; a config file, not a manifest\n---\n${sidecarSet('apps.kruise.io/v1alpha1', { namespace: 'web' })}---\n${sidecarSet('apps.kruise.io/v1beta1', { name: 'metrics-agent' })}`;
    const plainApp = {
      'deploy.yaml': DEPLOYMENT,
      'service.yaml': SERVICE,
      'tool-settings.yaml': LOCAL_CONFIG,
      'sidecarsets.yaml': rules,
      'README.md': '# web\n',
    };

    it('injects every SidecarSet, with the destination namespace as defaultNamespace, and prints only manifests', () => {
      const r = generate(plainApp);
      expect(r.error, r.stderr).toBeUndefined();
      expect(r.discovered).toBe(true);
      expect(kinds(r.manifests)).toEqual(['Deployment/web', 'Service/web']);
      const containers = templateContainers(find(objects(r.manifests), 'Deployment', 'web'));
      expect(containers).toEqual(expect.arrayContaining(['app', 'log-agent', 'metrics-agent']));
      expect(orchestratorAnnotations(objects(r.manifests))).toEqual([]);
    });

    it('takes options from Application parameters over plugin env', () => {
      const r = generate(plainApp, {
        pluginEnv: { DEFAULT_NAMESPACE: 'web' },
        parameters: [{ name: 'defaultNamespace', string: 'elsewhere' }],
      });
      expect(r.error, r.stderr).toBeUndefined();
      // log-agent is restricted to namespace web; the parameter moved the Deployment out of it.
      const containers = templateContainers(find(objects(r.manifests), 'Deployment', 'web'));
      expect(containers).toContain('metrics-agent');
      expect(containers).not.toContain('log-agent');
    });

    it('rejects an option value that is not a boolean, before running the function', () => {
      const r = generate(plainApp, { parameters: [{ name: 'featureGates', map: { EnableSortSidecarContainerByName: 'maybe' } }] });
      expect(r.error).toMatch(/PARAM_FEATUREGATES_ENABLESORTSIDECARCONTAINERBYNAME="maybe": must be true or false/);
      expect(r.stdout).toBe('');
    });

    it('fails with the function message and prints nothing when the config is broken', () => {
      const r = generate({ ...plainApp, 'sidecarsets.yaml': BROKEN_SIDECARSET });
      expect(r.error).toMatch(/containers/);
      expect(r.stdout).toBe('');
    });

    it('is not discovered without sidecarsets.yaml, and generate refuses to guess', () => {
      const r = generate({ 'deploy.yaml': DEPLOYMENT });
      expect(r.discovered).toBe(false);
      expect(r.error).toMatch(/neither a kustomization.yaml nor a sidecarsets.yaml/);
      expect(r.stdout).toBe('');
    });
  });

  it('repo-server-patch.yaml adds the sidecar to argocd-repo-server with every volume it mounts', () => {
    const dir = dirs.make();
    writeTree(dir, {
      'repo-server.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: argocd-repo-server}
  template:
    metadata:
      labels: {app.kubernetes.io/name: argocd-repo-server}
    spec:
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v3.5.2
      volumes:
        - {name: var-files, emptyDir: {}}
        - {name: plugins, emptyDir: {}}
`,
      'kustomization.yaml': `resources: [repo-server.yaml]\npatches:\n  - path: ${join(ROOT, 'deploy/argocd/repo-server-patch.yaml')}\n`,
    });
    const r = run('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', dir]);
    expect(r.status, r.stderr).toBe(0);
    const pod = (YAML.parse(r.stdout) as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
    const sidecar = pod.containers.find((c) => c.name === 'inject-sidecarsets');
    expect(sidecar?.securityContext?.runAsUser).toBe(999);
    expect(sidecar?.command).toEqual(['/var/run/argocd/argocd-cmp-server']);
    expect(pod.containers.map((c) => c.name)).toContain('argocd-repo-server');
    const volumes = new Set(pod.volumes.map((v) => v.name));
    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
      for (const m of c.volumeMounts ?? []) expect(volumes, `${c.name} mounts ${m.name}`).toContain(m.name);
    }

    // The ConfigMap the patch mounts, made with the command its header gives.
    const cm = run('kubectl', [
      'create', 'configmap', 'inject-sidecarsets-cmp', '--dry-run=client', '-o', 'yaml',
      `--from-file=plugin.yaml=${PLUGIN}`,
      `--from-file=generate.sh=${join(ROOT, 'deploy/argocd/generate.sh')}`,
      `--from-file=SidecarSet=${join(ROOT, 'deploy/kustomize-plugin/apps.kruise.io/v1alpha1/sidecarset/SidecarSet')}`,
    ]);
    expect(cm.status, cm.stderr).toBe(0);
    const keys = Object.keys((YAML.parse(cm.stdout) as { data: Record<string, string> }).data).sort();
    const cmVolume = pod.volumes.find((v) => v.name === 'inject-sidecarsets-cmp');
    expect([...new Set(cmVolume?.configMap?.items?.map((i) => i.key))].sort()).toEqual(keys);
  });
});

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes: { name: string; configMap?: { items?: { key: string; path: string }[] } }[];
}

interface Container {
  name: string;
  command?: string[];
  securityContext?: { runAsUser?: number };
  volumeMounts?: { name: string }[];
}
