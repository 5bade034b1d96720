// Read a ResourceList without building one Document for the whole list: find each item's exact
// source text with a line scan (kpt and kustomize emit block-style items at a fixed indentation),
// parse items one at a time, and fall back to a real parser for any other layout.
import { parseAllDocuments, isMap, isSeq, isCollection, Document } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { load as fastLoad, CORE_SCHEMA, YAMLException } from 'js-yaml';
import { hasOtherLineBreak, isJsSpace, pad } from './chars.js';

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
  const parsed = parseInPlace(item.raw) ?? parseItemText(dedentItem(item.raw, item.indent));
  if (parsed === undefined) throw new NeedsFullParse();
  return parsed;
}

/**
 * The item parsed where it stands, as a sequence of one, which spares a dedented copy of its text.
 * Only where that reads the same as the dedented text: no line that dedenting could turn into a
 * document marker, no line break but \n, plain js-yaml; anything else (errors too) is undefined,
 * and the dedented text is parsed as before.
 */
function parseInPlace(raw: string): ParsedItem | undefined {
  if (raw.includes('---') || raw.includes('...') || hasOtherLineBreak(raw) || mayNeedFullParser(raw)) return undefined;
  try {
    const list = fastLoad(raw, { schema: CORE_SCHEMA });
    return Array.isArray(list) && list.length === 1 ? { object: list[0] ?? null } : undefined;
  } catch {
    return undefined;
  }
}

/** The item's `kind`, read off its text without parsing it; undefined when that is not certain. */
export function sniffKind(item: SourceItem): string | undefined {
  if (item.parsed) return isPlainObject(item.parsed.object) && typeof item.parsed.object.kind === 'string' ? item.parsed.object.kind : undefined;
  // Exactly one line `kind: X` at the item's top level (in a block scalar too, which makes it uncertain).
  const { raw, indent } = item;
  let kind: string | undefined;
  for (let at = raw.indexOf('kind:'); at !== -1; at = raw.indexOf('kind:', at + 5)) {
    if (!atItemTopLevel(raw, at, indent)) continue;
    KIND_VALUE.lastIndex = at;
    const m = KIND_VALUE.exec(raw);
    if (!m) continue;
    if (kind !== undefined) return undefined;
    kind = m[2];
  }
  return kind;
}

const KIND_VALUE = /kind:[ \t]*(["']?)([A-Za-z][A-Za-z0-9]*)\1[ \t]*(?:#.*)?$/my;

/** `at` starts a line after `indent + 2` spaces, or `indent` spaces and `- `. */
function atItemTopLevel(text: string, at: number, indent: number): boolean {
  const start = at - indent - 2;
  if (start < 0 || (start > 0 && !isLineBreak(text.charCodeAt(start - 1)))) return false;
  for (let p = start; p < at - 2; p++) if (text.charCodeAt(p) !== 32) return false;
  const a = text.charCodeAt(at - 2);
  return (a === 32 || a === 45 /* - */) && text.charCodeAt(at - 1) === 32;
}

/** Where a regular expression's `^` (with the `m` flag) can match after. */
const isLineBreak = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

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

/** Offset just past the line at `start`: past its newline, or the text's end. */
function nextLine(text: string, start: number): number {
  const nl = text.indexOf('\n', start);
  return nl === -1 ? text.length : nl + 1;
}

/** The lines in [from, to) (offsets of line starts) as one string ending in a newline. */
function sliceLines(text: string, from: number, to: number): string {
  if (from >= to) return '';
  const part = text.slice(from, to);
  return part.endsWith('\n') ? part : part + '\n';
}

/** Spaces at the start of the line at `start`. */
function lineIndent(text: string, start: number): number {
  let p = start;
  while (text.charCodeAt(p) === 32) p++;
  return p - start;
}

/** Blank, or a comment, once the line's first `lead` spaces are skipped. */
function blankOrCommentAfter(text: string, start: number, lead: number): boolean {
  const c = start + lead < text.length ? text.charCodeAt(start + lead) : 10;
  return c === 10 || c === 35 || c === 13 || c === 9;
}

/**
 * One pass over the lines, as offsets (a 50 MB list has a million lines; items are sliced out of
 * the input whole, which V8 keeps as views of it). Top-level keys sit at column 0; in the items,
 * a line needs a look at its first few characters only: whether its indentation reaches the
 * items' `-`.
 */
function scanBlockResourceList(text: string): ResourceListInput | undefined {
  let itemsLine = -1;
  let itemsStart = -1;
  let itemsEnd = -1;
  let inlineItems = false;
  let functionConfigLine = -1;
  let indent = -1;
  const starts: number[] = [];
  for (let s = 0; s < text.length; ) {
    const next = nextLine(text, s);
    const c = text.charCodeAt(s);
    if (!(c === 32 || c === 10 || c === 35 || (c === 45 /* - */ && !text.startsWith('---', s)))) {
      const line = text.slice(s, text.charCodeAt(next - 1) === 10 ? next - 1 : next);
      if (line.startsWith('%') || line.startsWith('---') || line.startsWith('...')) return undefined;
      const key = TOP_LEVEL_KEY.exec(line);
      if (key) {
        if (key[1] === 'items') {
          if (itemsStart !== -1) return undefined;
          const rest = line.slice(line.indexOf(':') + 1).replace(/\s+#.*$/, '').trim();
          if (rest === '[]') inlineItems = true;
          else if (rest !== '') return undefined;
          itemsLine = s;
          itemsStart = next;
        } else {
          if (key[1] === 'functionConfig') functionConfigLine = s;
          if (itemsStart !== -1 && itemsEnd === -1) itemsEnd = s;
        }
        s = next;
        continue;
      }
    }
    if (itemsStart !== -1 && itemsEnd === -1 && !inlineItems) {
      // Indented past the items' `-`: nothing to check (content, blank or comment alike).
      let deeper = indent !== -1;
      for (let p = s; deeper && p <= s + indent; p++) deeper = text.charCodeAt(p) === 32;
      if (!deeper) {
        const lead = lineIndent(text, s);
        if (!blankOrCommentAfter(text, s, lead)) {
          if (indent === -1) indent = lead;
          if (lead < indent || !isItemStart(text, s + lead)) return undefined;
          starts.push(s);
        }
      }
    }
    s = next;
  }
  if (itemsStart === -1) return undefined;
  const end = itemsEnd === -1 ? text.length : itemsEnd;
  const items: SourceItem[] = [];
  for (let k = 0; k < starts.length; k++) {
    // Comment lines before the first item belong to it, so that nothing is lost on output.
    items.push({ raw: sliceLines(text, k === 0 ? itemsStart : starts[k], k + 1 < starts.length ? starts[k + 1] : end), indent });
  }

  // The rest of the list (apiVersion, kind, functionConfig, …) is small: parse it on its own.
  const head = sliceLines(text, 0, itemsLine) + 'items: []\n' + sliceLines(text, end, text.length);
  const parsedHead = parseItemText(head);
  if (parsedHead === undefined || parsedHead.duplicateKey) return undefined;
  const rest = parsedHead.object;
  if (!isPlainObject(rest)) return undefined;
  const header = checkHeader(rest.apiVersion, rest.kind);
  return {
    ...header,
    items,
    functionConfig: rest.functionConfig,
    hasFunctionConfig: 'functionConfig' in rest,
    functionConfigText: functionConfigLine === -1 ? undefined : topLevelBlock(text, functionConfigLine),
    itemIndent: indent === -1 ? 0 : indent,
  };
}

/** `-` followed by a space or the line's end. */
function isItemStart(text: string, p: number): boolean {
  if (text.charCodeAt(p) !== 45) return false;
  const next = p + 1 < text.length ? text.charCodeAt(p + 1) : 10;
  return next === 32 || next === 10;
}

/** The lines of the top-level key at `start` and its value, without trailing blank lines. */
function topLevelBlock(text: string, start: number): string {
  let end = nextLine(text, start);
  let kept = end;
  while (end < text.length) {
    const lead = lineIndent(text, end);
    if (lead === 0 && !blankOrCommentAfter(text, end, 0)) break;
    const next = nextLine(text, end);
    if (text.slice(end, next).trim() !== '') kept = next;
    end = next;
  }
  return sliceLines(text, start, kept);
}

/** Anchors, aliases and tags: the `yaml` parser handles them (and bounds alias expansion). */
const NEEDS_FULL_PARSER = /(?:^[ \t]*(?:- +)*|: +|[[{,] *)[&*!][^\s,\]}]/m;

/** The characters are found much faster than the pattern, and most items have none of them. */
const mayNeedFullParser = (text: string) => (text.includes('&') || text.includes('*') || text.includes('!')) && NEEDS_FULL_PARSER.test(text);

/**
 * Plain data of one item: js-yaml's core schema (the fastest safe parser), or the `yaml` parser
 * when the item uses anchors, aliases or tags. undefined when the item does not parse on its own.
 */
function parseItemText(text: string): { object: unknown; duplicateKey?: string } | undefined {
  if (!mayNeedFullParser(text)) {
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

/**
 * dedentItem split into lines (without the last newline), or undefined when the text has a line
 * break other than \n (where the regular expressions of dedentItem see lines a split does not).
 */
export function dedentLines(raw: string, indent: number): string[] | undefined {
  if (hasOtherLineBreak(raw)) return undefined;
  const lines: string[] = [];
  const strip = indent + 2;
  let marker = false;
  for (let start = 0; ; ) {
    const nl = raw.indexOf('\n', start);
    const end = nl === -1 ? raw.length : nl;
    let p = start;
    while (p < end && p - start < strip && raw.charCodeAt(p) === 32) p++;
    if (!marker && p - start === indent && raw.charCodeAt(p) === 45 && (p + 1 === end || raw.charCodeAt(p + 1) === 32)) {
      // The marker counts as one of the spaces removed.
      marker = true;
      p++;
      while (p < end && p - start < strip && raw.charCodeAt(p) === 32) p++;
    }
    lines.push(raw.slice(p, end));
    if (nl === -1 || nl + 1 === raw.length) return lines;
    start = nl + 1;
  }
}

/** indentItem(lines.join('\n') + '\n', indent), writing the text once. */
export function indentLines(edited: readonly string[], indent: number): string {
  // No lines join to the same text as one empty line.
  const lines = edited.length === 0 ? [''] : edited;
  const inner = pad(indent + 2);
  let head: string;
  let body: string;
  let tail = '';
  if (startsContent(lines[0]) && !lines.includes('')) {
    // Usually the marker goes on the first line and no line is empty (which stays empty): one join.
    head = pad(indent) + '- ';
    body = lines.join('\n' + inner);
    tail = '\n';
  } else {
    const parts: string[] = [];
    let first = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (first === -1 && startsContent(line)) {
        first = i;
        parts.push(pad(indent), '- ', line, '\n');
      } else if (line === '') parts.push('\n');
      else parts.push(inner, line, '\n');
    }
    head = first === -1 ? pad(indent) + '-\n' : '';
    body = parts.join('');
  }
  // Past a line break other than \n indentItem's expressions see other lines: let them decide.
  // (The body is checked while it is one flat string: a concatenation would be copied for it.)
  return hasOtherLineBreak(body) ? indentItem(lines.join('\n') + '\n', indent) : head + body + tail;
}

/** Spaces or tabs, then anything but whitespace: the line indentItem puts the marker on. */
function startsContent(line: string): boolean {
  let i = 0;
  while (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9) i++;
  return i < line.length && !isJsSpace(line.charCodeAt(i));
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
