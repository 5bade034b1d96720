// Several injection steps on one workload, with the real tools (issue 11): kustomize transformers
// in one kustomization and across base and overlay, kpt pipelines with several mutators and nested
// packages, and the command-line mode chained. Each step owns what it injected (recorded in
// inject-sidecarsets.kpt.dev/injections): it keeps what other steps injected, cleans up after
// itself, and reports a clash with another step's SidecarSet as an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import {
  BUNDLE, DEPLOYMENT, PLUGIN_HOME,
  assertTools, describeRun, find, parseStream, run, skipWithout, tempDirs, writeTree,
  type KubeObject, type Run,
} from './helpers.js';

// ---- Two SidecarSets, each with a container, an init container and a volume ----

interface SidecarSetShape {
  name: string;
  container: string;
  initContainer: string;
  volume: string;
  image: string;
}

const LOGGING: SidecarSetShape = { name: 'logging', container: 'log-agent', initContainer: 'logging-init', volume: 'log-buffer', image: 'fluent/fluent-bit:3.0' };
const MESH: SidecarSetShape = { name: 'mesh', container: 'envoy', initContainer: 'mesh-init', volume: 'mesh-certs', image: 'envoyproxy/envoy:v1.30' };

/** The SidecarSet's document lines, unindented, for a file of its own or an item of a List. */
function sidecarSetLines(set: SidecarSetShape, options: { localConfig?: boolean } = {}): string[] {
  return [
    'apiVersion: apps.kruise.io/v1alpha1',
    'kind: SidecarSet',
    'metadata:',
    `  name: ${set.name}`,
    ...(options.localConfig ? ['  annotations:', '    config.kubernetes.io/local-config: "true"'] : []),
    'spec:',
    '  selector:',
    '    matchLabels:',
    '      app: web',
    '  initContainers:',
    `    - name: ${set.initContainer}`,
    '      image: busybox:1.36',
    '      command: ["sh", "-c", "true"]',
    '  containers:',
    `    - name: ${set.container}`,
    `      image: ${set.image}`,
    '      volumeMounts:',
    `        - name: ${set.volume}`,
    `          mountPath: /var/run/${set.volume}`,
    '  volumes:',
    `    - name: ${set.volume}`,
    '      emptyDir: {}',
  ];
}

function sidecarSetFile(set: SidecarSetShape, options: { localConfig?: boolean } = {}): string {
  return `${sidecarSetLines(set, options).join('\n')}\n`;
}

function listFile(name: string, sets: readonly SidecarSetShape[], options: { localConfig?: boolean } = {}): string {
  const items = sets.flatMap((set) => sidecarSetLines(set).map((line, i) => (i === 0 ? `  - ${line}` : `    ${line}`)));
  const annotations = options.localConfig ? ['  annotations:', '    config.kubernetes.io/local-config: "true"'] : [];
  return ['apiVersion: v1', 'kind: List', 'metadata:', `  name: ${name}`, ...annotations, 'items:', ...items, ''].join('\n');
}

// ---- What the output must hold ----

interface NamedThing {
  name: string;
}
interface Container extends NamedThing {
  volumeMounts?: NamedThing[];
}
interface PodTemplate {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: Container[]; initContainers?: Container[]; volumes?: NamedThing[] };
}

function podTemplate(workload: KubeObject): PodTemplate {
  return ((workload.spec as { template?: PodTemplate } | undefined)?.template) ?? {};
}

const names = (things: readonly NamedThing[] | undefined): string[] => (things ?? []).map((t) => t.name);

/**
 * The pod template holds exactly the sidecars of `present` next to the application (each once),
 * none of `absent`, is a valid pod (unique names, every mount backed by a volume), and both
 * bookkeeping annotations list exactly the SidecarSets of `present`.
 */
function expectInjected(workload: KubeObject, present: readonly SidecarSetShape[], absent: readonly SidecarSetShape[] = []): void {
  const template = podTemplate(workload);
  const containers = names(template.spec?.containers);
  const initContainers = names(template.spec?.initContainers);
  const volumes = names(template.spec?.volumes);
  const shown = JSON.stringify(template, null, 1);

  expect(containers, shown).toContain('app');
  for (const set of present) {
    expect(containers, shown).toContain(set.container);
    expect(initContainers, shown).toContain(set.initContainer);
    expect(volumes, shown).toContain(set.volume);
  }
  for (const set of absent) {
    expect(containers, shown).not.toContain(set.container);
    expect(initContainers, shown).not.toContain(set.initContainer);
    expect(volumes, shown).not.toContain(set.volume);
  }

  const allContainers = [...containers, ...initContainers];
  expect(new Set(allContainers).size, `duplicate container names: ${allContainers}`).toBe(allContainers.length);
  expect(new Set(volumes).size, `duplicate volume names: ${volumes}`).toBe(volumes.length);
  for (const c of [...(template.spec?.containers ?? []), ...(template.spec?.initContainers ?? [])]) {
    for (const mount of c.volumeMounts ?? []) expect(volumes, `mount ${mount.name} of ${c.name}`).toContain(mount.name);
  }

  const annotations = template.metadata?.annotations ?? {};
  const expectedSets = present.map((s) => s.name).sort();
  if (expectedSets.length === 0) {
    expect(annotations['kruise.io/sidecarset-hash']).toBeUndefined();
    expect(annotations['kruise.io/sidecarset-injected-list']).toBeUndefined();
    return;
  }
  const hash = JSON.parse(annotations['kruise.io/sidecarset-hash'] ?? '{}') as Record<string, unknown>;
  expect(Object.keys(hash).sort(), 'kruise.io/sidecarset-hash').toEqual(expectedSets);
  expect((annotations['kruise.io/sidecarset-injected-list'] ?? '').split(',').sort(), 'kruise.io/sidecarset-injected-list').toEqual(expectedSets);
}

const WARNING_OR_ERROR = /\[(warning|error)\]|severity: (warning|error)/;

// ---- Tools ----

const dirs = tempDirs('e2e-steps');
afterAll(() => dirs.cleanup());

function tree(files: Record<string, string>): string {
  const dir = dirs.make();
  writeTree(dir, files);
  return dir;
}

/** Every file below `dir`, by relative path. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  }
  return files;
}

function web(file: string): KubeObject {
  return find(parseStream(readFileSync(file, 'utf8')), 'Deployment', 'web');
}

// ---- kustomize ----

const KUSTOMIZE = 'several SidecarSet steps with kubectl kustomize';

describe.skipIf(skipWithout(KUSTOMIZE, ['kubectl', 'node']))(KUSTOMIZE, () => {
  beforeAll(() => assertTools(['kubectl', 'node']));

  const kustomize = (dir: string): Run =>
    run('kubectl', ['kustomize', '--enable-alpha-plugins', dir], {
      env: { ...process.env, KUSTOMIZE_PLUGIN_HOME: PLUGIN_HOME, INJECT_SIDECARSETS_BIN: BUNDLE },
    });

  /** A clean build: exit 0, nothing on stderr (the plugin prints only warnings and errors there). */
  const build = (dir: string): KubeObject => {
    const r = kustomize(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    expect(r.stderr, describeRun('kubectl kustomize', r)).toBe('');
    return find(parseStream(r.stdout), 'Deployment', 'web');
  };

  it('keeps both sidecars of two transformer files in one kustomization', () => {
    const dir = tree({
      'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml, mesh.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'logging.yaml': sidecarSetFile(LOGGING),
      'mesh.yaml': sidecarSetFile(MESH),
    });
    expectInjected(build(dir), [LOGGING, MESH]);
  });

  it("keeps the base's sidecar when the overlay's transformer injects another", () => {
    const dir = tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml]\n',
      'base/deploy.yaml': DEPLOYMENT,
      'base/logging.yaml': sidecarSetFile(LOGGING),
      'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [mesh.yaml]\n',
      'overlay/mesh.yaml': sidecarSetFile(MESH),
    });
    expectInjected(build(join(dir, 'overlay')), [LOGGING, MESH]);
  });

  it('injects the same SidecarSet file listed in the base and in the overlay once, without a result', () => {
    const dir = tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml]\n',
      'base/deploy.yaml': DEPLOYMENT,
      'base/logging.yaml': sidecarSetFile(LOGGING),
      'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [logging.yaml, mesh.yaml]\n',
      'overlay/logging.yaml': sidecarSetFile(LOGGING),
      'overlay/mesh.yaml': sidecarSetFile(MESH),
    });
    expectInjected(build(join(dir, 'overlay')), [LOGGING, MESH]);
  });

  it('leaves the template alone when a different step applies the same SidecarSet again (a List in the base, its file in the overlay)', () => {
    const dir = tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'base/deploy.yaml': DEPLOYMENT,
      'mid/kustomization.yaml': 'resources: [../base]\ntransformers: [platform.yaml]\n',
      'mid/platform.yaml': listFile('platform', [LOGGING, MESH]),
      'overlay/kustomization.yaml': 'resources: [../mid]\ntransformers: [logging.yaml]\n',
      'overlay/logging.yaml': sidecarSetFile(LOGGING),
    });
    const overlay = build(join(dir, 'overlay'));
    expectInjected(overlay, [LOGGING, MESH]);
    // The overlay's step changed nothing: its output is the output of the build below it.
    expect(overlay).toEqual(build(join(dir, 'mid')));
  });

  it('fails when two steps inject a container of the same name from different SidecarSets, naming both', () => {
    const clashing: SidecarSetShape = { ...MESH, container: LOGGING.container };
    const dir = tree({
      'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml, mesh.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'logging.yaml': sidecarSetFile(LOGGING),
      'mesh.yaml': sidecarSetFile(clashing),
    });
    const r = kustomize(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\blogging\b/);
    expect(r.stderr).toMatch(/\bmesh\b/);
    expect(r.stderr).toContain(LOGGING.container);
  });

  it('fails when two steps apply SidecarSets of the same name with different specs', () => {
    const dir = tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [platform.yaml]\n',
      'base/deploy.yaml': DEPLOYMENT,
      'base/platform.yaml': listFile('platform', [LOGGING]),
      'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [logging.yaml]\n',
      'overlay/logging.yaml': sidecarSetFile({ ...LOGGING, image: 'fluent/fluent-bit:3.1' }),
    });
    const r = kustomize(join(dir, 'overlay'));
    expect(r.status, describeRun('kubectl kustomize', r)).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\blogging\b/);
  });
});

// ---- kpt ----

const KPT = 'several SidecarSet steps with kpt fn render';

function kptfile(name: string, configPaths: readonly (string | undefined)[]): string {
  const mutators = configPaths.map((path) => `    - exec: inject-sidecarsets${path ? `\n      configPath: ${path}` : ''}`);
  return [
    'apiVersion: kpt.dev/v1',
    'kind: Kptfile',
    'metadata:',
    `  name: ${name}`,
    '  annotations:',
    '    config.kubernetes.io/local-config: "true"',
    'pipeline:',
    '  mutators:',
    ...mutators,
    '',
  ].join('\n');
}

interface FunctionResult {
  message?: string;
  severity?: string;
}

describe.skipIf(skipWithout(KPT, ['kpt']))(KPT, () => {
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(['kpt']);
    const bin = dirs.make();
    symlinkSync(BUNDLE, join(bin, 'inject-sidecarsets'));
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  });

  /** Renders in place: exit 0, and the results of every function run, stderr lines as results. */
  const render = (pkg: string): FunctionResult[] => {
    const resultsDir = dirs.make();
    const r = run('kpt', ['fn', 'render', '--allow-exec', '--truncate-output=false', '--results-dir', resultsDir, pkg], { env });
    expect(r.status, describeRun('kpt fn render', r)).toBe(0);
    const list = YAML.parse(readFileSync(join(resultsDir, 'results.yaml'), 'utf8')) as {
      items?: { stderr?: string; results?: FunctionResult[] }[];
    };
    return (list.items ?? []).flatMap((item) => [
      ...(item.results ?? []),
      ...(item.stderr ?? '').split('\n').filter(Boolean).map((line) => ({ message: line })),
    ]);
  };
  const problems = (results: readonly FunctionResult[]): FunctionResult[] =>
    results.filter((r) => r.severity === 'warning' || r.severity === 'error' || WARNING_OR_ERROR.test(r.message ?? ''));

  /** Renders twice: both renders are clean, and the second changes no byte. */
  const renderTwice = (pkg: string): void => {
    expect(problems(render(pkg))).toEqual([]);
    const first = snapshot(pkg);
    expect(problems(render(pkg))).toEqual([]);
    expect(snapshot(pkg)).toEqual(first);
  };

  it('keeps both sidecars of two exec mutators in one pipeline, and a second render changes nothing', () => {
    const pkg = tree({
      'Kptfile': kptfile('shop', ['logging.yaml', 'mesh.yaml']),
      'deploy.yaml': DEPLOYMENT,
      'logging.yaml': sidecarSetFile(LOGGING, { localConfig: true }),
      'mesh.yaml': sidecarSetFile(MESH, { localConfig: true }),
    });
    renderTwice(pkg);
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING, MESH]);
    expect(readFileSync(join(pkg, 'logging.yaml'), 'utf8')).toBe(sidecarSetFile(LOGGING, { localConfig: true }));
  });

  it("keeps the subpackage's sidecar when the parent's pipeline injects another, and a second render changes nothing", () => {
    const pkg = tree({
      'Kptfile': kptfile('platform', ['logging.yaml']),
      'logging.yaml': sidecarSetFile(LOGGING, { localConfig: true }),
      'app/Kptfile': kptfile('app', ['mesh.yaml']),
      'app/mesh.yaml': sidecarSetFile(MESH, { localConfig: true }),
      'app/deploy.yaml': DEPLOYMENT,
    });
    renderTwice(pkg);
    expectInjected(web(join(pkg, 'app/deploy.yaml')), [LOGGING, MESH]);
  });

  it('strips a SidecarSet removed from its List on the next render in place, like a fresh render without it', () => {
    const files = {
      'Kptfile': kptfile('shop', ['sidecarsets.yaml']),
      'deploy.yaml': DEPLOYMENT,
    };
    const pkg = tree({ ...files, 'sidecarsets.yaml': listFile('sidecarsets', [LOGGING, MESH], { localConfig: true }) });
    expect(problems(render(pkg))).toEqual([]);
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING, MESH]);

    const reduced = listFile('sidecarsets', [LOGGING], { localConfig: true });
    writeFileSync(join(pkg, 'sidecarsets.yaml'), reduced);
    const cleanUp = problems(render(pkg));
    expect(cleanUp.map((r) => r.severity).filter(Boolean)).toEqual(['warning']);
    expect(cleanUp.find((r) => r.severity)?.message).toContain(MESH.container);
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING], [MESH]);

    const fresh = tree({ ...files, 'sidecarsets.yaml': reduced });
    render(fresh);
    expect(readFileSync(join(pkg, 'deploy.yaml'), 'utf8')).toBe(readFileSync(join(fresh, 'deploy.yaml'), 'utf8'));
  });

  it('strips the sidecar of a SidecarSet file deleted from the package (SidecarSets among the items) on the next render', () => {
    const pkg = tree({
      'Kptfile': kptfile('shop', [undefined]),
      'deploy.yaml': DEPLOYMENT,
      'logging.yaml': sidecarSetFile(LOGGING),
      'mesh.yaml': sidecarSetFile(MESH),
    });
    renderTwice(pkg);
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING, MESH]);

    rmSync(join(pkg, 'mesh.yaml'));
    const cleanUp = problems(render(pkg));
    expect(cleanUp.map((r) => r.severity).filter(Boolean)).toEqual(['warning']);
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING], [MESH]);

    const fresh = tree({ 'Kptfile': kptfile('shop', [undefined]), 'deploy.yaml': DEPLOYMENT, 'logging.yaml': sidecarSetFile(LOGGING) });
    render(fresh);
    expect(readFileSync(join(pkg, 'deploy.yaml'), 'utf8')).toBe(readFileSync(join(fresh, 'deploy.yaml'), 'utf8'));
  });
});

// ---- command-line mode ----

const CLI = 'several SidecarSet steps in command-line mode';

describe.skipIf(skipWithout(CLI, ['node']))(CLI, () => {
  beforeAll(() => assertTools(['node']));

  /** One run: exit 0, and stderr holds only the summary line, with no warning or error. */
  const inject = (config: string, paths: readonly string[], input?: string): string => {
    const r = run('node', [BUNDLE, '--config', config, ...paths], input === undefined ? {} : { input });
    expect(r.status, describeRun(`--config ${config} ${paths.join(' ')}`, r)).toBe(0);
    expect(r.stderr, describeRun('stderr', r)).not.toMatch(WARNING_OR_ERROR);
    expect(r.stderr, describeRun('stderr', r)).toMatch(/0 error\(s\), 0 warning\(s\)/);
    return r.stdout;
  };

  const dir = (): string =>
    tree({
      'logging.yaml': sidecarSetFile(LOGGING),
      'mesh.yaml': sidecarSetFile(MESH),
      'both.yaml': listFile('both', [LOGGING, MESH]),
      'only-logging.yaml': listFile('both', [LOGGING]),
      'app/deploy.yaml': DEPLOYMENT,
    });

  it('keeps both sidecars through `--config a.yaml app/ | --config b.yaml -`, and the chain changes nothing on its own output', () => {
    const root = dir();
    const chain = (paths: readonly string[], input?: string): string =>
      inject(join(root, 'mesh.yaml'), ['-'], inject(join(root, 'logging.yaml'), paths, input));

    const output = chain([join(root, 'app')]);
    expectInjected(find(parseStream(output), 'Deployment', 'web'), [LOGGING, MESH]);

    writeFileSync(join(root, 'rendered.yaml'), output);
    expect(chain([join(root, 'rendered.yaml')])).toBe(output);
    expect(chain(['-'], output)).toBe(output);
  });

  it('strips a SidecarSet removed from the config when run on committed output', () => {
    const root = dir();
    writeFileSync(join(root, 'rendered.yaml'), inject(join(root, 'both.yaml'), [join(root, 'app')]));
    const r = run('node', [BUNDLE, '--config', join(root, 'only-logging.yaml'), join(root, 'rendered.yaml')]);
    expect(r.status, describeRun('clean-up run', r)).toBe(0);
    expect(r.stderr).toMatch(/\[warning\].*envoy/);
    expectInjected(find(parseStream(r.stdout), 'Deployment', 'web'), [LOGGING], [MESH]);
    expect(r.stdout).toBe(inject(join(root, 'only-logging.yaml'), [join(root, 'app')]));
  });
});
