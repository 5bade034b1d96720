// One item of the ResourceList: left alone when its text shows it cannot change, else parsed, its
// workloads (the item, or the objects of a List) injected template by template, and written back.
import { parseItem, sniffKind, dedentItem, NeedsFullParse, type SourceItem } from '../krm/read.js';
import { isPlainObject } from '../util/json.js';
import { repeatedKeys } from '../krm/repeated-keys.js';
import { writeChangedItem } from '../krm/write.js';
import { result, type Subject } from '../krm/results.js';
import { subjectOf } from '../krm/annotations.js';
import { templatePathsFor } from '../workloads/kinds.js';
import { locateTemplates, templateToWrite, withTemplate } from '../workloads/locate.js';
import { matchTemplate } from '../match/order.js';
import { INJECT_ANNOTATION, SKIP_ANNOTATION, readOptOut } from '../match/opt-out.js';
import { INJECTED_LIST_ANNOTATION } from '../sidecarset/kruise-keys.js';
import { OVERWRITTEN_ANNOTATION } from '../inject/overwritten.js';
import { INJECTIONS_ANNOTATION } from '../inject/ownership.js';
import { describeObject, type Member, type RunState, type Say } from './state.js';
import { processTemplate, pushProblems, type WorkloadScope } from './templates.js';

export interface ItemOutcome {
  text: string;
  changed: boolean;
  /** Whether something was injected into it (an item can change without, when a step only strips). */
  injected: boolean;
}

/** One item's surprise must not cost the others their output, nor show a stack trace. */
export function processSafely(state: RunState, item: SourceItem, position: number): ItemOutcome {
  try {
    return processItem(state, item, position);
  } catch (e) {
    if (e instanceof NeedsFullParse) throw e;
    state.results.push(
      result(
        'error',
        `could not process item ${position} (${(e as Error)?.message ?? String(e)}); it is passed through unchanged. ` +
          `Please report this with the item`,
        subjectOf(state.parsed[position]?.object, state.itemFiles?.[position]),
      ),
    );
    return { text: item.raw, changed: false, injected: false };
  }
}

function processItem(state: RunState, item: SourceItem, position: number): ItemOutcome {
  const unchanged: ItemOutcome = { text: item.raw, changed: false, injected: false };
  const file = state.itemFiles?.[position];
  if (!state.parsed[position] && cannotChange(state, item)) return unchanged;
  const parsed = state.parsed[position] ?? parseItem(item);
  const obj = parsed.object;
  if (parsed.mergeKeyError !== undefined) {
    state.results.push(
      result('error', `${parsed.mergeKeyError.message}; it is passed through unchanged`, subjectOf(obj, file), {
        field: parsed.mergeKeyError.field,
      }),
    );
    return unchanged;
  }
  if (!isPlainObject(obj)) {
    state.results.push(
      result(
        'error',
        `item ${position}${file ? ` (${file.path})` : ''} is not an object ` +
          `(${obj === null ? 'null' : Array.isArray(obj) ? 'a list' : typeof obj}); it is passed through unchanged`,
      ),
    );
    return unchanged;
  }
  const subject = subjectOf(obj, file);
  const members = workloadsOf(obj);
  if (parsed.duplicateKey && !repeatsLeaveInjectionAlone(state, item, parsed.duplicateKey, members, subject)) return unchanged;
  let next: Record<string, unknown> = obj;
  let injected = false;
  for (const member of members) {
    const outcome = injectWorkload(state, member, subject);
    injected ||= outcome.injected;
    if (outcome.object !== member.object) next = replacedAt(next, member.path, outcome.object) as Record<string, unknown>;
  }
  if (next === obj) return unchanged;
  return { text: writeChangedItem(item, obj, next), changed: true, injected };
}

/**
 * The workload an item is, or for a List each object in it: kubectl applies a List as its objects,
 * the objects of Lists in it too (k8s.io/cli-runtime, pkg/resource/visitor.go, FlattenListVisitor).
 */
export function workloadsOf(obj: Record<string, unknown>, path: string[] = [], where = '', list = ''): Member[] {
  if (!isKubectlList(obj))
    return [{ object: obj, path, prefix: where && `${where}.`, label: where && `${describeObject(obj)}, ${where} of ${list}: ` }];
  const meta = isPlainObject(obj.metadata) ? obj.metadata : {};
  const outer = list || (typeof meta.name === 'string' && meta.name !== '' ? `List ${meta.name}` : 'this List');
  return obj.items.flatMap((inner, i) =>
    isPlainObject(inner) ? workloadsOf(inner, [...path, 'items', String(i)], `${where && `${where}.`}items[${i}]`, outer) : [],
  );
}

/** One workload's pod templates, matched and injected; results go to the item's subject. The workload itself when nothing changed. */
function injectWorkload(state: RunState, member: Member, subject: Subject): { object: Record<string, unknown>; injected: boolean } {
  const { options } = state;
  const { object, prefix, label } = member;
  const say: Say = (severity, message, details) => state.results.push(result(severity, label + message, subject, details));
  const { templates, skipped } = locateTemplates(object, state.kinds, options.defaultNamespace);
  for (const s of skipped) say('info', `not injected: ${s.reason}`, { field: s.fieldPath && prefix + s.fieldPath });
  // A Pod is its own template: its metadata is read once, as the template's.
  const workloadOptOut =
    options.mode !== 'uninject' && templates.some((ref) => ref.path.length > 0)
      ? readOptOut(object.metadata, 'the workload', state.ruleNames)
      : undefined;
  pushProblems(workloadOptOut?.problems ?? [], say, prefix);
  const scope: WorkloadScope = { optOut: workloadOptOut?.level, optedOut: new Map() };
  let next = object;
  const injected: string[] = [];
  const usedRules = new Set<string>();
  for (const ref of templates) {
    const outcome = processTemplate(state, ref, member, subject, say, scope);
    if (!outcome) continue;
    next = withTemplate(next, ref.path, templateToWrite(ref, outcome.template));
    if (outcome.injected.length === 0) continue;
    injected.push(`${outcome.injected.join(', ')} into ${ref.fieldPrefix ? ref.fieldPrefix.slice(0, -1) : 'the pod'}`);
    for (const r of outcome.rules) usedRules.add(r.name);
  }
  for (const [because, skippedNames] of scope.optedOut) {
    say('info', `opted out: not injected by SidecarSet${skippedNames.size > 1 ? 's' : ''} ${[...skippedNames].join(', ')} (${because})`, {
      field: prefix.slice(0, -1) || undefined,
      tags: { sidecarSets: [...skippedNames].join(',') },
    });
  }
  const names = [...usedRules];
  if (injected.length > 0) {
    say('info', `injected ${injected.join('; ')} from SidecarSet${names.length > 1 ? 's' : ''} ${names.join(', ')}`, {
      field: prefix.slice(0, -1) || undefined,
      tags: { sidecarSets: names.join(',') },
    });
  }
  return { object: next, injected: injected.length > 0 };
}

/**
 * An item that repeats a key is injected when every repeat holds one value and lies outside
 * what the injection reads or writes, with a warning; the text edit keeps both lines. Else it
 * is passed through unchanged, and that is an error when a SidecarSet selects it: which value
 * a cluster gets is up to the tool that applies it, and an edit would change one of the two.
 */
function repeatsLeaveInjectionAlone(
  state: RunState,
  item: SourceItem,
  duplicateKey: string,
  members: readonly Member[],
  subject: Subject,
): boolean {
  const repeats = repeatedKeys(dedentItem(item.raw, item.indent));
  const read = [['apiVersion'], ['kind'], ...members.flatMap((m) => injectionPaths(state, m))];
  const onPath = (path: readonly string[]) => read.some((r) => isPrefix(r, path) || isPrefix(path, r));
  if (repeats && repeats.length > 0 && repeats.every((r) => r.sameValue && !onPath(r.path))) {
    const described = repeats
      .map(
        (r) =>
          `key ${JSON.stringify(r.path[r.path.length - 1])} repeated at line${r.lines.length > 2 ? 's' : ''} ` +
          `${r.lines.slice(1).join(', ')}`,
      )
      .join(', ');
    state.results.push(
      result(
        'warning',
        `${described} in this object (${repeats.map((r) => r.fieldPath).join(', ')}), with the same value each time and ` +
          `outside what the injection reads or writes: both are kept as written`,
        subject,
        { field: repeats[0].fieldPath },
      ),
    );
    return true;
  }
  const selected = members.some((m) =>
    locateTemplates(m.object, state.kinds, state.options.defaultNamespace).templates.some(
      (ref) => matchTemplate(state.index, ref, state.namespaces, state.options).rules.length > 0,
    ),
  );
  const why = repeats?.find((r) => !r.sameValue)
    ? ' with different values'
    : repeats?.find((r) => onPath(r.path))
      ? ' where the injection reads or writes'
      : '';
  state.results.push(
    result(
      selected ? 'error' : 'warning',
      `${duplicateKey} in this object${why}; it is passed through ` +
        `unchanged${selected ? ', and the SidecarSets selecting it are not injected: remove the repeated key' : ''}`,
      subject,
    ),
  );
  return false;
}

/** What the injection reads or writes of a workload: its kind, its namespace, each pod template and the keys on the way. */
function injectionPaths(state: RunState, member: Member): string[][] {
  const { object, path } = member;
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return [];
  const read: (readonly string[])[] = [
    ['apiVersion'],
    ['kind'],
    ['metadata', 'namespace'],
    ...templatePathsFor(object.apiVersion, object.kind, state.kinds),
  ];
  if (object.kind === 'Rollout') read.push(['spec', 'workloadRef']);
  return read.map((p) => [...path, ...p]);
}

/** Decided on the item's text, without parsing it: not a workload, or no rule can select it. */
function cannotChange(state: RunState, item: SourceItem): boolean {
  const kind = sniffKind(item);
  if (kind === undefined) return false;
  if (!state.workloadKinds.has(kind) && kind !== 'List') return true;
  // Rollouts get a result about workloadRef whatever their labels; earlier injections may need
  // stripping; opt-out annotations are checked whether or not a SidecarSet selects the item.
  if (
    kind === 'Rollout' ||
    [INJECTED_LIST_ANNOTATION, INJECTIONS_ANNOTATION, OVERWRITTEN_ANNOTATION, INJECT_ANNOTATION, SKIP_ANNOTATION].some((key) =>
      item.raw.includes(key),
    )
  )
    return false;
  // Every workload is explained, whether a SidecarSet can select it or not.
  const requiredKeys = state.index.requiredKeys;
  return state.options.mode !== 'explain' && requiredKeys !== undefined && !requiredKeys.some((key) => item.raw.includes(key));
}

/** `root` with the value at `path` (keys and list positions) replaced, copying what is on the way. */
export function replacedAt(root: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((item, i) => (String(i) === head ? replacedAt(item, rest, value) : item));
  const obj = root as Record<string, unknown>;
  return { ...obj, [head]: replacedAt(obj[head], rest, value) };
}

/** A `kind: List` (apiVersion v1), which kubectl applies as the objects in its items. */
function isKubectlList(obj: Record<string, unknown>): obj is Record<string, unknown> & { items: unknown[] } {
  return obj.apiVersion === 'v1' && obj.kind === 'List' && Array.isArray(obj.items);
}

const isPrefix = (prefix: readonly string[], path: readonly string[]) =>
  prefix.length <= path.length && prefix.every((key, i) => key === path[i]);
