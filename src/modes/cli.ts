// Command-line mode for people without an orchestrator:
//   inject-sidecarsets --config sidecarsets.yaml manifests/ [more files or dirs | -]
// prints the manifests with the SidecarSets injected as a YAML stream (with --diff or --check, a
// diff per resource that would change; with --explain, why each SidecarSet applies or not; with
// --uninject, the manifests without what this function injected); results go to stderr and the
// exit codes are those of the KRM mode (--check: 1 also when something would change).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, extname } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { runFunction } from '../run.js';
import { checkVerdict, resourceDiffs } from './check.js';
import { formatReport, matchesFilter } from '../run/explain.js';
import { dedentItem, indentItem, PARSE_OPTIONS } from '../krm/read.js';
import type { FileRef } from '../krm/results.js';

interface CliArgs {
  config?: string;
  diff: boolean;
  check: boolean;
  /** --explain, with the workload it is limited to (`KIND/NAME` or `NAME`), if any. */
  explain?: { filter?: string };
  /** --uninject, with the one step whose injection is removed, if any. */
  uninject?: { step?: string };
  paths: string[];
}

type Outcome = { stdout: string; stderr: string; exitCode: number };

const USAGE = 'usage: inject-sidecarsets [--config FILE] [--diff | --check | --explain [KIND/NAME|NAME] | --uninject[=STEP]] PATH... (see --help)';
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export function parseCliArgs(argv: readonly string[]): CliArgs | string {
  const args: CliArgs = { diff: false, check: false, paths: [] };
  let filterTaken = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') {
      if (i + 1 >= argv.length) return '--config needs a file';
      args.config = argv[++i];
    } else if (a.startsWith('--config=')) args.config = a.slice('--config='.length);
    else if (a === '--diff') args.diff = true;
    else if (a === '--check') args.check = true;
    else if (a === '--explain' || a.startsWith('--explain=')) {
      // `--explain NAME`: the next argument names a workload unless it is the only path left.
      filterTaken = a === '--explain' && i + 1 < argv.length && !argv[i + 1].startsWith('-');
      args.explain = { filter: a === '--explain' ? (filterTaken ? argv[++i] : undefined) : a.slice('--explain='.length) };
    } else if (a === '--uninject' || a.startsWith('--uninject=')) args.uninject = { step: a === '--uninject' ? undefined : a.slice('--uninject='.length) };
    else if (a === '-' || !a.startsWith('-')) args.paths.push(a);
    else return `unknown option ${a}`;
  }
  if (filterTaken && args.paths.length === 0) {
    args.paths.push(args.explain!.filter!);
    args.explain = {};
  }
  if (args.paths.length === 0) return 'no manifests given: name files or directories, or - for stdin';
  if (args.explain && (args.diff || args.check || args.uninject)) return '--explain writes a report, not manifests: it goes with neither --diff, --check nor --uninject';
  if (args.explain?.filter === '' || args.uninject?.step === '') return `${args.explain ? '--explain=' : '--uninject='} needs a value`;
  return args;
}

/** A manifest file split into its YAML documents, each kept as its exact text. */
interface Document {
  file: string;
  index: number;
  text: string;
  /** Comment-only or empty documents are printed back but are no items. */
  isObject: boolean;
}

export function splitDocuments(file: string, text: string): Document[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  const chunks: string[] = [];
  let current: string[] = [];
  for (const line of normalized.split('\n')) {
    if (/^---(\s|$)/.test(line)) {
      chunks.push(current.join('\n'));
      current = [];
    } else current.push(line);
  }
  chunks.push(current.join('\n'));
  const docs: Document[] = [];
  for (const chunk of chunks) {
    const body = chunk.replace(/\n+$/, '');
    if (body.trim() === '') continue;
    const parsed = parseAllDocuments(body + '\n', PARSE_OPTIONS);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const isObject = list.some((d) => d.contents !== null || d.errors.length > 0);
    docs.push({ file, index: docs.filter((d) => d.isObject).length, text: body + '\n', isObject });
  }
  return docs;
}

function collectFiles(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => {
      const child = join(path, name);
      if (name.startsWith('.')) return [];
      const s = statSync(child);
      if (s.isDirectory()) return collectFiles(child);
      return MANIFEST_EXTENSIONS.has(extname(name)) ? [child] : [];
    });
}

/** @param colour whether diffs get colour (stdout is a terminal) */
export function runCli(argv: readonly string[], readStdin: () => string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'), colour = false): Outcome {
  const args = parseCliArgs(argv);
  if (typeof args === 'string') return { stdout: '', stderr: `inject-sidecarsets: ${args}\n${USAGE}\n`, exitCode: 2 };
  const docs: Document[] = [];
  let configText: string | undefined;
  try {
    for (const p of args.paths) {
      if (p === '-') docs.push(...splitDocuments('<stdin>', readStdin()));
      else for (const f of collectFiles(p)) docs.push(...splitDocuments(relative('.', f) || f, readFile(f)));
    }
    if (args.config !== undefined) configText = readFile(args.config);
  } catch (e) {
    return { stdout: '', stderr: `inject-sidecarsets: ${(e as Error).message}\n`, exitCode: 1 };
  }
  const items = docs.filter((d) => d.isObject);
  const itemFiles: FileRef[] = items.map((d) => (d.index > 0 ? { path: d.file, index: d.index } : { path: d.file }));
  const text =
    'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n' +
    (items.length === 0 ? 'items: []\n' : 'items:\n' + items.map((d) => indentItem(d.text, 0)).join('')) +
    (configText === undefined ? '' : 'functionConfig:\n' + indentBlock(configAsOneObject(configText)));
  const mode = args.explain ? 'explain' : args.uninject ? 'uninject' : undefined;
  const overrides = mode ? { mode, ...(args.uninject?.step ? { uninjectStep: args.uninject.step } : {}) } as const : undefined;
  const out = runFunction({ text, configFile: args.config ? { path: args.config } : undefined, itemFiles, overrides });
  if (out.items.length !== items.length) return { stdout: '', stderr: out.stderr, exitCode: out.exitCode || 1 };
  if (args.explain) {
    const shown = out.explanations.filter((e) => matchesFilter(e, args.explain?.filter));
    if (shown.length === 0 && args.explain.filter !== undefined) {
      return { stdout: '', stderr: `${out.stderr}inject-sidecarsets: no workload with a pod template is named ${args.explain.filter}\n`, exitCode: 1 };
    }
    return { stdout: formatReport(shown), stderr: out.stderr, exitCode: out.exitCode };
  }

  const outputText = new Map(items.map((d, i) => [d, out.items[i].changed ? dedentItem(out.items[i].text, 0) : d.text]));
  if (args.diff || args.check) {
    const diffs = resourceDiffs(items.map((d) => ({ file: d.file, before: d.text, after: outputText.get(d) as string })), colour);
    if (!args.check) return { stdout: diffs.join(''), stderr: out.stderr, exitCode: out.exitCode };
    const errors = out.results.filter((r) => r.severity === 'error').length;
    const verdict = checkVerdict(diffs.length, errors);
    return { stdout: diffs.join('') + verdict + '\n', stderr: out.stderr, exitCode: diffs.length > 0 || errors > 0 ? 1 : 0 };
  }
  const stream = docs.map((d) => outputText.get(d) ?? d.text).join('---\n');
  return { stdout: stream, stderr: out.stderr, exitCode: out.exitCode };
}

/** Several SidecarSets in one config file become a v1 List, the form the function takes for them. */
function configAsOneObject(text: string): string {
  const docs = splitDocuments('config', text).filter((d) => d.isObject);
  if (docs.length <= 1) return docs[0]?.text ?? text;
  return 'apiVersion: v1\nkind: List\nitems:\n' + docs.map((d) => indentItem(d.text, 0)).join('');
}

function indentBlock(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}
