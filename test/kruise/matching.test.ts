// Which SidecarSets Kruise's pod webhook applies to a pod: selector, paused, namespaceSelector,
// canary/base, and injectionStrategy.revision — replayed end to end on a Pod and a Deployment.
import { describe, expect, it } from 'vitest';
import type { Obj } from '../helpers/krm.js';
import { APP_LABELS, NOT_MATCHING, SHAPES, config, errors, list, names, podSpec1, render, sidecarSet1 } from './fixtures.js';

const revisionId = 'sidecarset1-12345';

/** sidecarSet1's revision `revisionId` as its ControllerRevision stores it: `spec` as a `$patch: replace` of the spec. */
function sidecarSet1Revision(spec: Obj): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionId,
      namespace: 'kruise-system',
      labels: { 'kruise.io/sidecarset-name': 'sidecarset1', 'apps.kruise.io/sidecarset-custom-version': revisionId },
    },
    revision: 1,
    data: { spec: { $patch: 'replace', ...spec } },
  };
}

describe.each(SHAPES)('on a %s', (_kind, shape) => {
  it('TestPodHasNoMatchedSidecarSet', () => {
    const { out, spec } = render(shape({ labels: NOT_MATCHING, spec: podSpec1() }), sidecarSet1());
    expect(out.exitCode).toBe(0);
    expect(names(spec.containers)).toEqual(['nginx']);
    expect(names(spec.initContainers)).toEqual(['init-0']);
  });

  it('TestInjectionStrategyPaused', () => {
    const paused = sidecarSet1();
    paused.spec.injectionStrategy = { paused: true };
    const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), paused);
    expect(out.exitCode).toBe(0);
    expect(names(spec.containers)).toEqual(['nginx']);
  });

  describe('TestPodMatchedSidecarSet', () => {
    // Kruise's SidecarSets here have no containers (the test calls the match function alone);
    // validation requires one, so each gets a sidecar and a match is read off the pod.
    const matchingSet = (namespaceSelector?: Obj): Obj => ({
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'sidecarset-test' },
      spec: {
        selector: { matchLabels: { app: 'nginx' } },
        ...(namespaceSelector ? { namespaceSelector } : {}),
        containers: [{ name: 'sidecar', image: 'sidecar:1' }],
      },
    });
    const namespace = (name: string, labels: Obj): Obj => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    const pod = () => shape({ labels: { app: 'nginx' }, spec: { containers: [{ name: 'main', image: 'main:v1' }] }, namespace: 'app1' });

    it.each([
      ['test1', undefined, [], true],
      ['test2', { matchLabels: { ns: 'app1' } }, [namespace('app1', { ns: 'app1' })], true],
      ['test3', { matchLabels: { ns: 'app2' } }, [namespace('app1', { ns: 'app1' })], false],
      ['test4', { matchLabels: { app: 'app1' } }, [namespace('app1', { app: 'app1' }), namespace('app2', { app: 'app2' })], true],
      ['test5', { matchLabels: { app: 'app2' } }, [namespace('app1', { app: 'app1' }), namespace('app2', { app: 'app2' })], false],
    ] as [string, Obj | undefined, Obj[], boolean][])('%s', (_case, namespaceSelector, namespaces, matched) => {
      const { out, spec } = render(pod(), matchingSet(namespaceSelector), namespaces);
      expect(out.exitCode).toBe(0);
      expect(names(spec.containers)).toEqual(matched ? ['sidecar', 'main'] : ['main']);
    });
  });

  describe('TestIsCanarySidecarSet', () => {
    // Kruise tests the predicate alone; end to end it decides whether the canary suppresses the
    // SidecarSet it names as base. The two inject differently named sidecars so that, when the
    // pair is not a canary/base pair, they do not conflict and both are injected.
    const base: Obj = {
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'base-sidecarset-123' },
      spec: { selector: { matchLabels: { app: 'nginx' } }, containers: [{ name: 'base-agent', image: 'agent:1' }] },
    };
    const candidate = (annotations: Obj | undefined): Obj => ({
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'candidate', ...(annotations ? { annotations } : {}) },
      spec: {
        selector: { matchLabels: { app: 'nginx' } },
        // A canary must not use RollingUpdate; NotUpdate keeps every variant valid.
        updateStrategy: { type: 'NotUpdate' },
        containers: [{ name: 'canary-agent', image: 'agent:2' }],
      },
    });
    const canaryKey = 'apps.kruise.io/sidecarset-canary';
    const baseKey = 'apps.kruise.io/sidecarset-base';

    it.each([
      ['canary sidecar set with valid base annotation', { [canaryKey]: 'true', [baseKey]: 'base-sidecarset-123' }, true],
      ['canary annotation is true but base annotation is empty', { [canaryKey]: 'true', [baseKey]: '' }, false],
      ['canary annotation is not true but base annotation exists', { [canaryKey]: 'false', [baseKey]: 'base-sidecarset-123' }, false],
      ['neither annotation exists', {}, false],
      ['only canary annotation exists', { [canaryKey]: 'true' }, false],
      ['only base annotation exists', { [baseKey]: 'base-sidecarset-123' }, false],
      ["canary annotation is '1' (not 'true') but base annotation exists", { [canaryKey]: '1', [baseKey]: 'base-sidecarset-123' }, false],
      ['annotations is nil', undefined, false],
      ["canary annotation is 'TRUE' (case sensitive)", { [canaryKey]: 'TRUE', [baseKey]: 'base-sidecarset-123' }, false],
    ] as [string, Obj | undefined, boolean][])('%s', (_case, annotations, isCanary) => {
      const { out, spec } = render(
        shape({ labels: { app: 'nginx' }, spec: { containers: [{ name: 'main', image: 'main:v1' }] } }),
        list(base, candidate(annotations)),
      );
      expect(out.exitCode).toBe(0);
      expect(names(spec.containers)).toEqual(isCanary ? ['canary-agent', 'main'] : ['base-agent', 'canary-agent', 'main']);
    });
  });

  describe('TestInjectionStrategyRevision', () => {
    const controllerRevision = sidecarSet1Revision({
      initContainers: [{ name: 'init-2', image: 'busybox:1.0.0' }],
      containers: [
        { name: 'dns-f', image: 'dns-f-image:1.0', podInjectPolicy: 'BeforeAppContainer', shareVolumePolicy: { type: 'disabled' } },
      ],
    });

    it('customVersion with policy Always injects the historic containers and init containers', () => {
      const set = sidecarSet1();
      set.spec.injectionStrategy = { revision: { customVersion: revisionId, policy: 'Always' } };
      const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), set, [controllerRevision]);
      expect(out.exitCode).toBe(0);
      // Kruise asserts the count: the pod's two containers plus the revision's two.
      expect(spec.containers.length + spec.initContainers.length).toBe(2 + 2);
      expect(names(spec.containers)).toEqual(['dns-f', 'nginx']);
      expect(names(spec.initContainers)).toEqual(['init-0', 'init-2']);
    });
  });

  describe('TestCanarySidecarSetInjection', () => {
    const stableImage = 'sidecar-image:stable';
    const canaryImage = 'sidecar-image:canary';
    const controllerRevision = sidecarSet1Revision({ containers: [{ name: 'sidecar', image: stableImage }] });
    // Kruise's SidecarSet leaves updateStrategy.type empty, which defaults to RollingUpdate, and
    // RollingUpdate forbids a partition next to a selector: the SidecarSet webhook would reject the
    // partition variants. NotUpdate is the type a SidecarSet with these fields must have in a cluster.
    const canarySet = (strategy: Obj = {}): Obj => ({
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'sidecarset1' },
      spec: {
        selector: { matchLabels: { app: 'demo' } },
        containers: [{ name: 'sidecar', image: canaryImage }],
        updateStrategy: { type: 'NotUpdate', selector: { matchLabels: { canary: 'true' } }, ...strategy },
        injectionStrategy: { revision: { customVersion: revisionId, policy: 'Partial' } },
      },
    });
    const stablePod = () => shape({ labels: { app: 'demo' }, spec: { containers: [{ name: 'app', image: 'demo' }] } });
    const canaryPod = () => shape({ labels: { app: 'demo', canary: 'true' }, spec: { containers: [{ name: 'app', image: 'demo' }] } });
    // Kruise reads the sidecar at index 1: its fake client skips the SidecarSet defaulting, which
    // in a cluster sets podInjectPolicy to BeforeAppContainer, so the sidecar is first.
    const injectedImage = (spec: Obj) => {
      expect(names(spec.containers)).toEqual(['sidecar', 'app']);
      return spec.containers[0].image;
    };

    it('stable pod', () => {
      const { out, spec } = render(stablePod(), canarySet(), [controllerRevision]);
      expect(out.exitCode).toBe(0);
      expect(injectedImage(spec)).toBe(stableImage);
    });

    it('canary without partition', () => {
      const { out, spec } = render(canaryPod(), canarySet(), [controllerRevision]);
      expect(out.exitCode).toBe(0);
      expect(injectedImage(spec)).toBe(canaryImage);
    });

    it('canary with partition 100%', () => {
      const { out, spec } = render(canaryPod(), canarySet({ partition: '100%' }), [controllerRevision]);
      expect(out.exitCode).toBe(0);
      expect(injectedImage(spec)).toBe(stableImage);
    });

    it('canary with partition 0%', () => {
      const { out, spec } = render(canaryPod(), canarySet({ partition: '0%' }), [controllerRevision]);
      expect(out.exitCode).toBe(0);
      expect(injectedImage(spec)).toBe(canaryImage);
    });

    it('canary with bad partition', () => {
      const pod = canaryPod();
      const { out } = render(pod, canarySet({ partition: 'abc%' }), [controllerRevision]);
      expect(out.exitCode).toBe(1);
      // The pod is refused, not the SidecarSet: with NotUpdate the partition is not validated.
      expect(errors(out).some((r) => r.resourceRef?.kind === pod.kind && /abc%/.test(r.message))).toBe(true);
    });

    it('canary no history (another SidecarSet has ControllerRevisions, this one none)', () => {
      // With ControllerRevisions in the package, a missing one is what the cluster would report.
      const unrelated = structuredClone(controllerRevision);
      unrelated.metadata.name = 'other-12345';
      unrelated.metadata.labels = { 'kruise.io/sidecarset-name': 'other', 'apps.kruise.io/sidecarset-custom-version': 'other-12345' };
      const { out } = render(canaryPod(), canarySet(), [unrelated]);
      expect(out.exitCode).toBe(1);
      expect(errors(out).some((r) => /ControllerRevision/.test(r.message))).toBe(true);
    });

    it('canary no history (no ControllerRevision in the package: documented deviation)', () => {
      // README "Differences": without any ControllerRevision among the items the current spec is
      // injected and an info result says so; Kruise would reject the pod.
      const { out, spec } = render(canaryPod(), canarySet(), []);
      expect(out.exitCode).toBe(0);
      expect(injectedImage(spec)).toBe(canaryImage);
      expect(out.results.some((r) => r.severity === 'info' && /ControllerRevision/.test(r.message))).toBe(true);
    });

    it('canary with bad selector', () => {
      const pod = canaryPod();
      const { out } = render(pod, canarySet({ selector: { matchExpressions: [{ key: 'somekey', operator: 'badOp' }] } }), [
        controllerRevision,
      ]);
      expect(out.exitCode).toBe(1);
      expect(errors(out).some((r) => r.resourceRef?.kind === pod.kind && /badOp/.test(r.message))).toBe(true);
    });

    it('canary paused', () => {
      const { out, spec } = render(canaryPod(), canarySet({ partition: '0%', paused: true }), [controllerRevision]);
      expect(out.exitCode).toBe(0);
      expect(injectedImage(spec)).toBe(stableImage);
    });
  });
});

it('TestPodMatchedSidecarSet: a namespaceSelector on a namespace the package does not describe is undecidable (documented deviation)', () => {
  // Kruise reads the Namespace from the cluster; the function needs it among the items or in
  // `namespaceLabels`, and says so with an error by default (README "Differences").
  const set: Obj = {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'SidecarSet',
    metadata: { name: 'sidecarset-test' },
    spec: {
      selector: { matchLabels: { app: 'nginx' } },
      namespaceSelector: { matchLabels: { ns: 'app1' } },
      containers: [{ name: 'sidecar', image: 'sidecar:1' }],
    },
  };
  const workload = SHAPES[0][1]({
    labels: { app: 'nginx' },
    spec: { containers: [{ name: 'main', image: 'main:v1' }] },
    namespace: 'app1',
  });
  expect(render(workload, set).out.exitCode).toBe(1);
  const told = render(workload, config([set], { namespaceLabels: { app1: { ns: 'app1' } } }));
  expect(told.out.exitCode).toBe(0);
  expect(names(told.spec.containers)).toEqual(['sidecar', 'main']);
});
