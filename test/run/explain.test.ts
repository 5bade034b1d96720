// mode: explain (run/explain.ts, match/explain.ts): for each pod template, every SidecarSet,
// injected or not and why — one reason of each kind the issue lists, opt-outs (match/opt-out.ts)
// included — as info results, items unchanged; and the verdicts agree with what injection does.
import { describe, expect, it } from 'vitest';
import { runFunction } from '../../src/run.js';
import { readResourceList } from '../../src/krm/read.js';
import type { TemplateExplanation, Verdict } from '../../src/run/explain.js';
import { failingRequirement } from '../../src/match/explain.js';
import { resourceList, sidecarSet, pod, deployment, app, type Obj, withFunctionConfig } from '../helpers/krm.js';

const web = { matchLabels: { app: 'web' } };
const set = (name: string, spec: Obj, annotations?: Obj) =>
  sidecarSet(
    name,
    { selector: web, containers: [{ name: `${name}-agent`, image: `${name}:1` }], ...spec },
    annotations ? { metadata: { annotations } } : {},
  );
const namespace = (name: string, labels: Obj) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const explainConfig = (sidecarSets: Obj[], spec: Obj = {}) => ({
  apiVersion: 'fn.kpt.dev/v1alpha1',
  kind: 'InjectSidecarSets',
  metadata: { name: 'why' },
  spec: { mode: 'explain', sidecarSets, ...spec },
});

function explain(items: Obj[], sidecarSets: Obj[], spec: Obj = {}) {
  return explainText(resourceList(items), sidecarSets, spec);
}
function explainText(items: string, sidecarSets: Obj[], spec: Obj = {}) {
  const text = withFunctionConfig(items, explainConfig(sidecarSets, spec));
  const out = runFunction({ text });
  expect(
    readResourceList(out.stdout).items.map((i) => i.raw),
    'items unchanged',
  ).toEqual(readResourceList(text).items.map((i) => i.raw));
  return out;
}
/** The verdict about one SidecarSet on the first template explained. */
function verdict(out: { explanations: TemplateExplanation[] }, name: string, template = 0): Verdict {
  const found = out.explanations[template].verdicts.find((v) => v.sidecarSet === name);
  if (!found) throw new Error(`no verdict about ${name}`);
  return found;
}

describe('mode: explain, each reason', () => {
  it('injected: what the SidecarSet puts in', () => {
    const s = set('logging', {
      containers: [{ name: 'log-agent', image: 'log:1', volumeMounts: [{ name: 'logs', mountPath: '/l' }] }],
      initContainers: [{ name: 'log-init', image: 'i:1' }],
      volumes: [
        { name: 'logs', emptyDir: {} },
        { name: 'unmounted', emptyDir: {} },
      ],
      imagePullSecrets: [{ name: 'registry' }],
    });
    const out = explain([pod('p', { app: 'web' }, { containers: [app()] })], [s]);
    expect(out.exitCode).toBe(0);
    expect(verdict(out, 'logging')).toEqual({
      sidecarSet: 'logging',
      status: 'injected',
      reason: 'containers log-agent; init containers log-init; volumes logs; imagePullSecrets registry',
      notes: [
        expect.stringMatching(/^imagePullSecrets added to a template that had none, and ServiceAccount default is not among the items/),
      ],
    });
  });

  it('a selector requirement that fails, with the label value the template has', () => {
    const out = explain(
      [pod('p', { app: 'api', tier: 'front' }, { containers: [app()] })],
      [
        set('by-label', {}),
        set('by-in', { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'worker'] }] } }),
        set('by-notin', { selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] } }),
        set('by-exists', { selector: { matchExpressions: [{ key: 'mesh', operator: 'Exists' }] } }),
        set('by-absent', { selector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] } }),
      ],
    );
    expect(verdict(out, 'by-label').reason).toBe('selector: matchLabels app=web: the template has app=api');
    expect(verdict(out, 'by-in').reason).toBe('selector: app In (web, worker): the template has app=api');
    expect(verdict(out, 'by-notin').reason).toBe('selector: tier NotIn (front): the template has tier=front');
    expect(verdict(out, 'by-exists').reason).toBe('selector: mesh Exists: the template has no label mesh');
    expect(verdict(out, 'by-absent').reason).toBe('selector: tier DoesNotExist: the template has tier=front');
    expect(out.explanations[0].verdicts.every((v) => v.status === 'not injected')).toBe(true);
  });

  it("namespaceSelector, with where the namespace's labels came from", () => {
    const prod = { namespaceSelector: { matchLabels: { env: 'prod' } } };
    const item = explain(
      [namespace('shop', { env: 'dev' }), pod('p', { app: 'web' }, { containers: [app()] }, 'shop')],
      [set('prod-only', prod)],
    );
    expect(verdict(item, 'prod-only').reason).toBe(
      'namespaceSelector: matchLabels env=prod: namespace shop has env=dev; its labels come from the Namespace item',
    );
    const configured = explain([pod('p', { app: 'web' }, { containers: [app()] }, 'shop')], [set('prod-only', prod)], {
      namespaceLabels: { shop: { team: 'a' } },
    });
    expect(verdict(configured, 'prod-only').reason).toBe(
      "namespaceSelector: matchLabels env=prod: namespace shop has no label env; its labels come from the config's namespaceLabels",
    );
    const byName = explain(
      [pod('p', { app: 'web' }, { containers: [app()] }, 'shop')],
      [
        set('other-ns', {
          namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['shop'] }] },
        }),
      ],
    );
    expect(verdict(byName, 'other-ns').reason).toMatch(
      /^namespaceSelector: kubernetes.io\/metadata.name NotIn \(shop\): namespace shop has kubernetes.io\/metadata.name=shop; its labels come from nowhere \(no Namespace item, no namespaceLabels\): only the name label/,
    );
    const unknown = explain([pod('p', { app: 'web' }, { containers: [app()] }, 'shop')], [set('prod-only', prod)]);
    expect(verdict(unknown, 'prod-only').reason).toMatch(
      /^namespaceSelector cannot be decided: namespace "shop" is neither among the items nor in the config's namespaceLabels.*\(undecidableNamespaceSelector: error\)$/,
    );
    expect(unknown.exitCode, 'explaining is no error').toBe(0);
    const pinned = explain(
      [pod('p', { app: 'web' }, { containers: [app()] }, 'shop')],
      [
        {
          ...set('kube-only', {}),
          apiVersion: 'apps.kruise.io/v1alpha1',
          spec: { ...set('kube-only', {}).spec, namespace: 'kube-system' },
        },
      ],
    );
    expect(verdict(pinned, 'kube-only').reason).toBe(
      "it is for namespace kube-system (namespaceSelector), and the pod's namespace is shop",
    );
  });

  it("the namespace Kruise's webhook skips", () => {
    const out = explain(
      [
        namespace('kruise-system', { 'control-plane': 'controller-manager' }),
        pod('p', { app: 'web' }, { containers: [app()] }, 'kruise-system'),
      ],
      [set('logging', {})],
    );
    expect(verdict(out, 'logging').reason).toMatch(
      /^namespace kruise-system has the control-plane label \(the Namespace item\), which Kruise's pod webhook skips$/,
    );
    expect(out.explanations[0].note).toBe(verdict(out, 'logging').reason);
  });

  it('paused, with a failing selector as well', () => {
    const out = explain(
      [pod('p', { app: 'web' }, { containers: [app()] }), pod('q', { app: 'api' }, { containers: [app()] })],
      [set('held', { injectionStrategy: { paused: true } })],
    );
    expect(verdict(out, 'held', 0).reason).toBe('it is paused (spec.injectionStrategy.paused: true)');
    expect(verdict(out, 'held', 1).reason).toBe(
      'it is paused (spec.injectionStrategy.paused: true); selector: matchLabels app=web: the template has app=api',
    );
  });

  it('canary suppression', () => {
    const canary = set(
      'base-canary',
      { updateStrategy: { type: 'NotUpdate' }, containers: [{ name: 'base-agent', image: 'base:2' }] },
      {
        'apps.kruise.io/sidecarset-canary': 'true',
        'apps.kruise.io/sidecarset-base': 'base',
      },
    );
    const out = explain([pod('p', { app: 'web' }, { containers: [app()] })], [set('base', {}), canary]);
    expect(verdict(out, 'base')).toMatchObject({
      status: 'not injected',
      reason: 'canary: its canary SidecarSet base-canary selects the template too and replaces it',
    });
    expect(verdict(out, 'base-canary')).toMatchObject({ status: 'injected', reason: 'containers base-agent' });
  });

  it('a conflict: two SidecarSets inject a container of one name', () => {
    const a = set('a', { containers: [{ name: 'agent', image: 'a:1' }] });
    const b = set('b', { containers: [{ name: 'agent', image: 'b:1' }], selector: { matchLabels: { tier: 'front' } } });
    const out = explain([pod('p', { app: 'web', tier: 'front' }, { containers: [app()] })], [a, b]);
    for (const name of ['a', 'b'])
      expect(verdict(out, name)).toMatchObject({
        status: 'conflict',
        reason: expect.stringMatching(/SidecarSets a and b both inject a container named agent/),
      });
  });

  it('a SidecarSet another step injected: kept by that step, or a conflict with another spec', () => {
    const [logging, mesh] = [set('logging', {}), set('mesh', {})];
    let text = resourceList([pod('p', { app: 'web' }, { containers: [app()] })], logging);
    for (const config of [logging, mesh]) {
      const out = runFunction({ text: withFunctionConfig(text, config) });
      expect(out.exitCode, out.stderr).toBe(0);
      text = out.stdout;
    }
    // Two steps hold the explainer's SidecarSets: it explains as a step of its own.
    expect(verdict(explainText(text, [logging, mesh]), 'logging')).toMatchObject({
      status: 'injected',
      reason: 'already injected by step SidecarSet/logging, which keeps it',
    });
    expect(
      verdict(explainText(text, [set('logging', { containers: [{ name: 'logging-agent', image: 'logging:2' }] }), mesh]), 'logging'),
    ).toMatchObject({
      status: 'conflict',
      reason: expect.stringMatching(/already injected into this template by another step \(SidecarSet\/logging\) with a different spec/),
    });
    // One step holds them: it explains as that step, which would inject the new spec.
    expect(verdict(explainText(text, [set('mesh', { containers: [{ name: 'mesh-agent', image: 'mesh:2' }] })]), 'mesh')).toMatchObject({
      status: 'injected',
      reason: 'containers mesh-agent',
    });
  });

  it('the workload opted out: on the pod template, the workload or its Namespace', () => {
    const sets = [set('logging', {}), set('mesh', {})];
    const skipping = deployment('web', { app: 'web' }, { containers: [app()] });
    skipping.spec.template.metadata.annotations = { 'inject-sidecarsets.kpt.dev/skip': 'mesh' };
    const out = explain([skipping], sets);
    expect(verdict(out, 'logging').status).toBe('injected');
    expect(verdict(out, 'mesh')).toMatchObject({
      status: 'not injected',
      reason: 'the workload opted out: inject-sidecarsets.kpt.dev/skip on the pod template',
    });
    const none = deployment('web', { app: 'web' }, { containers: [app()] });
    none.metadata.annotations = { 'inject-sidecarsets.kpt.dev/inject': 'false' };
    expect(explain([none], sets).explanations[0].verdicts.map((v) => v.reason)).toEqual(
      Array(2).fill('the workload opted out: inject-sidecarsets.kpt.dev/inject: "false" on the workload'),
    );
    const namespaced = {
      ...namespace('shop', {}),
      metadata: { name: 'shop', annotations: { 'inject-sidecarsets.kpt.dev/inject': 'false' } },
    };
    const inShop = explain([namespaced, pod('p', { app: 'web' }, { containers: [app()] }, 'shop')], sets);
    expect(verdict(inShop, 'logging').reason).toBe('the workload opted out: inject-sidecarsets.kpt.dev/inject: "false" on namespace shop');
    const invalid = pod('p', { app: 'web' }, { containers: [app()] });
    invalid.metadata.annotations = { 'inject-sidecarsets.kpt.dev/inject': 'nope' };
    const bad = explain([invalid], sets);
    expect(verdict(bad, 'logging').reason).toMatch(/^an opt-out annotation it depends on is invalid/);
    expect(bad.results).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        message: expect.stringMatching(/inject-sidecarsets.kpt.dev\/inject on the pod is "nope"/),
      }),
    );
  });

  it('a template the apiserver would reject', () => {
    const out = explain([pod('p', { app: 'web' }, { containers: 'not-a-list' })], [set('logging', {})]);
    expect(verdict(out, 'logging').reason).toMatch(
      /^the apiserver would reject this pod template \(spec.containers .*\), so nothing is injected into it$/,
    );
  });
});

describe('mode: explain, as results and as a whole', () => {
  it('one info result per template and SidecarSet, at the template, with the verdict as a tag', () => {
    const out = explain(
      [deployment('web', { app: 'web' }, { containers: [app()] }, 'shop')],
      [set('logging', {}), set('mesh', { selector: { matchLabels: { mesh: 'on' } } })],
    );
    const explained = out.results.filter((r) => r.tags?.verdict);
    expect(explained).toEqual([
      {
        severity: 'info',
        message: 'SidecarSet logging: injected: containers logging-agent',
        resourceRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' },
        field: { path: 'spec.template' },
        tags: { sidecarSet: 'logging', verdict: 'injected' },
      },
      {
        severity: 'info',
        message: 'SidecarSet mesh: not injected: selector: matchLabels mesh=on: the template has no label mesh',
        resourceRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' },
        field: { path: 'spec.template' },
        tags: { sidecarSet: 'mesh', verdict: 'not injected' },
      },
    ]);
    expect(out.results.filter((r) => r.severity !== 'info')).toEqual([]);
  });

  it('an object of a List item: named in the message, the result on the List', () => {
    const list = { apiVersion: 'v1', kind: 'List', metadata: { name: 'apps' }, items: [pod('p', { app: 'web' }, { containers: [app()] })] };
    const out = explain([list], [set('logging', {})]);
    expect(out.explanations.map((e) => [e.workload, e.kind, e.name, e.fieldPath])).toEqual([
      ['Pod p, items[0] of List apps', 'Pod', 'p', 'items[0]'],
    ]);
    expect(out.results.filter((r) => r.tags?.verdict)).toEqual([
      expect.objectContaining({
        message: 'Pod p, items[0] of List apps: SidecarSet logging: injected: containers logging-agent',
        resourceRef: expect.objectContaining({ kind: 'List', name: 'apps' }),
        field: { path: 'items[0]' },
      }),
    ]);
  });

  it('ConfigMap mode=explain, with the SidecarSets among the items', () => {
    const text = resourceList([set('logging', {}), pod('p', { app: 'web' }, { containers: [app()] })], {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { mode: 'explain' },
    });
    const out = runFunction({ text });
    expect(out.exitCode).toBe(0);
    expect(out.explanations.map((e) => e.workload)).toEqual(['Pod p']);
    expect(verdict(out, 'logging').status).toBe('injected');
  });

  it('agrees with injection: the SidecarSets it says are injected are those a render injects', () => {
    const sets = [
      set('a', {}),
      set('b', { selector: { matchLabels: { tier: 'x' } } }),
      set('c', { injectionStrategy: { paused: true } }),
      set('d', { selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['api'] }] } }),
    ];
    const workloads = [
      pod('p', { app: 'web' }, { containers: [app()] }),
      pod('q', { app: 'api', tier: 'x' }, { containers: [app()] }),
      pod('r', { app: 'web', tier: 'x' }, { containers: [app()] }),
    ];
    const explained = explain(workloads, sets).explanations;
    const rendered = runFunction({ text: resourceList(workloads, { apiVersion: 'v1', kind: 'List', items: sets }) });
    const injectedList = (raw: string) => /kruise\.io\/sidecarset-injected-list: (.*)/.exec(raw)?.[1].split(',') ?? [];
    const injected = readResourceList(rendered.stdout).items.map((i) => injectedList(i.raw));
    expect(injected.flat().length, 'the case injects something').toBeGreaterThan(2);
    expect(explained.map((e) => e.verdicts.filter((v) => v.status === 'injected').map((v) => v.sidecarSet))).toEqual(injected);
  });

  it('failingRequirement reads every operator', () => {
    expect(
      failingRequirement({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['2'] }] }, { a: '1', b: '2' }),
    ).toBeUndefined();
    expect(failingRequirement({ matchExpressions: [{ key: 'b', operator: 'Matches', values: ['2'] }] }, { b: '2' })).toBe(
      'b Matches (2): the template has b=2',
    );
  });
});
