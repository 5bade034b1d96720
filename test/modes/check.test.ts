// Command-line mode for CI and debugging: --check and --diff (a unified diff per resource, headed
// by its file and kind/namespace/name), --explain (a report) and --uninject; --check in a git
// repository of rendered manifests, with the built bundle.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli, parseCliArgs } from '../../src/modes/cli.js';
import { onPath } from '../e2e/helpers.js';
import { deploymentHead, sidecarSetHead } from '../helpers/manifest-text.js';

const BUNDLE = join(import.meta.dirname, '../../dist/inject-sidecarsets.js');
const dir = mkdtempSync(join(tmpdir(), 'inject-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sidecarSet = (image: string) => `${sidecarSetHead('logging')}  containers:
  - name: log-agent
    image: ${image}
`;
const mesh = `${sidecarSetHead('mesh', 'mesh: "on"')}  containers:
  - name: proxy
    image: proxy:1
`;
const deployment = (name: string, namespace?: string) => `${deploymentHead(name, { namespace })}    spec:
      containers:
      - name: web
        image: nginx # pinned
`;
const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n';

const write = (path: string, text: string) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};
const config = write(join(dir, 'sidecarsets.yaml'), sidecarSet('log:1'));
const configs = write(join(dir, 'all.yaml'), `${sidecarSet('log:1')}---\n${mesh}`);
const manifests = write(join(dir, 'manifests/app.yaml'), `${deployment('web', 'shop')}---\n${service}---\n${deployment('api')}`);
/** How results and diffs name the file: relative to the working directory. */
const shown = relative('.', manifests);
const cli = (...argv: string[]) =>
  runCli(
    argv,
    () => '',
    (p) => readFileSync(p, 'utf8'),
  );
const lastLine = (text: string) => text.trimEnd().split('\n').pop();

describe('--check', () => {
  it('prints a diff per resource that would change, with its file and kind/namespace/name, and exits 1', () => {
    const out = cli('--config', config, '--check', manifests);
    expect(out.exitCode).toBe(1);
    expect(out.stdout.match(/^--- .*$/gm)).toEqual([`--- ${shown}\tDeployment/shop/web`, `--- ${shown}\tDeployment/api`]);
    expect(out.stdout).toMatch(/^\+\+\+ .*app\.yaml\tDeployment\/shop\/web\n@@ -\d+,\d+ \+\d+,\d+ @@\n/m);
    expect(out.stdout).toMatch(/^\+ {6}- name: log-agent$/m);
    expect(out.stdout).not.toContain('Service');
    expect(lastLine(out.stdout)).toBe('2 resources would change');
  });

  it('exits 0 on rendered manifests, and 1 when only an error result is left', () => {
    const rendered = write(join(dir, 'rendered/app.yaml'), cli('--config', config, manifests).stdout);
    const clean = cli('--config', config, '--check', rendered);
    expect(clean).toMatchObject({ exitCode: 0, stdout: 'no resource would change\n' });
    // A selected template the apiserver would reject: an error result, and nothing to change.
    const rejected = write(join(dir, 'rejected.yaml'), deployment('bad').replace(/containers:\n(.*\n)*/, 'containers: not-a-list\n'));
    const failed = cli('--config', config, '--check', rendered, rejected);
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toBe('no resource would change; 1 error\n');
    expect(failed.stderr).toMatch(/\[error\] apps\/v1\/Deployment\/bad/);
  });

  it('with --uninject: what taking the injection out would change', () => {
    const rendered = write(join(dir, 'rendered-u/app.yaml'), cli('--config', config, manifests).stdout);
    const out = cli('--uninject', '--check', rendered);
    expect(out.exitCode).toBe(1);
    expect(out.stdout).toMatch(/^- {6}- name: log-agent$/m);
    expect(lastLine(out.stdout)).toBe('2 resources would change');
  });
});

describe('--diff', () => {
  it('prints the same diffs and exits 0, with colour only when asked (a terminal)', () => {
    const plain = cli('--config', config, '--diff', manifests);
    expect(plain.exitCode).toBe(0);
    expect(plain.stdout).toBe(cli('--config', config, '--check', manifests).stdout.replace(/2 resources would change\n$/, ''));
    expect(plain.stdout).not.toContain('\x1b[');
    const coloured = runCli(
      ['--config', config, '--diff', manifests],
      () => '',
      (p) => readFileSync(p, 'utf8'),
      true,
    );
    expect(coloured.stdout).toContain('\x1b[32m+      - name: log-agent\x1b[0m');
    expect(coloured.stdout.replace(/\x1b\[\d+m/g, '')).toBe(plain.stdout);
  });

  it.skipIf(!onPath('script'))('colours on a terminal, not in a pipe nor with NO_COLOR (the bundle)', () => {
    const args = `'${process.execPath}' '${BUNDLE}' --config '${config}' --diff '${manifests}'`;
    const tty = (env: Record<string, string> = {}) =>
      spawnSync('script', ['-qec', args, '/dev/null'], { encoding: 'utf8', env: { ...process.env, ...env } }).stdout;
    expect(tty()).toContain('\x1b[32m');
    expect(tty({ NO_COLOR: '1' })).not.toContain('\x1b[');
    const piped = spawnSync(process.execPath, [BUNDLE, '--config', config, '--diff', manifests], { encoding: 'utf8' });
    expect(piped.stdout).not.toContain('\x1b[');
  });
});

describe('--explain', () => {
  it('reports every template against every SidecarSet, and exits 0', () => {
    const out = cli('--config', configs, '--explain', manifests);
    expect(out.exitCode, out.stderr).toBe(0);
    expect(out.stdout).toBe(
      `Deployment shop/web (${shown})
  pod template spec.template, namespace shop
    logging  injected      containers log-agent
    mesh     not injected  selector: matchLabels mesh=on: the template has no label mesh

Deployment api (${shown}#2)
  pod template spec.template, namespace default
    logging  injected      containers log-agent
    mesh     not injected  selector: matchLabels mesh=on: the template has no label mesh
`,
    );
  });

  it('is limited to one workload by KIND/NAME or NAME, and says when none has that name', () => {
    expect(cli('--config', configs, '--explain', 'deployment/api', manifests).stdout).toMatch(/^Deployment api /);
    expect(cli('--config', configs, '--explain=web', manifests).stdout).toMatch(/^Deployment shop\/web [^]*mesh[^]*$/);
    expect(cli('--config', configs, '--explain', 'web', manifests).stdout.match(/^Deployment/gm)).toHaveLength(1);
    const none = cli('--config', configs, '--explain', 'StatefulSet/web', manifests);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/no workload with a pod template is named StatefulSet\/web/);
  });

  it('takes the argument after --explain for a path when no other path follows', () => {
    expect(parseCliArgs(['--explain', 'manifests'])).toMatchObject({ explain: {}, paths: ['manifests'] });
    expect(parseCliArgs(['--explain', 'web', 'manifests'])).toMatchObject({ explain: { filter: 'web' }, paths: ['manifests'] });
    expect(parseCliArgs(['manifests', '--explain'])).toMatchObject({ explain: {}, paths: ['manifests'] });
    expect(parseCliArgs(['--explain', '--diff', 'm'])).toMatch(/--explain writes a report/);
    expect(parseCliArgs(['--uninject=', 'm'])).toMatch(/--uninject= needs a value/);
    expect(cli('--explain', '--check', manifests).exitCode).toBe(2);
  });
});

describe('--uninject', () => {
  it('gives back the manifests as they were before injection, and one step alone with --uninject=STEP', () => {
    const source = readFileSync(manifests, 'utf8');
    const rendered = cli('--config', config, manifests).stdout;
    const both = runCli(
      ['--config', join(dir, 'mesh.yaml'), '-'],
      () => rendered.replace(/app: web\n {4}spec:/g, 'app: web\n        mesh: "on"\n    spec:'),
      (p) => (p.endsWith('mesh.yaml') ? mesh : readFileSync(p, 'utf8')),
    );
    expect(runCli(['--uninject', '-'], () => rendered).stdout).toBe(source);
    const onlyMesh = runCli(['--uninject=SidecarSet/mesh', '-'], () => both.stdout);
    expect(onlyMesh.stdout).toContain('name: log-agent');
    expect(onlyMesh.stdout).not.toContain('name: proxy');
  });
});

describe.skipIf(!onPath('git'))('--check in a git repository of rendered manifests', () => {
  it('passes on the committed rendering, fails on a stale one, and writes nothing', () => {
    const repo = mkdtempSync(join(dir, 'repo-'));
    const git = (...args: string[]) =>
      spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });
    const bundle = (...args: string[]) => spawnSync(process.execPath, [BUNDLE, ...args], { cwd: repo, encoding: 'utf8' });
    expect(git('init', '-q').status).toBe(0);
    write(join(repo, 'platform/sidecarsets.yaml'), sidecarSet('log:1'));
    write(join(repo, 'src/web.yaml'), deployment('web', 'shop'));
    write(join(repo, 'src/api.yaml'), `${deployment('api')}---\n${service}`);
    for (const name of ['web.yaml', 'api.yaml']) {
      const r = bundle('--config', 'platform/sidecarsets.yaml', `src/${name}`);
      expect(r.status, r.stderr).toBe(0);
      write(join(repo, 'rendered', name), r.stdout);
    }
    expect(git('add', '.').status).toBe(0);
    expect(git('commit', '-qm', 'rendered').status).toBe(0);

    const clean = bundle('--config', 'platform/sidecarsets.yaml', '--check', 'rendered');
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toBe('no resource would change\n');

    write(join(repo, 'platform/sidecarsets.yaml'), sidecarSet('log:2'));
    const stale = bundle('--config', 'platform/sidecarsets.yaml', '--check', 'rendered');
    expect(stale.status).toBe(1);
    expect(stale.stdout).toMatch(/^--- rendered\/api\.yaml\tDeployment\/api$/m);
    expect(stale.stdout).toMatch(/^--- rendered\/web\.yaml\tDeployment\/shop\/web$/m);
    expect(stale.stdout).toMatch(/^- {8}image: log:1$/m);
    expect(stale.stdout).toMatch(/^\+ {8}image: log:2$/m);
    expect(lastLine(stale.stdout)).toBe('2 resources would change');
    expect(git('status', '--porcelain').stdout).toBe(' M platform/sidecarsets.yaml\n');
  });
});
