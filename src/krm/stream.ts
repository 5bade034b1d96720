// Read a multi-document YAML stream (a manifest file, a JSON file, kustomize's plugin stdin) into
// the items the ResourceList path uses, without building a Document per document: `---` and `...`
// at a line's start end a document wherever they stand (YAML 1.2 §9.1: no scalar may hold them at
// column 0), so a line scan finds every document's exact text. Only a stream with directives or
// content on a marker line goes through the `yaml` parser.
import { parseAllDocuments } from 'yaml';
import {
  blankOrCommentFrom,
  indentItem,
  InputError,
  isMarkerLine,
  lineBreaks,
  NeedsFullParse,
  nextLine,
  parseItem,
  PARSE_OPTIONS,
  type LineBreak,
  type ResourceListInput,
  type SourceItem,
} from './read.js';

export interface StreamDocument {
  /** The document's lines as they came in, up to the next marker line, ending in a line break. */
  text: string;
  /** Line of the stream (1-based) that `text` starts on; undefined for a document the parser rewrote. */
  line?: number;
  /** The document as a ResourceList item at indentation 0; undefined when it holds only comments. */
  item?: SourceItem;
}

export interface YamlStream {
  documents: StreamDocument[];
  /** The line break of the stream's first line: what separators written between its documents end with. */
  lineBreak: LineBreak;
}

/** A YAML error in a stream, located in it. */
export class StreamSyntaxError extends InputError {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`line ${line}, column ${column}: ${reason}`);
  }
}

export function readYamlStream(input: string): YamlStream {
  const { text, lineBreak } = lineBreaks(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
  return { documents: scanDocuments(text, lineBreak) ?? parseDocuments(text, lineBreak), lineBreak };
}

/** The items of a stream's documents that have content, in order. */
export function streamItems(stream: YamlStream): SourceItem[] {
  const items: SourceItem[] = [];
  for (const document of stream.documents) if (document.item) items.push(document.item);
  return items;
}

/** The stream's config object, as the functionConfig of a ResourceList read from streams. */
export interface StreamConfig {
  object: unknown;
  /** Its text, to echo back as the output list's functionConfig (which kustomize ignores, and a rerun reads). */
  text: string;
}

/**
 * A ResourceList of the streams' items, as `readResourceList` would give for the list holding them,
 * without writing that list and scanning it again: a stream document is already an item of its own
 * text. Not valid YAML on its own means a syntax error (a document cannot alias another's anchors).
 */
export function streamResourceList(items: SourceItem[], lineBreak: LineBreak, config?: StreamConfig): ResourceListInput {
  return {
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
    items,
    functionConfig: config?.object,
    hasFunctionConfig: config !== undefined,
    functionConfigText: config && `functionConfig:${lineBreak}${config.text.replace(/^(?=.)/gm, '  ')}`,
    itemIndent: 0,
    lineBreak,
  };
}

/** A document's data (null for one of comments only); a YAML error in it is a StreamSyntaxError located in its stream. */
export function documentObject(document: StreamDocument): unknown {
  if (!document.item) return null;
  let parsed;
  try {
    parsed = parseItem(document.item);
  } catch (e) {
    if (!(e instanceof NeedsFullParse)) throw e;
  }
  if (parsed !== undefined && !parsed.duplicateKey) return parsed.object;
  throw syntaxErrorIn(document) ?? new StreamSyntaxError(document.line ?? 1, 1, parsed?.duplicateKey ?? 'not valid YAML');
}

/**
 * Undefined when a line starts with `%` (a directive, for all the scan knows) or a marker line has
 * content. A document's text runs to the next marker line, blank lines included: they are content
 * of a `|+` block scalar at its end.
 */
function scanDocuments(text: string, lineBreak: LineBreak): StreamDocument[] | undefined {
  const documents: StreamDocument[] = [];
  let start = 0;
  let startLine = 1;
  let hasText = false;
  let hasContent = false;
  const close = (end: number) => {
    if (!hasText) return;
    const body = text.slice(start, end);
    const documentText = body.endsWith('\n') ? body : body + lineBreak;
    documents.push({ text: documentText, line: startLine, item: hasContent ? { raw: indentItem(documentText, 0), indent: 0 } : undefined });
  };
  let line = 1;
  for (let s = 0; s < text.length; line++) {
    const next = nextLine(text, s);
    const c = text.charCodeAt(s);
    if (c === 37 /* % */) return undefined;
    if ((c === 45 /* - */ || c === 46) /* . */ && isMarkerLine(text, s)) {
      if (!blankOrCommentFrom(text, s + 3)) return undefined;
      close(s);
      start = next;
      startLine = line + 1;
      hasText = hasContent = false;
    } else if (!onlyWhitespace(text, s, next)) {
      hasText = true;
      hasContent ||= !blankOrCommentFrom(text, s);
    }
    s = next;
  }
  close(text.length);
  return documents;
}

function onlyWhitespace(text: string, from: number, to: number): boolean {
  for (let p = from; p < to; p++) {
    const c = text.charCodeAt(p);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return true;
}

/** The parser's reading, for directives and content on marker lines: each document written anew. */
function parseDocuments(text: string, lineBreak: LineBreak): StreamDocument[] {
  const documents: StreamDocument[] = [];
  for (const doc of parseAllDocuments(text, { ...PARSE_OPTIONS, prettyErrors: false })) {
    if (doc.errors.length > 0) throw syntaxError(text, doc.errors[0].pos[0], doc.errors[0].message);
    if (doc.contents === null) continue;
    // The document is written as the body of a list item: markers and directives have no place there.
    doc.directives.docStart = null;
    doc.directives.yaml.explicit = false;
    const written = doc.toString({ lineWidth: 0 });
    const documentText = lineBreak === '\n' ? written : written.replace(/\n/g, lineBreak);
    documents.push({ text: documentText, item: { raw: indentItem(documentText, 0), indent: 0 } });
  }
  return documents;
}

/** The first YAML error in a document, located in its stream; undefined when it has none. */
export function syntaxErrorIn(document: StreamDocument): StreamSyntaxError | undefined {
  if (!document.item) return undefined;
  for (const doc of parseAllDocuments(document.text, { ...PARSE_OPTIONS, prettyErrors: false })) {
    if (doc.errors.length === 0) continue;
    const error = syntaxError(document.text, doc.errors[0].pos[0], doc.errors[0].message);
    return new StreamSyntaxError(error.line + (document.line ?? 1) - 1, error.column, error.reason);
  }
  return undefined;
}

function syntaxError(text: string, offset: number, message: string): StreamSyntaxError {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let p = before.indexOf('\n'); p !== -1; p = before.indexOf('\n', p + 1)) line++;
  return new StreamSyntaxError(line, offset - lineStart + 1, message.split('\n')[0]);
}
