// Several injection steps over one template (inject/ownership.ts): each step strips and re-injects
// only its own, the steps' injections merge as Kruise merges several SidecarSets, and conflicts
// between steps are results.
import { describe, expect, it } from 'vitest';
import { run, runText, sidecarSet, podSpec, podMeta, SHAPES, app, itemTexts, type Obj, type Run } from '../helpers/krm.js';

const selector = { matchLabels: { app: 'web' } };
const logging = sidecarSet('logging', {
  selector,
  containers: [{ name: 'log-agent', image: 'log:1', volumeMounts: [{ name: 'logs', mountPath: '/logs' }] }],
  initContainers: [{ name: 'log-init', image: 'log-init:1' }],
  volumes: [{ name: 'logs', emptyDir: {} }],
  imagePullSecrets: [{ name: 'log-registry' }],
  patchPodMetadata: [{ annotations: { 'logging/enabled': 'true' } }],
});
const mesh = sidecarSet('mesh', {
  selector,
  containers: [
    { name: 'proxy', image: 'proxy:1', podInjectPolicy: 'BeforeAppContainer', volumeMounts: [{ name: 'certs', mountPath: '/certs' }] },
  ],
  volumes: [{ name: 'certs', secret: { secretName: 'certs' } }],
  imagePullSecrets: [{ name: 'mesh-registry' }],
});
const list = (name: string | undefined, ...items: Obj[]) => ({
  apiVersion: 'v1',
  kind: 'List',
  ...(name ? { metadata: { name } } : {}),
  items,
});
const names = (l: Obj[] | undefined) => (l ?? []).map((x) => x.name);
const injections = (obj: Obj) => JSON.parse(podMeta(obj).annotations['inject-sidecarsets.kpt.dev/injections']);
const annotation = (obj: Obj, key: string) => podMeta(obj).annotations[key];

/** Runs the steps one after the other, each on the output of the one before. */
function steps(items: Obj[], ...configs: Obj[]): Run {
  let out = run(items, configs[0]);
  for (const config of configs.slice(1)) out = run(out.objects, config);
  return out;
}

describe.each(SHAPES)('on a %s', (_kind, make) => {
  const web = () => make('web', { app: 'web' }, { containers: [app()], volumes: [{ name: 'own', emptyDir: {} }] });

  it("two steps keep each other's sidecars, volumes, pull secrets, annotations and bookkeeping", () => {
    const out = steps([web()], logging, mesh);
    expect(out.exitCode).toBe(0);
    const spec = podSpec(out.objects[0]);
    expect(names(spec.containers)).toEqual(['proxy', 'log-agent', 'app']);
    expect(names(spec.initContainers)).toEqual(['log-init']);
    expect(names(spec.volumes)).toEqual(['own', 'logs', 'certs']);
    expect(names(spec.imagePullSecrets)).toEqual(['log-registry', 'mesh-registry']);
    expect(annotation(out.objects[0], 'logging/enabled')).toBe('true');
    expect(annotation(out.objects[0], 'kruise.io/sidecarset-injected-list')).toBe('logging,mesh');
    expect(Object.keys(JSON.parse(annotation(out.objects[0], 'kruise.io/sidecarset-hash')))).toEqual(['logging', 'mesh']);
    expect(Object.keys(JSON.parse(annotation(out.objects[0], 'kruise.io/sidecarset-hash-without-image')))).toEqual(['logging', 'mesh']);
    expect(injections(out.objects[0])).toEqual({
      'SidecarSet/logging': {
        sidecarSets: ['logging'],
        containers: ['log-init', 'log-agent'],
        volumes: ['logs'],
        imagePullSecrets: ['log-registry'],
        overwritten: { annotations: { 'logging/enabled': { before: null, after: 'true' } } },
      },
      'SidecarSet/mesh': { sidecarSets: ['mesh'], containers: ['proxy'], volumes: ['certs'], imagePullSecrets: ['mesh-registry'] },
    });
    expect(out.problems).toEqual([]);
  });

  it('holds what one step with both SidecarSets gives, and every step is a fixed point afterwards', () => {
    const composed = steps([web()], logging, mesh);
    const single = run([web()], list(undefined, logging, mesh));
    const strip = (obj: Obj) => {
      const copy = JSON.parse(JSON.stringify(obj));
      delete podMeta(copy).annotations['inject-sidecarsets.kpt.dev/injections'];
      return copy;
    };
    const a = strip(composed.objects[0]);
    const b = strip(single.objects[0]);
    expect(new Set(names(podSpec(a).containers))).toEqual(new Set(names(podSpec(b).containers)));
    expect(podMeta(a).annotations).toEqual(podMeta(b).annotations);
    expect(new Set(names(podSpec(a).volumes))).toEqual(new Set(names(podSpec(b).volumes)));
    for (const config of [logging, mesh]) {
      const again = run(composed.objects, config);
      expect(itemTexts(again)).toBe(itemTexts(composed));
      expect(again.problems).toEqual([]);
    }
    expect(itemTexts(steps(composed.objects, logging, mesh))).toBe(itemTexts(composed));
  });

  it('a step strips only its own SidecarSet when it is removed from the step', () => {
    const both = steps([web()], list('platform', logging), mesh);
    const removed = run(both.objects, list('platform'));
    const expected = run([web()], mesh);
    expect(removed.objects).toEqual(expected.objects);
    expect(removed.problems.map((p) => [p.severity, p.message])).toEqual([
      [
        'warning',
        expect.stringMatching(
          /removed what an earlier run of this step \(List\/platform\) injected .*SidecarSets logging; containers log-agent, log-init; volumes logs/,
        ),
      ],
    ]);
  });

  it("a changed SidecarSet is re-injected in place; the other step's sidecar stays where it is", () => {
    const both = steps([web()], logging, mesh);
    const changed = sidecarSet('logging', { ...logging.spec, containers: [{ ...logging.spec.containers[0], image: 'log:2' }] });
    const again = run(both.objects, changed);
    const spec = podSpec(again.objects[0]);
    expect(names(spec.containers)).toEqual(['proxy', 'log-agent', 'app']);
    expect(spec.containers[1].image).toBe('log:2');
    expect(itemTexts(run(again.objects, mesh))).toBe(itemTexts(again));
  });

  it("a container another step's different SidecarSet injected is an error naming both, and the other step's container stays", () => {
    const rival = sidecarSet('rival', { selector, containers: [{ name: 'log-agent', image: 'rival:1' }] });
    const out = steps([web()], logging, rival);
    expect(out.exitCode).toBe(1);
    expect(out.problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual([
      expect.stringMatching(
        /SidecarSet rival injects a container log-agent, and SidecarSet logging of another step \(SidecarSet\/logging\) already injected/,
      ),
    ]);
  });

  it('the same SidecarSet in two steps (a base and its overlay) changes nothing the second time', () => {
    const base = run([web()], logging);
    const overlay = run(base.objects, list('overlay', logging, mesh));
    expect(overlay.problems).toEqual([]);
    expect(names(podSpec(overlay.objects[0]).containers)).toEqual(['proxy', 'log-agent', 'app']);
    expect(injections(overlay.objects[0])['List/overlay'].sidecarSets).toEqual(['mesh']);
    expect(
      itemTexts(
        run(base.objects, { ...logging, metadata: { ...logging.metadata, annotations: { 'inject-sidecarsets.kpt.dev/step': 'again' } } }),
      ),
    ).toBe(itemTexts(base));
  });

  it('the same SidecarSet name with a different spec in two steps is an error', () => {
    const base = run([web()], logging);
    const other = sidecarSet('logging', { ...logging.spec, containers: [{ name: 'log-agent', image: 'log:9' }] });
    const out = run(base.objects, list('overlay', other));
    expect(out.exitCode).toBe(1);
    expect(out.problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(
        /SidecarSet logging was already injected into this template by another step \(SidecarSet\/logging\) with a different spec/,
      ),
    );
    expect(podSpec(out.objects[0]).containers.find((c: Obj) => c.name === 'log-agent').image).toBe('log:1');
  });

  it("SidecarSets among the items: a deleted SidecarSet is stripped on the next render, the other step's stays", () => {
    const first = steps([web(), logging], undefined as unknown as Obj, mesh);
    expect(names(podSpec(first.objects[0]).containers)).toEqual(['proxy', 'log-agent', 'app']);
    const again = steps([first.objects[0]], undefined as unknown as Obj, mesh);
    expect(names(podSpec(again.objects[0]).containers)).toEqual(['proxy', 'app']);
    expect(again.objects[0]).toEqual(run([web()], mesh).objects[0]);
  });

  it('an explicit step option or annotation sets the identity', () => {
    const config = {
      apiVersion: 'fn.kpt.dev/v1alpha1',
      kind: 'InjectSidecarSets',
      metadata: { name: 'c' },
      spec: { sidecarSets: [logging], step: 'platform-logging' },
    };
    expect(Object.keys(injections(run([web()], config).objects[0]))).toEqual(['platform-logging']);
    const annotated = list(undefined, mesh);
    (annotated as Obj).metadata = { annotations: { 'inject-sidecarsets.kpt.dev/step': 'mesh-step' } };
    expect(Object.keys(injections(run([web()], annotated).objects[0]))).toEqual(['mesh-step']);
  });

  it('a template injected by a version before steps is adopted: nothing of it is stranded', () => {
    // What the earlier version wrote: no step record, only the record of what it overwrote.
    const earlier = run([web()], list(undefined, logging, mesh));
    const legacy = JSON.parse(JSON.stringify(earlier.objects[0]));
    delete podMeta(legacy).annotations['inject-sidecarsets.kpt.dev/injections'];
    podMeta(legacy).annotations['inject-sidecarsets.kpt.dev/overwritten'] = JSON.stringify({
      annotations: { 'logging/enabled': { before: null, after: 'true' } },
      spec: { imagePullSecrets: { before: null, after: [{ name: 'log-registry' }, { name: 'mesh-registry' }] } },
    });
    const out = run([legacy], mesh);
    expect(out.objects[0]).toEqual(run([web()], mesh).objects[0]);
    expect(annotation(out.objects[0], 'inject-sidecarsets.kpt.dev/overwritten')).toBeUndefined();
  });

  it("pull secrets copied from the ServiceAccount stay with the step's own, and go with them", () => {
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' }, imagePullSecrets: [{ name: 'sa-secret' }] };
    const first = steps([web(), sa], list('platform', logging), mesh);
    expect(names(podSpec(first.objects[0]).imagePullSecrets)).toEqual(['sa-secret', 'log-registry', 'mesh-registry']);
    expect(itemTexts(steps(first.objects, list('platform', logging), mesh))).toBe(itemTexts(first));
    // The pod is what mesh alone gives; the ServiceAccount's secret stays on the platform step's record.
    const removed = steps(first.objects, list('platform'), mesh);
    expect(podSpec(removed.objects[0])).toEqual(podSpec(run([web(), sa], mesh).objects[0]));
  });
});

describe('the record', () => {
  it("is not written with stripPreviousInjection: false, whose output is Kruise's", () => {
    const config = {
      apiVersion: 'fn.kpt.dev/v1alpha1',
      kind: 'InjectSidecarSets',
      metadata: { name: 'c' },
      spec: { sidecarSets: [logging], stripPreviousInjection: false },
    };
    const out = run([SHAPES[1][1]('web', { app: 'web' }, { containers: [app()] })], config);
    expect(podMeta(out.objects[0]).annotations['inject-sidecarsets.kpt.dev/injections']).toBeUndefined();
  });

  it('of another step survives a step that injects nothing into the template', () => {
    const first = run([SHAPES[1][1]('web', { app: 'web' }, { containers: [app()] })], logging);
    const unrelated = sidecarSet('other', { selector: { matchLabels: { app: 'db' } }, containers: [{ name: 'x', image: 'x' }] });
    expect(itemTexts(runText(run(first.objects, unrelated).stdout))).toBe(itemTexts(first));
  });
});
