// Shared plumbing of the end-to-end tests: tool detection, temp dirs, child processes, the podman
// environment and the function image (built once per test file that needs it).
import { expect } from 'vitest';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { deploymentHead, indent } from '../helpers/manifest-text.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BUNDLE = join(ROOT, 'dist/inject-sidecarsets.js');
export const PLUGIN_HOME = join(ROOT, 'deploy/kustomize-plugin');
export const NODE_BASE_IMAGE = 'localhost/node-base:20';
/** The image's one name, which scripts/build-image.sh gives it and every document uses. */
export const FUNCTION_IMAGE = `ghcr.io/inject-sidecarsets/inject-sidecarsets:v${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}`;
/** The `docker` that execs podman, for kustomize's `container:` functions. */
export const DOCKER_SHIM_DIR = join(ROOT, 'scripts/docker-shim');

export function onPath(tool: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Whether a suite that needs `tools` must be skipped: only when one is missing and CI is unset.
 * In CI the suite runs and `assertTools` fails it, so a broken CI image cannot pass silently.
 */
export function skipWithout(suite: string, tools: readonly string[]): boolean {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length === 0 || process.env.CI) return false;
  console.warn(`[e2e] skipping "${suite}": ${missing.join(', ')} not on PATH (with CI set this is a failure)`);
  return true;
}

/** For beforeAll of a suite gated by `skipWithout`: the tools and the built bundle must exist. */
export function assertTools(tools: readonly string[]): void {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length > 0) throw new Error(`required tools not on PATH: ${missing.join(', ')}`);
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` (npm test does it first)`);
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCommand(command: string, args: readonly string[], options: SpawnSyncOptions = {}): Run {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error) return { status: null, stdout: '', stderr: String(r.error) };
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function describeRun(what: string, r: Run): string {
  return `${what}: exit ${r.status}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout.slice(0, 4000)}`;
}

type FileTree = Record<string, string | [string, number]>;

/** Scratch directories: `make` an empty one, or a `tree` holding files (see writeTree); `cleanup` removes every one made. */
export function tempDirs(prefix: string): { make: () => string; tree: (files: FileTree) => string; cleanup: () => void } {
  const made: string[] = [];
  const make = () => {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    made.push(dir);
    return dir;
  };
  return {
    make,
    tree: (files) => {
      const dir = make();
      writeTree(dir, files);
      return dir;
    },
    cleanup: () => {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes `files` (relative path → content) under `dir`; a mode may follow as [content, mode]. */
export function writeTree(dir: string, files: FileTree): void {
  for (const [rel, spec] of Object.entries(files)) {
    const [content, mode] = typeof spec === 'string' ? [spec, 0o644] : spec;
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode });
  }
}

/**
 * A new directory (from `makeDir`) holding this checkout's bundle as `inject-sidecarsets`, and an
 * environment with that directory first on PATH: where kpt finds `exec: inject-sidecarsets`.
 */
export function bundleOnPath(makeDir: () => string): { bin: string; env: NodeJS.ProcessEnv } {
  const bin = makeDir();
  symlinkSync(BUNDLE, join(bin, 'inject-sidecarsets'));
  return { bin, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } };
}

/** `kubectl kustomize` of `dir` with this checkout's legacy exec plugin, which runs the bundle unless `pluginEnv` says otherwise. */
export function kustomizeWithPlugin(dir: string, pluginEnv: NodeJS.ProcessEnv = { INJECT_SIDECARSETS_BIN: BUNDLE }): Run {
  return runCommand('kubectl', ['kustomize', '--enable-alpha-plugins', dir], {
    env: { ...process.env, KUSTOMIZE_PLUGIN_HOME: PLUGIN_HOME, ...pluginEnv },
  });
}

/** `kpt fn render` of `pkg` in place, exec functions allowed, kpt's record of the run written to `resultsDir`. */
export function kptRender(pkg: string, resultsDir: string, env: NodeJS.ProcessEnv): Run {
  return runCommand('kpt', ['fn', 'render', '--allow-exec', '--truncate-output=false', '--results-dir', resultsDir, pkg], { env });
}

/** One result of a function run, as kpt records it. */
export interface KptResult {
  message?: string;
  severity?: string;
}

/** The results of every function run that kpt recorded in `resultsDir`. */
function kptResults(resultsDir: string): KptResult[] {
  const list = YAML.parse(readFileSync(join(resultsDir, 'results.yaml'), 'utf8')) as { items?: { results?: KptResult[] }[] };
  return (list.items ?? []).flatMap((item) => item.results ?? []);
}

/** Renders `pkg` in place, which must exit 0, with its record in a new directory from `makeDir`: the results of every function run. */
export function kptRenderResults(pkg: string, env: NodeJS.ProcessEnv, makeDir: () => string): KptResult[] {
  const resultsDir = makeDir();
  const r = kptRender(pkg, resultsDir, env);
  expect(r.status, describeRun('kpt fn render', r)).toBe(0);
  return kptResults(resultsDir);
}

// ---- Kubernetes objects in test output ----

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export function parseStream(text: string): KubeObject[] {
  return YAML.parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`invalid YAML in output: ${d.errors[0]!.message}`);
      return d.toJS() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null && o !== undefined);
}

export function parseResourceList(text: string): { items: KubeObject[]; results: Record<string, unknown>[] } {
  const list = YAML.parse(text) as { kind?: string; items?: KubeObject[]; results?: Record<string, unknown>[] };
  if (list?.kind !== 'ResourceList') throw new Error(`not a ResourceList:\n${text.slice(0, 2000)}`);
  return { items: list.items ?? [], results: list.results ?? [] };
}

export function find(objects: readonly KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`${kind}/${name} not in output: ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found;
}

/** Container names of the pod template of a Deployment-like object. */
export function templateContainers(workload: KubeObject): string[] {
  const template = (workload.spec as { template?: { spec?: { containers?: { name: string }[] } } } | undefined)?.template;
  return (template?.spec?.containers ?? []).map((c) => c.name);
}

/** Annotations that orchestrators use among themselves and that must never reach a cluster. */
const ORCHESTRATOR_ANNOTATION =
  /^(internal\.config\.kubernetes\.io\/|kustomize\.config\.k8s\.io\/|config\.k8s\.io\/id$|config\.kubernetes\.io\/(path|index|id)$)/;

export function orchestratorAnnotations(objects: readonly KubeObject[]): string[] {
  return objects.flatMap((o) =>
    Object.keys(o.metadata?.annotations ?? {})
      .filter((key) => ORCHESTRATOR_ANNOTATION.test(key))
      .map((key) => `${o.kind}/${o.metadata?.name}: ${key}`),
  );
}

// ---- Fixtures shared by the suites ----

export const DEPLOYMENT = `${deploymentHead('web', { replicas: 1 })}    spec:
      containers:
        - name: app   # the application
          image: nginx:1.27
`;

export const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
`;

export function sidecarSet(
  apiVersion: 'apps.kruise.io/v1alpha1' | 'apps.kruise.io/v1beta1',
  options: { name?: string; matchLabels?: Record<string, string>; namespace?: string } = {},
): string {
  const labels = Object.entries(options.matchLabels ?? { app: 'web' })
    .map(([k, v]) => `      ${k}: ${v}`)
    .join('\n');
  return `apiVersion: ${apiVersion}
kind: SidecarSet
metadata:
  name: ${options.name ?? 'log-agent'}
spec:
${options.namespace ? `  namespace: ${options.namespace}\n` : ''}  selector:
    matchLabels:
${labels}
  containers:
    - name: ${options.name ?? 'log-agent'}
      image: busybox:1.36
      command: ["sleep", "infinity"]
`;
}

/** A kustomization of DEPLOYMENT and SERVICE with one transformer, `sidecarSetFile`. */
export function webAppKustomization(sidecarSetFile: string): Record<string, string> {
  return {
    'kustomization.yaml': 'resources: [deploy.yaml, service.yaml]\ntransformers: [sidecarset.yaml]\n',
    'deploy.yaml': DEPLOYMENT,
    'service.yaml': SERVICE,
    'sidecarset.yaml': sidecarSetFile,
  };
}

/**
 * `kubectl kustomize` of webAppKustomization succeeded: the sidecar log-agent is injected, the
 * transformer is not a resource of the build, and no orchestrator annotation is left.
 */
export function expectWebAppInjected(r: Run): void {
  expect(r.status, describeRun('kubectl kustomize', r)).toBe(0);
  const objects = parseStream(r.stdout);
  expect(templateContainers(find(objects, 'Deployment', 'web'))).toContain('log-agent');
  expect(objects.map((o) => o.kind).sort()).toEqual(['Deployment', 'Service']);
  expect(orchestratorAnnotations(objects)).toEqual([]);
}

/**
 * A kustomization whose Deployment runs as `default` with two explicit token volumes, and a
 * SidecarSet (the transformer, with `annotations` if given) that gives it the ServiceAccount
 * log-shipper: the function removes the legacy token secret and keeps the projected token with an
 * audience, each with a warning (`TOKEN_VOLUME_WARNINGS`).
 */
export function tokenVolumeApp(annotations = ''): Record<string, string> {
  const deployment = DEPLOYMENT.replace(
    '          image: nginx:1.27\n',
    `          image: nginx:1.27
          volumeMounts:
            - name: vault-token
              mountPath: /var/run/secrets/vault
            - name: default-token-abcde
              mountPath: /var/run/secrets/kubernetes.io/serviceaccount
      volumes:
        - name: vault-token
          projected:
            sources:
              - serviceAccountToken: {audience: vault, path: token}
        - name: default-token-abcde
          secret: {secretName: default-token-abcde}
`,
  );
  const transformer = sidecarSet('apps.kruise.io/v1beta1')
    .replace('metadata:\n  name: log-agent\n', `metadata:\n  name: log-agent\n${annotations}`)
    .replace('spec:\n', 'spec:\n  serviceAccountName: log-shipper\n');
  return {
    'kustomization.yaml': 'resources: [deploy.yaml, service-account.yaml]\ntransformers: [sidecarset.yaml]\n',
    'deploy.yaml': deployment,
    'service-account.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: log-shipper\n',
    'sidecarset.yaml': transformer,
  };
}

/** The function's warnings for tokenVolumeApp, as the lines it writes to stderr. */
export const TOKEN_VOLUME_WARNINGS = [
  /^\[warning\] apps\/v1\/Deployment\/web spec\.template\.spec\.volumes: .*kept the projected token volume\(s\) vault-token \(audience vault\)/m,
  /^\[warning\] apps\/v1\/Deployment\/web spec\.template\.spec\.volumes: .*removed the token volume\(s\) default-token-abcde and their mounts/m,
];

/** The pod template of tokenVolumeApp's output: the ServiceAccount and the volumes left. */
export function tokenVolumeOutcome(objects: readonly KubeObject[]): { serviceAccountName: unknown; volumes: string[] } {
  const spec = (
    find(objects, 'Deployment', 'web').spec as { template: { spec: { serviceAccountName?: unknown; volumes?: Array<{ name: string }> } } }
  ).template.spec;
  return { serviceAccountName: spec.serviceAccountName, volumes: (spec.volumes ?? []).map((v) => v.name) };
}

/**
 * A Kptfile of the package `name`, itself local config; `pipeline` is what goes under `pipeline:`
 * (`mutators:` or `validators:` and their functions), written from column 0.
 */
export function kptfile(name: string, pipeline: string): string {
  return `apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: ${name}
  annotations:
    config.kubernetes.io/local-config: "true"
pipeline:
${indent(pipeline, 2)}`;
}

/** A SidecarSet the function must reject: its containers are not a list. */
export const BROKEN_SIDECARSET = `apiVersion: apps.kruise.io/v1alpha1
kind: SidecarSet
metadata:
  name: broken
spec:
  selector:
    matchLabels:
      app: web
  containers: not-a-list
`;

export function resourceList(items: readonly string[], functionConfig?: string): string {
  const indent = (text: string): string =>
    text
      .trimEnd()
      .split('\n')
      .map((line, i) => (i === 0 ? `  - ${line}` : `    ${line}`))
      .join('\n');
  const config =
    functionConfig === undefined
      ? ''
      : `functionConfig:\n${functionConfig
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n')}\n`;
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items.map(indent).join('\n')}\n${config}`;
}

// ---- podman ----

/**
 * Runs scripts/podman-setup.sh (idempotent: containers.conf, local node base image) and puts its
 * CONTAINERS_CONF into this process's environment, which every child (podman, kpt, kubectl) inherits.
 */
export function preparePodman(): void {
  const r = runCommand('bash', [join(ROOT, 'scripts/podman-setup.sh')]);
  const conf = /^CONTAINERS_CONF=(.+)$/m.exec(r.stdout)?.[1];
  if (r.status !== 0 || !conf) throw new Error(describeRun('scripts/podman-setup.sh', r));
  process.env.CONTAINERS_CONF = conf;
}

/** Builds the real Dockerfile the way the README does without a registry: scripts/build-image.sh. */
export function buildFunctionImage(): void {
  const r = runCommand('bash', [join(ROOT, 'scripts/build-image.sh')]);
  if (r.status !== 0) throw new Error(describeRun('scripts/build-image.sh', { ...r, stderr: r.stderr.slice(-4000) }));
  if (r.stdout.trim() !== FUNCTION_IMAGE) throw new Error(`scripts/build-image.sh built ${r.stdout.trim()}, expected ${FUNCTION_IMAGE}`);
}
