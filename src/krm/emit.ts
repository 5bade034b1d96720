// Block YAML for new nodes, byte for byte what `yaml`'s stringify writes with the options below,
// for the plain data injection produces. It is many times faster: the layout is written here, each
// distinct string is quoted by `yaml` itself once and remembered, and a shape it does not know
// makes it give up.
import { stringify } from 'yaml';

export interface EmitStyle {
  /** kpt's `compact` sequences: dashes at the indentation of their key. */
  compactSequences: boolean;
}

/** The options the Document path writes new nodes with; emitted text must equal stringify's. */
export function yamlOptions(style: EmitStyle) {
  return { version: '1.1', lineWidth: 0, indentSeq: !style.compactSequences, aliasDuplicateObjects: false } as const;
}

/** Lines of `value` as a top-level block node (no trailing newline), or undefined. */
export function emitBlock(value: unknown, style: EmitStyle): string[] | undefined {
  const out: string[] = [];
  return emit(value, '', style, out) ? out : undefined;
}

const scalars = new Map<string, string>();
const SCALAR_LIMIT = 65536;

function scalar(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : undefined;
  if (typeof value !== 'string') return undefined;
  // How a string is quoted is `yaml`'s decision (YAML 1.1 has surprises, `e0` among them).
  if (value.includes('\n') || value.length > 4096) return undefined;
  let text = scalars.get(value);
  if (text === undefined) {
    text = stringify(value, { version: '1.1', lineWidth: 0 }).slice(0, -1);
    if (text.includes('\n')) return undefined;
    if (scalars.size >= SCALAR_LIMIT) scalars.clear();
    scalars.set(value, text);
  }
  return text;
}

const isEmpty = (v: object) => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);

/** Appends the lines of a block node at `pad`; false for a shape it does not handle. */
function emit(value: unknown, pad: string, style: EmitStyle, out: string[]): boolean {
  if (typeof value !== 'object' || value === null) {
    const s = scalar(value);
    if (s === undefined) return false;
    out.push(pad + s);
    return true;
  }
  if (isEmpty(value)) {
    out.push(pad + (Array.isArray(value) ? '[]' : '{}'));
    return true;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item !== 'object' || item === null || isEmpty(item)) {
        const s = typeof item === 'object' && item !== null ? (Array.isArray(item) ? '[]' : '{}') : scalar(item);
        if (s === undefined) return false;
        out.push(`${pad}- ${s}`);
        continue;
      }
      if (Array.isArray(item)) return false;
      const start = out.length;
      if (!emit(item, pad + '  ', style, out)) return false;
      out[start] = `${pad}- ${out[start].slice(pad.length + 2)}`;
    }
    return true;
  }
  for (const [k, v] of Object.entries(value)) {
    const key = scalar(k);
    if (key === undefined || key.startsWith('|') || key.startsWith('>')) return false;
    if (typeof v !== 'object' || v === null || isEmpty(v)) {
      const s = typeof v === 'object' && v !== null ? (Array.isArray(v) ? '[]' : '{}') : scalar(v);
      if (s === undefined) return false;
      out.push(`${pad}${key}: ${s}`);
      continue;
    }
    out.push(`${pad}${key}:`);
    const childPad = Array.isArray(v) && style.compactSequences ? pad : pad + '  ';
    if (!emit(v, childPad, style, out)) return false;
  }
  return true;
}
