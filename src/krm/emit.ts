// Block YAML for new nodes, byte for byte what `yaml`'s stringify writes with the options below,
// for the plain data injection produces. It is many times faster: the layout is written here, the
// common one-line strings are quoted here (as `yaml` would), any other distinct string is quoted by
// `yaml` itself once and remembered, and a shape it does not know makes it give up.
import { Document, stringify } from 'yaml';
import { pad } from './chars.js';
import { WRITE_SCHEMA } from './quoting.js';

export interface EmitStyle {
  /** kpt's `compact` sequences: dashes at the indentation of their key. */
  compactSequences: boolean;
}

/** The options the Document path writes new nodes with; emitted text must equal stringify's. */
export function yamlOptions(style: EmitStyle) {
  return { ...SCALAR_OPTIONS, indentSeq: !style.compactSequences, aliasDuplicateObjects: false } as const;
}

/** How one scalar is written (quoting.ts). */
export const SCALAR_OPTIONS = { version: '1.1', lineWidth: 0, ...WRITE_SCHEMA } as const;

/** Lines of `value` as a top-level block node (no trailing newline), or undefined. */
export function emitBlock(value: unknown, style: EmitStyle): string[] | undefined {
  const out: string[] = [];
  return emitInto(value, 0, style, out) ? out : undefined;
}

/**
 * Appends the lines of `value` as a block node at `indent` to `out` (the lines emitBlock gives,
 * each after `indent` spaces), so that a caller building a larger text needs no copy of them.
 * false, with `out` as it was, for a shape it does not handle.
 */
export function emitInto(value: unknown, indent: number, style: EmitStyle, out: string[]): boolean {
  const start = out.length;
  if (emit(value, indent, pad(indent), style, out)) return true;
  out.length = start;
  return false;
}

const scalars = new Map<string, string>();
const SCALAR_LIMIT = 65536;

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const quick = quickString(value);
    if (quick !== undefined) return quick;
    const known = scalars.get(value);
    if (known !== undefined) return known;
    // How a string is quoted is `yaml`'s decision (YAML 1.1 has surprises, `e0` among them).
    if (value.includes('\n') || value.length > 4096) return undefined;
    const text = stringify(value, SCALAR_OPTIONS).slice(0, -1);
    if (text.includes('\n')) return undefined;
    if (scalars.size >= SCALAR_LIMIT) scalars.clear();
    scalars.set(value, text);
    return text;
  }
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : undefined;
  return undefined;
}

/**
 * What `yaml` writes for the common strings of one line of printable ASCII, decided without it:
 * most strings injection writes are fresh copies, so a look-up in the cache above costs a hash of
 * each, and a one-workload run that never calls `yaml`'s stringify skips its cold start (its
 * Document, schema and tags). Plain: a letter or `/` first (no indicator, number, boolean or null
 * starts so), none of `: `, ` #` or a space or colon last (where a plain scalar would end or read
 * differently), no YAML 1.1 boolean, null or float; or a quantity (`quantitySuffix`). Otherwise, and
 * always after `{` or `[` (a flow collection), quoted as `yaml` quotes one line: in single quotes
 * when it holds `"` and no `'` (JSON annotation values), else in double quotes when it holds neither
 * `"` nor `\`. Anything else: undefined (emit.test.ts holds this to stringify's output).
 */
function quickString(value: string): string | undefined {
  const n = value.length;
  if (n === 0) return undefined;
  const first = value.charCodeAt(0);
  const lower = first | 0x20;
  const letterFirst = lower >= 97 && lower <= 122;
  const flowFirst = first === 123 /* { */ || first === 91; /* [ */
  if (!letterFirst && !flowFirst && first !== 47 /* / */) return QUANTITY.test(value) ? value : undefined;
  let breaksPlain = flowFirst;
  let doubleQuote = false;
  let singleQuote = false;
  let backslash = false;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return undefined;
    if ((c === 32 && prev === 58) || (c === 35 && prev === 32)) breaksPlain = true;
    else if (c === 34) doubleQuote = true;
    else if (c === 39) singleQuote = true;
    else if (c === 92) backslash = true;
    prev = c;
  }
  if (prev === 32 || prev === 58) breaksPlain = true;
  if (letterFirst && ((n <= 5 && YAML11_WORDS.has(value)) || (lower === 101 /* e */ && FLOAT_EXP.test(value)))) breaksPlain = true;
  if (!breaksPlain) return value;
  if (doubleQuote) return singleQuote ? undefined : `'${value}'`;
  return backslash ? undefined : `"${value}"`;
}

/**
 * Kubernetes quantities with a unit (`64Mi`, `50m`, `1.5Gi`): digits, an optional fraction and a
 * suffix that no YAML schema and no go-yaml number reads (an exponent needs digits after its `e`).
 */
const QUANTITY = /^[0-9]+(?:\.[0-9]+)?(?:[KMGTPE]i|[mkMGTPE])$/;

/** Strings starting with a letter that YAML 1.1 reads as something else. */
const YAML11_WORDS = new Set([
  'Y',
  'y',
  'Yes',
  'yes',
  'YES',
  'True',
  'true',
  'TRUE',
  'On',
  'on',
  'ON',
  'N',
  'n',
  'No',
  'no',
  'NO',
  'False',
  'false',
  'FALSE',
  'Off',
  'off',
  'OFF',
  'Null',
  'null',
  'NULL',
]);
const FLOAT_EXP = /^[eE][-+]?[0-9]+$/;

/**
 * Appends the lines of a block node at `indent`; false for a shape it does not handle. `first`
 * starts the node's first line in place of the indentation: a sequence item's `- ` is written with
 * its map's first key instead of patched in afterwards.
 */
function emit(value: unknown, indent: number, first: string, style: EmitStyle, out: string[]): boolean {
  if (typeof value !== 'object' || value === null) {
    const s = scalar(value);
    if (s === undefined) return false;
    out.push(first + s);
    return true;
  }
  if (Array.isArray(value)) return value.length === 0 ? (out.push(first + '[]'), true) : emitSeq(value, indent, first, style, out);
  const keys = Object.keys(value);
  return keys.length === 0 ? (out.push(first + '{}'), true) : emitMap(value as Record<string, unknown>, keys, indent, first, style, out);
}

function emitSeq(seq: readonly unknown[], indent: number, first: string, style: EmitStyle, out: string[]): boolean {
  const dash = pad(indent) + '- ';
  for (let i = 0; i < seq.length; i++) {
    const item = seq[i];
    const start = i === 0 ? first + '- ' : dash;
    if (typeof item !== 'object' || item === null) {
      const s = scalar(item);
      if (s === undefined) return false;
      out.push(start + s);
    } else if (Array.isArray(item)) {
      if (item.length > 0) return false;
      out.push(start + '[]');
    } else {
      const keys = Object.keys(item);
      if (keys.length === 0) out.push(start + '{}');
      else if (!emitMap(item as Record<string, unknown>, keys, indent + 2, start, style, out)) return false;
    }
  }
  return true;
}

function emitMap(
  map: Record<string, unknown>,
  keys: readonly string[],
  indent: number,
  first: string,
  style: EmitStyle,
  out: string[],
): boolean {
  for (let i = 0; i < keys.length; i++) {
    const key = keyText(indent, keys[i]);
    if (key === undefined) return false;
    // The first line starts with `first`; the others with the key as cached, indentation and all.
    const bare = i === 0 ? `${first}${key.text}:` : key.bare;
    const v = map[keys[i]];
    if (typeof v !== 'object' || v === null) {
      const s = scalar(v);
      if (s === undefined) return false;
      out.push(i === 0 ? `${bare} ${s}` : key.spaced + s);
    } else if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${bare} []`);
      else {
        out.push(bare);
        const childIndent = style.compactSequences ? indent : indent + 2;
        if (!emitSeq(v, childIndent, pad(childIndent), style, out)) return false;
      }
    } else {
      const childKeys = Object.keys(v);
      if (childKeys.length === 0) out.push(`${bare} {}`);
      else {
        out.push(bare);
        if (!emitMap(v as Record<string, unknown>, childKeys, indent + 2, pad(indent + 2), style, out)) return false;
      }
    }
  }
  return true;
}

interface KeyText {
  text: string;
  /** Its line up to the colon, and up to the space after it, at one indentation. */
  bare: string;
  spaced: string;
}

/** Per indentation: the same keys recur in every injected container, so their lines start from here. */
const keyTexts: Array<Map<string, KeyText>> = [];

function keyText(indent: number, key: string): KeyText | undefined {
  const known = (keyTexts[indent] ??= new Map());
  let text = known.get(key);
  if (text === undefined) {
    const s = scalar(key);
    if (s === undefined || s.startsWith('|') || s.startsWith('>')) return undefined;
    const bare = pad(indent) + s + ':';
    text = { text: s, bare, spaced: bare + ' ' };
    if (known.size >= SCALAR_LIMIT) known.clear();
    known.set(key, text);
  }
  return text;
}

/** Block-style YAML that YAML 1.1 readers (kyaml, PyYAML) read back as the same strings. */
export function toYaml(value: unknown): string {
  const style = { compactSequences: false };
  const lines = emitBlock(value, style);
  return lines ? lines.join('\n') + '\n' : writeWithYaml(value, style);
}

/** `yaml`'s own output, for shapes the emitter declines. */
function writeWithYaml(value: unknown, style: EmitStyle): string {
  const options = yamlOptions(style);
  return new Document(value, options).toString(options);
}
