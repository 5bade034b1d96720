// The reference docs against the code they describe: the catalog README (the full option
// reference), its metadata.yaml and `--help` must cover every option, field, annotation and example.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { HELP } from '../src/modes/help.js';
import { CONFIGMAP_KEYS, STEP_ANNOTATION } from '../src/config/forms.js';
import { TOKEN_SCOPE_ANNOTATION } from '../src/sidecarset/token-scope.js';
import { PLACEMENT_ANNOTATION } from '../src/sidecarset/placement.js';
import { INJECT_ANNOTATION, SKIP_ANNOTATION } from '../src/match/opt-out.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(`${root}/${path}`, 'utf8');
const catalog = read('functions/inject-sidecarsets/README.md');
interface OptionSchema {
  description?: string;
  properties?: Record<string, OptionSchema>;
}
const configSchema = JSON.parse(read('src/config/schema/config.schema.json')) as {
  $defs: { spec: { properties: Record<string, OptionSchema> } };
};
const specOptions = Object.keys(configSchema.$defs.spec.properties);
const featureGates = Object.keys(configSchema.$defs.spec.properties.featureGates?.properties ?? {});
const examples = readdirSync(`${root}/functions/inject-sidecarsets/examples`, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
const userAnnotations = [TOKEN_SCOPE_ANNOTATION, PLACEMENT_ANNOTATION, INJECT_ANNOTATION, SKIP_ANNOTATION, STEP_ANNOTATION];
const sidecarSetFields = ['spec.serviceAccountName', 'spec.errorWhenServiceAccountInjectionConflict'];

describe('functions/inject-sidecarsets/README.md, the full option reference', () => {
  const configExample = /```yaml\n(apiVersion: fn\.kpt\.dev\/v1alpha1\nkind: InjectSidecarSets\n[^]*?)```/.exec(catalog)?.[1];

  it('has an InjectSidecarSets example that sets every option of the schema and every feature gate', () => {
    expect(configExample).toBeDefined();
    const spec = (YAML.parse(configExample as string) as { spec: Record<string, unknown> }).spec;
    expect(Object.keys(spec).sort()).toEqual([...specOptions].sort());
    expect(Object.keys(spec.featureGates as object).sort()).toEqual([...featureGates].sort());
  });

  it("describes every option and feature gate in its table, beginning with the schema's description", () => {
    const rows = [...catalog.matchAll(/^\| `([\w.]+)` \| (.*) \|$/gm)].map(([, name, meaning]) => [name!, meaning!] as const);
    const table = new Map(rows.filter(([name]) => name in configSchema.$defs.spec.properties || name.startsWith('featureGates.')));
    const { properties: options } = configSchema.$defs.spec;
    const described = [
      ...specOptions.map((name) => [name, options[name]!.description] as const),
      ...featureGates.map((gate) => [`featureGates.${gate}`, options.featureGates!.properties![gate]!.description] as const),
    ];
    expect([...table.keys()].sort()).toEqual(described.map(([name]) => name).sort());
    for (const [name, description] of described) expect(table.get(name)?.slice(0, `${description}.`.length), name).toBe(`${description}.`);
  });

  it('documents the SidecarSet fields and the annotations', () => {
    for (const field of sidecarSetFields) expect(catalog).toContain(`\`${field}\``);
    for (const annotation of userAnnotations) expect(catalog).toContain(`\`${annotation}\``);
  });

  it('lists every example, and metadata.yaml links every example', () => {
    expect(examples.length).toBeGreaterThan(0);
    const list = /Each directory under `examples\/`[^]*?(?:\n\n|$)/.exec(catalog)?.[0] ?? '';
    expect(
      list
        .match(/`inject-[a-z-]+`/g)
        ?.map((name) => name.slice(1, -1))
        .sort(),
    ).toEqual([...examples].sort());
    const metadata = YAML.parse(read('functions/inject-sidecarsets/metadata.yaml')) as { examplePackageURLs: string[] };
    expect(metadata.examplePackageURLs.map((url) => url.split('/').at(-1)).sort()).toEqual([...examples].sort());
  });
});

describe('--help', () => {
  it('names every option, feature gate and ConfigMap key', () => {
    for (const option of [...specOptions, ...featureGates]) expect(HELP).toMatch(new RegExp(`^ +${option}\\b`, 'm'));
    expect(HELP).toContain(`ConfigMap keys: ${CONFIGMAP_KEYS.join(', ')}`);
  });

  it('documents the SidecarSet fields beyond Kruise and every annotation a user sets', () => {
    for (const field of sidecarSetFields) expect(HELP).toMatch(new RegExp(`^ +${field.replace('.', '\\.')}\\b`, 'm'));
    for (const annotation of userAnnotations) expect(HELP).toMatch(new RegExp(`^ +${annotation.replace(/[./]/g, '\\$&')}$`, 'm'));
    expect(HELP).toMatch(/Pod \| Sidecars/);
  });
});

describe('the container image', () => {
  const version = (JSON.parse(read('package.json')) as { version: string }).version;
  const image = `ghcr.io/inject-sidecarsets/inject-sidecarsets:v${version}`;
  // Every file a user reads or deploys that names the image.
  const files = [
    'README.md',
    'Dockerfile',
    'functions/inject-sidecarsets/README.md',
    'deploy/argocd/repo-server-patch.yaml',
    'examples/container/sidecarset.yaml',
    'scripts/build-image.sh',
  ];

  it('has one name everywhere', () => {
    for (const file of files) {
      const text = read(file);
      const references = text.match(/[\w.\-/]*inject-sidecarsets:[\w.${}<>-]+/g) ?? [];
      expect(references.length, `${file} names the image`).toBeGreaterThan(0);
      for (const reference of references) {
        expect(reference.replace(/<version>|\$version/, version), `${file}: ${reference}`).toBe(image);
      }
    }
    const metadata = YAML.parse(read('functions/inject-sidecarsets/metadata.yaml')) as { image: string };
    expect(`${metadata.image}:v${version}`).toBe(image);
  });
});

describe('deploy/argocd/plugin.yaml', () => {
  it('announces every option the generate step takes: the ConfigMap keys (gates as the featureGates map) and recurse', () => {
    const plugin = YAML.parse(read('deploy/argocd/plugin.yaml')) as { spec: { parameters: { static: { name: string; title: string }[] } } };
    const announced = plugin.spec.parameters.static;
    const gates = CONFIGMAP_KEYS.filter((key) => featureGates.includes(key));
    expect(announced.map((p) => p.name).sort()).toEqual(
      [...CONFIGMAP_KEYS.filter((key) => !gates.includes(key)), 'featureGates', 'recurse'].sort(),
    );
    const gateTitle = announced.find((p) => p.name === 'featureGates')?.title ?? '';
    for (const gate of gates) expect(gateTitle).toContain(gate);
  });
});
