// Several injection steps on one workload, with the real tools (issue 11): kustomize transformers
// in one kustomization and across base and overlay, kpt pipelines with several mutators and nested
// packages, and the command-line mode chained. Each step owns what it injected (recorded in
// inject-sidecarsets.kpt.dev/injections): it keeps what other steps injected, cleans up after
// itself, and reports a clash with another step's SidecarSet as an error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BUNDLE,
  DEPLOYMENT,
  assertTools,
  describeRun,
  find,
  parseStream,
  runCommand,
  skipWithout,
  tempDirs,
  type KubeObject,
  type KptResult,
  bundleOnPath,
  kustomizeWithPlugin,
  kptfile,
  kptRenderResults,
} from './helpers.js';

// ---- Two SidecarSets, each with a container, an init container and a volume ----

interface SidecarSetShape {
  name: string;
  container: string;
  initContainer: string;
  volume: string;
  image: string;
}

const LOGGING: SidecarSetShape = {
  name: 'logging',
  container: 'log-agent',
  initContainer: 'logging-init',
  volume: 'log-buffer',
  image: 'fluent/fluent-bit:3.0',
};
const MESH: SidecarSetShape = {
  name: 'mesh',
  container: 'envoy',
  initContainer: 'mesh-init',
  volume: 'mesh-certs',
  image: 'envoyproxy/envoy:v1.30',
};

interface FileOptions {
  /** Marks a kpt functionConfig file, so that it is not a resource of the package. */
  localConfig?: boolean;
  /** Sets the step identity explicitly (annotation inject-sidecarsets.kpt.dev/step). */
  step?: string;
}

function annotationLines(options: FileOptions): string[] {
  const annotations = [
    ...(options.localConfig ? ['    config.kubernetes.io/local-config: "true"'] : []),
    ...(options.step ? [`    inject-sidecarsets.kpt.dev/step: ${options.step}`] : []),
  ];
  return annotations.length > 0 ? ['  annotations:', ...annotations] : [];
}

/** The SidecarSet's document lines, unindented, for a file of its own or an item of a List. */
function sidecarSetLines(set: SidecarSetShape, options: FileOptions = {}): string[] {
  return [
    'apiVersion: apps.kruise.io/v1alpha1',
    'kind: SidecarSet',
    'metadata:',
    `  name: ${set.name}`,
    ...annotationLines(options),
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

function sidecarSetFile(set: SidecarSetShape, options: FileOptions = {}): string {
  return `${sidecarSetLines(set, options).join('\n')}\n`;
}

/** A List of SidecarSets: one step for kpt and the command-line mode (kustomize takes each item for a transformer of its own). */
function listFile(name: string, sets: readonly SidecarSetShape[], options: FileOptions = {}): string {
  const items = sets.flatMap((set) => sidecarSetLines(set).map((line, i) => (i === 0 ? `  - ${line}` : `    ${line}`)));
  return ['apiVersion: v1', 'kind: List', 'metadata:', `  name: ${name}`, ...annotationLines(options), 'items:', ...items, ''].join('\n');
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
  return (workload.spec as { template?: PodTemplate } | undefined)?.template ?? {};
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
  expect((annotations['kruise.io/sidecarset-injected-list'] ?? '').split(',').sort(), 'kruise.io/sidecarset-injected-list').toEqual(
    expectedSets,
  );
}

/**
 * One step with several SidecarSets that add containers warns that Kruise orders them randomly in a
 * cluster (a List of both, or the SidecarSets among the items): expected there, nowhere else.
 */
const ORDER_WARNING = /SidecarSets logging, mesh all add containers: in a cluster their order is random/;
/** What a step says when it strips its own earlier injection. */
const REMOVAL_WARNING = /^removed what an earlier run of this step \(.+\) injected/;

/** The warnings and errors among `results` that match none of `expected`. */
function problems(results: readonly KptResult[], expected: readonly RegExp[] = []): KptResult[] {
  return results.filter((r) => (r.severity === 'warning' || r.severity === 'error') && !expected.some((e) => e.test(r.message ?? '')));
}

/** The clean-up of `step` is one warning, naming the mesh sidecar it removed, and nothing else is reported. */
function expectOneRemoval(results: readonly KptResult[], step: string): void {
  const reported = problems(results);
  expect(
    reported.map((r) => r.severity),
    JSON.stringify(reported),
  ).toEqual(['warning']);
  expect(reported[0]!.message).toMatch(REMOVAL_WARNING);
  expect(reported[0]!.message).toContain(`(${step})`);
  expect(reported[0]!.message).toContain(MESH.container);
}

// ---- Tools ----

const dirs = tempDirs('e2e-steps');
afterAll(() => dirs.cleanup());

/** Every file below `dir`, by relative path. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (statSync(join(dir, path)).isFile()) files.set(path, readFileSync(join(dir, path), 'utf8'));
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

  /** A clean build: exit 0, nothing on stderr (the plugin prints only warnings and errors there). */
  const build = (dir: string): KubeObject => {
    const r = kustomizeWithPlugin(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
    expect(r.stderr, describeRun('kubectl kustomize', r)).toBe('');
    return find(parseStream(r.stdout), 'Deployment', 'web');
  };

  it('keeps both sidecars of two transformer files in one kustomization', () => {
    const dir = dirs.tree({
      'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml, mesh.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'logging.yaml': sidecarSetFile(LOGGING),
      'mesh.yaml': sidecarSetFile(MESH),
    });
    expectInjected(build(dir), [LOGGING, MESH]);
  });

  it("keeps the base's sidecar when the overlay's transformer injects another", () => {
    const dir = dirs.tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml]\n',
      'base/deploy.yaml': DEPLOYMENT,
      'base/logging.yaml': sidecarSetFile(LOGGING),
      'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [mesh.yaml]\n',
      'overlay/mesh.yaml': sidecarSetFile(MESH),
    });
    expectInjected(build(join(dir, 'overlay')), [LOGGING, MESH]);
  });

  it('injects the same SidecarSet file listed in the base and in the overlay once, without a result', () => {
    // Both files are the step SidecarSet/logging: the overlay's run redoes the base's injection.
    const dir = dirs.tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml]\n',
      'base/deploy.yaml': DEPLOYMENT,
      'base/logging.yaml': sidecarSetFile(LOGGING),
      'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [logging.yaml, mesh.yaml]\n',
      'overlay/logging.yaml': sidecarSetFile(LOGGING),
      'overlay/mesh.yaml': sidecarSetFile(MESH),
    });
    expectInjected(build(join(dir, 'overlay')), [LOGGING, MESH]);
  });

  it('leaves the template alone when another step applies the same SidecarSet again', () => {
    // Each transformer file is the step SidecarSet/<name>, so the base's step gets another identity.
    const dir = dirs.tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml, mesh.yaml]\n',
      'base/deploy.yaml': DEPLOYMENT,
      'base/logging.yaml': sidecarSetFile(LOGGING, { step: 'platform' }),
      'base/mesh.yaml': sidecarSetFile(MESH),
      'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [logging.yaml]\n',
      'overlay/logging.yaml': sidecarSetFile(LOGGING),
    });
    const overlay = build(join(dir, 'overlay'));
    expectInjected(overlay, [LOGGING, MESH]);
    // The overlay's step changed nothing: its output is the base's.
    expect(overlay).toEqual(build(join(dir, 'base')));
  });

  it.each([
    ['a container', { ...MESH, container: LOGGING.container }, LOGGING.container],
    ['an init container', { ...MESH, initContainer: LOGGING.initContainer }, LOGGING.initContainer],
  ])('fails when two steps inject %s of the same name from different SidecarSets, naming both', (_what, clashing, name) => {
    const dir = dirs.tree({
      'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml, mesh.yaml]\n',
      'deploy.yaml': DEPLOYMENT,
      'logging.yaml': sidecarSetFile(LOGGING),
      'mesh.yaml': sidecarSetFile(clashing),
    });
    const r = kustomizeWithPlugin(dir);
    expect(r.status, describeRun('kubectl kustomize', r)).not.toBe(0);
    expect(r.stdout).toBe('');
    const error = r.stderr.split('\n').find((line) => line.includes('[error]')) ?? '';
    expect(error, r.stderr).toContain('SidecarSet mesh ');
    expect(error, r.stderr).toContain('SidecarSet logging ');
    expect(error, r.stderr).toContain(name);
  });

  it('fails when two steps apply SidecarSets of the same name with different specs, naming the other step', () => {
    const dir = dirs.tree({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [logging.yaml]\n',
      'base/deploy.yaml': DEPLOYMENT,
      'base/logging.yaml': sidecarSetFile(LOGGING, { step: 'platform' }),
      'overlay/kustomization.yaml': 'resources: [../base]\ntransformers: [logging.yaml]\n',
      'overlay/logging.yaml': sidecarSetFile({ ...LOGGING, image: 'fluent/fluent-bit:3.1' }),
    });
    const r = kustomizeWithPlugin(join(dir, 'overlay'));
    expect(r.status, describeRun('kubectl kustomize', r)).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/\[error\].*SidecarSet logging\b.*\(platform\)/);
  });
});

// ---- kpt ----

const KPT = 'several SidecarSet steps with kpt fn render';

/** A Kptfile whose mutators run the function once per config path (without a config where there is none). */
function execMutatorsKptfile(name: string, configPaths: readonly (string | undefined)[]): string {
  const mutators = configPaths.map((path) => `  - exec: inject-sidecarsets${path ? `\n    configPath: ${path}` : ''}`);
  return kptfile(name, ['mutators:', ...mutators, ''].join('\n'));
}

describe.skipIf(skipWithout(KPT, ['kpt']))(KPT, () => {
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(['kpt']);
    env = bundleOnPath(dirs.make).env;
  });

  /** Renders in place: exit 0, and the results of every function run. */
  const render = (pkg: string): KptResult[] => kptRenderResults(pkg, env, dirs.make);

  /** Renders twice: no warning or error but those `expected`, and the second render changes no byte. */
  const renderTwice = (pkg: string, expected: readonly RegExp[] = []): void => {
    expect(problems(render(pkg), expected)).toEqual([]);
    const first = snapshot(pkg);
    expect(problems(render(pkg), expected)).toEqual([]);
    expect(snapshot(pkg)).toEqual(first);
  };

  it('keeps both sidecars of two exec mutators in one pipeline, and a second render changes nothing', () => {
    const pkg = dirs.tree({
      Kptfile: execMutatorsKptfile('shop', ['logging.yaml', 'mesh.yaml']),
      'deploy.yaml': DEPLOYMENT,
      'logging.yaml': sidecarSetFile(LOGGING, { localConfig: true }),
      'mesh.yaml': sidecarSetFile(MESH, { localConfig: true }),
    });
    renderTwice(pkg);
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING, MESH]);
    expect(readFileSync(join(pkg, 'logging.yaml'), 'utf8')).toBe(sidecarSetFile(LOGGING, { localConfig: true }));
  });

  it("keeps the subpackage's sidecar when the parent's pipeline injects another, and a second render changes nothing", () => {
    const pkg = dirs.tree({
      Kptfile: execMutatorsKptfile('platform', ['logging.yaml']),
      'logging.yaml': sidecarSetFile(LOGGING, { localConfig: true }),
      'app/Kptfile': execMutatorsKptfile('app', ['mesh.yaml']),
      'app/mesh.yaml': sidecarSetFile(MESH, { localConfig: true }),
      'app/deploy.yaml': DEPLOYMENT,
    });
    renderTwice(pkg);
    expectInjected(web(join(pkg, 'app/deploy.yaml')), [LOGGING, MESH]);
  });

  it('strips a SidecarSet removed from its List on the next render in place, like a fresh render without it', () => {
    const files = { Kptfile: execMutatorsKptfile('shop', ['sidecarsets.yaml']), 'deploy.yaml': DEPLOYMENT };
    const pkg = dirs.tree({ ...files, 'sidecarsets.yaml': listFile('sidecarsets', [LOGGING, MESH], { localConfig: true }) });
    expect(problems(render(pkg), [ORDER_WARNING])).toEqual([]);
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING, MESH]);

    const reduced = listFile('sidecarsets', [LOGGING], { localConfig: true });
    writeFileSync(join(pkg, 'sidecarsets.yaml'), reduced);
    expectOneRemoval(render(pkg), 'List/sidecarsets');
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING], [MESH]);

    const fresh = dirs.tree({ ...files, 'sidecarsets.yaml': reduced });
    expect(problems(render(fresh))).toEqual([]);
    expect(readFileSync(join(pkg, 'deploy.yaml'), 'utf8')).toBe(readFileSync(join(fresh, 'deploy.yaml'), 'utf8'));
  });

  it('strips the sidecar of a SidecarSet file deleted from the package (SidecarSets among the items) on the next render', () => {
    const files = { Kptfile: execMutatorsKptfile('shop', [undefined]), 'deploy.yaml': DEPLOYMENT, 'logging.yaml': sidecarSetFile(LOGGING) };
    const pkg = dirs.tree({ ...files, 'mesh.yaml': sidecarSetFile(MESH) });
    renderTwice(pkg, [ORDER_WARNING]);
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING, MESH]);

    rmSync(join(pkg, 'mesh.yaml'));
    expectOneRemoval(render(pkg), 'items');
    expectInjected(web(join(pkg, 'deploy.yaml')), [LOGGING], [MESH]);

    const fresh = dirs.tree(files);
    expect(problems(render(fresh))).toEqual([]);
    expect(readFileSync(join(pkg, 'deploy.yaml'), 'utf8')).toBe(readFileSync(join(fresh, 'deploy.yaml'), 'utf8'));
  });
});

// ---- command-line mode ----

const CLI = 'several SidecarSet steps in command-line mode';

describe.skipIf(skipWithout(CLI, ['node']))(CLI, () => {
  beforeAll(() => assertTools(['node']));

  /** The results on stderr (`[severity] resource field: message (file)`) as results. */
  const stderrResults = (stderr: string): KptResult[] =>
    stderr.split('\n').flatMap((line) => {
      const m = /^\[(\w+)\] \S+ (?:\S+: )?(.*)$/.exec(line);
      return m ? [{ severity: m[1], message: m[2] }] : [];
    });

  /** One run: exit 0, and no warning or error on stderr but those `expected`. */
  const inject = (config: string, paths: readonly string[], input?: string, expected: readonly RegExp[] = []): string => {
    const r = runCommand('node', [BUNDLE, '--config', config, ...paths], input === undefined ? {} : { input });
    expect(r.status, describeRun(`--config ${config} ${paths.join(' ')}`, r)).toBe(0);
    expect(problems(stderrResults(r.stderr), expected), describeRun('stderr', r)).toEqual([]);
    return r.stdout;
  };

  const dir = (): string =>
    dirs.tree({
      'logging.yaml': sidecarSetFile(LOGGING),
      'mesh.yaml': sidecarSetFile(MESH),
      'both.yaml': listFile('platform', [LOGGING, MESH]),
      'only-logging.yaml': listFile('platform', [LOGGING]),
      'app/deploy.yaml': DEPLOYMENT,
    });

  it('keeps both sidecars through `--config a.yaml app/ | --config b.yaml -`, and the chain changes nothing on its own output', () => {
    const root = dir();
    // The first run's stdout is the second run's stdin, as in a shell pipe.
    const chain = (paths: readonly string[], input?: string): string =>
      inject(join(root, 'mesh.yaml'), ['-'], inject(join(root, 'logging.yaml'), paths, input));

    const output = chain([join(root, 'app')]);
    expectInjected(find(parseStream(output), 'Deployment', 'web'), [LOGGING, MESH]);

    writeFileSync(join(root, 'rendered.yaml'), output);
    expect(chain([join(root, 'rendered.yaml')])).toBe(output);
    expect(chain(['-'], output)).toBe(output);
  });

  it('strips a SidecarSet removed from the config when run on committed output, like a fresh run without it', () => {
    const root = dir();
    writeFileSync(join(root, 'rendered.yaml'), inject(join(root, 'both.yaml'), [join(root, 'app')], undefined, [ORDER_WARNING]));
    const r = runCommand('node', [BUNDLE, '--config', join(root, 'only-logging.yaml'), join(root, 'rendered.yaml')]);
    expect(r.status, describeRun('clean-up run', r)).toBe(0);
    expectOneRemoval(stderrResults(r.stderr), 'List/platform');
    expectInjected(find(parseStream(r.stdout), 'Deployment', 'web'), [LOGGING], [MESH]);
    expect(r.stdout).toBe(inject(join(root, 'only-logging.yaml'), [join(root, 'app')]));
  });
});
