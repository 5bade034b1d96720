// The legacy kustomize exec plugin (deploy/kustomize-plugin) under the real `kubectl kustomize
// --enable-alpha-plugins`: a SidecarSet listed under `transformers:` is the plugin's config.
//
// Order inside one kustomization: resources → generators → builtin transformers (namespace:,
// labels/commonLabels, patches, images…) → `transformers:`. So a SidecarSet there sees the
// namespace and labels that same kustomization sets, but not those of an overlay built on top.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  BROKEN_SIDECARSET,
  DEPLOYMENT,
  PLUGIN_HOME,
  assertTools,
  describeRun,
  find,
  onPath,
  parseStream,
  runCommand,
  sidecarSet,
  TOKEN_VOLUME_WARNINGS,
  skipWithout,
  templateContainers,
  tempDirs,
  tokenVolumeApp,
  tokenVolumeOutcome,
  writeTree,
  kustomizeWithPlugin,
  expectWebAppInjected,
  webAppKustomization,
} from './helpers.js';

const TOOLS = ['kubectl', 'node'];
const SUITE = 'legacy kustomize plugin with kubectl kustomize';
const dirs = tempDirs('e2e-kustomize');

describe('the plugin entries', () => {
  it('are one script, executable, under each kind the function takes as a transformer', () => {
    const entries = [
      'apps.kruise.io/v1alpha1/sidecarset/SidecarSet',
      'apps.kruise.io/v1beta1/sidecarset/SidecarSet',
      'fn.kpt.dev/v1alpha1/injectsidecarsets/InjectSidecarSets',
    ].map((entry) => join(PLUGIN_HOME, entry));
    const texts = entries.map((entry) => readFileSync(entry, 'utf8'));
    for (const text of texts) expect(text).toBe(texts[0]);
    for (const entry of entries) expect(statSync(entry).mode & 0o111).toBe(0o111);
  });
});

describe.skipIf(skipWithout(SUITE, TOOLS))(SUITE, () => {
  beforeAll(() => assertTools(TOOLS));
  afterAll(() => dirs.cleanup());

  for (const apiVersion of ['apps.kruise.io/v1alpha1', 'apps.kruise.io/v1beta1'] as const) {
    it(`injects a ${apiVersion} SidecarSet listed under transformers`, () => {
      expectWebAppInjected(kustomizeWithPlugin(dirs.tree(webAppKustomization(sidecarSet(apiVersion)))));
    });
  }

  it('finds the bundle of this checkout when neither INJECT_SIDECARSETS_BIN nor PATH has it', () => {
    if (onPath('inject-sidecarsets')) {
      console.warn('[e2e] inject-sidecarsets is on PATH, so the relative fallback is not what runs: case skipped');
      return;
    }
    const dir = dirs.tree({
      'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [sidecarset.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1'),
    });
    const r = kustomizeWithPlugin(dir, { INJECT_SIDECARSETS_BIN: '' });
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    expect(templateContainers(find(parseStream(r.stdout), 'Deployment', 'web'))).toContain('log-agent');
  });

  it('sees the namespace and labels (includeTemplates) that the same kustomization sets', () => {
    const dir = dirs.tree({
      'kustomization.yaml': [
        'namespace: prod',
        'labels:',
        '  - pairs: {tier: backend}',
        '    includeTemplates: true',
        'resources: [deploy.yaml]',
        'transformers: [sidecarset.yaml]',
        '',
      ].join('\n'),
      'deploy.yaml': DEPLOYMENT,
      'sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1', { namespace: 'prod', matchLabels: { tier: 'backend' } }),
    });
    const r = kustomizeWithPlugin(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    const deployment = find(parseStream(r.stdout), 'Deployment', 'web');
    expect(deployment.metadata?.namespace).toBe('prod');
    expect(templateContainers(deployment)).toContain('log-agent');
  });

  it('sees commonLabels too, which also reach the pod template', () => {
    const dir = dirs.tree({
      'kustomization.yaml': 'commonLabels: {team: payments}\nresources: [deploy.yaml]\ntransformers: [sidecarset.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'sidecarset.yaml': sidecarSet('apps.kruise.io/v1beta1', { matchLabels: { team: 'payments' } }),
    });
    const r = kustomizeWithPlugin(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    expect(templateContainers(find(parseStream(r.stdout), 'Deployment', 'web'))).toContain('log-agent');
  });

  it("does not see an overlay's namespace: the base's transformers run before the overlay's", () => {
    const dir = dirs.tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [sidecarset.yaml]\n',
      'base/deploy.yaml': DEPLOYMENT,
      'base/sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1', { namespace: 'prod' }),
      'overlay/kustomization.yaml': 'namespace: prod\nresources: [../base]\n',
    });
    const r = kustomizeWithPlugin(join(dir, 'overlay'));
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    const deployment = find(parseStream(r.stdout), 'Deployment', 'web');
    expect(deployment.metadata?.namespace).toBe('prod');
    expect(templateContainers(deployment)).toEqual(['app']);
  });

  // go-yaml, with which kustomize reads what the plugin writes, takes more plain scalars for
  // numbers than YAML 1.1 or 1.2 do (0O17, +0x1F, 1e5_0): the function quotes them (issue 12).
  it('hands strings that look like numbers to go-yaml as strings', () => {
    const values = ['0o644', '0O17', '0X1F', '0B101', '+0x1F', '1e5_0', '0x_1F', '08', '=', 'on'];
    const dir = dirs.tree({
      'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [sidecarset.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'sidecarset.yaml':
        sidecarSet('apps.kruise.io/v1beta1') +
        `      args: [${values.map((v) => JSON.stringify(v)).join(', ')}]\n      env:\n` +
        values.map((v, i) => `        - name: V${i}\n          value: ${JSON.stringify(v)}\n`).join(''),
    });
    const r = kustomizeWithPlugin(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    const template = (find(parseStream(r.stdout), 'Deployment', 'web').spec as any).template;
    const agent = template.spec.containers.find((c: { name: string }) => c.name === 'log-agent');
    expect(agent.args).toEqual(values);
    expect(agent.env.filter((e: { name: string }) => e.name.startsWith('V'))).toEqual(values.map((value, i) => ({ name: `V${i}`, value })));
  });

  it('fails the build with the function message on stderr for a broken SidecarSet', () => {
    const dir = dirs.tree({
      'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [broken.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'broken.yaml': BROKEN_SIDECARSET,
    });
    const r = kustomizeWithPlugin(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/spec\.containers/);
    expect(r.stderr).toMatch(/failure in plugin/);
  });

  // kustomize hands the plugin a temporary copy of the transformer (/tmp/kust-plugin-config-…) and
  // adds that path to its own failure line; the function's results name the user's file instead.
  const resultLines = (stderr: string) => stderr.split('\n').filter((line) => /\[(error|warning)\]/.test(line));

  it('names the SidecarSet and its transformer file in a subdirectory, not the temporary copy', () => {
    const dir = dirs.tree({
      'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [policies/broken.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'policies/broken.yaml': BROKEN_SIDECARSET,
    });
    const r = kustomizeWithPlugin(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).not.toBe(0);
    const lines = resultLines(r.stderr);
    expect(lines.length, r.stderr).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/SidecarSet\/broken .*\(policies\/broken\.yaml\)$/);
      expect(line).not.toMatch(/kust-plugin-config/);
    }
  });

  // kustomize keeps a legacy exec plugin's stderr to itself unless the plugin fails
  // (api/internal/plugins/execplugin/execplugin.go, invokePlugin): the function's warnings are not
  // shown on this path, as README's kustomize section says. The container function shows them
  // (podman.test.ts). Should kustomize start showing them, this fails and the README needs updating.
  it("removes the app's default token and keeps its audience token for an injected ServiceAccount; kustomize does not show the warnings", () => {
    const r = kustomizeWithPlugin(dirs.tree(tokenVolumeApp()));
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    expect(tokenVolumeOutcome(parseStream(r.stdout))).toEqual({ serviceAccountName: 'log-shipper', volumes: ['vault-token'] });
    for (const warning of TOKEN_VOLUME_WARNINGS) expect(r.stderr).not.toMatch(warning);
  });

  /** tokenVolumeApp with its SidecarSet inside an InjectSidecarSets transformer that sets `options`. */
  function optionsApp(options: string): Record<string, string> {
    const files = tokenVolumeApp();
    const sidecarSetItem = files['sidecarset.yaml'].replace(/^/gm, '    ').replace(/^ {4}/, '  - ');
    const transformer = `apiVersion: fn.kpt.dev/v1alpha1\nkind: InjectSidecarSets\nmetadata:\n  name: platform\nspec:\n${options}  sidecarSets:\n${sidecarSetItem}`;
    return {
      ...files,
      'kustomization.yaml': files['kustomization.yaml'].replace('sidecarset.yaml', 'inject.yaml'),
      'inject.yaml': transformer,
    };
  }

  it('runs an InjectSidecarSets transformer, whose options apply', () => {
    const r = kustomizeWithPlugin(dirs.tree(optionsApp('  injectionTimestamp: 2025-03-01T08:09:10Z\n')));
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    const objects = parseStream(r.stdout);
    expect(tokenVolumeOutcome(objects)).toEqual({ serviceAccountName: 'log-shipper', volumes: ['vault-token'] });
    const web = find(objects, 'Deployment', 'web') as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    const annotations = web.spec.template.metadata.annotations;
    expect(JSON.parse(annotations['kruise.io/sidecarset-hash'])['log-agent'].updateTimestamp).toBe('2025-03-01T08:09:10Z');
  });

  it('shows the warnings by failing the build with failOn: warning', () => {
    const r = kustomizeWithPlugin(dirs.tree(optionsApp('  failOn: warning\n')));
    expect(r.status, describeRun('kubectl kustomize', r)).not.toBe(0);
    // kubectl quotes the plugin's stderr with a tab before each line.
    const stderr = r.stderr.replace(/^\t/gm, '');
    for (const warning of TOKEN_VOLUME_WARNINGS) expect(stderr).toMatch(warning);
    expect(stderr).toMatch(/failed on warnings \(failOn: warning\)/);
  });

  it("names a base's transformer file, as the base's kustomization lists it, when an overlay is built", () => {
    const dir = dirs.tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\ntransformers:\n  - ./policies/broken.yaml\n',
      'base/deploy.yaml': DEPLOYMENT,
      'base/policies/broken.yaml': `# platform policy\n${BROKEN_SIDECARSET}`,
      'overlay/kustomization.yaml': 'resources: [../base]\n',
    });
    const r = kustomizeWithPlugin(join(dir, 'overlay'));
    expect(r.status, describeRun('kubectl kustomize', r)).not.toBe(0);
    expect(resultLines(r.stderr)[0]).toMatch(/SidecarSet\/broken .*\(policies\/broken\.yaml\)$/);
  });

  it('says how to make the function findable when the plugin cannot find it', () => {
    // A plugin home outside the checkout (no dist/ to fall back on) and a PATH without the function.
    const home = dirs.make();
    const entry = readFileSync(join(PLUGIN_HOME, 'apps.kruise.io/v1alpha1/sidecarset/SidecarSet'), 'utf8');
    writeTree(home, { 'apps.kruise.io/v1alpha1/sidecarset/SidecarSet': [entry, 0o755] });
    const kubectlDir = dirname(onPath('kubectl') as string);
    const dir = dirs.tree({
      'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [sidecarset.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1'),
    });
    const path = `${kubectlDir}:/usr/bin:/bin`;
    if (onPath('inject-sidecarsets', path)) {
      console.warn('[e2e] inject-sidecarsets is installed system-wide: the not-found case cannot happen here, skipped');
      return;
    }
    const r = runCommand('kubectl', ['kustomize', '--enable-alpha-plugins', dir], {
      env: { ...process.env, KUSTOMIZE_PLUGIN_HOME: home, INJECT_SIDECARSETS_BIN: '', PATH: path },
    });
    expect(r.status, describeRun('kubectl kustomize', r)).not.toBe(0);
    expect(r.stderr).toMatch(
      /SidecarSet plugin for SidecarSet log-agent: cannot find the inject-sidecarsets function; set INJECT_SIDECARSETS_BIN to it .* or put inject-sidecarsets on PATH/,
    );
    expect(r.stderr).not.toMatch(/npm run build/);
  });
});
