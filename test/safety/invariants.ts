// What must hold for any run, written against the output alone: the pod-validity rules the
// apiserver enforces on the parts injection touches, and Kubernetes' own OpenAPI schema.
import { expect } from 'vitest';
import { isAlias, isMap, isNode, isSeq, Lexer, parse, parseAllDocuments, parseDocument, visit, type Node, type YAMLMap } from 'yaml';
import { PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import { runFunction, type RunOutput } from '../../src/run.js';
import { readResourceList, parseItem, NeedsFullParse, type ResourceListInput } from '../../src/krm/read.js';
import { BUILTIN_KINDS, templatePathsFor } from '../../src/workloads/kinds.js';
import type { Obj } from './arbitraries.js';

export interface Template {
  /** Where the template sits in its item, e.g. `spec.template`; '' for a Pod. */
  where: string;
  template: Obj;
}

/** The pod templates of an item, by the function's own kind table; those of the objects of a v1 List too. */
export function templatesOf(item: unknown): Template[] {
  if (!isObj(item) || typeof item.apiVersion !== 'string' || typeof item.kind !== 'string') return [];
  if (item.apiVersion === 'v1' && item.kind === 'List' && Array.isArray(item.items)) {
    return item.items.flatMap((inner, i) =>
      templatesOf(inner).map((t) => ({ where: `items[${i}]${t.where ? '.' + t.where : ''}`, template: t.template })),
    );
  }
  const out: Template[] = [];
  for (const path of templatePathsFor(item.apiVersion, item.kind, BUILTIN_KINDS)) {
    if (path.length === 0) {
      out.push({ where: '', template: { metadata: item.metadata, spec: item.spec } });
      continue;
    }
    let node: unknown = item;
    for (const key of path) node = isObj(node) ? node[key] : undefined;
    if (isObj(node)) out.push({ where: path.join('.'), template: node });
  }
  return out;
}

// Kubernetes ≥ 1.30 accepts any printable ASCII but '=' (RelaxedEnvironmentVariableValidation);
// the strict C-identifier-like rule is what every earlier version enforces.
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** The rules the apiserver checks on what injection adds: one message per violation. */
export function podProblems(template: Obj): string[] {
  const problems: string[] = [];
  const spec = isObj(template.spec) ? template.spec : {};
  const containers = asList(spec.containers);
  const initContainers = asList(spec.initContainers);
  const volumes = asList(spec.volumes);

  const names = [...initContainers, ...containers].map((c) => c.name);
  for (const d of duplicates(names)) problems.push(`container name ${JSON.stringify(d)} is used more than once`);
  const volumeNames = volumes.map((v) => v.name);
  for (const d of duplicates(volumeNames)) problems.push(`volume name ${JSON.stringify(d)} is used more than once`);
  const known = new Set(volumeNames);
  for (const c of [...initContainers, ...containers]) {
    for (const m of asList(c.volumeMounts))
      if (!known.has(m.name)) problems.push(`container ${c.name}: volumeMount ${JSON.stringify(m.name)} has no volume`);
    for (const d of asList(c.volumeDevices))
      if (!known.has(d.name)) problems.push(`container ${c.name}: volumeDevice ${JSON.stringify(d.name)} has no volume`);
    for (const m of duplicates(asList(c.volumeMounts).map((x) => x.mountPath)))
      problems.push(`container ${c.name}: mountPath ${m} is used more than once`);
    for (const e of asList(c.env))
      if (typeof e.name !== 'string' || !ENV_NAME.test(e.name))
        problems.push(`container ${c.name}: env name ${JSON.stringify(e.name)} is invalid`);
  }
  const secrets = asList(spec.imagePullSecrets).map((s) => s.name);
  for (const d of duplicates(secrets)) problems.push(`imagePullSecret ${JSON.stringify(d)} is listed more than once`);
  return problems;
}

/** Violations of the Kubernetes OpenAPI schema for PodTemplateSpec (kubernetes-models). */
export function schemaProblems(template: Obj): string[] {
  try {
    new PodTemplateSpec(template as ConstructorParameters<typeof PodTemplateSpec>[0]).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: Array<{ instancePath: string; message?: string }> }).errors;
    return errors ? errors.map((x) => `${x.instancePath} ${x.message ?? ''}`) : [(e as Error).message];
  }
}

/** A case's input text, its parsed items and its first run; the checks make the other runs they need. */
export interface Observed {
  text: string;
  first: RunOutput;
  input: ReadItem[];
}

export function observe(text: string): Observed {
  return { text, first: runFunction({ text }), input: readItems(text) };
}

export interface ReadItem {
  raw: string;
  object: unknown;
}

/** Each item's text and data, as the function reads them (the full parser when the fast path cannot cut an item). */
export function readItems(text: string): ReadItem[] {
  const items = (list: ResourceListInput): ReadItem[] => list.items.map((i) => ({ raw: i.raw, object: parseItem(i).object }));
  try {
    return items(readResourceList(text));
  } catch (e) {
    if (!(e instanceof NeedsFullParse)) throw e;
    return items(readResourceList(text, true));
  }
}

const identity = (o: unknown): string =>
  o && typeof o === 'object' && !Array.isArray(o)
    ? `${(o as Obj).apiVersion}/${(o as Obj).kind}/${(o as Obj).metadata?.namespace ?? ''}/${(o as Obj).metadata?.name ?? ''}`
    : JSON.stringify(o);

export function checkDeterministic({ text, first }: Observed): void {
  const second = runFunction({ text });
  expect(second.stdout).toBe(first.stdout);
  expect(second.stderr).toBe(first.stderr);
  expect(second.exitCode).toBe(first.exitCode);
}

export function checkIdempotent({ first }: Observed): void {
  if (first.stdout === '') return;
  const again = runFunction({ text: first.stdout });
  expect(again.items.map((i) => i.text)).toEqual(first.items.map((i) => i.text));
  expect(again.items.filter((i) => i.changed)).toEqual([]);
}

export function checkItemsKept({ text, first, input }: Observed): void {
  expect(first.items).toHaveLength(input.length);
  const output = readItems(first.stdout);
  expect(output.map((i) => identity(i.object))).toEqual(input.map((i) => identity(i.object)));
  // An item with an alias to another item's anchor is its text where the function need not read
  // it, and written anew where it must (readItems reads every item).
  const leaning = new Set([...itemsAliasingOthers(text), ...itemsAliasingOthers(first.stdout)]);
  first.items.forEach((item, i) => {
    if (!item.changed && !leaning.has(i)) expect(item.text).toBe(input[i].raw);
    if (!leaning.has(i)) expect(output[i].raw).toBe(item.text);
    // Only pod templates may change: the rest of a changed item is the same data.
    if (item.changed) expect(outsideTemplates(output[i].object)).toEqual(outsideTemplates(input[i].object));
  });
}

export function checkParsesBack({ first }: Observed): void {
  const list = parse(first.stdout, { uniqueKeys: false, maxAliasCount: -1 }) as Obj;
  expect(list.kind).toBe('ResourceList');
  expect(Array.isArray(list.items)).toBe(true);
  expect(readItems(first.stdout)).toHaveLength(first.items.length);
}

/** With no error result, every template the run changed is a pod the apiserver accepts, provided its input was. */
export function checkValidPods({ first, input }: Observed): void {
  if (first.results.some((r) => r.severity === 'error')) return;
  const output = readItems(first.stdout);
  first.items.forEach((item, i) => {
    if (!item.changed || !/\n/.test(input[i].raw)) return;
    const before = templatesOf(input[i].object);
    templatesOf(output[i].object).forEach(({ where, template }, t) => {
      if (podProblems(before[t].template).length > 0 || schemaProblems(before[t].template).length > 0) return;
      expect(podProblems(template), `${identity(output[i].object)} ${where}`).toEqual([]);
      expect(schemaProblems(template), `${identity(output[i].object)} ${where}`).toEqual([]);
    });
  });
}

/** The item with its pod templates' metadata and spec blanked out (a Pod is its template: only its identity stays). */
function outsideTemplates(item: unknown): unknown {
  if (!isObj(item)) return item;
  if (item.apiVersion === 'v1' && item.kind === 'List' && Array.isArray(item.items))
    return { ...item, items: item.items.map(outsideTemplates) };
  if (item.kind === 'Pod') return { apiVersion: item.apiVersion, kind: item.kind, name: item.metadata?.name };
  // A copy that shares nothing: aliases read as shared objects, and only one place is blanked.
  const copy = JSON.parse(JSON.stringify(item)) as Obj;
  for (const { template } of templatesOf(copy)) {
    for (const key of Object.keys(template)) template[key] = null;
  }
  return copy;
}

/** Every invariant; with error results, the pod-validity ones are skipped by checkValidPods itself. */
export function checkAll(observed: Observed): void {
  checkDeterministic(observed);
  checkIdempotent(observed);
  checkItemsKept(observed);
  checkParsesBack(observed);
  checkValidPods(observed);
}

// --- Real-world YAML (real-world.ts): both readers, bytes, line breaks -------------------------------

/**
 * The two readers the output must satisfy: YAML 1.2 core's scalars (the `yaml` package, js-yaml) and
 * YAML 1.1 (kubectl's and kustomize's go-yaml). Both apply merge keys, as kubectl does and as the
 * function reads items: what matters is what kubectl reads, not how a `<<` key spells it.
 */
export const READERS = {
  'YAML 1.2 core': { schema: 'core', merge: true },
  'YAML 1.1': { version: '1.1' },
} as const;

/** The items of a list as `reader` reads them (a `%YAML` directive aside: kubectl's reader ignores it). */
export function itemsUnder(text: string, reader: keyof typeof READERS): unknown[] {
  return listUnder(text, reader).items as unknown[];
}

function listUnder(text: string, reader: keyof typeof READERS): Obj {
  const docs = parseAllDocuments(text.replace(/^\ufeff/, '').replace(/^%YAML.*\r?\n/m, ''), { ...READERS[reader], uniqueKeys: false });
  const list = (Array.isArray(docs) ? docs : [docs]).find((d) => d.contents !== null);
  if (!list || list.errors.length > 0) throw new Error(`not one ResourceList: ${list?.errors[0]?.message}`);
  return list.toJS({ maxAliasCount: -1 }) as Obj;
}

/**
 * Annotations the function writes (its own, Kruise's) or the SidecarSets of arbitraries.ts patch,
 * and `patched`: those the list's SidecarSets patch as a reader reads them (a merge key brings in
 * keys of its own).
 */
function mayBeWrittenByInjection(key: string, patched: ReadonlySet<string>): boolean {
  return (
    /(^|\.)kruise\.io\//.test(key) ||
    key.startsWith('inject-sidecarsets.kpt.dev/') ||
    ['example.com/owner', 'example.com/config', 'note'].includes(key) ||
    patched.has(key)
  );
}

/** The annotation keys of every patchPodMetadata anywhere in `value` (the items' SidecarSets, the config's). */
function patchedAnnotationKeys(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => patchedAnnotationKeys(v, out));
  else if (isObj(value)) {
    if (Array.isArray(value.patchPodMetadata))
      for (const patch of value.patchPodMetadata)
        if (isObj(patch) && isObj(patch.annotations)) Object.keys(patch.annotations).forEach((k) => out.add(k));
    Object.values(value).forEach((v) => patchedAnnotationKeys(v, out));
  }
  return out;
}

/**
 * An item with its pod templates' spec blanked out, and the annotations injection writes: what
 * injection may not touch.
 */
export function untouchedParts(item: unknown, patched: ReadonlySet<string> = new Set()): unknown {
  // A copy that shares nothing: aliases read as shared objects, and only one place is blanked.
  const copy = JSON.parse(JSON.stringify(item)) as Obj;
  for (const { where, template: found } of templatesOf(copy)) {
    // A Pod is its own template (templatesOf gives a new object for it).
    const template = where === '' ? copy : found;
    if (!template || typeof template !== 'object') continue;
    template.spec = null;
    if (!isObj(template.metadata)) continue;
    // The user's own annotations, absent when there are none (injection writes a map where there was none, or null).
    const own = Object.entries(isObj(template.metadata.annotations) ? template.metadata.annotations : {}).filter(
      ([key]) => !mayBeWrittenByInjection(key, patched),
    );
    delete template.metadata.annotations;
    if (own.length > 0) template.metadata.annotations = Object.fromEntries(own);
  }
  return copy;
}

/**
 * Each item the function left alone is in the output as it was in the input: the same bytes, in
 * order. But an item with an alias to another item's anchor, which cannot be read on its own and
 * is written from its data.
 */
export function checkUntouchedVerbatim({ text, first, input }: Observed): void {
  const leaning = itemsAliasingOthers(text);
  let cursor = 0;
  first.items.forEach((item, i) => {
    if (leaning.has(i)) return;
    const at = text.indexOf(item.changed ? input[i].raw : item.text, cursor);
    expect(at, `item ${i}${item.changed ? ' (changed)' : ''} is not the input's text`).toBeGreaterThanOrEqual(0);
    cursor = at + (item.changed ? input[i].raw.length : item.text.length);
  });
}

/** The positions of the items with an alias to an anchor outside them. */
function itemsAliasingOthers(text: string): Set<number> {
  const out = new Set<number>();
  if (!text.includes('*')) return out;
  const doc = parseAllDocuments(text.replace(/^\ufeff/, ''), { uniqueKeys: false }).find((d) => d.contents !== null);
  const items = isMap(doc?.contents) ? doc.contents.get('items', true) : undefined;
  if (!isSeq(items)) return out;
  items.items.forEach((node, i) => {
    const anchors = new Set<string>();
    visit(node as Node, {
      Node: (_key, n) => {
        if (isAlias(n) && !anchors.has(n.source)) out.add(i);
        else if (!isAlias(n) && n.anchor) anchors.add(n.anchor);
      },
    });
  });
  return out;
}

/** What injection did not touch reads as the same data under both readers, in the input and in the output. */
export function checkSameDataUnderBothReaders({ text, first }: Observed): void {
  if (first.stdout === '') return;
  for (const reader of Object.keys(READERS) as Array<keyof typeof READERS>) {
    const before = itemsUnder(text, reader);
    const after = itemsUnder(first.stdout, reader);
    // The function config's SidecarSets patch too.
    const patched = patchedAnnotationKeys(listUnder(text, reader));
    expect(after, reader).toHaveLength(before.length);
    before.forEach((item, i) => {
      if (first.items[i].changed) expect(untouchedParts(after[i], patched), `${reader}, item ${i}`).toEqual(untouchedParts(item, patched));
      else expect(after[i], `${reader}, item ${i}`).toEqual(item);
    });
  }
}

/**
 * The output's own lines end as the input's first line does; a changed item's lines all end as
 * most of its input lines did (CRLF on a tie); untouched items are checked byte for byte elsewhere.
 */
export function checkLineBreaks({ text, first, input }: Observed): void {
  if (first.stdout === '') return;
  const crlf = /^[^\n]*\r\n/.test(text.replace(/^\ufeff/, ''));
  let frame = first.stdout;
  for (const item of first.items) frame = frame.replace(item.text, '');
  if (crlf) expect(frame.replace(/\r\n/g, '')).not.toContain('\n');
  else expect(frame).not.toContain('\r\n');
  first.items.forEach((item, i) => {
    if (!item.changed || !/\n/.test(input[i].raw)) return;
    const crlfs = input[i].raw.split('\r\n').length - 1;
    const expected = crlfs > 0 && crlfs >= input[i].raw.split('\n').length - 1 - crlfs ? '\r\n' : '\n';
    expect([...new Set(item.text.match(/\r?\n/g))], `item ${i}`).toEqual([expected]);
  });
}

/**
 * Every comment of a changed item outside its pod templates is still in it (anywhere: the Document
 * path may move a comment to its node). Inside a template, a comment may go with a container the
 * injection replaces.
 */
export function checkCommentsKept({ first, input }: Observed): void {
  first.items.forEach((item, i) => {
    if (!item.changed) return;
    const after = commentsOf(item.text, false);
    for (const [comment, count] of commentsOf(input[i].raw, true)) {
      expect(after.get(comment) ?? 0, `item ${i} lost the comment ${JSON.stringify(comment)}`).toBeGreaterThanOrEqual(count);
    }
  });
}

/** The comments of an item's text (by the lexer: no `#` in a string or block scalar), how often each occurs; `outside`: not in a pod template. */
export function commentsOf(raw: string, outside: boolean): Map<string, number> {
  const text = raw.replace(/\r\n/g, '\n');
  const templates: Array<[number, number]> = [];
  if (outside) {
    const doc = parseDocument(text, { uniqueKeys: false });
    const item = doc.contents && isSeq(doc.contents) ? doc.contents.items[0] : doc.contents;
    const data = isMap(item) ? (item.toJS(doc, { maxAliasCount: -1 }) as Obj) : undefined;
    if (data && typeof data.apiVersion === 'string' && typeof data.kind === 'string') {
      for (const path of templatePathsFor(data.apiVersion, data.kind, BUILTIN_KINDS)) {
        const node = path.length === 0 ? item : (item as YAMLMap).getIn(path, true);
        if (isNode(node) && node.range) templates.push([node.range[0], node.range[2]]);
      }
    }
  }
  const counts = new Map<string, number>();
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token.startsWith('#') && !templates.some(([from, to]) => offset >= from && offset < to))
      counts.set(token.trim(), (counts.get(token.trim()) ?? 0) + 1);
    // The lexer's control tokens (one character below a space) are not in the text.
    if (!(token.length === 1 && token < ' ' && token !== '\n' && token !== '\t')) offset += token.length;
  }
  return counts;
}

/** No item was passed through because processing it threw (`could not process item`). */
export function checkNoCrash({ first }: Observed): void {
  expect(
    first.results
      .filter((r) => /could not process item/.test(r.message))
      .map((r) => r.message)
      .join('\n'),
  ).toBe('');
}

function duplicates(values: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  const twice = new Set<unknown>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

function asList(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isObj) : [];
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
