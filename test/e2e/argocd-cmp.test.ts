// The Argo CD Config Management Plugin (deploy/argocd) run through cmp-sim.ts, which does what
// argocd-cmp-server does with a manifest request; plus the repo-server patch applied to a stub.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { symlinkSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { simulateGenerate, type CmpRequest, type Manifest } from './cmp-sim.js';
import { CONFIGMAP_KEYS } from '../../src/config/forms.js';
import {
  BROKEN_SIDECARSET,
  BUNDLE,
  DEPLOYMENT,
  ROOT,
  SERVICE,
  assertTools,
  find,
  orchestratorAnnotations,
  runCommand,
  sidecarSet,
  skipWithout,
  templateContainers,
  tempDirs,
  writeTree,
  type KubeObject,
  webAppKustomization,
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

  /** `files` go into the app (apps/web), `elsewhere` into the repository around it. */
  function generate(
    files: Record<string, string | [string, number]>,
    request: Partial<CmpRequest> = {},
    extraBin?: string,
    elsewhere: Record<string, string> = {},
    bin = BUNDLE,
  ) {
    const repo = dirs.make();
    writeTree(repo, Object.fromEntries(Object.entries(files).map(([path, content]) => [`apps/web/${path}`, content])));
    writeTree(repo, elsewhere);
    const sidecarEnv: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: [extraBin, sidecarBin, process.env.PATH].filter(Boolean).join(':'),
      INJECT_SIDECARSETS_BIN: bin,
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
    const kustomizeApp = webAppKustomization(sidecarSet('apps.kruise.io/v1alpha1'));

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

    it('takes the options of an InjectSidecarSets transformer: failOn=warning fails on a warning and shows it', () => {
      const sidecarSetItem = sidecarSet('apps.kruise.io/v1alpha1')
        .replace('spec:\n', 'spec:\n  serviceAccountName: nowhere\n')
        .replace(/^/gm, '    ')
        .replace(/^ {4}/, '  - ');
      const transformer = (options: string) =>
        `apiVersion: fn.kpt.dev/v1alpha1\nkind: InjectSidecarSets\nmetadata:\n  name: platform\nspec:\n${options}  sidecarSets:\n${sidecarSetItem}`;
      const passed = generate({ ...kustomizeApp, 'sidecarset.yaml': transformer('') });
      expect(passed.error, passed.stderr).toBeUndefined();
      expect(templateContainers(find(objects(passed.manifests), 'Deployment', 'web'))).toContain('log-agent');
      const failed = generate({ ...kustomizeApp, 'sidecarset.yaml': transformer('  failOn: warning\n') });
      expect(failed.stdout).toBe('');
      expect(failed.error).toMatch(/\[warning\] .*ServiceAccount nowhere/);
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
      expect(r.error).toMatch(/PARAM_FEATUREGATES_ENABLESORTSIDECARCONTAINERBYNAME="maybe": must be "true" or "false"/);
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

  describe('settings: every option the function takes as a string, and nothing else', () => {
    const rules = sidecarSet('apps.kruise.io/v1alpha1');
    const plainApp = { 'deploy.yaml': DEPLOYMENT, 'sidecarsets.yaml': rules };
    /** A valid value for every ConfigMap key, and the typed value the InjectSidecarSets config gets. */
    const VALUES: Record<string, [string, unknown]> = {
      defaultNamespace: ['shop', 'shop'],
      undecidableNamespaceSelector: ['assumeMatch', 'assumeMatch'],
      partialRevision: ['latest', 'latest'],
      missingServiceAccount: ['error', 'error'],
      failOn: ['warning', 'warning'],
      sidecarSetsFromItems: ['true', true],
      normalizeMergePatchOnFirstWrite: ['false', false],
      stripPreviousInjection: ['false', false],
      step: ['platform-sidecars', 'platform-sidecars'],
      EnableSortSidecarContainerByName: ['true', true],
      SidecarSetPatchPodMetadataDefaultsAllowed: ['true', true],
      SidecarSetServiceAccountInjection: ['false', false],
      injectionTimestamp: ['2025-03-01T08:09:10Z', '2025-03-01T08:09:10Z'],
      serviceAccountsManagedElsewhere: ['shop/a,shop/b', ['shop/a', 'shop/b']],
      mode: ['inject', 'inject'],
      uninjectStep: ['platform-sidecars', 'platform-sidecars'],
    };
    const GATES = ['EnableSortSidecarContainerByName', 'SidecarSetPatchPodMetadataDefaultsAllowed', 'SidecarSetServiceAccountInjection'];
    const screaming = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();

    /** The function, wrapped to keep a copy of the config generate.sh hands it. */
    function recordingBin(): { bin: string; config: () => { spec: Record<string, unknown> } } {
      const dir = dirs.make();
      const copy = join(dir, 'config.yaml');
      writeTree(dir, {
        'inject-sidecarsets': [`#!/bin/sh\nif [ "$1" = --config ]; then cp "$2" '${copy}'; fi\nexec node '${BUNDLE}' "$@"\n`, 0o755],
      });
      return {
        bin: join(dir, 'inject-sidecarsets'),
        config: () => YAML.parse(readFileSync(copy, 'utf8')) as { spec: Record<string, unknown> },
      };
    }

    it('has a test value for every ConfigMap key of the function', () => {
      expect(Object.keys(VALUES).sort()).toEqual([...CONFIGMAP_KEYS].sort());
    });

    for (const [source, toRequest] of [
      ['plugin env', (key: string, value: string): Partial<CmpRequest> => ({ pluginEnv: { [screaming(key)]: value } })],
      [
        'parameters',
        (key: string, value: string): Partial<CmpRequest> =>
          GATES.includes(key)
            ? { parameters: [{ name: 'featureGates', map: { [key]: value } }] }
            : key === 'serviceAccountsManagedElsewhere'
              ? { parameters: [{ name: key, array: value.split(',') }] }
              : { parameters: [{ name: key, string: value }] },
      ],
    ] as const) {
      it(`takes each of them from the ${source}`, () => {
        for (const [key, [value, typed]] of Object.entries(VALUES)) {
          const recorder = recordingBin();
          const r = generate(plainApp, toRequest(key, value), undefined, {}, recorder.bin);
          expect(r.error, `${key}: ${r.stderr}`).toBeUndefined();
          const spec = recorder.config().spec;
          expect(GATES.includes(key) ? (spec.featureGates as Record<string, unknown>)[key] : spec[key], key).toEqual(typed);
        }
      });
    }

    it('applies them: stripPreviousInjection=false writes no step record, step names the record', () => {
      const annotations = (r: ReturnType<typeof generate>) =>
        ((find(objects(r.manifests), 'Deployment', 'web').spec as any).template.metadata.annotations ?? {}) as Record<string, string>;
      const off = generate(plainApp, { pluginEnv: { STRIP_PREVIOUS_INJECTION: 'false' } });
      expect(off.error, off.stderr).toBeUndefined();
      expect(annotations(off)).not.toHaveProperty(['inject-sidecarsets.kpt.dev/injections']);
      const named = generate(plainApp, { parameters: [{ name: 'step', string: 'platform' }] });
      expect(Object.keys(JSON.parse(annotations(named)['inject-sidecarsets.kpt.dev/injections']!))).toEqual(['platform']);
      const byDefault = generate(plainApp);
      expect(Object.keys(JSON.parse(annotations(byDefault)['inject-sidecarsets.kpt.dev/injections']!))).toEqual([
        'InjectSidecarSets/argocd-cmp',
      ]);
    });

    it('fails on an unknown setting, naming it and the known ones, and prints nothing', () => {
      const r = generate(plainApp, { pluginEnv: { DEFAULT_NAMESPCE: 'shop' } });
      expect(r.stdout).toBe('');
      expect(r.error).toMatch(/ARGOCD_ENV_DEFAULT_NAMESPCE="shop": unknown option; known options: .*\bdefaultNamespace, /);
      expect(r.stderr).toMatch(/also known: recurse/);
      const p = generate(plainApp, { parameters: [{ name: 'stripPreviousInjecton', string: 'false' }] });
      expect(p.stdout).toBe('');
      expect(p.error).toMatch(/PARAM_STRIPPREVIOUSINJECTON="false": unknown option/);
    });

    it('names the variable of a bad value, never the generated config', () => {
      const r = generate(plainApp, { pluginEnv: { DEFAULT_NAMESPACE: 'Not_A_Namespace' } });
      expect(r.stdout).toBe('');
      expect(r.error).toMatch(/ARGOCD_ENV_DEFAULT_NAMESPACE="Not_A_Namespace": must match pattern/);
      expect(r.stderr).not.toMatch(/InjectSidecarSets|\/tmp\//);
    });

    it('refuses settings for a kustomize app, whose options come from its transformer files', () => {
      const r = generate(
        {
          'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [sidecarset.yaml]\n',
          'deploy.yaml': DEPLOYMENT,
          'sidecarset.yaml': rules,
        },
        { pluginEnv: { STRIP_PREVIOUS_INJECTION: 'false' } },
      );
      expect(r.stdout).toBe('');
      expect(r.error).toMatch(/ARGOCD_ENV_STRIP_PREVIOUS_INJECTION: the plugin's options apply to plain apps/);
    });
  });

  describe('subdirectories of a plain app', () => {
    const app = {
      'deploy.yaml': DEPLOYMENT,
      'sidecarsets.yaml': sidecarSet('apps.kruise.io/v1alpha1'),
      'more/worker.yaml': DEPLOYMENT.replace('name: web\n', 'name: worker\n'),
      'more/deeper/service.yaml': SERVICE,
      '.hidden/ignored.yaml': SERVICE.replace('name: web', 'name: hidden'),
    };

    it('are left out with a warning that lists their files', () => {
      const r = generate(app);
      expect(r.error, r.stderr).toBeUndefined();
      expect(kinds(r.manifests)).toEqual(['Deployment/web']);
      expect(r.stderr).toMatch(
        /warning: subdirectories are not read, so 2 file\(s\) are left out: more\/deeper\/service\.yaml, more\/worker\.yaml\. Set the plugin env RECURSE=true or the parameter recurse=true/,
      );
    });

    it("are read with recurse=true, as Argo CD's directory.recurse", () => {
      for (const request of [{ pluginEnv: { RECURSE: 'true' } }, { parameters: [{ name: 'recurse', string: 'true' }] }]) {
        const r = generate(app, request);
        expect(r.error, r.stderr).toBeUndefined();
        expect(kinds(r.manifests)).toEqual(['Deployment/web', 'Deployment/worker', 'Service/web']);
        expect(templateContainers(find(objects(r.manifests), 'Deployment', 'worker'))).toContain('log-agent');
        expect(r.stderr).not.toMatch(/left out/);
      }
    });

    it('rejects a recurse value that is not a boolean', () => {
      const r = generate(app, { pluginEnv: { RECURSE: 'yes' } });
      expect(r.stdout).toBe('');
      expect(r.error).toMatch(/ARGOCD_ENV_RECURSE="yes": must be true or false/);
    });
  });

  describe('discovery and messages of kustomize apps', () => {
    it('finds a SidecarSet transformer in a subdirectory and names that file in messages', () => {
      const files = {
        'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [policies/sidecarset.yaml]\n',
        'deploy.yaml': DEPLOYMENT,
      };
      const ok = generate({ ...files, 'policies/sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1') });
      expect(ok.discovered).toBe(true);
      expect(ok.error, ok.stderr).toBeUndefined();
      expect(templateContainers(find(objects(ok.manifests), 'Deployment', 'web'))).toContain('log-agent');

      const broken = generate({ ...files, 'policies/sidecarset.yaml': BROKEN_SIDECARSET });
      expect(broken.stdout).toBe('');
      expect(broken.error).toMatch(
        /\[error\] apps\.kruise\.io\/v1alpha1\/SidecarSet\/broken spec\.containers: .*\(policies\/sidecarset\.yaml\)/,
      );
      expect(broken.stderr).not.toMatch(/\/tmp\/|kust-plugin-config/);
    });

    it('finds a SidecarSet transformer in a base outside the app, and names paths in the repository', () => {
      const base = {
        'apps/base/kustomization.yaml': 'resources:\n  - deploy.yaml\ntransformers:\n  - policies/sidecarset.yaml   # platform policy\n',
        'apps/base/deploy.yaml': DEPLOYMENT,
        'apps/base/policies/sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1'),
      };
      const overlay = { 'kustomization.yaml': 'namespace: web\nresources: ["../base"]\n' };
      const ok = generate(overlay, {}, undefined, base);
      expect(ok.discovered).toBe(true);
      expect(ok.error, ok.stderr).toBeUndefined();
      expect(templateContainers(find(objects(ok.manifests), 'Deployment', 'web'))).toContain('log-agent');

      const broken = generate(overlay, {}, undefined, { ...base, 'apps/base/policies/sidecarset.yaml': BROKEN_SIDECARSET });
      expect(broken.stdout).toBe('');
      expect(broken.error).toMatch(/SidecarSet\/broken .*\(policies\/sidecarset\.yaml\)/);
      expect(broken.stderr).not.toMatch(/\/tmp\/|kust-plugin-config/);
    });

    it('finds SidecarSets in a directory of transformer configs (a kustomization listed under transformers)', () => {
      const r = generate({
        'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [policies]\n',
        'deploy.yaml': DEPLOYMENT,
        'policies/kustomization.yaml': 'resources: [sidecarset.yaml]\n',
        'policies/sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1'),
      });
      expect(r.discovered).toBe(true);
      expect(r.error, r.stderr).toBeUndefined();
      expect(templateContainers(find(objects(r.manifests), 'Deployment', 'web'))).toContain('log-agent');
    });

    it('does not claim a kustomize app without a SidecarSet transformer', () => {
      const r = generate({
        'kustomization.yaml': 'resources: [deploy.yaml, sidecarset.yaml]\n',
        'deploy.yaml': DEPLOYMENT,
        'sidecarset.yaml': 'kind: ConfigMap\n',
      });
      expect(r.discovered).toBe(false);
    });
  });

  it('names sidecarsets.yaml and the SidecarSet for a broken rule of a plain app, never the generated config', () => {
    const r = generate({ 'deploy.yaml': DEPLOYMENT, 'sidecarsets.yaml': `# rules\n---\n${BROKEN_SIDECARSET}` });
    expect(r.stdout).toBe('');
    expect(r.error).toMatch(/\[error\] apps\.kruise\.io\/v1alpha1\/SidecarSet\/broken spec\.containers: .*\(sidecarsets\.yaml\)/);
    expect(r.stderr).not.toMatch(/InjectSidecarSets|argocd-cmp|\/tmp\//);
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
    const r = runCommand('kubectl', ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', dir]);
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
    const cm = runCommand('kubectl', [
      'create',
      'configmap',
      'inject-sidecarsets-cmp',
      '--dry-run=client',
      '-o',
      'yaml',
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
