// --diff and --check (command-line mode): a unified diff per resource that would change, its header
// naming the file and kind/namespace/name; --check also fails when anything would change, the way
// `prettier --check`, `terraform fmt -check` and `git diff --exit-code` do.
import { parse } from 'yaml';
import { structuredPatch } from 'diff';
import { isPlainObject } from '../util/json.js';

/** One document of the input and what the run made of it. */
export interface ComparedDocument {
  file: string;
  before: string;
  after: string;
}

const CONTEXT_LINES = 3;
const COLOURS = { header: '\x1b[1m', hunk: '\x1b[36m', removed: '\x1b[31m', added: '\x1b[32m', reset: '\x1b[0m' };

/** The diffs of the documents that change, in input order. */
export function resourceDiffs(docs: readonly ComparedDocument[], colour: boolean): string[] {
  return docs.filter((d) => d.before !== d.after).map((d) => resourceDiff(d, colour));
}

/**
 * One resource's diff. Hunk line numbers count from the resource's first line (the header says
 * which resource), so that each diff stands on its own.
 */
function resourceDiff(doc: ComparedDocument, colour: boolean): string {
  const name = resourceName(doc.before);
  const patch = structuredPatch(doc.file, doc.file, doc.before, doc.after, name, name, { context: CONTEXT_LINES });
  const paint = (code: string, line: string) => (colour ? `${code}${line}${COLOURS.reset}` : line);
  const lines = [paint(COLOURS.header, `--- ${doc.file}\t${name}`), paint(COLOURS.header, `+++ ${doc.file}\t${name}`)];
  for (const hunk of patch.hunks) {
    lines.push(paint(COLOURS.hunk, `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`));
    for (const line of hunk.lines) {
      if (line.startsWith('-')) lines.push(paint(COLOURS.removed, line));
      else if (line.startsWith('+')) lines.push(paint(COLOURS.added, line));
      else lines.push(line);
    }
  }
  return lines.join('\n') + '\n';
}

/** A unified diff range, `start,count`; an empty range starts at the line before it (as GNU diff writes it). */
function range(start: number, count: number): string {
  return `${count === 0 ? start - 1 : start},${count}`;
}

/** `kind/namespace/name` (`kind/name` without a namespace) of a document, as far as it can be read. */
export function resourceName(text: string): string {
  let object: unknown;
  try {
    object = parse(text, { uniqueKeys: false, logLevel: 'silent' });
  } catch {
    return '(unreadable resource)';
  }
  if (!isPlainObject(object)) return '(not an object)';
  const meta = isPlainObject(object.metadata) ? object.metadata : {};
  const part = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return [part(object.kind) ?? '(no kind)', part(meta.namespace), part(meta.name) ?? '(no name)'].filter((p) => p !== undefined).join('/');
}

/** The last line of --check: what would change, and the errors. */
export function checkVerdict(changed: number, errors: number): string {
  const resources = changed === 0 ? 'no resource would change' : `${changed} resource${changed === 1 ? '' : 's'} would change`;
  return errors === 0 ? resources : `${resources}; ${errors} error${errors === 1 ? '' : 's'}`;
}
