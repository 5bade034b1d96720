// The layer order ARCHITECTURE.md states is the one the imports follow: a module imports only from
// its own folder or from folders below it, and no files import each other in a cycle.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') ? [relative(src, path)] : [];
  });
}

/** The relative imports of a module (static imports, re-exports, `import()` types), as paths under src/. */
function importsOf(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g)].map(
    (m) => m[1] ?? m[2],
  );
  return specifiers.filter((s) => s.startsWith('.')).map((s) => normalize(join(dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** The layers, lowest first, from the line of ARCHITECTURE.md that states them. */
function statedLayers(): string[] {
  const line = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Layer order'));
  if (!line) throw new Error('ARCHITECTURE.md states no "Layer order" line');
  return [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\/$|\.ts$/, ''));
}

/** A module's layer: its top folder, or for a module at the top of src/ its name without .ts (run.ts is in run/'s layer). */
const layerOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : file.replace(/\.ts$/, ''));

const files = sourceFiles(src);
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(join(src, f), 'utf8'))]));

describe('architecture', () => {
  it('reads imports of every kind', () => {
    const text =
      "import { a } from './a.js';\nimport type {\n  B,\n} from '../x/b.js';\nexport { c } from './c.js';\nlet d: import('../y/d.js').D;\nimport { e } from 'yaml';";
    expect(importsOf('inject/p.ts', text)).toEqual(['inject/a.ts', 'x/b.ts', 'inject/c.ts', 'y/d.ts']);
    expect([...graph.values()].flat().length).toBeGreaterThan(100);
  });

  it('puts every folder of src/ in a stated layer', () => {
    const layers = statedLayers();
    expect(layers.length).toBeGreaterThan(5);
    expect([...new Set(files.map(layerOf))].filter((l) => !layers.includes(l))).toEqual([]);
  });

  it('imports only from the same layer or a lower one', () => {
    const rank = new Map(statedLayers().map((l, i) => [l, i]));
    const upward = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => (rank.get(layerOf(target)) ?? -1) > (rank.get(layerOf(file)) ?? -1))
        .map((target) => `${file} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import cycles between files', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
