// No function in src/ is over MAX_LINES lines (generated code aside), so that each step of the
// pipeline stays readable on its own.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const MAX_LINES = 80;
const src = join(import.meta.dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every function, method and arrow function of a module with its length in lines. */
function functionLengths(file: string, text: string): Array<{ name: string; lines: number }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ name: string; lines: number }> = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node)
    ) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named =
        'name' in node && node.name
          ? node.name.getText()
          : ts.isVariableDeclaration(node.parent)
            ? node.parent.name.getText()
            : `<anonymous at line ${first + 1}>`;
      found.push({ name: named, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('function length', () => {
  const all = sourceFiles(src).flatMap((path) =>
    functionLengths(path, readFileSync(path, 'utf8')).map((f) => ({ ...f, id: `${relative(src, path)}:${f.name}` })),
  );

  it('measures functions', () => {
    expect(functionLengths('x.ts', 'function a() {\n  return 1;\n}\nconst b = () => {\n};')).toEqual([
      { name: 'a', lines: 3 },
      { name: 'b', lines: 2 },
    ]);
    expect(all.length).toBeGreaterThan(500);
  });

  it(`keeps every function of src/ within ${MAX_LINES} lines`, () => {
    const over = all.filter((f) => f.lines > MAX_LINES).map((f) => `${f.id} (${f.lines} lines)`);
    expect(over).toEqual([]);
  });
});
