// Command-line mode for people without an orchestrator:
//   inject-sidecarsets --config sidecarsets.yaml manifests/ [more files or dirs | -]
// prints the manifests with the SidecarSets injected as a YAML stream (with --diff or --check, a
// diff per resource that would change; with --explain, why each SidecarSet applies or not; with
// --uninject, the manifests without what this function injected); results go to stderr and the
// exit codes are those of the KRM mode (--check: 1 also when something would change).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, extname } from 'node:path';
import { runFunction } from '../run.js';
import { checkVerdict, resourceDiffs } from './check.js';
import { formatReport, matchesFilter } from '../run/explain.js';
import { dedentItem, InputError, parseItem, sniffKind, type LineBreak, type ResourceListInput, type SourceItem } from '../krm/read.js';
import { isPlainObject } from '../util/json.js';
import {
  documentObject,
  readYamlStream,
  streamResourceList,
  StreamSyntaxError,
  syntaxErrorIn,
  type StreamDocument,
} from '../krm/stream.js';
import type { FileRef } from '../krm/results.js';
import { decodeUtf8 } from './io.js';

export interface CliArgs {
  config?: string;
  diff: boolean;
  check: boolean;
  /** --explain, with the workload it is limited to (`KIND/NAME` or `NAME`), if any. */
  explain?: { filter?: string };
  /** --uninject, with the one step whose injection is removed, if any. */
  uninject?: { step?: string };
  paths: string[];
}

/** stdout in pieces (see RunOutput.output): a large stream is not joined into one string. */
export type Outcome = { output: string[]; stderr: string; exitCode: number };

/**
 * What the command line names, read: each manifest file, in order, and the config file; as text, or
 * as bytes still to be decoded (which a worker thread takes without a copy).
 */
export interface CliInput {
  manifests: Array<{ file: string; text: string | Uint8Array }>;
  config?: { file: string; text: string };
}

const USAGE =
  'usage: inject-sidecarsets [--config FILE] [--diff | --check | --explain [KIND/NAME|NAME] | --uninject[=STEP]] PATH... (see --help)';
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
    } else if (a === '--uninject' || a.startsWith('--uninject='))
      args.uninject = { step: a === '--uninject' ? undefined : a.slice('--uninject='.length) };
    else if (a === '-' || !a.startsWith('-')) args.paths.push(a);
    else return `unknown option ${a}`;
  }
  if (filterTaken && args.paths.length === 0) {
    args.paths.push(args.explain!.filter!);
    args.explain = {};
  }
  if (args.paths.length === 0) return 'no manifests given: name files or directories, or - for stdin';
  if (args.explain && (args.diff || args.check || args.uninject))
    return '--explain writes a report, not manifests: it goes with neither --diff, --check nor --uninject';
  if (args.explain?.filter === '' || args.uninject?.step === '') return `${args.explain ? '--explain=' : '--uninject='} needs a value`;
  return args;
}

/** A document of a manifest file, with the file it came from. */
interface Document extends StreamDocument {
  file: string;
  /** Among the file's documents with content; comment-only documents are printed back but are no items. */
  index: number;
  /** Where the document was in its stream: what it is separated from the next one by on output. */
  lineBreak: LineBreak;
  /** The file is a `.json` manifest: a changed document is written as pretty-printed JSON. */
  json: boolean;
}

function documentsOf(file: string, text: string): Document[] {
  const stream = inFile(file, () => readYamlStream(text));
  let index = 0;
  const json = extname(file) === '.json';
  return stream.documents.map((d) => ({ ...d, file, index: d.item ? index++ : index, lineBreak: stream.lineBreak, json }));
}

/** A YAML error as `FILE:LINE:COLUMN: what`. */
function inFile<T>(file: string, reading: () => T): T {
  try {
    return reading();
  } catch (e) {
    if (e instanceof StreamSyntaxError) throw new InputError(`${file}:${e.line}:${e.column}: ${e.reason}`);
    throw e;
  }
}

/** Every manifest under `path` (recursively, sorted by name), read with one listing per directory and no stat per file. */
function collectFiles(path: string): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${describeFsError(e)}`);
  }
  if (!isDirectory) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      if (entry.name.startsWith('.')) return [];
      const child = join(path, entry.name);
      // A symbolic link is followed, as statSync did before.
      const directory = entry.isDirectory() || (entry.isSymbolicLink() && statSync(child).isDirectory());
      if (directory) return collectFiles(child);
      return MANIFEST_EXTENSIONS.has(extname(entry.name)) ? [child] : [];
    });
}

/** A file system error as one line: what went wrong, without the error code and system call. */
function describeFsError(e: unknown): string {
  const error = e as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
  };
  return (error.code && known[error.code]) ?? error.message.split('\n')[0];
}

function readManifest<T>(path: string, readFile: (path: string) => T): T {
  try {
    return readFile(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${path}: ${describeFsError(e)}`);
  }
}

/** The command line parsed, its files read and run: what the tests call; main.ts does the same in two steps. */
export function runCli(
  argv: readonly string[],
  readStdin: () => string,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  colour = false,
): Outcome & { stdout: string } {
  const args = parseCliArgs(argv);
  const outcome = typeof args === 'string' ? usageError(args) : runOnFiles(args, readCliInput(args, readStdin, readFile), colour);
  return { ...outcome, stdout: outcome.output.join('') };
}

const runOnFiles = (args: CliArgs, input: CliInput | Outcome, colour: boolean) =>
  'manifests' in input ? runCliOn(args, input, colour) : input;

export function usageError(message: string): Outcome {
  return { output: [], stderr: `inject-sidecarsets: ${message}\n${USAGE}\n`, exitCode: 2 };
}

/** The I/O of the command-line mode: every file and directory it names, read (an error is the outcome). */
export function readCliInput(
  args: CliArgs,
  readStdin: () => string,
  readFile: (path: string) => string,
  readManifestFile: (path: string) => string | Uint8Array = readFile,
): CliInput | Outcome {
  try {
    const manifests: CliInput['manifests'] = [];
    for (const p of args.paths) {
      if (p === '-') manifests.push({ file: '<stdin>', text: readStdin() });
      else for (const f of collectFiles(p)) manifests.push({ file: relative('.', f) || f, text: readManifest(f, readManifestFile) });
    }
    const config = args.config === undefined ? undefined : { file: args.config, text: readManifest(args.config, readFile) };
    return { manifests, config };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return inputError(e);
  }
}

const inputError = (e: InputError): Outcome => ({ output: [], stderr: `inject-sidecarsets: ${e.message}\n`, exitCode: 1 });

/** @param colour whether diffs get colour (stdout is a terminal) */
export function runCliOn(args: CliArgs, input: CliInput, colour = false): Outcome {
  let docs: Document[];
  let list: ResourceListInput;
  try {
    ({ docs, list } = readDocuments(input));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return inputError(e);
  }
  const items = docs.filter((d) => d.item);
  const itemFiles: FileRef[] = items.map((d) => (d.index > 0 ? { path: d.file, index: d.index } : { path: d.file }));
  const mode = args.explain ? 'explain' : args.uninject ? 'uninject' : undefined;
  const overrides = mode ? ({ mode, ...(args.uninject?.step ? { uninjectStep: args.uninject.step } : {}) } as const) : undefined;
  const out = runFunction({ list, configFile: args.config ? { path: args.config } : undefined, itemFiles, overrides });
  if (out.items.length !== items.length)
    return { output: [], stderr: locatedSyntaxError(items) ?? out.stderr, exitCode: out.exitCode || 1 };
  const warning =
    !args.config && !args.uninject && !items.some((d) => isSidecarSetSource(d.item!))
      ? `inject-sidecarsets: warning: no --config given and no SidecarSet among the manifests: nothing to inject\n`
      : '';
  const stderr = warning + out.stderr;
  if (args.explain) {
    const shown = out.explanations.filter((e) => matchesFilter(e, args.explain?.filter));
    if (shown.length === 0 && args.explain.filter !== undefined) {
      return {
        output: [],
        stderr: `${stderr}inject-sidecarsets: no workload with a pod template is named ${args.explain.filter}\n`,
        exitCode: 1,
      };
    }
    return { output: [formatReport(shown)], stderr, exitCode: out.exitCode };
  }

  const outputText = new Map(items.map((d, i) => [d, out.items[i].changed ? changedText(d, out.items[i].text) : d.text]));
  if (args.diff || args.check) {
    const diffs = resourceDiffs(
      items.map((d) => ({ file: d.file, before: d.text, after: outputText.get(d) as string })),
      colour,
    );
    if (!args.check) return { output: diffs, stderr, exitCode: out.exitCode };
    const errors = out.results.filter((r) => r.severity === 'error').length;
    const verdict = checkVerdict(diffs.length, errors);
    return { output: [...diffs, verdict + '\n'], stderr, exitCode: diffs.length > 0 || out.exitCode !== 0 ? 1 : 0 };
  }
  // With an error result nothing goes to stdout, so that `| kubectl apply -f -` applies nothing (as kustomize does).
  if (out.exitCode !== 0) return { output: [], stderr, exitCode: out.exitCode };
  const stream = docs.map((d, i) => (i === 0 ? '' : '---' + docs[i - 1].lineBreak) + (outputText.get(d) ?? d.text));
  return { output: stream, stderr, exitCode: out.exitCode };
}

/** A changed document's text: the item's lines without its marker; a `.json` manifest as JSON, pretty-printed. */
function changedText(document: Document, itemText: string): string {
  const text = dedentItem(itemText, 0);
  if (!document.json || text.trimEnd().includes('\n')) return text;
  // A JSON document on one line: the edit keeps it on one line, which no one reads.
  return JSON.stringify(JSON.parse(text), null, 2).replace(/\n/g, document.lineBreak) + document.lineBreak;
}

/** Every file's documents, and the ResourceList of those with content, with the config file as its functionConfig. */
function readDocuments(input: CliInput): { docs: Document[]; list: ResourceListInput } {
  const docs = input.manifests.flatMap(({ file, text }) => documentsOf(file, typeof text === 'string' ? text : decodeUtf8(text, file)));
  const items = docs.filter((d) => d.item).map((d) => d.item!);
  const lineBreak = docs[0]?.lineBreak ?? '\n';
  if (input.config === undefined) return { docs, list: streamResourceList(items, lineBreak) };
  const { file, text } = input.config;
  const config = documentsOf(file, text);
  const object = inFile(file, () => configAsOneObject(config));
  return { docs, list: streamResourceList(items, lineBreak, { object, text: configTextOf(config) }) };
}

/** The item is a SidecarSet, or a List holding one (as the function reads its rules). */
function isSidecarSetSource(item: SourceItem): boolean {
  const kind = sniffKind(item);
  if (kind === 'SidecarSet') return true;
  if (kind !== undefined && kind !== 'List' && !kind.endsWith('List')) return false;
  try {
    const object = parseItem(item).object;
    if (!isPlainObject(object)) return false;
    return (
      object.kind === 'SidecarSet' || (Array.isArray(object.items) && object.items.some((i) => isPlainObject(i) && i.kind === 'SidecarSet'))
    );
  } catch {
    return false;
  }
}

/** The first YAML error among the documents, as `FILE:LINE:COLUMN: what`; undefined when none has one. */
function locatedSyntaxError(documents: readonly Document[]): string | undefined {
  for (const d of documents) {
    const error = syntaxErrorIn(d);
    if (error) return `inject-sidecarsets: ${d.file}:${error.line}:${error.column}: ${error.reason}\n`;
  }
  return undefined;
}

/** Several SidecarSets in one config file become a v1 List, the form the function takes for them. */
function configAsOneObject(documents: readonly Document[]): unknown {
  const withContent = documents.filter((d) => d.item);
  if (withContent.length <= 1) return withContent.length === 0 ? null : documentObject(withContent[0]);
  return { apiVersion: 'v1', kind: 'List', items: withContent.map(documentObject) };
}

/** The config's text as the object configAsOneObject reads. */
function configTextOf(documents: readonly Document[]): string {
  const withContent = documents.filter((d) => d.item);
  if (withContent.length <= 1) return withContent[0]?.text ?? documents[0]?.text ?? '';
  const lineBreak = withContent[0].lineBreak;
  return `apiVersion: v1${lineBreak}kind: List${lineBreak}items:${lineBreak}` + withContent.map((d) => d.item!.raw).join('');
}
