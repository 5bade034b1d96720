// The whole function as one pure call: ResourceList text in; output text, stderr text and exit
// code out. main.ts and the other modes do the I/O around it.
import { readResourceList, parseItem, sniffKind, dedentItem, InputError, NeedsFullParse, isPlainObject, type SourceItem } from './krm/read.js';
import { repeatedKeys } from './krm/repeated-keys.js';
import { writeChangedItem, writeResourceList } from './krm/write.js';
import { result, hasErrors, formatResult, type Result, type FileRef, type Severity, type Subject } from './krm/results.js';
import { resourceRefOf, subjectOf } from './krm/annotations.js';
import { readConfiguration } from './config/forms.js';
import type { Options, PatchMetadataWhitelistRule } from './config/options.js';
import { prepareRules, type Rule } from './sidecarset/rules.js';
import { BUILTIN_KINDS, configuredKinds, templatePathsFor } from './workloads/kinds.js';
import { locateTemplates, templateToWrite, withTemplate, type PodTemplate, type PodTemplateRef } from './workloads/locate.js';
import { templateShapeProblems } from './workloads/shape.js';
import { namespaceDirectory } from './match/namespace.js';
import { matchTemplate, orderRules, type MatchOutcome } from './match/order.js';
import { INJECT_ANNOTATION, SKIP_ANNOTATION, applyOptOut, decideOptOut, namespaceOptOuts, readOptOut, type OptOutDecision, type OptOutLevel } from './match/opt-out.js';
import { RuleIndex } from './match/rule-index.js';
import { injectTemplate, type InjectContext, type Problem } from './inject/pipeline.js';
import { INJECTED_LIST_ANNOTATION } from './inject/bookkeeping.js';
import { OVERWRITTEN_ANNOTATION } from './inject/overwritten.js';
import { INJECTIONS_ANNOTATION } from './inject/ownership.js';
import { uninjectTemplate } from './inject/uninject.js';
import { describeDrift, expectedTemplate, validationPlan } from './modes/validate.js';
import { deepEqual } from './util/json.js';
import { explainTemplate, explanationResults, stepToCheck, type TemplateExplanation } from './modes/explain.js';
import type { V1LocalObjectReference } from '@kubernetes/client-node';

export interface RunOutput {
  /** Each item's output text (the input text when unchanged) and whether the function changed it. */
  items: Array<{ text: string; indent: number; changed: boolean }>;
  /** The output ResourceList in pieces, in order (see writeResourceList). */
  output: string[];
  /** The same, joined. */
  readonly stdout: string;
  stderr: string;
  exitCode: number;
  results: Result[];
  /** With mode explain: one entry per pod template, in item order. */
  explanations: TemplateExplanation[];
}

export interface RunInput {
  text: string;
  /** Where the functionConfig came from, when the caller knows (command-line mode, legacy plugin). */
  configFile?: FileRef;
  /** Files of the items, for results, when the caller read them from files itself (command-line mode). */
  itemFiles?: readonly (FileRef | undefined)[];
  /** Options the caller sets over the config's (command-line mode: --explain, --uninject). */
  overrides?: Partial<Pick<Options, 'mode' | 'uninjectStep'>>;
}

/** Items that are rules or cluster inputs: parsed up front; every other item only when it is processed. */
const CONTEXT_KINDS = new Set(['SidecarSet', 'Namespace', 'ServiceAccount', 'LimitRange', 'ControllerRevision', 'ConfigMap']);

export function runFunction(input: RunInput): RunOutput {
  try {
    return run(input, false);
  } catch (e) {
    if (!(e instanceof NeedsFullParse)) throw e;
    return run(input, true);
  }
}

function run({ text, configFile, itemFiles, overrides }: RunInput, fullParse: boolean): RunOutput {
  let list;
  try {
    list = readResourceList(text, fullParse);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { items: [], output: [], stdout: '', stderr: `inject-sidecarsets: ${e.message}\n`, exitCode: 1, results: [], explanations: [] };
  }
  // A sparse list: large packages are mostly workloads, parsed one at a time further down.
  const context = list.items.map((item) => {
    const kind = sniffKind(item);
    return kind === undefined || CONTEXT_KINDS.has(kind) ? parseItem(item) : undefined;
  });
  const objects = context.map((parsed) => parsed?.object);
  const config = readConfiguration(list.functionConfig, list.hasFunctionConfig, objects, configFile, itemFiles);
  const options: Options = { ...config.options, ...overrides };
  // Which SidecarSets are the rules says nothing to un-injection, which goes by the templates' records.
  const results: Result[] = options.mode === 'uninject' ? config.results.filter((r) => r.severity !== 'info') : [...config.results];
  const cluster = clusterInputs(objects, options, results);

  // Un-injection goes by what the templates record, not by SidecarSets.
  const { rules, results: ruleResults } = prepareRules(options.mode === 'uninject' ? [] : config.rules, {
    options,
    controllerRevisions: cluster.controllerRevisions.length > 0 ? cluster.controllerRevisions : undefined,
    whitelist: cluster.whitelist,
  });
  results.push(...ruleResults);
  const index = new RuleIndex(orderRules(rules));
  const table = [...BUILTIN_KINDS, ...configuredKinds(options.workloadKinds)];
  const workloadKinds = new Set(table.map((row) => row.kind));
  const namespaces = namespaceDirectory(cluster.namespaces, options.namespaceLabels);
  const matchedRules = new Set<string>();
  const ruleNames: ReadonlySet<string> = new Set(rules.map((r) => r.name));
  const driftedWorkloads = new Set<Record<string, unknown>>();
  const explanations: TemplateExplanation[] = [];
  // Opt-outs name SidecarSets; un-injection has none and goes by the records alone.
  const namespaceOptOut = options.mode === 'uninject' ? { levels: new Map<string, OptOutLevel>(), problems: [] } : namespaceOptOuts(objects, ruleNames);
  for (const p of namespaceOptOut.problems) results.push(result(p.severity, p.message, subjectOf(objects[p.position], itemFiles?.[p.position]), p.fieldPath));
  // For the summary line: an item can change without anything injected, when a step only strips.
  let injectedItems = 0;
  let strippedItems = 0;
  let itemInjected = false;

  const outputs = list.items.map((item, position) => {
    itemInjected = false;
    const outcome = processSafely(item, position);
    if (outcome.changed && itemInjected) injectedItems++;
    else if (outcome.changed) strippedItems++;
    return { ...outcome, indent: item.indent };
  });

  /** One item's surprise must not cost the others their output, nor show a stack trace. */
  function processSafely(item: SourceItem, position: number): { text: string; changed: boolean } {
    try {
      return processItem(item, position);
    } catch (e) {
      if (e instanceof NeedsFullParse) throw e;
      results.push(
        result('error', `could not process item ${position} (${(e as Error)?.message ?? String(e)}); it is passed through unchanged. Please report this with the item`, subjectOf(context[position]?.object, itemFiles?.[position])),
      );
      return { text: item.raw, changed: false };
    }
  }

  function processItem(item: SourceItem, position: number): { text: string; changed: boolean } {
    if (!context[position] && cannotChange(item)) return { text: item.raw, changed: false };
    const parsed = context[position] ?? parseItem(item);
    const obj = parsed.object;
    if (!isPlainObject(obj)) {
      results.push(result('error', `item ${position}${itemFiles?.[position] ? ` (${itemFiles[position]!.path})` : ''} is not an object (${obj === null ? 'null' : Array.isArray(obj) ? 'a list' : typeof obj}); it is passed through unchanged`));
      return { text: item.raw, changed: false };
    }
    const subject = subjectOf(obj, itemFiles?.[position]);
    const members = workloadsOf(obj);
    if (parsed.duplicateKey && !repeatsLeaveInjectionAlone(item, parsed.duplicateKey, members, subject)) return { text: item.raw, changed: false };
    let next: Record<string, unknown> = obj;
    for (const member of members) {
      const injected = injectWorkload(member, subject);
      if (injected !== member.object) next = replacedAt(next, member.path, injected) as Record<string, unknown>;
    }
    if (next === obj) return { text: item.raw, changed: false };
    return { text: writeChangedItem(item, obj, next), changed: true };
  }

  /**
   * The workload an item is, or for a List each object in it: kubectl applies a List as its objects,
   * the objects of Lists in it too (k8s.io/cli-runtime, pkg/resource/visitor.go, FlattenListVisitor).
   */
  function workloadsOf(obj: Record<string, unknown>, path: string[] = [], where = '', list = ''): Member[] {
    if (!isKubectlList(obj)) return [{ object: obj, path, prefix: where && `${where}.`, label: where && `${describeObject(obj)}, ${where} of ${list}: ` }];
    const meta = isPlainObject(obj.metadata) ? obj.metadata : {};
    const outer = list || (typeof meta.name === 'string' && meta.name !== '' ? `List ${meta.name}` : 'this List');
    return obj.items.flatMap((inner, i) =>
      isPlainObject(inner) ? workloadsOf(inner, [...path, 'items', String(i)], `${where && `${where}.`}items[${i}]`, outer) : [],
    );
  }

  /** One workload's pod templates, matched and injected; results go to the item's subject. The workload itself when nothing changed. */
  function injectWorkload(member: Member, subject: Subject): Record<string, unknown> {
    const { object, prefix, label } = member;
    const say: Say = (severity, message, fieldPath, tags) => results.push(result(severity, label + message, subject, fieldPath, tags));
    const { templates, skipped } = locateTemplates(object, table, options.defaultNamespace);
    for (const s of skipped) say('info', `not injected: ${s.reason}`, s.fieldPath && prefix + s.fieldPath);
    // A Pod is its own template: its metadata is read once, as the template's.
    const workloadOptOut = options.mode !== 'uninject' && templates.some((ref) => ref.path.length > 0) ? readOptOut(object.metadata, 'the workload', ruleNames) : undefined;
    pushProblems(workloadOptOut?.problems ?? [], say, prefix);
    const scope: WorkloadScope = { optOut: workloadOptOut?.level, optedOut: new Map() };
    let next = object;
    const injected: string[] = [];
    const usedRules = new Set<string>();
    for (const ref of templates) {
      const outcome = processTemplate(ref, member, subject, say, scope);
      if (!outcome) continue;
      next = withTemplate(next, ref.path, templateToWrite(ref, outcome.template));
      if (outcome.injected.length === 0) continue;
      injected.push(`${outcome.injected.join(', ')} into ${ref.fieldPrefix ? ref.fieldPrefix.slice(0, -1) : 'the pod'}`);
      for (const r of outcome.rules) usedRules.add(r.name);
    }
    for (const [because, skippedNames] of scope.optedOut) {
      say('info', `opted out: not injected by SidecarSet${skippedNames.size > 1 ? 's' : ''} ${[...skippedNames].join(', ')} (${because})`, prefix.slice(0, -1) || undefined, { sidecarSets: [...skippedNames].join(',') });
    }
    const names = [...usedRules];
    if (injected.length > 0) {
      itemInjected = true;
      say('info', `injected ${injected.join('; ')} from SidecarSet${names.length > 1 ? 's' : ''} ${names.join(', ')}`, prefix.slice(0, -1) || undefined, { sidecarSets: names.join(',') });
    }
    return next;
  }

  /** One pod template in the run's mode; what to write back, if anything. */
  function processTemplate(ref: PodTemplateRef, member: Member, subject: Subject, say: Say, scope: WorkloadScope): TemplateOutcome | undefined {
    const at = member.prefix + ref.fieldPrefix;
    // A template the apiserver would reject anyway is left alone: an error when a SidecarSet
    // selects it, a warning when its labels are unreadable, nothing otherwise.
    const shape = templateShapeProblems(ref.template);
    if (options.mode === 'uninject') return shape.length === 0 ? uninjectOne(ref, say, at) : undefined;
    const labelsUnreadable = shape.some((p) => p.path.startsWith('metadata'));
    const match = labelsUnreadable ? undefined : matchTemplate(index, ref, namespaces, options);
    if (options.mode === 'explain') {
      const rejected = shape.length > 0 ? `the apiserver would reject this pod template (${shape.map((p) => `${p.path || 'the pod template'} ${p.message}`).join('; ')}), so nothing is injected into it` : undefined;
      explainOne(ref, member, subject, match, rejected, rejected ? undefined : optOutDecision(ref, scope.optOut, say, at));
      return undefined;
    }
    if (shape.length > 0) {
      if (labelsUnreadable || (match && match.rules.length > 0)) {
        for (const p of shape) {
          say(labelsUnreadable ? 'warning' : 'error', `${p.path || 'the pod template'} ${p.message}: the apiserver would reject this pod template, so nothing is injected into it`, at + p.path || undefined);
        }
      }
      return undefined;
    }
    if (!match) return undefined;
    pushProblems(match.problems, say, at);
    if (match.skipped) say('info', `not injected: ${match.skipped}`, member.prefix.slice(0, -1) || undefined);
    for (const r of match.rules) matchedRules.add(r.name);
    const decision = optOutDecision(ref, scope.optOut, say, at);
    if (decision.inject === 'invalid') return undefined;
    const optOut = applyOptOut(match.rules, decision);
    if (optOut.because) scope.optedOut.set(optOut.because, new Set([...(scope.optedOut.get(optOut.because) ?? []), ...optOut.skipped]));
    // With no SidecarSet left, a template an earlier run injected may still have leftovers to strip.
    if (optOut.rules.length === 0 && !(options.stripPreviousInjection && carriesEarlierRun(ref.template.metadata?.annotations))) return undefined;
    if (options.mode === 'validate') {
      if (validateOne(ref, optOut.rules, say, at)) driftedWorkloads.add(member.object);
      return undefined;
    }
    const outcome = injectTemplate(ref.template, optOut.rules, injectContext(ref.namespace));
    pushProblems(outcome.problems, say, at);
    if (!outcome.changed) return undefined;
    return { template: outcome.template, injected: outcome.injected, rules: optOut.rules };
  }

  /** An error result when injection would change the template; whether it would. */
  function validateOne(ref: PodTemplateRef, matched: readonly Rule[], say: Say, at: string): boolean {
    const plan = validationPlan(ref.template, matched, ruleNames, config.step);
    const expected = expectedTemplate(ref.template, plan, (template, applied, step) => injectTemplate(template, applied, injectContext(ref.namespace, step)));
    pushProblems(expected.problems, say, at);
    if (deepEqual(expected.template, ref.template)) return false;
    const drift = describeDrift(ref.template, expected.template, matched);
    say('error', drift.message, at.slice(0, -1) || undefined, drift.sidecarSets.length > 0 ? { sidecarSets: drift.sidecarSets.join(',') } : undefined);
    return true;
  }

  function uninjectOne(ref: PodTemplateRef, say: Say, at: string): TemplateOutcome | undefined {
    const outcome = uninjectTemplate(ref.template, { ...injectContext(ref.namespace), only: options.uninjectStep });
    pushProblems(outcome.problems, say, at);
    return outcome.changed ? { template: outcome.template, injected: [], rules: [] } : undefined;
  }

  function explainOne(ref: PodTemplateRef, member: Member, subject: Subject, match: MatchOutcome | undefined, rejected: string | undefined, decision: OptOutDecision | undefined): void {
    const step = stepToCheck(ref.template, ruleNames, config.step);
    const { verdicts, note } = explainTemplate(ref, {
      rules: index.ordered,
      match,
      rejected: rejected ?? (decision?.inject === 'invalid' ? 'an opt-out annotation it depends on is invalid (see the error result), so nothing is injected into it' : undefined),
      inject: (applied) => injectTemplate(ref.template, applied, injectContext(ref.namespace, step)),
      optOut: (rule) => (decision ? applyOptOut([rule], decision).because : undefined),
      step,
      namespaces,
      namespaceSource: (name) => (cluster.namespaces.some((n) => n.name === name) ? 'item' : Object.hasOwn(options.namespaceLabels, name) ? 'config' : undefined),
      options,
    });
    const ref0 = resourceRefOf(member.object);
    const explanation: TemplateExplanation = {
      workload: member.label ? member.label.slice(0, -2) : describeObject(member.object),
      kind: ref0?.kind,
      name: ref0?.name,
      file: subject.file,
      fieldPath: (member.prefix + ref.fieldPrefix).replace(/\.$/, ''),
      namespace: ref.namespace,
      note,
      verdicts,
    };
    explanations.push(explanation);
    results.push(...explanationResults(explanation, subject, member.label));
  }

  /**
   * An item that repeats a key is injected when every repeat holds one value and lies outside
   * what the injection reads or writes, with a warning; the text edit keeps both lines. Else it
   * is passed through unchanged, and that is an error when a SidecarSet selects it: which value
   * a cluster gets is up to the tool that applies it, and an edit would change one of the two.
   */
  function repeatsLeaveInjectionAlone(item: SourceItem, duplicateKey: string, members: readonly Member[], subject: Subject): boolean {
    const repeats = repeatedKeys(dedentItem(item.raw, item.indent));
    const read = [['apiVersion'], ['kind'], ...members.flatMap(injectionPaths)];
    const onPath = (path: readonly string[]) => read.some((r) => isPrefix(r, path) || isPrefix(path, r));
    if (repeats && repeats.length > 0 && repeats.every((r) => r.sameValue && !onPath(r.path))) {
      const described = repeats.map((r) => `key ${JSON.stringify(r.path[r.path.length - 1])} repeated at line${r.lines.length > 2 ? 's' : ''} ${r.lines.slice(1).join(', ')}`).join(', ');
      results.push(
        result('warning', `${described} in this object (${repeats.map((r) => r.fieldPath).join(', ')}), with the same value each time and outside what the injection reads or writes: both are kept as written`, subject, repeats[0].fieldPath),
      );
      return true;
    }
    const selected = members.some((m) => locateTemplates(m.object, table, options.defaultNamespace).templates.some((ref) => matchTemplate(index, ref, namespaces, options).rules.length > 0));
    const why = repeats?.find((r) => !r.sameValue) ? ' with different values' : repeats?.find((r) => onPath(r.path)) ? ' where the injection reads or writes' : '';
    results.push(
      result(
        selected ? 'error' : 'warning',
        `${duplicateKey} in this object${why}; it is passed through unchanged${selected ? ', and the SidecarSets selecting it are not injected: remove the repeated key' : ''}`,
        subject,
      ),
    );
    return false;
  }

  /** What the injection reads or writes of a workload: its kind, its namespace, each pod template and the keys on the way. */
  function injectionPaths(member: Member): string[][] {
    const { object, path } = member;
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') return [];
    const read: (readonly string[])[] = [['apiVersion'], ['kind'], ['metadata', 'namespace'], ...templatePathsFor(object.apiVersion, object.kind, table)];
    if (object.kind === 'Rollout') read.push(['spec', 'workloadRef']);
    return read.map((p) => [...path, ...p]);
  }

  /** Decided on the item's text, without parsing it: not a workload, or no rule can select it. */
  function cannotChange(item: SourceItem): boolean {
    const kind = sniffKind(item);
    if (kind === undefined) return false;
    if (!workloadKinds.has(kind) && kind !== 'List') return true;
    // Rollouts get a result about workloadRef whatever their labels; earlier injections may need
    // stripping; opt-out annotations are checked whether or not a SidecarSet selects the item.
    if (kind === 'Rollout' || [INJECTED_LIST_ANNOTATION, INJECTIONS_ANNOTATION, OVERWRITTEN_ANNOTATION, INJECT_ANNOTATION, SKIP_ANNOTATION].some((key) => item.raw.includes(key))) return false;
    // Every workload is explained, whether a SidecarSet can select it or not.
    return options.mode !== 'explain' && index.requiredKeys !== undefined && !index.requiredKeys.some((key) => item.raw.includes(key));
  }

  /** What the template, its workload and its namespace say about opting out (inject: 'invalid' when a deciding annotation is wrong, reported). */
  function optOutDecision(ref: PodTemplateRef, workload: OptOutLevel | undefined, say: Say, at: string): OptOutDecision {
    const template = readOptOut(ref.template.metadata, ref.path.length > 0 ? 'the pod template' : 'the pod', ruleNames);
    pushProblems(template.problems, say, at);
    return decideOptOut([template.level, workload, namespaceOptOut.levels.get(ref.namespace)]);
  }

  function pushProblems(problems: readonly Problem[], say: Say, prefix: string): void {
    for (const p of problems) {
      say(p.severity, p.message, p.fieldPath ? prefix + p.fieldPath : prefix.slice(0, -1) || undefined, p.sidecarSets.length > 0 ? { sidecarSets: p.sidecarSets.join(',') } : undefined);
    }
  }

  function injectContext(namespace: string, step = config.step): InjectContext {
    return {
      options,
      namespace,
      limitRanges: cluster.limitRanges.get(namespace),
      serviceAccountPullSecrets: (name) => cluster.serviceAccountPullSecrets.get(`${namespace}/${name}`),
      step,
    };
  }

  for (const rule of options.mode === 'explain' ? [] : rules) {
    if (!matchedRules.has(rule.name) && !rule.set.spec.injectionStrategy?.paused) {
      results.push(
        result('info', `SidecarSet ${rule.name} matches no pod template among the items; check its selector and namespaceSelector`, rule.subject, 'spec.selector'),
      );
    }
  }

  const failed = hasErrors(results);
  const output = writeResourceList(list.apiVersion, outputs.map((o) => o.text), results, list.functionConfigText, list);
  const counts = (s: string) => results.filter((r) => r.severity === s).length;
  const lines = results.filter((r) => r.severity !== 'info').map(formatResult);
  const done = {
    inject:
      `${injectedItems} of ${list.items.length} items injected by ${rules.length} SidecarSet(s)` +
      (strippedItems > 0 ? `, ${strippedItems} with an earlier injection removed` : ''),
    validate: `${driftedWorkloads.size} of ${list.items.length} items not as ${rules.length} SidecarSet(s) would inject them`,
    explain: `${explanations.length} pod template(s) explained against ${rules.length} SidecarSet(s)`,
    uninject: `${injectedItems + strippedItems} of ${list.items.length} items uninjected`,
  }[options.mode];
  lines.push(`inject-sidecarsets: ${done}; ${counts('error')} error(s), ${counts('warning')} warning(s)`);
  return {
    items: outputs,
    output,
    get stdout() {
      return output.join('');
    },
    stderr: lines.join('\n') + '\n',
    exitCode: failed ? 1 : 0,
    results,
    explanations,
  };
}

interface ClusterInputs {
  namespaces: Array<{ name: string; labels: Record<string, string> }>;
  serviceAccountPullSecrets: Map<string, V1LocalObjectReference[]>;
  limitRanges: Map<string, unknown[]>;
  controllerRevisions: unknown[];
  whitelist: { rules: PatchMetadataWhitelistRule[] } | 'absent' | undefined;
}

const WHITELIST_CONFIGMAP = 'kruise-configuration';
const WHITELIST_KEY = 'SidecarSet_PatchPodMetadata_WhiteList';

/** What a cluster would have told the webhook, as far as the items tell it (§6.3). */
function clusterInputs(objects: readonly unknown[], options: Options, results: Result[]): ClusterInputs {
  const inputs: ClusterInputs = {
    namespaces: [],
    serviceAccountPullSecrets: new Map(),
    limitRanges: new Map(),
    controllerRevisions: [],
    whitelist: options.patchMetadataWhitelist,
  };
  for (const obj of objects) {
    if (!isPlainObject(obj) || !isPlainObject(obj.metadata) || typeof obj.metadata.name !== 'string') continue;
    const name = obj.metadata.name;
    const namespace = typeof obj.metadata.namespace === 'string' && obj.metadata.namespace ? obj.metadata.namespace : options.defaultNamespace;
    const labels = isPlainObject(obj.metadata.labels) ? (obj.metadata.labels as Record<string, string>) : {};
    const core = obj.apiVersion === 'v1';
    if (core && obj.kind === 'Namespace') inputs.namespaces.push({ name, labels });
    else if (core && obj.kind === 'ServiceAccount') {
      const secrets = Array.isArray(obj.imagePullSecrets) ? (obj.imagePullSecrets as V1LocalObjectReference[]) : [];
      inputs.serviceAccountPullSecrets.set(`${namespace}/${name}`, secrets);
    } else if (core && obj.kind === 'LimitRange') {
      inputs.limitRanges.set(namespace, [...(inputs.limitRanges.get(namespace) ?? []), obj]);
    } else if (obj.apiVersion === 'apps/v1' && obj.kind === 'ControllerRevision') {
      inputs.controllerRevisions.push(obj);
    } else if (core && obj.kind === 'ConfigMap' && name === WHITELIST_CONFIGMAP && options.patchMetadataWhitelist === undefined) {
      const data = isPlainObject(obj.data) ? obj.data[WHITELIST_KEY] : undefined;
      if (typeof data !== 'string') {
        inputs.whitelist = 'absent';
        continue;
      }
      try {
        const parsed: unknown = JSON.parse(data);
        const rules = isPlainObject(parsed) && Array.isArray(parsed.rules) ? parsed.rules : [];
        inputs.whitelist = { rules: rules as PatchMetadataWhitelistRule[] };
      } catch (e) {
        results.push(result('error', `${WHITELIST_CONFIGMAP} ConfigMap: ${WHITELIST_KEY} is not valid JSON (${(e as Error).message})`, subjectOf(obj), `data.${WHITELIST_KEY}`));
      }
    }
  }
  return inputs;
}


/** What the templates of one workload share: its own opt-out, and what they opted out of, for one result. */
interface WorkloadScope {
  optOut: OptOutLevel | undefined;
  /** Why → the SidecarSets opted out of for that reason. */
  optedOut: Map<string, Set<string>>;
}

/** What to write back into one pod template, and for the summary, what was injected from which SidecarSets. */
interface TemplateOutcome {
  template: PodTemplate;
  injected: string[];
  rules: readonly Rule[];
}

/** A workload as the injection sees it: an item, or an object of a List item. */
interface Member {
  object: Record<string, unknown>;
  /** Its path in the item ([] for the item itself), and the same as the prefix of result field paths. */
  path: string[];
  prefix: string;
  /** Names it in result messages, when it is not the item itself. */
  label: string;
}

function describeObject(obj: Record<string, unknown>): string {
  const ref = resourceRefOf(obj);
  if (ref) return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  return typeof obj.kind === 'string' ? `a ${obj.kind} without a name` : 'an object without a kind';
}

/** `root` with the value at `path` (keys and list positions) replaced, copying what is on the way. */
function replacedAt(root: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) return root.map((item, i) => (String(i) === head ? replacedAt(item, rest, value) : item));
  const obj = root as Record<string, unknown>;
  return { ...obj, [head]: replacedAt(obj[head], rest, value) };
}

type Say = (severity: Severity, message: string, fieldPath?: string, tags?: Record<string, string>) => void;

/** A `kind: List` (apiVersion v1), which kubectl applies as the objects in its items. */
function isKubectlList(obj: Record<string, unknown>): obj is Record<string, unknown> & { items: unknown[] } {
  return obj.apiVersion === 'v1' && obj.kind === 'List' && Array.isArray(obj.items);
}

const isPrefix = (prefix: readonly string[], path: readonly string[]) => prefix.length <= path.length && prefix.every((key, i) => key === path[i]);

/** Whether a template shows an earlier run of this function, whose leftovers may need undoing. */
function carriesEarlierRun(annotations: Record<string, string> | undefined): boolean {
  return [INJECTED_LIST_ANNOTATION, INJECTIONS_ANNOTATION, OVERWRITTEN_ANNOTATION].some((key) => annotations?.[key] !== undefined);
}
