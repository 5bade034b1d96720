// The catalog examples as golden tests, rendered by the real kpt: each package's files after
// `kpt fn render` must equal `.expected/files/`, kpt's results file must equal
// `.expected/results.yaml`, and a second render must change nothing.
// UPDATE_EXPECTED=1 npx vitest run test/examples.test.ts rewrites the expected files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { ROOT, assertTools, bundleOnPath, describeRun, kptRender, skipWithout, tempDirs } from './e2e/helpers.js';

// Catalog examples, and failing cases that cannot be catalog examples: a failing package must not
// be picked up by a kpt render of a directory above it (a Kptfile anywhere below makes a subpackage),
// so their Kptfile is stored as `Kptfile.fixture` and renamed in the copy.
const SOURCES = [join(ROOT, 'functions/inject-sidecarsets/examples'), join(ROOT, 'test/fixtures/render')];
const update = process.env.UPDATE_EXPECTED === '1';
const examples = SOURCES.flatMap((dir) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => relative(ROOT, join(dir, d.name))),
).sort();
const skip = skipWithout('catalog examples (kpt fn render)', ['kpt']);

/** The package's own scaffolding, compared with the source instead of stored twice (a Kptfile under .expected would make it a subpackage). */
const SCAFFOLDING = new Set(['Kptfile', 'Kptfile.fixture', 'README.md', '.krmignore']);

function packageFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.expected') walk(p);
      } else files.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

describe.skipIf(skip)('catalog examples', () => {
  const temp = tempDirs('inject-examples');
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    assertTools(['kpt']);
    env = bundleOnPath(temp.make).env;
  });
  afterAll(() => temp.cleanup());

  const render = (pkg: string, results: string) => kptRender(pkg, results, env);

  it.each(examples)('%s', (example) => {
    const source = join(ROOT, example);
    const name = example.split('/').pop() as string;
    const expectedDir = join(source, '.expected');
    const config = existsSync(join(expectedDir, 'config.yaml'))
      ? (parse(readFileSync(join(expectedDir, 'config.yaml'), 'utf8')) ?? {})
      : {};
    const wantExit = config.exitCode ?? 0;
    const work = temp.make();
    const pkg = join(work, name);
    cpSync(source, pkg, { recursive: true, filter: (p) => !p.includes('/.expected') });
    if (existsSync(join(pkg, 'Kptfile.fixture'))) renameSync(join(pkg, 'Kptfile.fixture'), join(pkg, 'Kptfile'));

    const first = render(pkg, join(work, 'results1'));
    expect(first.status, describeRun('first render', first)).toBe(wantExit);
    const after = packageFiles(pkg);
    for (const file of SCAFFOLDING) {
      if (existsSync(join(source, file)) && file !== 'Kptfile.fixture')
        expect(after.get(file), file).toBe(readFileSync(join(source, file), 'utf8'));
      after.delete(file);
    }
    const results = readFileSync(join(work, 'results1', 'results.yaml'), 'utf8');

    if (update) {
      rmSync(join(expectedDir, 'files'), { recursive: true, force: true });
      for (const [file, text] of after) {
        mkdirSync(join(expectedDir, 'files', file, '..'), { recursive: true });
        writeFileSync(join(expectedDir, 'files', file), text);
      }
      writeFileSync(join(expectedDir, 'results.yaml'), results);
      if (!existsSync(join(expectedDir, 'config.yaml'))) writeFileSync(join(expectedDir, 'config.yaml'), `exitCode: ${first.status}\n`);
      mkdirSync(join(expectedDir, 'files'), { recursive: true });
    }
    const expected = packageFiles(join(expectedDir, 'files'));
    expect([...after.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [file, text] of expected) expect(after.get(file), `${name}/${file}`).toBe(text);
    expect(results).toBe(readFileSync(join(expectedDir, 'results.yaml'), 'utf8'));

    // Idempotency under kpt: a second render over the rendered package changes no byte.
    if (wantExit === 0) {
      const second = render(pkg, join(work, 'results2'));
      expect(second.status, describeRun('second render', second)).toBe(0);
      const again = packageFiles(pkg);
      for (const file of SCAFFOLDING) again.delete(file);
      expect(again).toEqual(after);
      expect(readFileSync(join(work, 'results2', 'results.yaml'), 'utf8')).not.toMatch(/message: injected/);
    }
  });
});
