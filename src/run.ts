// The whole function as one pure call: ResourceList text in; output text, stderr text and exit
// code out. main.ts and the other modes do the I/O around it. The steps: read the list, the
// config, the cluster inputs (run/cluster-inputs.ts) and the rules; each item (run/items.ts), each
// pod template of it (run/templates.ts); results and the summary line assembled here.
import { readResourceList, parseItem, sniffKind, InputError, NeedsFullParse, type ResourceListInput } from './krm/read.js';
import { writeResourceList } from './krm/write.js';
import { result, hasErrors, formatResult, type Result, type FileRef } from './krm/results.js';
import { subjectOf } from './krm/annotations.js';
import { readConfiguration } from './config/forms.js';
import type { Options } from './config/options.js';
import { prepareRules } from './sidecarset/rules.js';
import { BUILTIN_KINDS, configuredKinds } from './workloads/kinds.js';
import { namespaceDirectory } from './match/namespace.js';
import { orderRules } from './match/order.js';
import { namespaceOptOuts } from './match/opt-out.js';
import { RuleIndex } from './match/rule-index.js';
import type { TemplateExplanation } from './run/explain.js';
import { clusterInputs } from './run/cluster-inputs.js';
import { processSafely, type ItemOutcome } from './run/items.js';
import type { RunState } from './run/state.js';

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

export type RunInput = RunOptions &
  (
    | { text: string; list?: never }
    /** The list already read, from YAML streams (command-line mode, legacy plugin; krm/stream.ts `streamResourceList`). */
    | { list: ResourceListInput; text?: never }
  );

interface RunOptions {
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
    // A stream's document stands alone: one that does not parse alone is not YAML (its callers locate the error).
    if (input.list) return failedInput('a document is not valid YAML');
    return run(input, true);
  }
}

function failedInput(message: string): RunOutput {
  return { items: [], output: [], stdout: '', stderr: `inject-sidecarsets: ${message}\n`, exitCode: 1, results: [], explanations: [] };
}

function run(input: RunInput, fullParse: boolean): RunOutput {
  let list: ResourceListInput;
  try {
    list = input.list ?? readResourceList(input.text, fullParse);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return failedInput(e.message);
  }
  const state = prepareRun(list, input);
  const outputs = list.items.map((item, position) => ({ ...processSafely(state, item, position), indent: item.indent }));
  reportUnmatchedRules(state);
  return assembleOutput(state, list, outputs);
}

/** The config, the cluster inputs and the rules: everything the items are processed against. */
function prepareRun(list: ResourceListInput, { configFile, itemFiles, overrides }: RunInput): RunState {
  // A sparse list: large packages are mostly workloads, parsed one at a time further down.
  const parsed = list.items.map((item) => {
    const kind = sniffKind(item);
    return kind === undefined || CONTEXT_KINDS.has(kind) ? parseItem(item) : undefined;
  });
  // An item kubectl cannot read is no rule nor cluster input (processItem reports it).
  const objects = parsed.map((p) => (p?.mergeKeyError === undefined ? p?.object : undefined));
  const config = readConfiguration(list.functionConfig, list.hasFunctionConfig, objects, configFile, itemFiles);
  const options: Options = { ...config.options, ...overrides };
  const uninject = options.mode === 'uninject';
  // Which SidecarSets are the rules says nothing to un-injection, which goes by the templates' records.
  const results: Result[] = uninject ? config.results.filter((r) => r.severity !== 'info') : [...config.results];
  const cluster = clusterInputs(objects, options, results);
  const { rules, results: ruleResults } = prepareRules(uninject ? [] : config.rules, {
    options,
    controllerRevisions: cluster.controllerRevisions.length > 0 ? cluster.controllerRevisions : undefined,
    whitelist: cluster.whitelist,
  });
  results.push(...ruleResults);
  const kinds = [...BUILTIN_KINDS, ...configuredKinds(options.workloadKinds)];
  const ruleNames: ReadonlySet<string> = new Set(rules.map((r) => r.name));
  // Opt-outs name SidecarSets; un-injection has none and goes by the records alone.
  const namespaceOptOut = uninject ? { levels: new Map(), problems: [] } : namespaceOptOuts(objects, ruleNames);
  for (const p of namespaceOptOut.problems)
    results.push(result(p.severity, p.message, subjectOf(objects[p.position], itemFiles?.[p.position]), { field: p.fieldPath }));
  return {
    options,
    step: config.step,
    itemFiles,
    parsed,
    objects,
    cluster,
    rules,
    index: new RuleIndex(orderRules(rules)),
    ruleNames,
    kinds,
    workloadKinds: new Set(kinds.map((row) => row.kind)),
    namespaces: namespaceDirectory(cluster.namespaces, options.namespaceLabels),
    namespaceOptOuts: namespaceOptOut.levels,
    results,
    matchedRules: new Set(),
    driftedWorkloads: new Set(),
    explanations: [],
  };
}

function reportUnmatchedRules(state: RunState): void {
  for (const rule of state.options.mode === 'explain' ? [] : state.rules) {
    if (!state.matchedRules.has(rule.name) && !rule.set.spec.injectionStrategy?.paused) {
      state.results.push(
        result(
          'info',
          `SidecarSet ${rule.name} matches no pod template among the items; check its selector and namespaceSelector`,
          rule.subject,
          { field: 'spec.selector' },
        ),
      );
    }
  }
}

/** The output list with the results, and on stderr every non-info result and a summary line. */
function assembleOutput(state: RunState, list: ResourceListInput, outputs: Array<ItemOutcome & { indent: number }>): RunOutput {
  const { results, rules } = state;
  // For the summary line: an item can change without anything injected, when a step only strips.
  const injectedItems = outputs.filter((o) => o.changed && o.injected).length;
  const strippedItems = outputs.filter((o) => o.changed && !o.injected).length;
  const failedOnWarnings = state.options.failOn === 'warning' && !hasErrors(results) && results.some((r) => r.severity === 'warning');
  const failed = hasErrors(results) || failedOnWarnings;
  const output = writeResourceList(
    list.apiVersion,
    outputs.map((o) => o.text),
    results,
    list.functionConfigText,
    list,
  );
  const counts = (s: string) => results.filter((r) => r.severity === s).length;
  const lines = results.filter((r) => r.severity !== 'info').map(formatResult);
  const done = {
    inject:
      `${injectedItems} of ${list.items.length} items injected by ${rules.length} SidecarSet(s)` +
      (strippedItems > 0 ? `, ${strippedItems} with an earlier injection removed` : ''),
    validate: `${state.driftedWorkloads.size} of ${list.items.length} items not as ${rules.length} SidecarSet(s) would inject them`,
    explain: `${state.explanations.length} pod template(s) explained against ${rules.length} SidecarSet(s)`,
    uninject: `${injectedItems + strippedItems} of ${list.items.length} items uninjected`,
  }[state.options.mode];
  const verdict = failedOnWarnings ? '; failed on warnings (failOn: warning)' : '';
  lines.push(`inject-sidecarsets: ${done}; ${counts('error')} error(s), ${counts('warning')} warning(s)${verdict}`);
  return {
    items: outputs.map(({ text, changed, indent }) => ({ text, changed, indent })),
    output,
    get stdout() {
      return output.join('');
    },
    stderr: lines.join('\n') + '\n',
    exitCode: failed ? 1 : 0,
    results,
    explanations: state.explanations,
  };
}
