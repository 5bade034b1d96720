// Small builders for ResourceLists in tests.
import { stringify } from 'yaml';
import { runFunction, type RunOutput } from '../../src/run.js';
import { readResourceList, parseItem } from '../../src/krm/read.js';
import { sidecarSetItemHead } from './manifest-text.js';

export type Obj = Record<string, any>;

export function resourceList(items: unknown[], functionConfig?: unknown): string {
  const list: Obj = { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items };
  if (functionConfig !== undefined) list.functionConfig = functionConfig;
  return stringify(list, { version: '1.1' });
}

/** The head of a block-style ResourceList, its items to follow at column 0 as kpt writes them. */
export const RESOURCE_LIST_HEAD = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n';

/** As an item after RESOURCE_LIST_HEAD: the SidecarSet `log`, adding one container to pods labelled app=web. */
export function logSidecarSetItem(container: 'log' | 'log-agent'): string {
  return `${sidecarSetItemHead('log')}    containers:
    - name: ${container}
      image: log:1
`;
}

export interface Run extends RunOutput {
  objects: Obj[];
  /** Results without the per-item info summaries. */
  problems: RunOutput['results'];
}

export function run(items: unknown[], functionConfig?: unknown): Run {
  return runText(resourceList(items, functionConfig));
}

export function runText(text: string): Run {
  const out = runFunction({ text });
  const objects = out.exitCode === 0 || out.stdout ? (readResourceList(out.stdout).items.map((i) => parseItem(i).object) as Obj[]) : [];
  return { ...out, objects, problems: out.results.filter((r) => r.severity !== 'info') };
}

export function sidecarSet(name: string, spec: Obj, extra: Obj = {}): Obj {
  return {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'SidecarSet',
    metadata: { name, ...(extra.metadata ?? {}) },
    spec,
    ...(extra.top ?? {}),
  };
}

export function pod(name: string, labels: Obj, spec: Obj, namespace?: string): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(namespace ? { namespace } : {}), labels }, spec };
}

export function deployment(name: string, labels: Obj, spec: Obj, namespace?: string): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec } },
  };
}

/** The pod spec of a Pod or of a templated workload. */
export function podSpec(obj: Obj): Obj {
  return obj.kind === 'Pod' ? obj.spec : obj.spec.template.spec;
}

export function podMeta(obj: Obj): Obj {
  return obj.kind === 'Pod' ? obj.metadata : obj.spec.template.metadata;
}

export const app = (name = 'app', extra: Obj = {}) => ({ name, image: `${name}:1`, ...extra });

/** Each case runs on a Pod and on a Deployment. */
export const SHAPES = [
  ['Pod', pod],
  ['Deployment', deployment],
] as const;

/** The items of a run's output, for idempotency checks (results differ by design: a re-run reports less). */
export function itemTexts(out: RunOutput): string {
  return out.items.map((i) => i.text).join('');
}

/** The ResourceList `text` (this function's output, say) with `config` as its functionConfig instead of its own, and no results. */
export function withFunctionConfig(text: string, config: unknown): string {
  const end = text.search(/^(functionConfig|results):/m);
  return `${end === -1 ? text : text.slice(0, end)}functionConfig:\n${resourceList([], config).split('functionConfig:\n')[1]}`;
}
