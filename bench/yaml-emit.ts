// A small block-style YAML writer that reproduces the layout kpt hands to a function: compact
// sequences (the dash at the parent key's column), single-quoted strings where plain would change
// the type, literal blocks for multi-line strings, comments in the places kyaml keeps them.
// The benchmark writes inputs of 100+ MB, so this stays a straight recursive walk over plain data.

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | YamlValue[] | YamlMap | Decorated;
export interface YamlMap {
  [key: string]: YamlValue;
}

/** A value with a comment above it (above its key in a map, above its dash in a sequence). */
export class HeadComment {
  constructor(
    readonly comment: string,
    readonly value: YamlValue,
  ) {}
}

/** A scalar followed by `# comment` on the same line. */
export class LineComment {
  constructor(
    readonly value: YamlScalar,
    readonly comment: string,
  ) {}
}

/** A sequence of scalars written in flow style, `["a", "b"]`, as people often write `command`. */
export class FlowSequence {
  constructor(readonly values: YamlScalar[]) {}
}

/** A string that is always single-quoted, the way kpt writes its own annotations. */
export class SingleQuoted {
  constructor(readonly value: string) {}
}

type Decorated = HeadComment | LineComment | FlowSequence | SingleQuoted;

const PLAIN_SAFE = /^(?:--)?[A-Za-z_/$](?:[A-Za-z0-9_./:@+=$()-]*[A-Za-z0-9_./@+=$()-])?$/;
// Quantities such as `100m` or `128Mi`; anything else starting with a digit may read as a number.
const PLAIN_QUANTITY = /^[1-9][0-9]*[A-Za-z]+$/;
// YAML 1.1 readers (kyaml among them) turn these into booleans or null.
const RESERVED_WORDS = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

function quoteSingle(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function formatString(text: string): string {
  const plain = PLAIN_QUANTITY.test(text) || (PLAIN_SAFE.test(text) && !RESERVED_WORDS.test(text));
  return plain ? text : quoteSingle(text);
}

function formatScalar(value: YamlScalar): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return formatString(value);
  return String(value);
}

function isMap(value: YamlValue): value is YamlMap {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof HeadComment) &&
    !(value instanceof LineComment) &&
    !(value instanceof FlowSequence) &&
    !(value instanceof SingleQuoted)
  );
}

/** The text after `key:` when the value fits on the key's line, or undefined for nested blocks. */
function inlineText(value: YamlValue): string | undefined {
  if (value instanceof LineComment) return `${formatScalar(value.value)} # ${value.comment}`;
  if (value instanceof SingleQuoted) return quoteSingle(value.value);
  if (value instanceof FlowSequence) return `[${value.values.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  if (isMap(value)) return Object.keys(value).length === 0 ? '{}' : undefined;
  if (value instanceof HeadComment) return undefined;
  if (typeof value === 'string' && value.includes('\n')) return undefined;
  return formatScalar(value);
}

function writeLiteralBlock(text: string, indent: string, out: string[], header: string): void {
  const keepsFinalNewline = text.endsWith('\n');
  out.push(`${header} ${keepsFinalNewline ? '|' : '|-'}`);
  const body = keepsFinalNewline ? text.slice(0, -1) : text;
  for (const line of body.split('\n')) out.push(line === '' ? '' : indent + line);
}

/** Appends the lines of a block mapping whose keys sit at `indent` spaces. */
export function writeMap(map: YamlMap, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const key of Object.keys(map)) {
    let value = map[key];
    while (value instanceof HeadComment) {
      out.push(`${pad}# ${value.comment}`);
      value = value.value;
    }
    const header = `${pad}${formatString(key)}:`;
    const inline = inlineText(value);
    if (inline !== undefined) {
      out.push(`${header} ${inline}`);
    } else if (typeof value === 'string') {
      writeLiteralBlock(value, `${pad}  `, out, header);
    } else if (Array.isArray(value)) {
      out.push(header);
      writeSequence(value, indent, out);
    } else {
      out.push(header);
      writeMap(value as YamlMap, indent + 2, out);
    }
  }
}

/** Appends the lines of a block sequence whose dashes sit at `indent` spaces. */
export function writeSequence(items: YamlValue[], indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (let item of items) {
    while (item instanceof HeadComment) {
      out.push(`${pad}# ${item.comment}`);
      item = item.value;
    }
    if (isMap(item) && Object.keys(item).length > 0) {
      const start = out.length;
      writeMap(item, indent + 2, out);
      out[start] = `${pad}- ${out[start].slice(indent + 2)}`;
    } else if (Array.isArray(item) && item.length > 0) {
      const start = out.length;
      writeSequence(item, indent + 2, out);
      out[start] = `${pad}- ${out[start].slice(indent + 2)}`;
    } else {
      out.push(`${pad}- ${inlineText(item)}`);
    }
  }
}
