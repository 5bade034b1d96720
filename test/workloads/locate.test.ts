import { describe, expect, it } from 'vitest';
import { BUILTIN_KINDS, configuredKinds } from '../../src/workloads/kinds.js';
import { locateTemplates, withTemplate } from '../../src/workloads/locate.js';

const tpl = (label: string) => ({ metadata: { labels: { app: label } }, spec: { containers: [{ name: 'c', image: 'i' }] } });

describe('locateTemplates', () => {
  it.each([
    ['v1', 'Pod', null, ''],
    ['v1', 'PodTemplate', ['template'], 'template.'],
    ['v1', 'ReplicationController', ['spec', 'template'], 'spec.template.'],
    ['apps/v1', 'Deployment', ['spec', 'template'], 'spec.template.'],
    ['apps/v1', 'StatefulSet', ['spec', 'template'], 'spec.template.'],
    ['apps/v1', 'DaemonSet', ['spec', 'template'], 'spec.template.'],
    ['apps/v1', 'ReplicaSet', ['spec', 'template'], 'spec.template.'],
    ['extensions/v1beta1', 'DaemonSet', ['spec', 'template'], 'spec.template.'],
    ['batch/v1', 'Job', ['spec', 'template'], 'spec.template.'],
    ['batch/v1', 'CronJob', ['spec', 'jobTemplate', 'spec', 'template'], 'spec.jobTemplate.spec.template.'],
    ['apps.kruise.io/v1alpha1', 'CloneSet', ['spec', 'template'], 'spec.template.'],
    ['apps.kruise.io/v1beta1', 'StatefulSet', ['spec', 'template'], 'spec.template.'],
    ['apps.kruise.io/v1alpha1', 'StatefulSet', ['spec', 'template'], 'spec.template.'],
    ['apps.kruise.io/v1alpha1', 'DaemonSet', ['spec', 'template'], 'spec.template.'],
    ['apps.kruise.io/v1alpha1', 'BroadcastJob', ['spec', 'template'], 'spec.template.'],
    [
      'apps.kruise.io/v1alpha1',
      'AdvancedCronJob',
      ['spec', 'template', 'jobTemplate', 'spec', 'template'],
      'spec.template.jobTemplate.spec.template.',
    ],
    [
      'apps.kruise.io/v1alpha1',
      'AdvancedCronJob',
      ['spec', 'template', 'broadcastJobTemplate', 'spec', 'template'],
      'spec.template.broadcastJobTemplate.spec.template.',
    ],
    [
      'apps.kruise.io/v1alpha1',
      'UnitedDeployment',
      ['spec', 'template', 'cloneSetTemplate', 'spec', 'template'],
      'spec.template.cloneSetTemplate.spec.template.',
    ],
    [
      'apps.kruise.io/v1alpha1',
      'UnitedDeployment',
      ['spec', 'template', 'advancedStatefulSetTemplate', 'spec', 'template'],
      'spec.template.advancedStatefulSetTemplate.spec.template.',
    ],
    ['argoproj.io/v1alpha1', 'Rollout', ['spec', 'template'], 'spec.template.'],
  ])('%s %s at %j', (apiVersion, kind, path, prefix) => {
    let obj: Record<string, any> = { apiVersion, kind, metadata: { name: 'x', namespace: 'ns' } };
    if (path === null) obj = { ...obj, metadata: { ...obj.metadata, labels: { app: 'pod' } }, spec: tpl('pod').spec };
    else obj = withTemplate(obj, path, tpl(kind) as any);
    const { templates } = locateTemplates(obj, BUILTIN_KINDS, 'default');
    expect(templates).toHaveLength(1);
    expect(templates[0].fieldPrefix).toBe(prefix);
    expect(templates[0].namespace).toBe('ns');
    expect(templates[0].template.metadata?.labels?.app).toBe(path === null ? 'pod' : kind);
  });

  it('uses the default namespace for workloads without one', () => {
    const obj = withTemplate({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } }, ['spec', 'template'], tpl('a') as any);
    expect(locateTemplates(obj, BUILTIN_KINDS, 'team-a').templates[0].namespace).toBe('team-a');
    expect(locateTemplates(obj, BUILTIN_KINDS, '').templates[0].namespace).toBe('default');
  });

  it('skips a Rollout with workloadRef and says why', () => {
    const r = locateTemplates(
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'r' },
        spec: { workloadRef: { kind: 'Deployment', name: 'd' } },
      },
      BUILTIN_KINDS,
      'default',
    );
    expect(r.templates).toEqual([]);
    expect(r.skipped[0].reason).toMatch(/workloadRef/);
  });

  it('skips inactive Pods', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: tpl('a').spec, status: { phase: 'Succeeded' } };
    expect(locateTemplates(pod, BUILTIN_KINDS, 'default').skipped[0].reason).toMatch(/not active/);
  });

  it('ignores unknown kinds and workloads without a template', () => {
    expect(locateTemplates({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }, BUILTIN_KINDS, 'd').templates).toEqual([]);
    expect(
      locateTemplates(
        { apiVersion: 'apps.kruise.io/v1alpha1', kind: 'AdvancedCronJob', metadata: { name: 's' }, spec: {} },
        BUILTIN_KINDS,
        'd',
      ).templates,
    ).toEqual([]);
  });

  it('finds kinds the config adds, like kustomize fieldSpecs', () => {
    const table = [...BUILTIN_KINDS, ...configuredKinds([{ group: 'example.com', kind: 'Widget', path: 'spec/podTemplate' }])];
    const obj = { apiVersion: 'example.com/v2', kind: 'Widget', metadata: { name: 'w' }, spec: { podTemplate: tpl('w') } };
    expect(locateTemplates(obj, table, 'default').templates[0].fieldPrefix).toBe('spec.podTemplate.');
  });
});
