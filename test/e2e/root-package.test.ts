// The repository is a kpt package (root Kptfile + .krmignore): `kpt fn render` on a copy of it
// injects demo/, renders the catalog examples as subpackages, and a second render changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, copyFileSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, BUNDLE, assertTools, describeRun, run, skipWithout, tempDirs } from './helpers.js';

const skip = skipWithout('root kpt package', ['kpt', 'git']);

describe.skipIf(skip)('the repository as a kpt package', () => {
  const temp = tempDirs('inject-root');
  let pkg: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(['kpt', 'git']);
    const bin = temp.make();
    symlinkSync(BUNDLE, join(bin, 'inject-sidecarsets'));
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    pkg = join(temp.make(), 'repo');
    const files = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT }).stdout.split('\0').filter(Boolean);
    for (const f of files) {
      mkdirSync(dirname(join(pkg, f)), { recursive: true });
      try {
        copyFileSync(join(ROOT, f), join(pkg, f));
      } catch {
        // listed by git but deleted in the work tree
      }
    }
  });
  afterAll(() => temp.cleanup());

  it('renders the demo, twice without drift', () => {
    const first = run('kpt', ['fn', 'render', '--allow-exec', pkg], { env });
    expect(first.status, describeRun('render', first)).toBe(0);
    const web = readFileSync(join(pkg, 'demo/web.yaml'), 'utf8');
    expect(web).toContain('name: log-agent');
    expect(web.match(/# The shop's web frontend\./g)).toHaveLength(1);
    const snapshot = new Map(readdirSync(pkg, { recursive: true, encoding: 'utf8' }).map((f) => [f, safeRead(join(pkg, f))]));
    const second = run('kpt', ['fn', 'render', '--allow-exec', pkg], { env });
    expect(second.status, describeRun('second render', second)).toBe(0);
    for (const [f, text] of snapshot) expect(safeRead(join(pkg, f)), f).toBe(text);
  });
});

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
