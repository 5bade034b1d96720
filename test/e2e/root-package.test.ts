// The README's demo: `kpt fn render --allow-exec demo/` on a fresh copy of the repository changes
// no file (demo/ is committed as rendered), and no other package is touched: the repository root is
// no kpt package, so the catalog examples and fixtures are never rendered as its subpackages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, copyFileSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, assertTools, describeRun, runCommand, skipWithout, tempDirs, bundleOnPath } from './helpers.js';

const skip = skipWithout('root kpt package', ['kpt', 'git']);

describe.skipIf(skip)('the repository as a kpt package', () => {
  const temp = tempDirs('inject-root');
  let pkg: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(['kpt', 'git']);
    env = bundleOnPath(temp.make).env;
    pkg = join(temp.make(), 'repo');
    const files = runCommand('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT })
      .stdout.split('\0')
      .filter(Boolean);
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

  it('renders the demo without changing a file of the repository', () => {
    const before = snapshot(pkg);
    const render = runCommand('kpt', ['fn', 'render', '--allow-exec', join(pkg, 'demo')], { env });
    expect(render.status, describeRun('render', render)).toBe(0);
    expect(readFileSync(join(pkg, 'demo/web.yaml'), 'utf8')).toContain('name: log-agent');
    const after = snapshot(pkg);
    for (const [f, text] of before) expect(after.get(f), f).toBe(text);
    expect([...after.keys()].filter((f) => !before.has(f))).toEqual([]);
  });

  it('is no kpt package at the root', () => {
    expect(existsSync(join(ROOT, 'Kptfile'))).toBe(false);
  });
});

function snapshot(dir: string): Map<string, string | undefined> {
  return new Map(readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => [f, safeRead(join(dir, f))]));
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
