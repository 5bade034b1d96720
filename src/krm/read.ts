// Read a ResourceList without building one Document for the whole list: find each item's exact
// source text with a line scan (kpt and kustomize emit block-style items at a fixed indentation),
// parse items one at a time, and fall back to a real parser for any other layout.
import { parseAllDocuments, isMap, isSeq, isCollection, Document } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { load as fastLoad, CORE_SCHEMA, YAMLException } from 'js-yaml';

export interface SourceItem {
  /** The item's text as it came in: its `-` line and every line up to the next item. */
  raw: string;
  /** Column of the item's `-` marker. */
  indent: number;
  /**
   * Plain data, when already parsed (the fallback parser does all items at once). Otherwise
   * `parseItem` parses it when needed, so that a large list is never held as data all at once.
   */
  parsed?: ParsedItem;
}

export interface ParsedItem {
  object: unknown;
  /** Set when a mapping of the item repeats a key: which one, and where (the last value is used). */
  duplicateKey?: string;
}

/** An item the fast path cut out but that does not parse on its own: the whole list needs the full parser. */
export class NeedsFullParse extends Error {}

export function parseItem(item: SourceItem): ParsedItem {
  if (item.parsed) return item.parsed;
  const parsed = parseItemText(dedentItem(item.raw, item.indent));
  if (parsed === undefined) throw new NeedsFullParse();
  return parsed;
}

/** The item's `kind`, read off its text without parsing it; undefined when that is not certain. */
export function sniffKind(item: SourceItem): string | undefined {
  if (item.parsed) return isPlainObject(item.parsed.object) && typeof item.parsed.object.kind === 'string' ? item.parsed.object.kind : undefined;
  let re = kindLines.get(item.indent);
  if (!re) {
    re = new RegExp(`^(?: {${item.indent + 2}}| {${item.indent}}- )kind:[ \\t]*(["']?)([A-Za-z][A-Za-z0-9]*)\\1[ \\t]*(?:#.*)?$`, 'gm');
    kindLines.set(item.indent, re);
  }
  re.lastIndex = 0;
  const first = re.exec(item.raw);
  if (!first || re.exec(item.raw)) return undefined;
  return first[2];
}

const kindLines = new Map<number, RegExp>();

export interface ResourceListInput {
  apiVersion: string;
  kind: string;
  items: SourceItem[];
  /** Absent when the input has no functionConfig key (kpt render without config). */
  functionConfig?: unknown;
  hasFunctionConfig: boolean;
  /** The functionConfig key and value as written, echoed back so that the output can be run again. */
  functionConfigText?: string;
  /** Indentation of `-` markers for items the function writes from scratch. */
  itemIndent: number;
}

/** Input that is not a ResourceList at all: reported on stderr, since no items can be echoed. */
export class InputError extends Error {}

export const PARSE_OPTIONS = { uniqueKeys: true, maxAliasCount: 100, prettyErrors: true, logLevel: 'error' } as const;

const RESOURCE_LIST_VERSIONS = new Set([
  'config.kubernetes.io/v1',
  'config.kubernetes.io/v1beta1',
  'config.kubernetes.io/v1alpha1',
]);

/** @param full skip the fast path (when it cut out an item that does not parse on its own) */
export function readResourceList(input: string, full = false): ResourceListInput {
  const text = normalizeText(input);
  if (text.trim() === '') throw new InputError('no input: expected a ResourceList on stdin');
  return (full ? undefined : scanBlockResourceList(text)) ?? parseWholeResourceList(text);
}

function normalizeText(input: string): string {
  const withoutBom = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  return withoutBom.includes('\r') ? withoutBom.replace(/\r\n?/g, '\n') : withoutBom;
}

function checkHeader(apiVersion: unknown, kind: unknown): { apiVersion: string; kind: string } {
  if (kind !== 'ResourceList') {
    throw new InputError(
      `input is not a ResourceList (kind: ${kind === undefined ? 'missing' : JSON.stringify(kind)})`,
    );
  }
  if (typeof apiVersion !== 'string' || !RESOURCE_LIST_VERSIONS.has(apiVersion)) {
    throw new InputError(
      `unsupported ResourceList apiVersion ${JSON.stringify(apiVersion)}; expected one of ${[...RESOURCE_LIST_VERSIONS].join(', ')}`,
    );
  }
  return { apiVersion, kind };
}

// ---------------------------------------------------------------------------------------------
// Fast path: block-style ResourceList as kpt, kustomize and this function write it.

const TOP_LEVEL_KEY = /^([A-Za-z][A-Za-z0-9_]*):(?:[ \t]|$)/;

/**
 * The input's lines as offsets, not as strings: a 50 MB list has a million lines, and items are
 * sliced out of the input text whole (V8 keeps such slices as views of the input).
 */
class LineIndex {
  readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
    if (this.starts[this.starts.length - 1] === text.length) this.starts.pop();
  }
  get length(): number {
    return this.starts.length;
  }
  /** Offset just past line i's newline (or the text's end). */
  end(i: number): number {
    return i + 1 < this.starts.length ? this.starts[i + 1] : this.text.length;
  }
  line(i: number): string {
    const e = this.end(i);
    return this.text.slice(this.starts[i], this.text.charCodeAt(e - 1) === 10 ? e - 1 : e);
  }
  /** Lines [from, to) as one string ending in a newline. */
  slice(from: number, to: number): string {
    if (from >= to) return '';
    const text = this.text.slice(this.starts[from], this.end(to - 1));
    return text.endsWith('\n') ? text : text + '\n';
  }
  indent(i: number): number {
    let p = this.starts[i];
    const e = this.end(i);
    while (p < e && this.text.charCodeAt(p) === 32) p++;
    return p - this.starts[i];
  }
  /** Blank, or a comment, at line i. */
  isBlankOrComment(i: number): boolean {
    const p = this.starts[i] + this.indent(i);
    const c = p < this.end(i) ? this.text.charCodeAt(p) : 10;
    return c === 10 || c === 35 || c === 13 || c === 9;
  }
  /** `-` followed by a space or the line's end, at column `col`. */
  isItemStart(i: number, col: number): boolean {
    const p = this.starts[i] + col;
    if (this.text.charCodeAt(p) !== 45) return false;
    const next = p + 1 < this.end(i) ? this.text.charCodeAt(p + 1) : 10;
    return next === 32 || next === 10;
  }
}

function scanBlockResourceList(text: string): ResourceListInput | undefined {
  const lines = new LineIndex(text);
  let itemsStart = -1;
  let itemsEnd = lines.length;
  let inlineItems = false;
  let functionConfigLine = -1;
  for (let i = 0; i < lines.length; i++) {
    const c = text.charCodeAt(lines.starts[i]);
    if (c === 32 || c === 10 || c === 35 || c === 45 /* - */ && !text.startsWith('---', lines.starts[i])) continue;
    const line = lines.line(i);
    if (line.startsWith('%') || line.startsWith('---') || line.startsWith('...')) return undefined;
    const key = TOP_LEVEL_KEY.exec(line);
    if (!key) continue;
    if (key[1] === 'items') {
      if (itemsStart !== -1) return undefined;
      const rest = line.slice(line.indexOf(':') + 1).replace(/\s+#.*$/, '').trim();
      if (rest === '[]') inlineItems = true;
      else if (rest !== '') return undefined;
      itemsStart = i + 1;
      itemsEnd = lines.length;
    } else {
      if (key[1] === 'functionConfig') functionConfigLine = i;
      if (itemsStart !== -1 && itemsEnd === lines.length && i >= itemsStart) itemsEnd = i;
    }
  }
  if (itemsStart === -1) return undefined;

  const items = inlineItems ? { items: [], indent: 0 } : splitItems(lines, itemsStart, itemsEnd);
  if (!items) return undefined;

  // The rest of the list (apiVersion, kind, functionConfig, …) is small: parse it on its own.
  const head = lines.slice(0, itemsStart - 1) + 'items: []\n' + lines.slice(itemsEnd, lines.length);
  const parsedHead = parseItemText(head);
  if (parsedHead === undefined || parsedHead.duplicateKey) return undefined;
  const rest = parsedHead.object;
  if (!isPlainObject(rest)) return undefined;
  const header = checkHeader(rest.apiVersion, rest.kind);
  return {
    ...header,
    items: items.items,
    functionConfig: rest.functionConfig,
    hasFunctionConfig: 'functionConfig' in rest,
    functionConfigText: functionConfigLine === -1 ? undefined : topLevelBlock(lines, functionConfigLine),
    itemIndent: items.indent,
  };
}

/** The lines of the top-level key at line `start` and its value. */
function topLevelBlock(lines: LineIndex, start: number): string {
  let end = start + 1;
  while (end < lines.length && (lines.indent(end) > 0 || lines.isBlankOrComment(end))) end++;
  while (end > start + 1 && lines.line(end - 1).trim() === '') end--;
  return lines.slice(start, end);
}

function splitItems(lines: LineIndex, from: number, to: number): { items: SourceItem[]; indent: number } | undefined {
  let indent = -1;
  const starts: number[] = [];
  for (let i = from; i < to; i++) {
    if (lines.isBlankOrComment(i)) continue;
    const lead = lines.indent(i);
    if (indent === -1) {
      if (!lines.isItemStart(i, lead)) return undefined;
      indent = lead;
    }
    if (lead < indent) return undefined;
    if (lead === indent) {
      if (!lines.isItemStart(i, lead)) return undefined;
      starts.push(i);
    }
  }
  if (indent === -1) return { items: [], indent: 0 };
  const items: SourceItem[] = [];
  for (let k = 0; k < starts.length; k++) {
    // Comment lines before the first item belong to it, so that nothing is lost on output.
    items.push({ raw: lines.slice(k === 0 ? from : starts[k], k + 1 < starts.length ? starts[k + 1] : to), indent });
  }
  return { items, indent };
}

/** Anchors, aliases and tags: the `yaml` parser handles them (and bounds alias expansion). */
const NEEDS_FULL_PARSER = /(?:^[ \t]*(?:- +)*|: +|[[{,] *)[&*!][^\s,\]}]/m;

/**
 * Plain data of one item: js-yaml's core schema (the fastest safe parser), or the `yaml` parser
 * when the item uses anchors, aliases or tags. undefined when the item does not parse on its own.
 */
function parseItemText(text: string): { object: unknown; duplicateKey?: string } | undefined {
  if (!NEEDS_FULL_PARSER.test(text)) {
    try {
      return { object: fastLoad(text, { schema: CORE_SCHEMA }) ?? null };
    } catch (e) {
      if (!(e instanceof YAMLException) || !/duplicated mapping key/.test(e.reason)) return undefined;
      const object = parseWithYaml(text, false);
      const at = e.mark ? ` at line ${e.mark.line + 1}` : '';
      const key = /^\s*("?)([^":]+)\1\s*:/.exec(text.split('\n')[e.mark?.line ?? 0] ?? '')?.[2];
      return object === undefined ? undefined : { object, duplicateKey: `${key ? `key ${JSON.stringify(key)}` : 'a key'} repeated${at}` };
    }
  }
  const object = parseWithYaml(text, true);
  if (object !== undefined) return { object };
  const lenient = parseWithYaml(text, false);
  return lenient === undefined ? undefined : { object: lenient, duplicateKey: 'a key repeated' };
}

function parseWithYaml(text: string, uniqueKeys: boolean): unknown {
  try {
    const doc = parseAllDocuments(text, { ...PARSE_OPTIONS, uniqueKeys });
    if (!Array.isArray(doc) || doc.length !== 1 || doc[0].errors.length > 0) return undefined;
    return doc[0].toJS({ maxAliasCount: PARSE_OPTIONS.maxAliasCount }) ?? null;
  } catch {
    return undefined;
  }
}


const dedenters = new Map<number, { marker: RegExp; lines: RegExp }>();

/**
 * The item's text as a standalone YAML document: the `-` marker and the item indentation removed.
 * Lines indented less than the item's content (blank lines, stray comments) lose what they have.
 */
export function dedentItem(raw: string, indent: number): string {
  let re = dedenters.get(indent);
  if (!re) {
    re = { marker: new RegExp(`^( {${indent}})-(?= |$)`, 'm'), lines: new RegExp(`^ {1,${indent + 2}}`, 'gm') };
    dedenters.set(indent, re);
  }
  // A marker alone on its line (`-`, the item starting below) leaves an empty line.
  return raw.replace(re.marker, '$1 ').replace(re.lines, '');
}

/** Inverse of dedentItem: a standalone document back into a list item at `indent`. */
export function indentItem(text: string, indent: number): string {
  const body = text.endsWith('\n') ? text : text + '\n';
  const first = /^[ \t]*[^\s]/m.exec(body);
  if (!first) return ' '.repeat(indent) + '-\n' + body.replace(/^(?=.)/gm, ' '.repeat(indent + 2));
  const pad = ' '.repeat(indent + 2);
  const before = body.slice(0, first.index).replace(/^(?=.)/gm, pad);
  const after = body.slice(first.index).replace(/\n(?=.)/g, '\n' + pad);
  return before + ' '.repeat(indent) + '- ' + after;
}

// ---------------------------------------------------------------------------------------------
// Fallback: any other layout (JSON, flow style, odd indentation). Slower, and items are re-emitted
// in block style rather than as their exact text.

function parseWholeResourceList(text: string): ResourceListInput {
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const all = Array.isArray(docs) ? docs : [docs];
  const nonEmpty = all.filter((d) => d.contents !== null || d.errors.length > 0);
  if (nonEmpty.length === 0) throw new InputError('no input: expected a ResourceList on stdin');
  if (nonEmpty.length > 1) {
    throw new InputError(
      `input has ${nonEmpty.length} YAML documents; expected exactly one ResourceList`,
    );
  }
  const doc = nonEmpty[0];
  if (doc.errors.length > 0) throw new InputError(`input is not valid YAML or JSON: ${firstLine(doc.errors[0].message)}`);
  const root = doc.contents;
  if (!isMap(root)) throw new InputError('input is not a ResourceList (not a mapping)');
  let plain: Record<string, unknown>;
  try {
    plain = doc.toJS({ maxAliasCount: PARSE_OPTIONS.maxAliasCount }) as Record<string, unknown>;
  } catch (e) {
    // An alias-expansion bomb (or another alias the data cannot hold) ends here, quickly.
    throw new InputError(`input cannot be read: ${firstLine((e as Error).message)}`);
  }
  const header = checkHeader(plain.apiVersion, plain.kind);
  const itemsNode = root.get('items', true) as YamlNode | undefined;
  if (itemsNode === undefined || itemsNode === null) {
    throw new InputError('the ResourceList has no items list');
  }
  if (!isSeq(itemsNode)) throw new InputError('the ResourceList\'s items is not a list');
  const itemsPlain = plain.items as unknown[];
  const items = itemsNode.items.map((node, i) => ({
    raw: indentItem(itemText(node as YamlNode, itemsPlain[i]), 0),
    indent: 0,
    parsed: { object: itemsPlain[i] },
  }));
  return {
    ...header,
    items,
    functionConfig: plain.functionConfig,
    hasFunctionConfig: 'functionConfig' in plain,
    functionConfigText:
      'functionConfig' in plain ? new Document({ functionConfig: plain.functionConfig }, { version: '1.1' }).toString({ lineWidth: 0 }) : undefined,
    itemIndent: 0,
  };
}

function itemText(node: YamlNode, plain: unknown): string {
  // Flow (and JSON) items come out in block style; block items keep their comments, unless an
  // alias points outside the item.
  if (isCollection(node) && !node.flow) {
    try {
      return new Document(node).toString({ lineWidth: 0 });
    } catch {
      // fall through to the plain data
    }
  }
  return new Document(plain, { version: '1.1', aliasDuplicateObjects: false }).toString({ lineWidth: 0 });
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
