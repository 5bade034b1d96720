// Rewrite a changed item so that everything the function did not touch keeps its comments, key
// order and quoting. The fast way edits the item's text line by line (krm/text-edit.ts); for
// layouts it does not handle, the item's own text is parsed into a Document and each node is
// brought in line with the new plain data, replacing only the nodes whose value changed.
import { parseDocument, isAlias, isMap, isSeq, isScalar, isPair, Scalar, visit, YAMLMap, YAMLSeq } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import { dedentItem, dedentLines, indentItem, indentLines, PARSE_OPTIONS } from './read.js';
import { deepEqual, isPlainObject } from '../util/json.js';
import { contentEnd, editItemLines, editItemText, newKeyPlaces } from './text-edit.js';
import { isJsSpace, pad } from './chars.js';
import { WRITE_SCHEMA } from './quoting.js';
import { isMergePair, mayHaveMergeKey, writeMergeKeysPlain } from './merge-keys.js';

export function rewriteItem(raw: string, indent: number, old: unknown, next: unknown): string {
  const { head, body, tail } = splitItem(raw, indent);
  const rewritten = rewriteBody(body, indent, old, next);
  return head === '' && tail === '' ? rewritten : head + rewritten + tail;
}

/**
 * The item's text in three: the comment and blank lines before its `-` line (the first item holds
 * those after `items:`), the item proper, and the comment and blank lines after its last line
 * (those before the next item). Only the item proper is edited and indented again: the lines
 * around it stay where they were, byte for byte.
 */
export function splitItem(raw: string, indent: number): { head: string; body: string; tail: string } {
  let start = 0;
  while (start < raw.length && commentOrBlankAt(raw, start)) start = lineEnd(raw, start);
  if (start === raw.length) return { head: '', body: raw, tail: '' };
  const head = raw.slice(0, start);
  if (!commentOrBlankAt(raw, raw.lastIndexOf('\n', raw.length - 2) + 1)) return { head, body: raw.slice(start), tail: '' };
  // Comment-like and blank lines at the end can be a block scalar's: the text edit's reading of the
  // lines decides, with the `-` read as a space as it reads an item's first line.
  const lines = raw.slice(start, raw.endsWith('\n') ? -1 : undefined).split('\n');
  lines[0] = pad(indent + 1) + lines[0].slice(indent + 1);
  const bodyLines = contentEnd(lines);
  if (bodyLines === 0) return { head, body: raw.slice(start), tail: '' };
  let end = start;
  for (let i = 0; i < bodyLines; i++) end += lines[i].length + 1;
  return { head, body: raw.slice(start, end), tail: raw.slice(end) };
}

/** Past the line at `start`, its newline included. */
function lineEnd(text: string, start: number): number {
  const nl = text.indexOf('\n', start);
  return nl === -1 ? text.length : nl + 1;
}

/** Whether the line at `start` is blank or a comment. */
function commentOrBlankAt(text: string, start: number): boolean {
  let p = start;
  while (p < text.length && text.charCodeAt(p) !== 10 && isJsSpace(text.charCodeAt(p))) p++;
  return p === text.length || text.charCodeAt(p) === 10 || text.charCodeAt(p) === 35; /* # */
}

function rewriteBody(raw: string, indent: number, old: unknown, next: unknown): string {
  // The text edit takes the keys of a map off its lines, where merged keys are not: the Document path reads them.
  if (mayHaveMergeKey(raw)) return indentItem(rewriteWithDocument(dedentItem(raw, indent), next), indent);
  // The item's lines go from its text to the edit and back without the whole text being copied
  // on the way (dedented, split, joined, indented), and with the same bytes as those steps.
  const lines = dedentLines(raw, indent);
  if (lines === undefined) {
    // A line break other than \n, which the whole-text steps' regular expressions see as one.
    const text = dedentItem(raw, indent);
    return indentItem(
      editItemText(text, old, next, { compactSequences: usesCompactSequences(text) }) ?? rewriteWithDocument(text, next),
      indent,
    );
  }
  const edited = editItemLines(lines, old, next, { compactSequences: compactSequencesIn(lines) });
  return edited === undefined ? indentItem(rewriteWithDocument(dedentItem(raw, indent), next), indent) : indentLines(edited, indent);
}

/**
 * The Document path on its own: for layouts the text edit does not handle, and to test the two against each other.
 * An alias, or a merge key's alias, stands for what its anchored node holds in the input: where the
 * injection changes that node (a template's annotations another template merges), or replaces it (a
 * container it overwrote), the alias is written out as a copy of what it stood for.
 */
export function rewriteWithDocument(text: string, next: unknown): string {
  let first: Synced | undefined;
  try {
    first = synced(text, next, () => false);
  } catch (e) {
    // An alias compared after its anchored node was replaced: every alias is written out.
    if (!(e instanceof ReferenceError)) throw e;
  }
  const changed = first?.changedAnchors;
  const { doc } = changed?.size === 0 ? first! : synced(text, next, (anchorStart) => changed === undefined || changed.has(anchorStart));
  writeMergeKeysPlain(doc);
  return doc.toString({ lineWidth: 0, indentSeq: !usesCompactSequences(text), flowCollectionPadding: false });
}

interface Synced {
  doc: Document;
  /** Where the anchored nodes that aliases stand for and that the sync changed start in the text. */
  changedAnchors: Set<number>;
}

/** The item's Document brought in line with `next`, its aliases of the anchored nodes `expand` picks written out first. */
function synced(text: string, next: unknown, expand: (anchorStart: number) => boolean): Synced {
  // A repeated key reaches here only when identical and left alone (run.ts): syncMap keeps both.
  // Merge keys are parsed as such: a node's toJS applies them, as kubectl reads the item.
  const doc = parseDocument(text, { ...PARSE_OPTIONS, uniqueKeys: false, merge: true });
  const aliased = new Map<YamlNode, unknown>();
  if (text.includes('*')) {
    visit(doc, {
      Alias(_, alias) {
        const source = alias.resolve(doc) as YamlNode | undefined;
        if (source?.range && expand(source.range[0])) return writtenOut(source);
        if (source && !aliased.has(source)) aliased.set(source, plainOf(doc, source));
        return undefined;
      },
    });
  }
  // New and changed scalars are quoted so that every reader reads them back (quoting.ts).
  doc.setSchema('1.1', WRITE_SCHEMA);
  doc.contents = syncNode(doc, doc.contents as YamlNode | null, next) as typeof doc.contents;
  const changedAnchors = new Set<number>();
  if (aliased.size > 0) {
    const present = new Set<unknown>();
    visit(doc, { Node: (_, node) => void present.add(node) });
    for (const [source, before] of aliased) {
      if (!present.has(source) || !deepEqual(plainOf(doc, source), before)) changedAnchors.add(source.range![0]);
    }
  }
  return { doc, changedAnchors };
}

const plainOf = (doc: Document, node: YamlNode) => node.toJS(doc, { maxAliasCount: PARSE_OPTIONS.maxAliasCount }) as unknown;

/** A copy of an anchored node to stand where an alias of it stood: no anchors in it, which would shadow the original's. */
function writtenOut(source: YamlNode): YamlNode {
  const copy = source.clone() as YamlNode;
  copy.anchor = undefined;
  visit(copy, {
    Node(_, node) {
      if (!isAlias(node)) node.anchor = undefined;
    },
  });
  return copy;
}

/** kpt's `compact` style puts a sequence's dashes at its key's indentation; keep whichever the item uses. */
export function usesCompactSequences(text: string): boolean {
  const m = /^( *)[^\s#-][^\n]*:[ \t]*\n(?:\1 *#[^\n]*\n)*( *)- /m.exec(text);
  return m !== null && m[1].length === m[2].length;
}

/**
 * usesCompactSequences on the text's lines, which hold no line break but \n (dedentLines): the first
 * `key:` line followed, past comments indented at least as far, by a `- ` line.
 */
export function compactSequencesIn(lines: readonly string[]): boolean {
  for (let i = 0; i + 1 < lines.length; i++) {
    const keyIndent = mappingKeyLine(lines[i]);
    if (keyIndent === -1) continue;
    let j = i + 1;
    while (j < lines.length && commentIndentedFrom(lines[j], keyIndent)) j++;
    if (j === lines.length) continue;
    const dash = lines[j];
    let lead = 0;
    while (dash.charCodeAt(lead) === 32) lead++;
    if (dash.charCodeAt(lead) === 45 && dash.charCodeAt(lead + 1) === 32) return lead === keyIndent;
  }
  return false;
}

/** The indentation of a line `  key:` (ending in a colon and spaces or tabs), or -1. */
function mappingKeyLine(line: string): number {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  if (end === 0 || line.charCodeAt(end - 1) !== 58 /* : */) return -1;
  let lead = 0;
  while (line.charCodeAt(lead) === 32) lead++;
  const c = line.charCodeAt(lead);
  return lead < end - 1 && !isJsSpace(c) && c !== 35 /* # */ && c !== 45 /* - */ ? lead : -1;
}

/** A comment line indented at least `indent` spaces. */
function commentIndentedFrom(line: string, indent: number): boolean {
  let lead = 0;
  while (line.charCodeAt(lead) === 32) lead++;
  return lead >= indent && line.charCodeAt(lead) === 35;
}

/** Shared objects in the new data must not come out as anchors and aliases. */
const NEW_NODE = { aliasDuplicateObjects: false } as const;

function syncNode(doc: Document, node: YamlNode | null, value: unknown): YamlNode {
  if (node !== null && deepEqual(node.toJS(doc, { maxAliasCount: PARSE_OPTIONS.maxAliasCount }), value)) return node;
  // A flow collection keeps its style, but `{}` and `[]` have none to keep: filled, they become
  // blocks, as the text edit writes them.
  if ((isMap(node) || isSeq(node)) && node.flow && node.items.length === 0) node.flow = false;
  if (isMap(node) && isPlainObject(value)) return syncMap(doc, node, value);
  if (isSeq(node) && Array.isArray(value)) return syncSeq(doc, node, value);
  if (isScalar(node) && !isCollectionValue(value)) {
    const fresh = new Scalar(value);
    fresh.comment = node.comment;
    fresh.commentBefore = node.commentBefore;
    return fresh;
  }
  return doc.createNode(value, NEW_NODE) as YamlNode;
}

function isCollectionValue(v: unknown): boolean {
  return typeof v === 'object' && v !== null;
}

/**
 * A map's pairs brought in line with `value`. A merge key stays while every key it brings in stays:
 * a merged key whose value changes becomes a key of the map (which wins over the merged one, and
 * leaves the anchored map to its other users); a merged key the value drops cannot be dropped beside
 * the merge key, so the map then holds all its keys itself, without it.
 */
function syncMap(doc: Document, node: YAMLMap, value: Record<string, unknown>): YAMLMap {
  const merges = node.items.filter(isMergePair);
  const brought = merges.length === 0 ? undefined : mergedIn(doc, merges);
  const keepMerges = brought !== undefined && Object.keys(brought).every((key) => key in value);
  if (brought !== undefined && !keepMerges) node.items = node.items.filter((pair) => !isMergePair(pair));
  const mergedAsIs = (key: string) => keepMerges && key in brought && deepEqual(brought[key], value[key]);
  const kept: Pair[] = [];
  const seen = new Set<string>();
  const keys = node.items
    .filter((pair) => !isMergePair(pair))
    .map(keyString)
    .filter((key): key is string => key !== undefined);
  const { before, last } = newKeyPlaces(Object.fromEntries(keys.map((key) => [key, true])), value);
  const create = (newKeys: readonly string[]) =>
    newKeys.filter((key) => !mergedAsIs(key)).map((key) => doc.createPair(key, value[key], NEW_NODE) as Pair);
  for (const pair of node.items) {
    if (isMergePair(pair)) {
      kept.push(pair);
      continue;
    }
    const key = keyString(pair);
    if (key === undefined || !(key in value)) continue;
    if (seen.has(key)) {
      kept.push(pair);
      continue;
    }
    seen.add(key);
    // Before the pair, and so before its comments, as the text edit puts them.
    kept.push(...create(before.get(key) ?? []));
    pair.value = syncNode(doc, (pair.value as YamlNode | null) ?? null, value[key]);
    kept.push(pair);
  }
  kept.push(...create(last));
  node.items = kept;
  return node;
}

/** The data the merge keys of a map bring into it. */
function mergedIn(doc: Document, merges: Pair[]): Record<string, unknown> {
  const only = new YAMLMap(doc.schema);
  only.items = merges;
  return plainOf(doc, only) as Record<string, unknown>;
}

function keyString(pair: Pair): string | undefined {
  if (!isPair(pair)) return undefined;
  const k = pair.key as unknown;
  if (isScalar(k)) return String(k.value);
  return typeof k === 'string' ? k : undefined;
}

/** Sequences of named maps (containers, volumes, env, …) are matched by name, others by position. */
function syncSeq(doc: Document, node: YAMLSeq, value: unknown[]): YAMLSeq {
  const old = node.items as Array<YamlNode | null>;
  const byName = new Map<string, number[]>();
  old.forEach((item, i) => {
    const name = nameOf(doc, item);
    if (name !== undefined) byName.set(name, [...(byName.get(name) ?? []), i]);
  });
  const used = new Set<number>();
  node.items = value.map((v, i) => {
    const name = isPlainObject(v) && typeof v.name === 'string' ? v.name : undefined;
    let match: number | undefined;
    if (name !== undefined) match = byName.get(name)?.find((j) => !used.has(j));
    else if (i < old.length && nameOf(doc, old[i]) === undefined && !used.has(i)) match = i;
    if (match === undefined) return doc.createNode(v, NEW_NODE) as YamlNode;
    used.add(match);
    return syncNode(doc, old[match], v);
  });
  return node;
}

function nameOf(doc: Document, item: YamlNode | null): string | undefined {
  if (!isMap(item)) return undefined;
  // A name a merge key brings in is only in the data.
  const name = item.items.some(isMergePair) ? (plainOf(doc, item) as Record<string, unknown>).name : item.get('name');
  return typeof name === 'string' ? name : undefined;
}
