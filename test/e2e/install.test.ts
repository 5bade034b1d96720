// The README's "Install": from a checkout, with `npm install -g .` and with `npm pack` and the
// tarball, each into a scratch global prefix. The installed command must run on its own: the
// bundle has no dependencies at run time, so installing the tarball adds exactly one package.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLE, DEPLOYMENT, ROOT, assertTools, describeRun, runCommand, sidecarSet, skipWithout, tempDirs, writeTree } from './helpers.js';

const TOOLS = ['npm', 'node'];
const SUITE = 'install from a checkout';
const dirs = tempDirs('e2e-install');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  dependencies?: object;
};
const npm = (args: string[], cwd = ROOT) => runCommand('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd });

describe.skipIf(skipWithout(SUITE, TOOLS))(SUITE, () => {
  beforeAll(() => assertTools(TOOLS));
  afterAll(() => dirs.cleanup());

  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const install = readme.slice(readme.indexOf('## Install'), readme.indexOf('## What it reads'));

  /** The installed command injects a SidecarSet in command-line mode. */
  function injects(command: string): void {
    const dir = dirs.make();
    writeTree(dir, { 'deploy.yaml': DEPLOYMENT, 'sidecarset.yaml': sidecarSet('apps.kruise.io/v1alpha1') });
    const r = runCommand(command, ['--config', 'sidecarset.yaml', 'deploy.yaml'], { cwd: dir });
    expect(r.status, describeRun(command, r)).toBe(0);
    expect(r.stdout).toMatch(/- name: log-agent/);
  }

  it('documents both ways, and the published name only as future', () => {
    expect(install).toContain('npm install -g .');
    expect(install).toContain(`npm pack && npm install -g ./${pkg.name}-${pkg.version}.tgz`);
    expect(install).toMatch(/Once published, `npm install -g inject-sidecarsets`/);
    expect(readme.replace(install, '')).not.toMatch(/npm install -g inject-sidecarsets/);
  });

  it('npm pack builds first, and the tarball installs one package whose command works', () => {
    expect(pkg.scripts.prepack).toMatch(/npm run build/);
    expect(pkg.dependencies ?? {}).toEqual({});
    const out = dirs.make();
    // Without scripts: the bundle was built before the tests, and other suites are reading it now.
    const pack = npm(['pack', '--ignore-scripts', '--pack-destination', out]);
    expect(pack.status, describeRun('npm pack', pack)).toBe(0);
    expect(readdirSync(out)).toEqual([`${pkg.name}-${pkg.version}.tgz`]);
    const prefix = dirs.make();
    const r = npm(['install', '-g', '--prefix', prefix, join(out, `${pkg.name}-${pkg.version}.tgz`)]);
    expect(r.status, describeRun('npm install -g <tarball>', r)).toBe(0);
    expect(r.stdout).toMatch(/added 1 package/);
    const installed = join(prefix, 'lib/node_modules', pkg.name);
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'dist', 'package.json']);
    expect(readFileSync(join(installed, pkg.bin['inject-sidecarsets']!), 'utf8')).toBe(readFileSync(BUNDLE, 'utf8'));
    injects(join(prefix, 'bin/inject-sidecarsets'));
  });

  it('npm install -g . links the checkout', () => {
    const prefix = dirs.make();
    const r = npm(['install', '-g', '--prefix', prefix, '.']);
    expect(r.status, describeRun('npm install -g .', r)).toBe(0);
    expect(realpathSync(join(prefix, 'lib/node_modules', pkg.name))).toBe(realpathSync(ROOT));
    injects(join(prefix, 'bin/inject-sidecarsets'));
  });
});
