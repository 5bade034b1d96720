// How strings are written so that every reader of the output reads them back as the same strings:
// YAML 1.2 core readers (the `yaml` package, js-yaml), YAML 1.1 readers (PyYAML) and go-yaml, with
// which kubectl, kustomize and kpt read. Each of them takes some plain scalars for numbers,
// booleans, nulls or timestamps, and go-yaml and YAML 1.1 readers take some characters for line
// breaks or reject them. Writing goes through `yaml`; these schema options make it quote:
// - what the YAML 1.1 schema reads as a non-string (`yaml`'s own check with `version: '1.1'`);
// - what the 1.2 core schema reads as a non-string (`compat: 'core'`);
// - what go-yaml reads as a number beyond those two (`0O17`, `0X1F`, `+0x1F`, `1e5_0`), the
//   YAML 1.1 merge and value keys `<<` and `=`, and tabs where a reader stumbles on them (PyYAML
//   ends a plain scalar at one, go-yaml rejects one starting a block scalar) — the string tag below;
// and write strings with special characters double-quoted, those characters escaped.
import { Scalar } from 'yaml';
import type { ScalarTag, SchemaOptions, Tags } from 'yaml';
import { stringifyString, stringTag } from 'yaml/util';

/**
 * Characters no reader may see raw: C0 controls but tab and line feed, DEL and the C1 controls
 * (go-yaml rejects them), NEL and the line and paragraph separators (line breaks to YAML 1.1
 * readers and go-yaml), the byte order mark and the non-characters U+FFFE and U+FFFF (not
 * printable in YAML), and unpaired surrogates.
 */
const SPECIAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|\p{Surrogate}/u;

/**
 * What `yaml`'s double-quoted style leaves raw of SPECIAL (it escapes what JSON.stringify does),
 * with the escapes it uses for them where it has one.
 */
const LEFT_RAW = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;
const escapeRaw = (c: string) => {
  const code = c.charCodeAt(0);
  if (code === 0x85) return '\\N';
  if (code === 0x2028) return '\\L';
  if (code === 0x2029) return '\\P';
  return code <= 0xff ? `\\x${code.toString(16)}` : `\\u${code.toString(16)}`;
};

/**
 * go-yaml's resolver (gopkg.in/yaml.v2 and yaml.v3, resolve.go `resolve`) reads a plain scalar that
 * starts with a digit, a sign or a dot as a number when, with every `_` removed, Go's
 * strconv.ParseInt with base 0 (prefixes 0x, 0o, 0b in either case, a sign, a leading 0 for octal)
 * or its float pattern `yamlStyleFloat` accepts it. Decimal digits alone always count: what
 * ParseInt rejects (`08`) the float pattern accepts.
 */
function goYamlReadsNumber(value: string): boolean {
  const c = value.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 43 /* + */ || c === 45 /* - */ || c === 46 /* . */)) return false;
  const plain = value.replaceAll('_', '');
  return GO_INT.test(plain) || GO_FLOAT.test(plain);
}

const GO_INT = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/;
const GO_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/**
 * Lines, the first of them starting with a tab: as a block scalar, go-yaml takes the tab for
 * indentation (libyaml's yaml_parser_scan_block_scalar_breaks: "found a tab character where an
 * indentation space is expected") while the indentation is not yet known.
 */
const TAB_FIRST = /^\n*\t/;

/**
 * Only spaces, tabs and line breaks: `yaml` writes lines of them as a block scalar without an
 * indentation indicator, and a reader takes the longest line for the indentation (YAML 1.2 §8.1.1.1),
 * which leaves line breaks alone.
 */
const BLANK = /^[ \t\n]*$/;

/** The YAML 1.1 merge key and value key: PyYAML has no constructor for either as a value. */
const isYaml11Key = (value: string) => value === '<<' || value === '=';

function quoted(value: string, ctx: Parameters<NonNullable<ScalarTag['stringify']>>[1]): string {
  const node = new Scalar(value);
  node.type = Scalar.QUOTE_DOUBLE;
  return stringifyString(node, ctx);
}

const readBackString: ScalarTag = {
  ...stringTag,
  stringify(item, ctx, onComment, onChompKeep) {
    const value = String(item.value);
    // A plain scalar kept from the input is written as it was, so each reader reads what it read in
    // the input: a YAML 1.1 reader still merges a `<<` and still takes `on` for true.
    if (item.type === Scalar.PLAIN && item.source === value) return value;
    if (SPECIAL.test(value)) return quoted(value, ctx).replace(LEFT_RAW, escapeRaw);
    if (value.includes('\n') && (TAB_FIRST.test(value) || BLANK.test(value))) return quoted(value, ctx);
    const text = stringTag.stringify!(item, ctx, onComment, onChompKeep);
    // Only a plain scalar comes out as the value itself.
    return text === value && (goYamlReadsNumber(value) || isYaml11Key(value) || value.includes('\t')) ? quoted(value, ctx) : text;
  },
};

/**
 * The YAML 1.1 schema with the string tag above, and without the merge tag, which would write the
 * string `<<` plain: a `<<` key of the data is a string key (items are read with their merge keys
 * applied, krm/merge-keys.ts), and must not become a merge key.
 */
function writeTags(tags: Tags): Tags {
  return tags
    .filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:merge')
    .map((t) => (t === stringTag ? readBackString : t));
}

/** Schema options for every YAML text the function writes (with `version: '1.1'`, or `setSchema('1.1', …)`). */
export const WRITE_SCHEMA = { compat: 'core', customTags: writeTags } as const satisfies SchemaOptions;
