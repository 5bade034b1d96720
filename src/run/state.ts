// What the steps of one run share: the inputs read up front (options, rules, cluster inputs,
// workload kinds, namespaces), and what the items add to (results, and the counts of the summary).
import type { FileRef, Result, ResultDetails, Severity } from '../krm/results.js';
import type { ParsedItem } from '../krm/read.js';
import { resourceRefOf } from '../krm/annotations.js';
import type { Options } from '../config/options.js';
import type { Rule } from '../sidecarset/rules.js';
import type { WorkloadKind } from '../workloads/kinds.js';
import type { NamespaceDirectory } from '../match/namespace.js';
import type { OptOutLevel } from '../match/opt-out.js';
import type { RuleIndex } from '../match/rule-index.js';
import type { TemplateExplanation } from './explain.js';
import type { ClusterInputs } from './cluster-inputs.js';

export interface RunState {
  options: Options;
  /** This injection step's identity (config/forms.ts, stepIdentity). */
  step: string;
  itemFiles: readonly (FileRef | undefined)[] | undefined;
  /** By item position: the items parsed up front (rules and cluster inputs); undefined for the others. */
  parsed: ReadonlyArray<ParsedItem | undefined>;
  /** The same, as objects. */
  objects: readonly unknown[];
  cluster: ClusterInputs;
  rules: readonly Rule[];
  index: RuleIndex;
  ruleNames: ReadonlySet<string>;
  kinds: readonly WorkloadKind[];
  workloadKinds: ReadonlySet<string>;
  namespaces: NamespaceDirectory;
  /** The opt-out annotations of the Namespace items, by namespace. */
  namespaceOptOuts: ReadonlyMap<string, OptOutLevel>;

  results: Result[];
  /** Rules that selected at least one pod template. */
  matchedRules: Set<string>;
  /** With mode validate: the workloads not as the SidecarSets would inject them. */
  driftedWorkloads: Set<Record<string, unknown>>;
  /** With mode explain: one entry per pod template, in item order. */
  explanations: TemplateExplanation[];
}

/** A workload as the injection sees it: an item, or an object of a List item. */
export interface Member {
  object: Record<string, unknown>;
  /** Its path in the item ([] for the item itself), and the same as the prefix of result field paths. */
  path: string[];
  prefix: string;
  /** Names it in result messages, when it is not the item itself. */
  label: string;
}

export type Say = (severity: Severity, message: string, details?: ResultDetails) => void;

export function describeObject(obj: Record<string, unknown>): string {
  const ref = resourceRefOf(obj);
  if (ref) return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  return typeof obj.kind === 'string' ? `a ${obj.kind} without a name` : 'an object without a kind';
}
