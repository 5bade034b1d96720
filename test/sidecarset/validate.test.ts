import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/config/options.js';
import { findControllerRevision, validateSidecarSet, type SidecarSetValidationContext } from '../../src/sidecarset/validate.js';
import type { PatchPolicy, PodInjectPolicy, SidecarContainer, SidecarSet, SidecarSetSpec } from '../../src/sidecarset/types.js';

// Fixtures are in the stored form validateSidecarSet expects: v1beta1 and defaulted.
const sidecar = (over: Partial<SidecarContainer> = {}): SidecarContainer => ({
  name: 'test-sidecar',
  image: 'test-image',
  imagePullPolicy: 'IfNotPresent',
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  podInjectPolicy: 'BeforeAppContainer',
  upgradeStrategy: { upgradeType: 'ColdUpgrade' },
  shareVolumePolicy: { type: 'disabled' },
  ...over,
});
const initSidecar = (over: Partial<SidecarContainer> = {}) => sidecar({ name: 'test-init', podInjectPolicy: 'AfterAppContainer', ...over });

function sidecarSet(spec: Partial<SidecarSetSpec> = {}, metadata: Partial<SidecarSet['metadata']> = {}): SidecarSet {
  return {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'SidecarSet',
    metadata: { name: 'test-sidecarset', ...metadata },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      updateStrategy: { type: 'NotUpdate', partition: 0, maxUnavailable: 1 },
      containers: [sidecar()],
      revisionHistoryLimit: 10,
      ...spec,
    },
  };
}

function context(over: Partial<SidecarSetValidationContext> = {}): SidecarSetValidationContext {
  return { featureGates: DEFAULT_OPTIONS.featureGates, otherSidecarSetNames: new Set(), sidecarSetsByName: new Map(), ...over };
}

const validate = (s: SidecarSet, ctx: Partial<SidecarSetValidationContext> = {}) => validateSidecarSet(s, context(ctx));
const pointers = (s: SidecarSet, ctx: Partial<SidecarSetValidationContext> = {}) => validate(s, ctx).map((e) => e.pointer);

describe('validateSidecarSet: the cases of Kruise TestValidateSidecarSet', () => {
  it('a valid SidecarSet has no errors', () => {
    expect(validate(sidecarSet())).toEqual([]);
  });

  it('missing selector → 1 error', () => {
    expect(validate(sidecarSet({ selector: undefined }))).toEqual([
      { pointer: '/spec/selector', message: 'no selector defined for SidecarSet' },
    ]);
  });

  it('empty selector → 1 error', () => {
    expect(pointers(sidecarSet({ selector: {} }))).toEqual(['/spec/selector']);
  });

  it('bad scatter strategy (duplicate terms) → 1 error', () => {
    const s = sidecarSet({
      updateStrategy: {
        type: 'RollingUpdate',
        partition: 0,
        maxUnavailable: 1,
        scatterStrategy: [
          { key: 'key-1', value: 'value-1' },
          { key: 'key-1', value: 'value-1' },
        ],
      },
    });
    expect(pointers(s)).toEqual(['/spec/updateStrategy/scatterStrategy']);
  });

  it('invalid label value app-risk- in the selector → 2 errors (selector validation + conversion)', () => {
    const s = sidecarSet({
      selector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'app-name', operator: 'NotIn', values: ['app-group', 'app-risk-'] }] },
    });
    expect(pointers(s)).toEqual(['/spec/selector/matchExpressions/0/values/1', '/spec/selector']);
  });

  it('invalid label value app-risk- in the namespaceSelector → 2 errors', () => {
    const s = sidecarSet({
      namespaceSelector: {
        matchLabels: { a: 'b' },
        matchExpressions: [{ key: 'app-name', operator: 'NotIn', values: ['app-group', 'app-risk-'] }],
      },
    });
    expect(pointers(s)).toEqual(['/spec/namespaceSelector/matchExpressions/0/values/1', '/spec/namespaceSelector']);
  });

  it('a valid namespaceSelector → 0 errors; an empty one → 1', () => {
    expect(validate(sidecarSet({ namespaceSelector: { matchLabels: { a: 'b' } } }))).toEqual([]);
    expect(pointers(sidecarSet({ namespaceSelector: {} }))).toEqual(['/spec/namespaceSelector']);
  });

  it('init container without image → 1 error', () => {
    expect(pointers(sidecarSet({ containers: [], initContainers: [initSidecar({ image: '' })] }))).toEqual([
      '/spec/initContainers/0/image',
    ]);
  });

  it('no containers at all → 1 error', () => {
    expect(validate(sidecarSet({ containers: [], initContainers: [] }))).toEqual([
      { pointer: '/spec', message: expect.stringContaining('no initContainer or container defined') },
    ]);
  });

  it('a volume without source (not defaulted) → 1 error', () => {
    const s = sidecarSet({
      volumes: [
        { name: 'test-volume' },
        {
          name: 'istio-token',
          projected: {
            defaultMode: 420,
            sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }],
          },
        },
      ],
    });
    expect(pointers(s)).toEqual(['/spec/volumes/0']);
  });

  it('a volumeDevice naming an undeclared volume → 1 error; declared PVC → 0', () => {
    const container = sidecar({ volumeDevices: [{ name: 'disk0', devicePath: '/dev/nvme1' }] });
    expect(pointers(sidecarSet({ containers: [container] }))).toEqual(['/spec/containers/0/volumeDevices/0/name']);
    expect(
      validate(sidecarSet({ containers: [container], volumes: [{ name: 'disk0', persistentVolumeClaim: { claimName: 'pvc-0' } }] })),
    ).toEqual([]);
  });

  it('devicePath equal to a mountPath → 2 errors', () => {
    const s = sidecarSet({
      containers: [
        sidecar({
          volumeDevices: [{ name: 'disk0', devicePath: '/home/admin/log' }],
          volumeMounts: [{ name: 'log', mountPath: '/home/admin/log' }],
        }),
      ],
      volumes: [
        { name: 'disk0', persistentVolumeClaim: { claimName: 'pvc-0' } },
        { name: 'log', emptyDir: {} },
      ],
    });
    expect(validate(s)).toHaveLength(2);
  });

  it('the same patch annotation key in two entries → 1 error', () => {
    const s = sidecarSet({
      patchPodMetadata: [
        { annotations: { key1: 'value1' }, patchPolicy: 'MergePatchJson' },
        { annotations: { key1: 'value1' }, patchPolicy: 'Overwrite' },
      ],
    });
    expect(pointers(s)).toEqual(['/spec/patchPodMetadata/1/annotations/key1']);
  });

  it('native sidecar init container with RollingUpdate (the default) → 1 error; with NotUpdate → 0', () => {
    const spec = { containers: [], initContainers: [initSidecar({ restartPolicy: 'Always' })] };
    expect(pointers(sidecarSet({ ...spec, updateStrategy: { type: 'RollingUpdate', partition: 0, maxUnavailable: 1 } }))).toEqual([
      '/spec/initContainers/0/restartPolicy',
    ]);
    expect(validate(sidecarSet(spec))).toEqual([]);
  });
});

describe('validateSidecarSet: injectionStrategy.revision', () => {
  const revisions = [
    {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: 'test-sidecarset-01234',
        namespace: 'kruise-system',
        labels: { 'kruise.io/sidecarset-name': 'test-sidecarset', 'apps.kruise.io/sidecarset-custom-version': 'normal-sidecarset-01234' },
      },
      revision: 1,
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: 'test-sidecarset-56789',
        namespace: 'kruise-system',
        labels: { 'kruise.io/sidecarset-name': 'test-sidecarset', 'apps.kruise.io/sidecarset-custom-version': 'normal-sidecarset-01234' },
      },
      revision: 2,
    },
  ];
  const withRevision = (revision: NonNullable<SidecarSetSpec['injectionStrategy']>['revision']) =>
    sidecarSet({ injectionStrategy: { revision } });

  it('customVersion with no matching ControllerRevision → 1 error', () => {
    expect(pointers(withRevision({ customVersion: 'no-such-version', policy: 'Always' }), { controllerRevisions: revisions })).toEqual([
      '/spec/injectionStrategy/revision',
    ]);
  });

  it('no ControllerRevision among the items at all → no error here (the rules stage says what it injects instead)', () => {
    expect(pointers(withRevision({ customVersion: 'normal-sidecarset-01234', policy: 'Always' }))).toEqual([]);
  });

  it('revisionName not found → 1 error', () => {
    expect(
      pointers(withRevision({ revisionName: 'test-sidecarset-678235', policy: 'Always' }), { controllerRevisions: revisions }),
    ).toEqual(['/spec/injectionStrategy/revision']);
  });

  it('found by revisionName or by customVersion → 0 errors; customVersion picks the highest revision', () => {
    expect(validate(withRevision({ revisionName: 'test-sidecarset-01234', policy: 'Always' }), { controllerRevisions: revisions })).toEqual(
      [],
    );
    const s = withRevision({ customVersion: 'normal-sidecarset-01234', policy: 'Always' });
    expect(validate(s, { controllerRevisions: revisions })).toEqual([]);
    expect(findControllerRevision(s, revisions)).toBe(revisions[1]);
  });

  it('customVersion of another SidecarSet does not count', () => {
    const s = sidecarSet(
      { injectionStrategy: { revision: { customVersion: 'normal-sidecarset-01234', policy: 'Always' } } },
      { name: 'other' },
    );
    expect(pointers(s, { controllerRevisions: revisions })).toEqual(['/spec/injectionStrategy/revision']);
  });

  it('neither revisionName nor customVersion → 1 error; an unknown policy → 1 error', () => {
    expect(validate(withRevision({ policy: 'Always' }))).toEqual([
      { pointer: '/spec/injectionStrategy/revision', message: 'revisionName and customVersion cannot both be empty' },
    ]);
    expect(pointers(withRevision({ revisionName: 'test-sidecarset-01234', policy: 'Never' }), { controllerRevisions: revisions })).toEqual([
      '/spec/injectionStrategy/revision/policy',
    ]);
  });

  it('ignores objects that are not ControllerRevisions', () => {
    expect(
      pointers(withRevision({ revisionName: 'x' }), { controllerRevisions: [null, 'x', { kind: 'ConfigMap', metadata: { name: 'x' } }] }),
    ).toEqual(['/spec/injectionStrategy/revision']);
  });
});

describe('validateSidecarSet: updateStrategy (checked only for RollingUpdate)', () => {
  const rolling = (over: Record<string, unknown>) =>
    sidecarSet({ updateStrategy: { type: 'RollingUpdate', partition: 0, maxUnavailable: 1, ...over } });

  it('partition together with a selector → error; partition 0 with a selector → fine', () => {
    expect(pointers(rolling({ partition: '50%', selector: { matchLabels: { canary: 'true' } } }))).toEqual(['/spec/updateStrategy']);
    expect(pointers(rolling({ partition: 2, selector: { matchLabels: { canary: 'true' } } }))).toEqual(['/spec/updateStrategy']);
    expect(validate(rolling({ selector: { matchLabels: { canary: 'true' } } }))).toEqual([]);
  });

  it('partition and maxUnavailable: non-negative integers or percentages', () => {
    expect(pointers(rolling({ partition: 'abc' }))).toEqual(['/spec/updateStrategy/partition']);
    expect(pointers(rolling({ maxUnavailable: -1 }))).toEqual(['/spec/updateStrategy/maxUnavailable']);
    expect(validate(rolling({ partition: '10%', maxUnavailable: '100%' }))).toEqual([]);
  });

  it('the update selector must be valid and non-empty', () => {
    expect(pointers(rolling({ selector: {} }))).toEqual(['/spec/updateStrategy/selector']);
    expect(pointers(rolling({ selector: { matchExpressions: [{ key: 'a', operator: 'Foo' }] } }))).toEqual([
      '/spec/updateStrategy/selector/matchExpressions/0/operator',
      '/spec/updateStrategy/selector',
    ]);
  });

  it('priority strategy must use one kind of priority', () => {
    expect(
      pointers(
        rolling({
          priorityStrategy: {
            weightPriority: [{ weight: 10, matchSelector: { matchLabels: { a: 'b' } } }],
            orderPriority: [{ orderedKey: 'k' }],
          },
        }),
      ),
    ).toEqual(['/spec/updateStrategy/priorityStrategy']);
  });

  it('NotUpdate skips all of this', () => {
    expect(validate(sidecarSet({ updateStrategy: { type: 'NotUpdate', partition: 'abc', selector: {} } }))).toEqual([]);
  });
});

describe('validateSidecarSet: containers', () => {
  it('podInjectPolicy and shareVolumePolicy are checked on containers only', () => {
    const bad = { podInjectPolicy: 'Sideways' as PodInjectPolicy, shareVolumePolicy: { type: 'maybe' } };
    expect(pointers(sidecarSet({ containers: [sidecar(bad)] }))).toEqual([
      '/spec/containers/0/podInjectPolicy',
      '/spec/containers/0/shareVolumePolicy/type',
    ]);
    expect(validate(sidecarSet({ initContainers: [initSidecar(bad)] }))).toEqual([]);
  });

  it('pod-level errors point into the SidecarSet: duplicate names, restartPolicy, probes, requests over limits', () => {
    const s = sidecarSet({
      initContainers: [initSidecar({ name: 'test-sidecar' })],
      containers: [
        sidecar({ restartPolicy: 'Always' }),
        sidecar({
          name: 'b',
          readinessProbe: { periodSeconds: 10 },
          resources: { limits: { memory: '100Mi' }, requests: { memory: '200Mi' } },
        }),
      ],
    });
    expect(pointers(s)).toEqual([
      '/spec/containers/0/restartPolicy',
      '/spec/containers/1/resources/requests/memory',
      '/spec/containers/1/readinessProbe',
      '/spec/initContainers/0/name',
    ]);
  });

  it('an init container named "test" is rejected when there are no containers (Kruise\'s placeholder container)', () => {
    expect(validate(sidecarSet({ containers: [], initContainers: [initSidecar({ name: 'test' })] }))).toEqual([
      { pointer: '/spec/initContainers/0/name', message: expect.stringContaining('placeholder') },
    ]);
    expect(validate(sidecarSet({ initContainers: [initSidecar({ name: 'test' })] }))).toEqual([]);
  });

  describe('transferEnv fieldRef (containers only)', () => {
    const transfer = (apiVersion: string | undefined, fieldPath: string) =>
      sidecar({ transferEnv: [{ sourceContainerNameFrom: { fieldRef: { apiVersion, fieldPath } }, envNames: ['X'] }] });

    it('accepts metadata.labels[...] and metadata.annotations[...] with qualified keys (annotations lower-cased)', () => {
      expect(validate(sidecarSet({ containers: [transfer('v1', "metadata.labels['app']")] }))).toEqual([]);
      expect(validate(sidecarSet({ containers: [transfer('v1', "metadata.annotations['Example.com/App']")] }))).toEqual([]);
    });

    it('rejects metadata.name, bare metadata.labels, other apiVersions, bad keys', () => {
      const at = '/spec/containers/0/transferEnv/0/sourceContainerNameFrom/fieldRef/fieldPath';
      expect(pointers(sidecarSet({ containers: [transfer('v1', 'metadata.name')] }))).toEqual([at]);
      expect(pointers(sidecarSet({ containers: [transfer('v1', 'metadata.labels')] }))).toEqual([at]);
      expect(pointers(sidecarSet({ containers: [transfer('v1', "spec['x']")] }))).toEqual([at]);
      expect(pointers(sidecarSet({ containers: [transfer('v2', "metadata.labels['app']")] }))).toEqual([at]);
      expect(pointers(sidecarSet({ containers: [transfer('v1', "metadata.labels['-bad']")] }))).toEqual([at]);
      expect(pointers(sidecarSet({ containers: [transfer(undefined, "metadata.labels['app']")] }))).toEqual([
        '/spec/containers/0/transferEnv/0/sourceContainerNameFrom/fieldRef/apiVersion',
      ]);
    });

    it('is not checked on init containers', () => {
      expect(validate(sidecarSet({ initContainers: [{ ...transfer('v1', 'metadata.name'), name: 'test-init' }] }))).toEqual([]);
    });
  });

  describe('resourcesPolicy', () => {
    const policy = (over: Record<string, unknown> = {}) => ({
      targetContainersMode: 'sum',
      targetContainersNameRegex: '^app.*$',
      resourcesExpr: {
        limits: { cpu: 'max(cpu*50%, 50m)', memory: 'max(memory*50%, 100Mi)' },
        requests: { cpu: 'max(cpu*50%, 50m)', memory: 'max(memory*50%, 100Mi)' },
      },
      ...over,
    });
    const withPolicy = (over: Record<string, unknown> = {}, container: Partial<SidecarContainer> = {}) =>
      sidecarSet({ containers: [sidecar({ resourcesPolicy: policy(over), ...container })] });
    const at = '/spec/containers/0/resourcesPolicy';

    it('a valid policy passes, including a complex expression and an empty request expression', () => {
      expect(validate(withPolicy())).toEqual([]);
      expect(validate(withPolicy({ resourcesExpr: { limits: { cpu: '0.5*cpu - 0.3*max(0, cpu-4) + 0.3*max(0, cpu-8)' } } }))).toEqual([]);
      expect(validate(withPolicy({ resourcesExpr: { requests: { cpu: '', memory: '100Mi' } } }))).toEqual([]);
    });

    it('resourcesPolicy together with resources → 1 error, other policy checks skipped', () => {
      expect(pointers(withPolicy({ targetContainersNameRegex: '' }, { resources: { limits: { cpu: '100m' } } }))).toEqual([at]);
      expect(pointers(withPolicy({}, { resources: { requests: { cpu: '50m' } } }))).toEqual([at]);
    });

    it('empty or invalid regex → 1 error', () => {
      expect(pointers(withPolicy({ targetContainersNameRegex: '' }))).toEqual([`${at}/targetContainersNameRegex`]);
      expect(pointers(withPolicy({ targetContainersNameRegex: '[invalid(regex' }))).toEqual([`${at}/targetContainersNameRegex`]);
    });

    it('neither limits nor requests → 1 error', () => {
      expect(pointers(withPolicy({ resourcesExpr: {} }))).toEqual([`${at}/resourcesExpr`]);
    });

    it('invalid expressions → 1 error each, at the expression', () => {
      for (const cpu of ['invalid expression @#$', 'max(cpu*50%, 50m', 'max(cpu*50%)', 'invalidvar * 50%', 'memory*2']) {
        expect(pointers(withPolicy({ resourcesExpr: { limits: { cpu } } })), cpu).toEqual([`${at}/resourcesExpr/limits/cpu`]);
      }
      expect(pointers(withPolicy({ resourcesExpr: { requests: { memory: 'cpu' } } }))).toEqual([`${at}/resourcesExpr/requests/memory`]);
    });

    it('on a classic init container → 1 error; on a native sidecar init container → allowed', () => {
      const init = (restartPolicy?: string) =>
        sidecarSet({ containers: [], initContainers: [initSidecar({ restartPolicy, resourcesPolicy: policy() })] });
      expect(pointers(init())).toEqual(['/spec/initContainers/0/resourcesPolicy']);
      expect(validate(init('Always'))).toEqual([]);
    });
  });
});

describe('validateSidecarSet: names and metadata', () => {
  it('name: letters, digits and "-", at most 63 characters (uppercase allowed, unlike most names)', () => {
    expect(validate(sidecarSet({}, { name: 'Test-Sidecarset-1' }))).toEqual([]);
    expect(pointers(sidecarSet({}, { name: 'test_sidecarset' }))).toEqual(['/metadata/name']);
    expect(pointers(sidecarSet({}, { name: 'a.b' }))).toEqual(['/metadata/name']);
    expect(pointers(sidecarSet({}, { name: 'a'.repeat(64) }))).toEqual(['/metadata/name']);
    expect(pointers(sidecarSet({}, { name: '' }))).toEqual(['/metadata/name']);
  });

  it('labels and annotations are validated as object metadata', () => {
    expect(pointers(sidecarSet({}, { labels: { app: 'bad value' }, annotations: { 'a/b/c': 'x' } }))).toEqual([
      '/metadata/labels/app',
      '/metadata/annotations/a~1b~1c',
    ]);
  });
});

describe('validateSidecarSet: canary (Kruise TestValidateSidecarSetCanaryAnnotations, create only)', () => {
  const canary = (base: string, type = 'NotUpdate', flag = 'true') =>
    sidecarSet(
      { updateStrategy: { type, partition: 0, maxUnavailable: 1 } },
      { annotations: { 'apps.kruise.io/sidecarset-canary': flag, 'apps.kruise.io/sidecarset-base': base } },
    );
  const basePointer = '/metadata/annotations/apps.kruise.io~1sidecarset-base';
  const known = (...sets: SidecarSet[]) => ({
    otherSidecarSetNames: new Set(sets.map((s) => s.metadata.name)),
    sidecarSetsByName: new Map(sets.map((s) => [s.metadata.name, s])),
  });

  it('a non-canary SidecarSet passes; the flag must be exactly "true"', () => {
    expect(validate(sidecarSet({}, { annotations: {} }))).toEqual([]);
    expect(validate(canary('missing', 'RollingUpdate', 'TRUE'))).toEqual([]);
  });

  it('base set to itself → 1 error', () => {
    expect(validate(canary('test-sidecarset'))).toEqual([{ pointer: basePointer, message: expect.stringContaining('its own base') }]);
  });

  it('a base that exists → 0 errors (also when only its name is known)', () => {
    expect(validate(canary('base-sidecarset'), known(sidecarSet({}, { name: 'base-sidecarset' })))).toEqual([]);
    expect(validate(canary('base-sidecarset'), { otherSidecarSetNames: new Set(['base-sidecarset']) })).toEqual([]);
  });

  it('a base that is itself a canary → 1 error', () => {
    const base = sidecarSet(
      {},
      {
        name: 'base1-sidecarset',
        annotations: { 'apps.kruise.io/sidecarset-canary': 'true', 'apps.kruise.io/sidecarset-base': 'other-base-sidecarset' },
      },
    );
    expect(validate(canary('base1-sidecarset'), known(base))).toEqual([
      { pointer: basePointer, message: expect.stringContaining('is itself a canary') },
    ]);
  });

  it('a base that does not exist → 1 error', () => {
    expect(validate(canary('nonexistent-sidecarset'))).toEqual([{ pointer: basePointer, message: expect.stringContaining('not found') }]);
  });

  it('a canary with RollingUpdate → 1 error', () => {
    expect(pointers(canary('base-sidecarset', 'RollingUpdate'), known(sidecarSet({}, { name: 'base-sidecarset' })))).toEqual([
      '/spec/updateStrategy/type',
    ]);
  });
});

describe('validateSidecarSet: patchPodMetadata and its whitelist', () => {
  const patched = (annotations: Record<string, string>, labels?: Record<string, string>) =>
    sidecarSet({ patchPodMetadata: [{ annotations, patchPolicy: 'Retain' }] }, labels ? { labels } : {});
  const gates = (defaultsAllowed: boolean) => ({
    featureGates: { ...DEFAULT_OPTIONS.featureGates, SidecarSetPatchPodMetadataDefaultsAllowed: defaultsAllowed },
  });

  it('no patchPodMetadata → the whitelist is not consulted', () => {
    expect(validate(sidecarSet(), { whitelist: 'absent' })).toEqual([]);
  });

  it('whitelist not enforced (undefined) → any key is fine', () => {
    expect(validate(patched({ 'oom-score': '1' }))).toEqual([]);
  });

  it('whitelist missing → error, unless SidecarSetPatchPodMetadataDefaultsAllowed', () => {
    expect(validate(patched({ 'oom-score': '1' }), { whitelist: 'absent' })).toEqual([
      { pointer: '/spec/patchPodMetadata', message: expect.stringContaining('whitelist not found') },
    ]);
    expect(validate(patched({ 'oom-score': '1' }), { whitelist: 'absent', ...gates(true) })).toEqual([]);
  });

  it('a matching rule allows the key (unanchored regex match); a key matching no rule is rejected', () => {
    const whitelist = { rules: [{ allowedAnnotationKeyExprs: ['oom-score'] }] };
    expect(validate(patched({ 'x-oom-score-y': '1' }), { whitelist })).toEqual([]);
    expect(validate(patched({ 'oom-score': '1', 'cpu-set': '2' }), { whitelist })).toEqual([
      { pointer: '/spec/patchPodMetadata/0/annotations/cpu-set', message: expect.stringContaining('"cpu-set" is not allowed') },
    ]);
  });

  it('rules with a selector apply only to SidecarSets whose labels match it', () => {
    const whitelist = { rules: [{ selector: { matchLabels: { team: 'infra' } }, allowedAnnotationKeyExprs: ['^oom-.*'] }] };
    expect(validate(patched({ 'oom-score': '1' }, { team: 'infra' }), { whitelist })).toEqual([]);
    expect(validate(patched({ 'oom-score': '1' }, { team: 'apps' }), { whitelist })).toEqual([
      { pointer: '/spec/patchPodMetadata', message: expect.stringContaining('no patch metadata whitelist rule applies') },
    ]);
    expect(validate(patched({ 'oom-score': '1' }, { team: 'apps' }), { whitelist, ...gates(true) })).toEqual([]);
  });

  it('the gate does not bypass an applicable whitelist', () => {
    const whitelist = { rules: [{ allowedAnnotationKeyExprs: ['^a$'] }] };
    expect(pointers(patched({ b: '1' }), { whitelist, ...gates(true) })).toEqual(['/spec/patchPodMetadata/0/annotations/b']);
  });

  it('an invalid regex or selector in the whitelist → error', () => {
    expect(pointers(patched({ a: '1' }), { whitelist: { rules: [{ allowedAnnotationKeyExprs: ['(unclosed'] }] } })).toEqual([
      '/spec/patchPodMetadata',
    ]);
    expect(
      pointers(patched({ a: '1' }), {
        whitelist: { rules: [{ selector: { matchExpressions: [{ key: 'a', operator: 'In' }] }, allowedAnnotationKeyExprs: ['a'] }] },
      }),
    ).toEqual(['/spec/patchPodMetadata']);
  });

  it('each entry needs annotations with valid keys and a patchPolicy', () => {
    expect(pointers(sidecarSet({ patchPodMetadata: [{ annotations: {}, patchPolicy: 'Retain' }] }))).toEqual([
      '/spec/patchPodMetadata/0/annotations',
    ]);
    expect(pointers(sidecarSet({ patchPodMetadata: [{ annotations: { 'bad key': 'x' }, patchPolicy: 'Retain' }] }))).toEqual([
      '/spec/patchPodMetadata/0/annotations/bad key',
    ]);
    expect(pointers(sidecarSet({ patchPodMetadata: [{ annotations: { a: 'x' }, patchPolicy: '' as PatchPolicy }] }))).toEqual([
      '/spec/patchPodMetadata/0/patchPolicy',
    ]);
  });

  it('the patchPolicy value itself is not checked (as in Kruise)', () => {
    expect(validate(sidecarSet({ patchPodMetadata: [{ annotations: { a: 'x' }, patchPolicy: 'Whatever' as PatchPolicy }] }))).toEqual([]);
  });
});

describe('validateSidecarSet: serviceAccountName (extension)', () => {
  const withSa = (serviceAccountName: string) => sidecarSet({ serviceAccountName, errorWhenServiceAccountInjectionConflict: true });

  it('accepts a DNS-1123 subdomain', () => {
    expect(validate(withSa('sidecar-sa'))).toEqual([]);
    expect(validate(withSa('sidecar.sa'))).toEqual([]);
  });

  it('rejects "default" and names that are not DNS-1123 subdomains', () => {
    expect(validate(withSa('default'))).toEqual([
      { pointer: '/spec/serviceAccountName', message: expect.stringContaining('must not be "default"') },
    ]);
    expect(pointers(withSa('Sidecar_SA'))).toEqual(['/spec/serviceAccountName']);
    expect(pointers(withSa('a'.repeat(254)))).toEqual(['/spec/serviceAccountName']);
  });

  it('is not validated when the SidecarSetServiceAccountInjection gate is off (the field is ignored)', () => {
    const featureGates = { ...DEFAULT_OPTIONS.featureGates, SidecarSetServiceAccountInjection: false };
    expect(validate(withSa('default'), { featureGates })).toEqual([]);
  });
});
