import { load } from 'js-yaml';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  MESH_LABEL,
  createRandom,
  generatePackage,
  generateResourceList,
  renderFunctionConfigFile,
  renderPackageFiles,
  renderResourceList,
} from '../../bench/generate.js';
import type { GenerateOptions } from '../../bench/generate.js';

type Json = Record<string, any>;

const OPTIONS: GenerateOptions = { workloads: 200, sidecarSets: 20, seed: 7, sidecarSetsAs: 'functionConfig' };
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'CronJob', 'Pod'];
const ORCHESTRATOR_ANNOTATIONS = [
  'config.kubernetes.io/index',
  'config.kubernetes.io/path',
  'internal.config.kubernetes.io/index',
  'internal.config.kubernetes.io/path',
  'internal.config.kubernetes.io/seqindent',
  'internal.config.kubernetes.io/annotations-migration-resource-id',
  'internal.config.kubernetes.io/id',
  'config.k8s.io/id',
];

const text = generateResourceList(OPTIONS);
const resourceList = load(text) as Json;
const items = resourceList.items as Json[];
const sidecarSets = resourceList.functionConfig.spec.sidecarSets as Json[];

function podTemplateOf(item: Json): Json {
  if (item.kind === 'Pod') return item;
  if (item.kind === 'CronJob') return item.spec.jobTemplate.spec.template;
  return item.spec.template;
}

// Enough of a label selector to check which templates the generated SidecarSets reach.
function selects(selector: Json | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every((requirement: Json) => {
    const present = Object.hasOwn(labels, requirement.key);
    switch (requirement.operator) {
      case 'In':
        return present && requirement.values.includes(labels[requirement.key]);
      case 'NotIn':
        return !present || !requirement.values.includes(labels[requirement.key]);
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
      default:
        throw new Error(`operator ${requirement.operator}`);
    }
  });
  return byLabels && byExpressions;
}

function matchedFraction(sidecarSet: Json): number {
  const namespaceLabels = new Map(
    items.filter((item) => item.kind === 'Namespace').map((item) => [item.metadata.name, item.metadata.labels]),
  );
  const workloads = items.filter((item) => WORKLOAD_KINDS.includes(item.kind));
  const matched = workloads.filter(
    (item) =>
      selects(sidecarSet.spec.namespaceSelector, namespaceLabels.get(item.metadata.namespace)) &&
      selects(sidecarSet.spec.selector, podTemplateOf(item).metadata.labels),
  );
  return matched.length / workloads.length;
}

describe('createRandom', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRandom(seed).next);
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(draw(3).every((value) => value >= 0 && value < 1)).toBe(true);
  });
});

describe('generateResourceList', () => {
  it('is byte-for-byte deterministic for a seed, and the seed matters', () => {
    expect(generateResourceList(OPTIONS)).toBe(text);
    expect(generateResourceList({ ...OPTIONS, seed: 8 })).not.toBe(text);
  });

  it('emits the requested number of workloads in every kind, with their companions', () => {
    const count = (kind: string) => items.filter((item) => item.kind === kind).length;
    expect(WORKLOAD_KINDS.map(count).reduce((a, b) => a + b)).toBe(OPTIONS.workloads);
    for (const kind of [...WORKLOAD_KINDS, 'ConfigMap', 'Service', 'Namespace', 'ServiceAccount']) {
      expect(count(kind), kind).toBeGreaterThan(0);
    }
    expect(count('SidecarSet')).toBe(0);
  });

  it('gives every pod template 2 to 4 containers, with probes, env and volumes somewhere', () => {
    const templates = items.filter((item) => WORKLOAD_KINDS.includes(item.kind)).map(podTemplateOf);
    for (const template of templates) {
      expect(template.spec.containers.length).toBeGreaterThanOrEqual(2);
      expect(template.spec.containers.length).toBeLessThanOrEqual(4);
      expect(template.spec.volumes.length).toBeGreaterThan(0);
      expect(template.spec.containers[0].env.length).toBeGreaterThan(0);
    }
    expect(templates.some((template) => template.spec.containers[0].livenessProbe !== undefined)).toBe(true);
  });

  it('lays items out the way kpt sends them: block style, dash at column 0, head comments on the dash line', () => {
    expect(text.startsWith('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- ')).toBe(true);
    expect(text).toMatch(/^- # .+\n {2}apiVersion: /m);
    expect(text).toMatch(/^ +# the application; helpers follow\n +- name: app$/m);
    expect(text).not.toMatch(/^\s*[{[]/m);
  });

  it('gives every item the orchestrator annotations, ids counting from 1 in item order', () => {
    items.forEach((item, position) => {
      const annotations = item.metadata.annotations;
      for (const key of ORCHESTRATOR_ANNOTATIONS) expect(typeof annotations[key], key).toBe('string');
      expect(annotations['config.k8s.io/id']).toBe(String(position + 1));
      expect(annotations['internal.config.kubernetes.io/id']).toBe(String(position + 1));
      expect(annotations['internal.config.kubernetes.io/annotations-migration-resource-id']).toBe(String(position));
      expect(annotations['internal.config.kubernetes.io/path']).toBe(annotations['config.kubernetes.io/path']);
    });
    const paths = items.map((item) => item.metadata.annotations['internal.config.kubernetes.io/path']);
    expect(paths).toEqual([...paths].sort());
  });

  it('reads the same in YAML 1.1 as in 1.2, so no scalar changes type in kyaml', () => {
    expect(parse(text, { version: '1.1' })).toEqual(resourceList);
    const templates = items.filter((item) => WORKLOAD_KINDS.includes(item.kind)).map(podTemplateOf);
    for (const template of templates) {
      const values = [...Object.values(template.metadata.labels), ...Object.values(template.metadata.annotations)];
      expect(values.every((value) => typeof value === 'string')).toBe(true);
      expect(template.metadata.labels[MESH_LABEL]).toMatch(/^(enabled|disabled)$/);
    }
  });
});

describe('the SidecarSets', () => {
  it('come in the functionConfig, as many as requested', () => {
    expect(resourceList.functionConfig.kind).toBe('InjectSidecarSets');
    expect(resourceList.functionConfig.apiVersion).toBe('fn.kpt.dev/v1alpha1');
    expect(sidecarSets).toHaveLength(OPTIONS.sidecarSets);
    expect(sidecarSets.every((rule) => rule.apiVersion === 'apps.kruise.io/v1beta1' && rule.kind === 'SidecarSet')).toBe(true);
  });

  it('use every selector form and the injection features', () => {
    const specs = sidecarSets.map((rule) => rule.spec);
    const operators = new Set(specs.flatMap((spec) => (spec.selector.matchExpressions ?? []).map((e: Json) => e.operator)));
    expect([...operators].sort()).toEqual(['DoesNotExist', 'Exists', 'In', 'NotIn']);
    expect(specs.some((spec) => spec.selector.matchLabels !== undefined)).toBe(true);
    expect(specs.some((spec) => spec.namespaceSelector !== undefined)).toBe(true);
    expect(specs.some((spec) => spec.serviceAccountName !== undefined)).toBe(true);
    const containers = specs.flatMap((spec) => spec.containers);
    expect(containers.some((container) => container.transferEnv !== undefined)).toBe(true);
    expect(containers.some((container) => container.shareVolumePolicy?.type === 'enabled')).toBe(true);
    expect(specs.every((spec) => spec.volumes.length > 0)).toBe(true);
  });

  it('have unique container names, so no two conflict', () => {
    const names = sidecarSets.flatMap((rule) =>
      [...(rule.spec.initContainers ?? []), ...rule.spec.containers].map((container: Json) => container.name),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it('include some that match about half the workloads and some that match none', () => {
    const fractions = sidecarSets.map(matchedFraction);
    expect(fractions.filter((fraction) => fraction > 0.3 && fraction < 0.7).length).toBeGreaterThanOrEqual(4);
    expect(fractions.filter((fraction) => fraction === 0).length).toBeGreaterThanOrEqual(4);
  });

  it('have their ServiceAccount in every namespace', () => {
    const accountName = sidecarSets.find((rule) => rule.spec.serviceAccountName)!.spec.serviceAccountName;
    const namespaces = items.filter((item) => item.kind === 'Namespace').map((item) => item.metadata.name);
    for (const namespace of namespaces) {
      expect(
        items.some((item) => item.kind === 'ServiceAccount' && item.metadata.name === accountName && item.metadata.namespace === namespace),
      ).toBe(true);
    }
  });

  it('travel as items, with no functionConfig, when asked', () => {
    const asItems = load(generateResourceList({ ...OPTIONS, sidecarSetsAs: 'items' })) as Json;
    expect(asItems.functionConfig).toBeUndefined();
    expect(asItems.items.filter((item: Json) => item.kind === 'SidecarSet')).toHaveLength(OPTIONS.sidecarSets);
  });
});

describe('renderPackageFiles', () => {
  it('writes every resource once, without orchestrator annotations, and a separate config file', () => {
    const generated = generatePackage({ ...OPTIONS, workloads: 20 });
    const files = renderPackageFiles(generated);
    const documents = files.flatMap((file) => file.text.split(/^---$/m).map((document) => load(document) as Json));
    expect(documents).toHaveLength(generated.resources.length);
    expect(documents.every((document) => document.metadata.annotations?.['config.k8s.io/id'] === undefined)).toBe(true);
    expect((load(renderFunctionConfigFile(generated)!) as Json).spec.sidecarSets).toHaveLength(OPTIONS.sidecarSets);
    expect(renderResourceList(generated)).toBe(generateResourceList({ ...OPTIONS, workloads: 20 }));
  });
});
