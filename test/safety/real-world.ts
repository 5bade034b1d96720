// Random ResourceLists (arbitraries.ts) written the ways people and tools write YAML: document
// markers, a byte order mark, CRLF (for the whole list, per item, per line), flow and block mixed,
// JSON items and JSON lists, comments everywhere, block scalars with every chomping indicator at
// the end of a map, anchors, aliases and merge keys, null collections. Untouched and injected items
// get them alike. The generator knows nothing of the data's meaning: the properties compare each
// reader's reading of the input with its reading of the output (real-world.test.ts).
import fc from 'fast-check';
import { parse } from 'yaml';
import { caseArb, type Case, type Obj } from './arbitraries.js';
import { Choices } from '../krm/item-texts.js';
import { BUILTIN_KINDS, templatePathsFor } from '../../src/workloads/kinds.js';

export interface RealWorldCase {
  text: string;
  /** The features the text has (real-world.test.ts counts them, so that none goes missing). */
  features: string[];
}

export const realWorldCaseArb: fc.Arbitrary<RealWorldCase> = fc
  .tuple(caseArb, fc.array(fc.noBias(fc.nat()), { minLength: 40, maxLength: 400 }))
  .map(([c, numbers]) => realWorldText(c, numbers));

type LineBreaks = 'lf' | 'crlf' | 'mixed';

export function realWorldText(c: Case, numbers: readonly number[]): RealWorldCase {
  const ch = new Choices(numbers);
  const features = new Set<string>();
  const list: Obj = {
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
    items: c.items.map((item) => decorate(item, ch, features)),
  };
  if (c.functionConfig) list.functionConfig = c.functionConfig;
  const listBreaks: LineBreaks = ch.chance(65) ? 'lf' : ch.chance(60) ? 'crlf' : 'mixed';
  const bom = ch.chance(5) ? '\ufeff' : '';
  if (bom) features.add('bom');
  if (c.style === 'json') {
    features.add('json list');
    const json = JSON.stringify(list, null, ch.pick(['', '', '  ', '    ', '\t'])) + '\n';
    if (listBreaks !== 'lf') features.add('crlf');
    return { text: bom + (listBreaks === 'lf' ? json : json.replace(/\n/g, '\r\n')), features: [...features] };
  }
  const writer = new Writer(ch, features, c.style === 'indented' ? 2 : 0);
  const frameBreak = listBreaks === 'crlf' ? '\r\n' : '\n';
  const head: string[] = [];
  if (ch.chance(15)) head.push('# rendered by hand', '');
  if (ch.chance(4)) {
    features.add('directive');
    head.push('%YAML 1.2', '---');
  } else if (ch.chance(25)) {
    features.add('start marker');
    head.push(ch.chance(80) ? '---' : '--- # start');
  }
  head.push('apiVersion: config.kubernetes.io/v1', 'kind: ResourceList', 'items:');
  const parts = [head.join(frameBreak) + frameBreak];
  for (const item of list.items as Obj[]) {
    const lines = writer.item(item);
    const itemBreaks: LineBreaks = listBreaks === 'mixed' ? ch.pick<LineBreaks>(['lf', 'crlf', 'mixed']) : listBreaks;
    if (itemBreaks !== 'lf') features.add(itemBreaks === 'crlf' ? 'crlf' : 'mixed line breaks');
    parts.push(lines.map((line) => line + (itemBreaks === 'lf' ? '\n' : itemBreaks === 'crlf' || ch.chance(50) ? '\r\n' : '\n')).join(''));
  }
  const tail: string[] = [];
  if (list.functionConfig) tail.push('functionConfig:', ...new Writer(ch, new Set(), 0).value(list.functionConfig, 2, []));
  if (ch.chance(10)) {
    features.add('end marker');
    tail.push('...');
  } else if (ch.chance(5)) {
    features.add('end marker');
    tail.push('---', '# an empty document');
  }
  parts.push(tail.map((line) => line + frameBreak).join(''));
  return { text: bom + parts.join(''), features: [...features] };
}

// --- Data: what real manifests add to the generated objects ------------------------------------

/** Multi-line strings ending in no, one or more newlines: `|-`, `|` and `|+` (or `>`) in block style. */
const MULTI_LINE = [
  'hello\n',
  'hello\n\n',
  'first\nsecond',
  'line one\nline two\n',
  'a: 1\nb: [x]\n\n',
  '#!/bin/sh\necho "$HOME"\n\n\n',
  '- not an item\n',
  'key = "value"\nother = 1',
];

/** Strings some YAML reader takes for something else (numbers in every base, booleans, nulls, dates, sexagesimals) unless quoted. */
const NUMBER_LIKE = [
  '0o644',
  '0O17',
  '0X1F',
  '0B101',
  '+0x1F',
  '0644',
  '1_000',
  '1e3',
  '.5',
  'yes',
  'on',
  'N',
  '~',
  'null',
  '2021-01-01',
  '12:30:00',
  '190:20:30',
];

function decorate(original: Obj, ch: Choices, features: Set<string>): Obj {
  const item = structuredClone(original);
  const templates = templateObjects(item);
  if (templates.length > 0) {
    // Outside the templates: the workload's own metadata.
    if (item.kind !== 'Pod' && ch.chance(40)) {
      item.metadata.annotations = { 'example.com/note': 'x', 'example.com/mode': ch.pick(NUMBER_LIKE), description: ch.pick(MULTI_LINE) };
      features.add('block scalar outside templates');
      features.add('number-like strings');
    } else if (item.kind !== 'Pod' && ch.chance(25)) {
      item.metadata.annotations = null;
      features.add('null collection outside templates');
    }
    for (const template of templates) {
      if (ch.chance(20)) {
        template.metadata.annotations = { 'example.com/mode': ch.pick(NUMBER_LIKE), ...template.metadata.annotations };
        features.add('number-like strings');
      }
      if (ch.chance(30)) {
        const value = ch.pick(MULTI_LINE);
        template.metadata.annotations = { ...template.metadata.annotations, 'example.com/script': value };
        features.add('block scalar in templates');
      }
      if (ch.chance(20)) {
        if (template.metadata.annotations === undefined) template.metadata.annotations = null;
        if (template.spec.volumes === undefined && ch.chance(50)) template.spec.volumes = null;
        if (template.spec.containers[0].env === undefined && ch.chance(50)) template.spec.containers[0].env = null;
        features.add('null collection in templates');
      }
    }
    return item;
  }
  if (item.kind === 'ConfigMap' && item.metadata?.name !== 'kruise-configuration') {
    if (ch.chance(40)) {
      item.data = { ...item.data, mode: ch.pick(NUMBER_LIKE), 'zz-last': ch.pick(MULTI_LINE) };
      features.add('block scalar untouched');
    }
    if (ch.chance(20)) {
      item.metadata.labels = null;
      item.binaryData = null;
      features.add('null collection untouched');
    }
  }
  return item;
}

/** The pod template objects of an item (references into it), by the function's kind table. */
function templateObjects(item: Obj): Obj[] {
  if (typeof item.apiVersion !== 'string' || typeof item.kind !== 'string') return [];
  return templatePathsFor(item.apiVersion, item.kind, BUILTIN_KINDS).flatMap((path) => {
    let node: any = item;
    for (const key of path) node = node?.[key];
    return path.length === 0 ? [item] : node && typeof node === 'object' ? [node] : [];
  });
}

// --- Text -------------------------------------------------------------------------------------

const pad = (n: number) => ' '.repeat(n);
const isCollection = (v: unknown): v is Obj | unknown[] => typeof v === 'object' && v !== null;
const isEmpty = (v: Obj | unknown[]) => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);

const plainCache = new Map<string, boolean>();

/** A string both YAML 1.1 and 1.2 core readers read back as itself when written plain (block context). */
function plainOk(s: string): boolean {
  let ok = plainCache.get(s);
  if (ok === undefined) {
    ok =
      s !== '' &&
      !/[\n\r\t]|^\s|\s$/.test(s) &&
      [{ schema: 'core' as const }, { version: '1.1' as const }].every((options) => {
        try {
          return parse(`k: ${s}\n`, options)?.k === s;
        } catch {
          return false;
        }
      });
    plainCache.set(s, ok);
  }
  return ok;
}

/** Writes one item after another; anchors stay known across items only when a list takes aliases across them. */
class Writer {
  private anchors: Array<{ name: string; value: unknown; map: boolean; item: number }> = [];
  private itemNumber = 0;
  private readonly crossItemAliases: boolean;
  private compact = true;
  /** The pod templates of the item being written: merge keys go there more often. */
  private templates: unknown[] = [];
  /** The collections being written, outermost first (an anchor is no merge source inside itself). */
  private readonly open: unknown[] = [];

  constructor(
    private readonly ch: Choices,
    private readonly features: Set<string>,
    private readonly indent: number,
  ) {
    this.crossItemAliases = ch.chance(4);
  }

  /** An item's lines (without line breaks), its `-` at the list's indentation. */
  item(item: Obj): string[] {
    this.itemNumber++;
    this.templates = templateObjects(item);
    this.compact = this.ch.chance(70);
    const ch = this.ch;
    const lines: string[] = [];
    if (ch.chance(8)) {
      this.features.add('comments');
      lines.push(pad(ch.chance(50) ? this.indent : 0) + '# the next item');
    }
    const dash = pad(this.indent) + '-';
    if (ch.chance(5)) {
      this.features.add('json item');
      const json = JSON.stringify(item, null, ch.chance(50) ? 2 : undefined).split('\n');
      lines.push(`${dash} ${json[0]}`, ...json.slice(1).map((l) => pad(this.indent + 2) + l));
      return lines;
    }
    if (ch.chance(5)) {
      this.features.add('flow item');
      lines.push(...`${dash} ${this.flow(item, this.indent + 2, ch.chance(50))}`.split('\n'));
      return lines;
    }
    if (ch.chance(8)) {
      this.features.add('comments');
      lines.push(`${dash} # head comment`);
      this.map(item, this.indent + 2, lines);
    } else this.map(item, this.indent + 2, lines, `${dash} `);
    return lines;
  }

  /** Lines of a top-level value (functionConfig) below its key, at `indent`. */
  value(value: unknown, indent: number, lines: string[]): string[] {
    if (isCollection(value) && !Array.isArray(value) && !isEmpty(value)) this.map(value, indent, lines);
    return lines;
  }

  /** A block map's entries at `indent`; the first line starts with `first` instead, when given (`- `). */
  private map(map: Obj, indent: number, lines: string[], first?: string): void {
    this.open.push(map);
    try {
      this.entries(map, indent, lines, first);
    } finally {
      this.open.pop();
    }
  }

  private entries(map: Obj, indent: number, lines: string[], first: string | undefined): void {
    const ch = this.ch;
    const keys = Object.keys(map);
    const merge = this.mergeSource();
    let start = first;
    const line = (text: string) => {
      lines.push(...((start ?? pad(indent)) + text).split('\n'));
      start = undefined;
    };
    if (merge) line(`<<: *${merge}`);
    for (const key of keys) {
      if (start === undefined && ch.chance(6)) {
        this.features.add('comments');
        lines.push(ch.chance(15) ? '' : pad(ch.pick([indent, indent, indent + 2, 0])) + '# a comment line');
      }
      const value = map[key];
      const k = plainOk(key) && !key.startsWith('<') ? key : JSON.stringify(key);
      if (!isCollection(value)) {
        if (typeof value === 'string' && value.includes('\n')) {
          this.blockScalar(value, indent, lines, (header) => line(`${k}: ${header}`));
          continue;
        }
        if (value === null) this.features.add('null value');
        if (value === null && ch.chance(60)) {
          line(`${k}:${ch.chance(30) ? ' # nothing yet' : ''}`);
          if (ch.chance(40)) lines.push(`${pad(indent + 2)}# ${k === 'annotations' ? 'example.com/x: y' : 'commented-out: value'}`);
          continue;
        }
        line(`${k}: ${this.scalar(value)}${this.endComment()}`);
        continue;
      }
      if (isEmpty(value)) {
        line(`${k}: ${Array.isArray(value) ? '[]' : '{}'}${this.endComment()}`);
        continue;
      }
      const alias = this.aliasFor(value);
      if (alias) {
        line(`${k}: *${alias}${this.endComment()}`);
        continue;
      }
      const anchor = this.anchorFor(value);
      const props = anchor ? ` &${anchor}` : '';
      if (ch.chance(10)) {
        this.features.add('flow in block');
        line(`${k}:${props} ${this.flow(value, indent + 2, ch.chance(30))}${this.endComment()}`);
        continue;
      }
      line(`${k}:${props}${this.endComment()}`);
      if (Array.isArray(value)) this.seq(value, this.compact !== ch.chance(5) ? indent : indent + 2, lines);
      else this.map(value, indent + 2, lines);
    }
  }

  private seq(seq: unknown[], dash: number, lines: string[]): void {
    const ch = this.ch;
    for (const element of seq) {
      if (ch.chance(4)) {
        this.features.add('comments');
        lines.push(pad(dash) + '# before an element');
      }
      const marker = pad(dash) + '-';
      if (!isCollection(element)) {
        if (typeof element === 'string' && element.includes('\n'))
          this.blockScalar(element, dash, lines, (header) => lines.push(`${marker} ${header}`));
        else lines.push(element === null && ch.chance(50) ? marker : `${marker} ${this.scalar(element)}${this.endComment()}`);
      } else if (isEmpty(element)) lines.push(`${marker} ${Array.isArray(element) ? '[]' : '{}'}`);
      else if (Array.isArray(element) || ch.chance(8)) {
        this.features.add('flow in block');
        lines.push(`${marker} ${this.flow(element, dash + 2, false)}`);
      } else this.map(element, dash + 2, lines, `${marker} `);
    }
  }

  /** `|`, `|-`, `|+` (or `>`…) by the string's final newlines; its lines below at `indent + 2`. */
  private blockScalar(value: string, indent: number, lines: string[], header: (text: string) => void): void {
    const ch = this.ch;
    const trailing = value.length - value.replace(/\n+$/, '').length;
    const body = value.slice(0, value.length - trailing).split('\n');
    const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
    // Folding joins lines with spaces; a blank line between two lines keeps one newline.
    const folded = body.every((l) => l !== '' && !/^\s/.test(l)) && ch.chance(40);
    this.features.add(`block scalar ${folded ? '>' : '|'}${chomp}`);
    header(`${folded ? '>' : '|'}${chomp}${this.endComment()}`);
    const content = folded ? body.flatMap((l, i) => (i === 0 ? [l] : ['', l])) : body;
    for (const l of content) lines.push(l === '' ? '' : pad(indent + 2) + l);
    for (let i = 1; i < trailing; i++) lines.push(ch.chance(70) ? '' : pad(indent + 2));
  }

  /** A flow collection: on one line, or broken after commas onto lines at `indent`. */
  private flow(value: unknown, indent: number, multiLine: boolean): string {
    const sep = multiLine ? `,\n${pad(indent)}` : ', ';
    const text = (v: unknown): string => {
      if (!isCollection(v)) return typeof v === 'string' && (!plainOk(v) || /[,[\]{}#:]/.test(v)) ? JSON.stringify(v) : this.scalar(v);
      if (Array.isArray(v)) return `[${v.map(text).join(', ')}]`;
      return `{${Object.entries(v)
        .map(([k, x]) => `${plainOk(k) && !/[,[\]{}#:]/.test(k) ? k : JSON.stringify(k)}: ${text(x)}`)
        .join(', ')}}`;
    };
    if (!isCollection(value)) return text(value);
    const inner = Array.isArray(value)
      ? value.map(text)
      : Object.entries(value).map(([k, x]) => `${plainOk(k) && !/[,[\]{}#:]/.test(k) ? k : JSON.stringify(k)}: ${text(x)}`);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    return open + inner.join(sep) + close;
  }

  private scalar(value: unknown): string {
    const ch = this.ch;
    if (value === null) return ch.pick(['null', '~', 'null']);
    if (typeof value !== 'string') return JSON.stringify(value);
    if (plainOk(value) && ch.chance(70)) return value;
    if (!value.includes("'") && !/[^\x20-\x7e]/.test(value) && ch.chance(50)) return `'${value}'`;
    return JSON.stringify(value);
  }

  private endComment(): string {
    if (!this.ch.chance(5)) return '';
    this.features.add('comments');
    return this.ch.pick([' # why', '   # aligned comment']);
  }

  /** An earlier anchor's name for an equal collection, now and then. */
  private aliasFor(value: unknown): string | undefined {
    const found = this.anchors.find((a) => (this.crossItemAliases || a.item === this.itemNumber) && deepEqualJson(a.value, value));
    if (!found || !this.ch.chance(60)) return undefined;
    this.features.add(found.item === this.itemNumber ? 'alias' : 'alias across items');
    return found.name;
  }

  private anchorFor(value: unknown): string | undefined {
    if (!this.ch.chance(6)) return undefined;
    const name = `a${this.anchors.length + 1}`;
    this.anchors.push({ name, value, map: !Array.isArray(value), item: this.itemNumber });
    this.features.add('anchor');
    return name;
  }

  /**
   * An anchored map to merge into the map being written, in any item (the function reads merge keys
   * as kubectl does), of another item where aliases across items are: the pod templates' maps, which
   * the injection changes, take one more often.
   */
  private mergeSource(): string | undefined {
    const found = this.anchors.find((a) => a.map && (this.crossItemAliases || a.item === this.itemNumber) && !this.open.includes(a.value));
    const inTemplate = this.open.some((o) => this.templates.includes(o));
    if (!found || !this.ch.chance(inTemplate ? 50 : 25)) return undefined;
    this.features.add(inTemplate ? 'merge key in a template' : 'merge key');
    return found.name;
  }
}

function deepEqualJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
