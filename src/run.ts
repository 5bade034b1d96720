// The whole function as one pure call: ResourceList text in; output text, stderr text and exit
// code out. main.ts and the other modes do the I/O around it.
import { readResourceList, parseItem, sniffKind, InputError, NeedsFullParse, isPlainObject, type SourceItem } from './krm/read.js';
import { writeChangedItem, writeResourceList } from './krm/write.js';
import { result, hasErrors, formatResult, type Result, type FileRef, type Subject } from './krm/results.js';
import { subjectOf } from './krm/annotations.js';
import { readConfiguration } from './config/forms.js';
import type { Options, PatchMetadataWhitelistRule } from './config/options.js';
import { prepareRules } from './sidecarset/rules.js';
import { BUILTIN_KINDS, configuredKinds } from './workloads/kinds.js';
import { locateTemplates, withTemplate } from './workloads/locate.js';
import { templateShapeProblems } from './workloads/shape.js';
import { namespaceDirectory } from './match/namespace.js';
import { matchTemplate, orderRules } from './match/order.js';
import { RuleIndex } from './match/rule-index.js';
import { injectTemplate, type InjectContext, type Problem } from './inject/pipeline.js';
import { INJECTED_LIST_ANNOTATION } from './inject/bookkeeping.js';
import { OVERWRITTEN_ANNOTATION } from './inject/overwritten.js';
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
}

export interface RunInput {
  text: string;
  /** Where the functionConfig came from, when the caller knows (command-line mode, legacy plugin). */
  configFile?: FileRef;
  /** Files of the items, for results, when the caller read them from files itself (command-line mode). */
  itemFiles?: readonly (FileRef | undefined)[];
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

function run({ text, configFile, itemFiles }: RunInput, fullParse: boolean): RunOutput {
  let list;
  try {
    list = readResourceList(text, fullParse);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { items: [], output: [], stdout: '', stderr: `inject-sidecarsets: ${e.message}\n`, exitCode: 1, results: [] };
  }
  // A sparse list: large packages are mostly workloads, parsed one at a time further down.
  const context = list.items.map((item) => {
    const kind = sniffKind(item);
    return kind === undefined || CONTEXT_KINDS.has(kind) ? parseItem(item) : undefined;
  });
  const objects = context.map((parsed) => parsed?.object);
  const config = readConfiguration(list.functionConfig, list.hasFunctionConfig, objects, configFile, itemFiles);
  const results: Result[] = [...config.results];
  const { options } = config;
  const cluster = clusterInputs(objects, options, results);

  const { rules, results: ruleResults } = prepareRules(config.rules, {
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
  let injectedWorkloads = 0;

  const outputs = list.items.map((item, position) => {
    const outcome = processSafely(item, position);
    if (outcome.changed) injectedWorkloads++;
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
    const { templates, skipped } = locateTemplates(obj, table, options.defaultNamespace);
    if (parsed.duplicateKey) {
      // Which of the values a cluster would use is up to the tool that applies it: never inject
      // into such a template, and fail when a SidecarSet selects it rather than skip it silently.
      const selected = templates.some((ref) => matchTemplate(index, ref, namespaces, options).rules.length > 0);
      results.push(
        result(
          selected ? 'error' : 'warning',
          `${parsed.duplicateKey} in this object; it is passed through unchanged${selected ? ', and the SidecarSets selecting it are not injected: remove the repeated key' : ''}`,
          subject,
        ),
      );
      return { text: item.raw, changed: false };
    }
    for (const s of skipped) results.push(result('info', `not injected: ${s.reason}`, subject, s.fieldPath));
    let next: Record<string, unknown> = obj;
    const injected: string[] = [];
    const usedRules = new Set<string>();
    for (const ref of templates) {
      // A template the apiserver would reject anyway is left alone: an error when a SidecarSet
      // selects it, a warning when its labels are unreadable, nothing otherwise.
      const shape = templateShapeProblems(ref.template);
      const labelsUnreadable = shape.some((p) => p.path.startsWith('metadata'));
      const match = labelsUnreadable ? undefined : matchTemplate(index, ref, namespaces, options);
      if (shape.length > 0) {
        if (labelsUnreadable || (match && match.rules.length > 0)) {
          for (const p of shape) {
            results.push(
              result(labelsUnreadable ? 'warning' : 'error', `${p.path || 'the pod template'} ${p.message}: the apiserver would reject this pod template, so nothing is injected into it`, subject, ref.fieldPrefix + p.path || undefined),
            );
          }
        }
        continue;
      }
      if (!match) continue;
      pushProblems(match.problems, subject, ref.fieldPrefix);
      if (match.skipped) results.push(result('info', `not injected: ${match.skipped}`, subject));
      // With no SidecarSet left, a template an earlier run injected may still have leftovers to strip.
      if (match.rules.length === 0 && !(options.stripPreviousInjection && carriesEarlierRun(ref.template.metadata?.annotations))) continue;
      for (const r of match.rules) matchedRules.add(r.name);
      const outcome = injectTemplate(ref.template, match.rules, injectContext(ref.namespace));
      pushProblems(outcome.problems, subject, ref.fieldPrefix);
      if (!outcome.changed) continue;
      next = withTemplate(next, ref.path, outcome.template);
      if (outcome.injected.length === 0) continue;
      injected.push(`${outcome.injected.join(', ')} into ${ref.fieldPrefix ? ref.fieldPrefix.slice(0, -1) : 'the pod'}`);
      for (const r of match.rules) usedRules.add(r.name);
    }
    if (next === obj) return { text: item.raw, changed: false };
    const names = [...usedRules];
    if (injected.length > 0) results.push(
      result(
        'info',
        `injected ${injected.join('; ')} from SidecarSet${names.length > 1 ? 's' : ''} ${names.join(', ')}`,
        subject,
        undefined,
        { sidecarSets: names.join(',') },
      ),
    );
    return { text: writeChangedItem(item, obj, next), changed: true };
  }

  /** Decided on the item's text, without parsing it: not a workload, or no rule can select it. */
  function cannotChange(item: SourceItem): boolean {
    const kind = sniffKind(item);
    if (kind === undefined) return false;
    if (!workloadKinds.has(kind)) return true;
    // Rollouts get a result about workloadRef whatever their labels; earlier injections may need stripping.
    if (kind === 'Rollout' || item.raw.includes(INJECTED_LIST_ANNOTATION) || item.raw.includes(OVERWRITTEN_ANNOTATION)) return false;
    return index.requiredKeys !== undefined && !index.requiredKeys.some((key) => item.raw.includes(key));
  }

  function pushProblems(problems: readonly Problem[], subject: Subject, prefix: string): void {
    for (const p of problems) {
      results.push(
        result(p.severity, p.message, subject, p.fieldPath ? prefix + p.fieldPath : prefix.slice(0, -1) || undefined,
          p.sidecarSets.length > 0 ? { sidecarSets: p.sidecarSets.join(',') } : undefined),
      );
    }
  }

  function injectContext(namespace: string): InjectContext {
    return {
      options,
      namespace,
      limitRanges: cluster.limitRanges.get(namespace),
      serviceAccountPullSecrets: (name) => cluster.serviceAccountPullSecrets.get(`${namespace}/${name}`),
    };
  }

  for (const rule of rules) {
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
  lines.push(
    `inject-sidecarsets: ${injectedWorkloads} of ${list.items.length} items injected by ${rules.length} SidecarSet(s); ${counts('error')} error(s), ${counts('warning')} warning(s)`,
  );
  return {
    items: outputs,
    output,
    get stdout() {
      return output.join('');
    },
    stderr: lines.join('\n') + '\n',
    exitCode: failed ? 1 : 0,
    results,
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


/** Whether a template shows an earlier run of this function, whose leftovers may need undoing. */
function carriesEarlierRun(annotations: Record<string, string> | undefined): boolean {
  return annotations?.[INJECTED_LIST_ANNOTATION] !== undefined || annotations?.[OVERWRITTEN_ANNOTATION] !== undefined;
}
