// A local stand-in for argocd-cmp-server's generate path (no cluster, no gRPC), following what the
// sidecar does with one manifest request:
//   1. copies the repository to a fresh work dir, without .git, with every file reset to 0644 and
//      every directory to 0755 unless the plugin sets preserveFileMode;
//   2. builds the environment: the sidecar's own, ARGOCD_APP_*, KUBE_*, ARGOCD_ENV_<name> for each
//      plugin env entry ($ARGOCD_APP_* expanded in values), ARGOCD_APP_PARAMETERS and PARAM_*;
//   3. runs discover (reported, not enforced), init and generate in the app dir, each with a timeout;
//   4. parses stdout like the repo-server: a YAML or JSON stream, objects with an `items` array
//      unpacked, every object needing apiVersion, kind and metadata.name.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import YAML from 'yaml';

export interface PluginCommand {
  command: string[];
  args?: string[];
}

export interface PluginSpec {
  version?: string;
  init?: PluginCommand;
  generate: PluginCommand;
  discover?: { fileName?: string; find?: PluginCommand & { glob?: string } };
  preserveFileMode?: boolean;
}

export type Parameter =
  { name: string; string: string } | { name: string; array: string[] } | { name: string; map: Record<string, string> };

export interface Application {
  name: string;
  namespace: string;
  project?: string;
  revision?: string;
  repoURL?: string;
  targetRevision?: string;
}

export interface CmpRequest {
  pluginFile: string;
  repo: string;
  /** The Application's source path, relative to the repository root. */
  appPath: string;
  app: Application;
  /** spec.source.plugin.env: names without the ARGOCD_ENV_ prefix. */
  pluginEnv?: Record<string, string>;
  parameters?: Parameter[];
  /** The sidecar container's environment. */
  sidecarEnv?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface CmpResponse {
  /** undefined when the plugin has no discover rule. */
  discovered: boolean | undefined;
  /** The error the repo-server would report, or undefined on success. */
  error: string | undefined;
  stdout: string;
  stderr: string;
  manifests: Manifest[];
}

export function readPlugin(file: string): { name: string; spec: PluginSpec } {
  const plugin = YAML.parse(readFileSync(file, 'utf8')) as {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string };
    spec?: PluginSpec;
  };
  if (plugin?.apiVersion !== 'argoproj.io/v1alpha1' || plugin.kind !== 'ConfigManagementPlugin' || !plugin.metadata?.name) {
    throw new Error(`${file}: need apiVersion argoproj.io/v1alpha1, kind ConfigManagementPlugin and metadata.name`);
  }
  if (!plugin.spec?.generate?.command?.length) throw new Error(`${file}: spec.generate.command is required`);
  const name = plugin.spec.version ? `${plugin.metadata.name}-${plugin.spec.version}` : plugin.metadata.name;
  return { name, spec: plugin.spec };
}

export function simulateGenerate(request: CmpRequest): CmpResponse {
  const { spec } = readPlugin(request.pluginFile);
  const work = mkdtempSync(join(tmpdir(), '_cmp_server-'));
  try {
    cpSync(request.repo, work, { recursive: true, filter: (source) => basename(source) !== '.git' });
    if (!spec.preserveFileMode) resetModes(work);
    const appDir = join(work, request.appPath);
    const env = environment(request);
    const timeout = request.timeoutMs ?? 90_000;

    let stderr = '';
    const exec = (c: PluginCommand): { ok: boolean; stdout: string; error: string } => {
      const argv = [...c.command, ...(c.args ?? [])];
      const r = spawnSync(argv[0]!, argv.slice(1), { cwd: appDir, env, encoding: 'utf8', timeout, maxBuffer: 256 * 1024 * 1024 });
      stderr += r.stderr ?? '';
      if (r.error || r.status !== 0) {
        const why = r.error ? String(r.error) : (r.stderr ?? '').trim() || `exit status ${r.status}`;
        return { ok: false, stdout: r.stdout ?? '', error: `${argv.join(' ')}: ${why}` };
      }
      return { ok: true, stdout: r.stdout, error: '' };
    };

    const discovered = discover(spec, appDir, exec);
    if (spec.init) {
      const init = exec(spec.init);
      if (!init.ok) return { discovered, error: init.error, stdout: '', stderr, manifests: [] };
    }
    const generated = exec(spec.generate);
    if (!generated.ok) return { discovered, error: generated.error, stdout: generated.stdout, stderr, manifests: [] };
    const parsed = parseManifests(generated.stdout);
    return { discovered, stdout: generated.stdout, stderr, ...parsed };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function resetModes(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      chmodSync(path, 0o755);
      resetModes(path);
    } else if (entry.isFile()) {
      chmodSync(path, 0o644);
    }
  }
}

function environment(request: CmpRequest): NodeJS.ProcessEnv {
  const revision = request.app.revision ?? '0123456789abcdef0123456789abcdef01234567';
  const build: Record<string, string> = {
    ARGOCD_APP_NAME: request.app.name,
    ARGOCD_APP_NAMESPACE: request.app.namespace,
    ARGOCD_APP_PROJECT_NAME: request.app.project ?? 'default',
    ARGOCD_APP_REVISION: revision,
    ARGOCD_APP_REVISION_SHORT: revision.slice(0, 7),
    ARGOCD_APP_REVISION_SHORT_8: revision.slice(0, 8),
    ARGOCD_APP_SOURCE_PATH: request.appPath,
    ARGOCD_APP_SOURCE_REPO_URL: request.app.repoURL ?? 'https://git.example.com/apps.git',
    ARGOCD_APP_SOURCE_TARGET_REVISION: request.app.targetRevision ?? 'HEAD',
    KUBE_VERSION: '1.32.0',
    KUBE_API_VERSIONS: 'v1,apps/v1,batch/v1,apps.kruise.io/v1alpha1,apps.kruise.io/v1beta1',
  };
  const expand = (value: string): string =>
    value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => build[name] ?? whole);
  const env: NodeJS.ProcessEnv = { ...(request.sidecarEnv ?? process.env), ...build };
  for (const [name, value] of Object.entries(request.pluginEnv ?? {})) env[`ARGOCD_ENV_${name}`] = expand(value);

  const parameters = request.parameters ?? [];
  if (parameters.length > 0) {
    env.ARGOCD_APP_PARAMETERS = JSON.stringify(parameters);
    const escape = (s: string): string => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    for (const p of parameters) {
      const base = `PARAM_${escape(p.name)}`;
      if ('string' in p) env[base] = p.string;
      if ('array' in p) p.array.forEach((v, i) => (env[`${base}_${i}`] = v));
      if ('map' in p) for (const [k, v] of Object.entries(p.map)) env[`${base}_${escape(k)}`] = v;
    }
  }
  return env;
}

function discover(spec: PluginSpec, appDir: string, exec: (c: PluginCommand) => { ok: boolean; stdout: string }): boolean | undefined {
  if (spec.discover?.fileName) {
    const pattern = globToRegExp(spec.discover.fileName);
    return listRelative(appDir).some((file) => pattern.test(file));
  }
  if (spec.discover?.find?.glob) throw new Error('cmp-sim: discover.find.glob is not simulated');
  if (spec.discover?.find?.command) {
    const r = exec(spec.discover.find);
    return r.ok && r.stdout.trim() !== '';
  }
  return undefined;
}

/** Go filepath.Glob syntax: `*` and `?` never cross a `/`. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((ch) => (ch === '*' ? '[^/]*' : ch === '?' ? '[^/]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

function listRelative(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => relative('.', p).split(sep).join('/'));
}

function parseManifests(stdout: string): { error: string | undefined; manifests: Manifest[] } {
  const manifests: Manifest[] = [];
  for (const doc of YAML.parseAllDocuments(stdout)) {
    if (doc.errors.length > 0) return { error: `failed to unmarshal manifest: ${doc.errors[0]!.message}`, manifests: [] };
    const value = doc.toJS() as Record<string, unknown> | null;
    if (value === null || value === undefined) continue;
    const objects = Array.isArray(value.items) ? (value.items as unknown[]) : [value];
    for (const object of objects) {
      const o = object as Partial<Manifest> | null;
      if (!o?.apiVersion || !o.kind || !o.metadata?.name) {
        return { error: `not a Kubernetes object: ${JSON.stringify(object).slice(0, 200)}`, manifests: [] };
      }
      manifests.push(o as Manifest);
    }
  }
  return { error: undefined, manifests };
}
