import { describe, expect, it } from 'vitest';
import { schemaErrors } from '../../src/config/validators.js';

function sidecarSet(apiVersion: string, spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'log' }) {
  return { apiVersion, kind: 'SidecarSet', metadata, spec };
}
const beta = (spec: Record<string, unknown>) => sidecarSet('apps.kruise.io/v1beta1', spec);
const alpha = (spec: Record<string, unknown>) => sidecarSet('apps.kruise.io/v1alpha1', spec);
const minimalSpec = { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'log', image: 'busybox' }] };

describe('schemaErrors(SidecarSet)', () => {
  it('accepts minimal SidecarSets of both versions', () => {
    expect(schemaErrors('SidecarSet', beta(minimalSpec))).toEqual([]);
    expect(schemaErrors('SidecarSet', alpha(minimalSpec))).toEqual([]);
  });

  it('accepts a SidecarSet using every spec field', () => {
    const spec = {
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] },
      namespaceSelector: { matchLabels: { team: 'x' } },
      initContainers: [{ name: 'init', image: 'busybox', restartPolicy: 'Always', podInjectPolicy: 'BeforeAppContainer' }],
      containers: [
        {
          name: 'log',
          image: 'busybox',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          env: [{ name: 'A', value: 'b' }],
          resources: { limits: { cpu: 1, memory: '1Gi' } },
          volumeMounts: [{ name: 'v', mountPath: '/v' }],
          podInjectPolicy: 'AfterAppContainer',
          upgradeStrategy: { upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'empty:1' },
          shareVolumePolicy: { type: 'enabled' },
          shareVolumeDevicePolicy: { type: 'enabled' },
          transferEnv: [
            { sourceContainerNameFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['app']" } }, envNames: ['X'] },
          ],
        },
        {
          name: 'sized',
          image: 'busybox',
          resourcesPolicy: { targetContainersMode: 'sum', targetContainersNameRegex: '.*', resourcesExpr: { limits: { cpu: 'cpu*50%' } } },
        },
      ],
      volumes: [{ name: 'v', emptyDir: {} }],
      updateStrategy: {
        type: 'RollingUpdate',
        partition: '50%',
        maxUnavailable: 1,
        paused: false,
        scatterStrategy: [{ key: 'k', value: 'v' }],
      },
      injectionStrategy: { paused: false, revision: { customVersion: 'v1', policy: 'Always' } },
      imagePullSecrets: [{ name: 'reg' }],
      revisionHistoryLimit: 10,
      patchPodMetadata: [{ annotations: { k: 'v' }, patchPolicy: 'Retain' }],
      customVersion: 'v2',
      serviceAccountName: 'sidecar-sa',
      errorWhenServiceAccountInjectionConflict: true,
    };
    expect(schemaErrors('SidecarSet', beta(spec))).toEqual([]);
  });

  it('reports a wrong type at its JSON pointer', () => {
    expect(schemaErrors('SidecarSet', beta({ ...minimalSpec, containers: [{ name: 'log', image: 7 }] }))).toEqual([
      { pointer: '/spec/containers/0/image', message: 'must be string' },
    ]);
  });

  it('reports every error, not just the first', () => {
    const errors = schemaErrors(
      'SidecarSet',
      beta({ selector: { matchLabels: { app: 1 } }, containers: [{ name: 2 }], revisionHistoryLimit: 'ten' }),
    );
    expect(errors.map((e) => e.pointer).sort()).toEqual([
      '/spec/containers/0/name',
      '/spec/revisionHistoryLimit',
      '/spec/selector/matchLabels/app',
    ]);
  });

  it('requires apiVersion, kind and metadata.name', () => {
    expect(schemaErrors('SidecarSet', { apiVersion: 'apps.kruise.io/v1beta1', kind: 'SidecarSet', metadata: {} })).toEqual([
      { pointer: '/metadata/name', message: 'is required' },
    ]);
    expect(schemaErrors('SidecarSet', {}).map((e) => e.pointer)).toEqual(['/apiVersion', '/kind', '/metadata']);
  });

  it('rejects another apiVersion or kind', () => {
    expect(schemaErrors('SidecarSet', sidecarSet('apps.kruise.io/v1', minimalSpec))).toEqual([
      { pointer: '/apiVersion', message: 'must be one of: "apps.kruise.io/v1alpha1", "apps.kruise.io/v1beta1"' },
    ]);
    expect(schemaErrors('SidecarSet', { ...beta(minimalSpec), kind: 'Sidecarset' })).toEqual([
      { pointer: '/kind', message: 'must be "SidecarSet"' },
    ]);
  });

  it('v1alpha1 spec.namespace must be a string; v1beta1 has no spec.namespace', () => {
    expect(schemaErrors('SidecarSet', alpha({ ...minimalSpec, namespace: 'team-a' }))).toEqual([]);
    expect(schemaErrors('SidecarSet', alpha({ ...minimalSpec, namespace: 5 }))).toEqual([
      { pointer: '/spec/namespace', message: 'must be string' },
    ]);
    expect(schemaErrors('SidecarSet', beta({ ...minimalSpec, namespace: 'team-a' }))).toEqual([
      { pointer: '/spec/namespace', message: 'unknown field in this apiVersion' },
    ]);
  });

  it('spec.customVersion exists only in v1beta1', () => {
    expect(schemaErrors('SidecarSet', beta({ ...minimalSpec, customVersion: 'v2' }))).toEqual([]);
    expect(schemaErrors('SidecarSet', alpha({ ...minimalSpec, customVersion: 'v2' }))).toEqual([
      { pointer: '/spec/customVersion', message: 'unknown field in this apiVersion' },
    ]);
  });

  it('accepts the ServiceAccount extension on both versions and checks its types', () => {
    const withSa = { ...minimalSpec, serviceAccountName: 'sa', errorWhenServiceAccountInjectionConflict: false };
    expect(schemaErrors('SidecarSet', alpha(withSa))).toEqual([]);
    expect(schemaErrors('SidecarSet', beta(withSa))).toEqual([]);
    expect(
      schemaErrors('SidecarSet', alpha({ ...minimalSpec, serviceAccountName: 3, errorWhenServiceAccountInjectionConflict: 'yes' })),
    ).toEqual([
      { pointer: '/spec/serviceAccountName', message: 'must be string' },
      { pointer: '/spec/errorWhenServiceAccountInjectionConflict', message: 'must be boolean' },
    ]);
  });

  it('rejects unknown or mis-cased spec fields', () => {
    expect(schemaErrors('SidecarSet', beta({ ...minimalSpec, namespaceselector: {} }))).toEqual([
      { pointer: '/spec/namespaceselector', message: 'unknown field (check its spelling and case)' },
    ]);
    expect(schemaErrors('SidecarSet', beta({ ...minimalSpec, updateStrategy: { typ: 'NotUpdate' } }))).toEqual([
      { pointer: '/spec/updateStrategy/typ', message: 'unknown field (check its spelling and case)' },
    ]);
  });

  it('allows unknown fields inside containers and volumes (Kruise drops them; warned about elsewhere)', () => {
    const spec = {
      ...minimalSpec,
      containers: [{ name: 'log', image: 'busybox', restartPolicyRules: [], lifecycle: { stopSignal: 'SIGTERM' } }],
      volumes: [{ name: 'v', emptyDir: {}, futureField: 1 }],
    };
    expect(schemaErrors('SidecarSet', beta(spec))).toEqual([]);
  });

  it('types int-or-string, quantities and enums', () => {
    expect(schemaErrors('SidecarSet', beta({ ...minimalSpec, updateStrategy: { partition: true } }))).toEqual([
      { pointer: '/spec/updateStrategy/partition', message: 'must be integer or string' },
    ]);
    expect(
      schemaErrors('SidecarSet', beta({ ...minimalSpec, containers: [{ name: 'log', resources: { requests: { cpu: { m: 1 } } } }] })),
    ).toEqual([{ pointer: '/spec/containers/0/resources/requests/cpu', message: 'must be string or number' }]);
    expect(
      schemaErrors(
        'SidecarSet',
        beta({ ...minimalSpec, containers: [{ name: 'log', resourcesPolicy: { targetContainersMode: 'avg', resourcesExpr: {} } }] }),
      ),
    ).toEqual([{ pointer: '/spec/containers/0/resourcesPolicy/targetContainersMode', message: 'must be one of: "sum", "max"' }]);
    expect(
      schemaErrors('SidecarSet', beta({ ...minimalSpec, injectionStrategy: { revision: { revisionName: 'r', policy: 'Sometimes' } } })),
    ).toEqual([{ pointer: '/spec/injectionStrategy/revision/policy', message: 'must be one of: "Always", "Partial"' }]);
  });

  it('requires key and operator in selector requirements', () => {
    expect(schemaErrors('SidecarSet', beta({ ...minimalSpec, selector: { matchExpressions: [{ key: 'a' }] } }))).toEqual([
      { pointer: '/spec/selector/matchExpressions/0/operator', message: 'is required' },
    ]);
  });

  it('escapes pointer tokens of unknown keys', () => {
    expect(schemaErrors('SidecarSet', { ...beta(minimalSpec), 'a/b~c': 1 })).toEqual([
      { pointer: '/a~1b~0c', message: 'unknown field (check its spelling and case)' },
    ]);
  });

  it('never throws on values that are not objects', () => {
    for (const value of [null, undefined, 'x', 3, [], [1]]) {
      expect(schemaErrors('SidecarSet', value)).toEqual([{ pointer: '', message: 'must be object' }]);
      expect(schemaErrors('config', value)).toEqual([{ pointer: '', message: 'must be object' }]);
    }
  });
});

describe('schemaErrors(config)', () => {
  const config = (spec: Record<string, unknown>) => ({
    apiVersion: 'fn.kpt.dev/v1alpha1',
    kind: 'InjectSidecarSets',
    metadata: { name: 'cfg', annotations: { 'config.kubernetes.io/index': '0' } },
    spec,
  });

  it('accepts every option', () => {
    const spec = {
      sidecarSets: [beta(minimalSpec), alpha(minimalSpec)],
      defaultNamespace: 'apps',
      namespaceLabels: { apps: { team: 'a' } },
      undecidableNamespaceSelector: 'assumeNoMatch',
      workloadKinds: [
        { group: 'example.com', version: 'v1', kind: 'Widget', path: 'spec/template' },
        { group: '', kind: 'PodTemplate', path: 'template' },
      ],
      sidecarSetsFromItems: true,
      featureGates: {
        EnableSortSidecarContainerByName: true,
        SidecarSetPatchPodMetadataDefaultsAllowed: true,
        SidecarSetServiceAccountInjection: false,
      },
      injectionTimestamp: '2024-02-29T23:59:59Z',
      partialRevision: 'historic',
      normalizeMergePatchOnFirstWrite: false,
      patchMetadataWhitelist: {
        rules: [{ selector: { matchLabels: { a: 'b' } }, allowedAnnotationKeyExprs: ['^oom-'] }, { allowedAnnotationKeyExprs: [] }],
      },
      serviceAccountsManagedElsewhere: ['apps/sidecar-sa', 'kube-system/a.b'],
      missingServiceAccount: 'error',
    };
    expect(schemaErrors('config', config(spec))).toEqual([]);
    expect(schemaErrors('config', { apiVersion: 'fn.kpt.dev/v1alpha1', kind: 'InjectSidecarSets' })).toEqual([]);
  });

  it('rejects unknown keys in spec and in featureGates', () => {
    expect(schemaErrors('config', config({ sidecarset: [] }))).toEqual([
      { pointer: '/spec/sidecarset', message: 'unknown field (check its spelling and case)' },
    ]);
    expect(schemaErrors('config', config({ featureGates: { PodWebhook: false } }))).toEqual([
      { pointer: '/spec/featureGates/PodWebhook', message: 'unknown field (check its spelling and case)' },
    ]);
  });

  it('reports errors inside embedded SidecarSets with their full pointer', () => {
    expect(
      schemaErrors('config', config({ sidecarSets: [beta(minimalSpec), beta({ ...minimalSpec, containers: [{ name: 1 }] })] })),
    ).toEqual([{ pointer: '/spec/sidecarSets/1/spec/containers/0/name', message: 'must be string' }]);
    expect(schemaErrors('config', config({ sidecarSets: [beta({ ...minimalSpec, namespace: 'x' })] }))).toEqual([
      { pointer: '/spec/sidecarSets/0/spec/namespace', message: 'unknown field in this apiVersion' },
    ]);
  });

  it('injectionTimestamp must be RFC 3339 UTC with seconds', () => {
    for (const bad of [
      '2024-01-01T00:00:00+01:00',
      '2024-01-01T00:00Z',
      '2024-01-01 00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T00:00:00.5Z',
    ]) {
      expect(schemaErrors('config', config({ injectionTimestamp: bad })).map((e) => e.pointer)).toEqual(['/spec/injectionTimestamp']);
    }
  });

  it('checks enums, workload kinds, whitelist rules and ServiceAccount references', () => {
    expect(schemaErrors('config', config({ undecidableNamespaceSelector: 'guess' }))).toEqual([
      { pointer: '/spec/undecidableNamespaceSelector', message: 'must be one of: "error", "assumeNoMatch", "assumeMatch"' },
    ]);
    expect(schemaErrors('config', config({ partialRevision: 'random' })).map((e) => e.pointer)).toEqual(['/spec/partialRevision']);
    expect(schemaErrors('config', config({ missingServiceAccount: 'info' })).map((e) => e.pointer)).toEqual([
      '/spec/missingServiceAccount',
    ]);
    expect(schemaErrors('config', config({ workloadKinds: [{ group: 'x', kind: 'Y' }] }))).toEqual([
      { pointer: '/spec/workloadKinds/0/path', message: 'is required' },
    ]);
    expect(schemaErrors('config', config({ patchMetadataWhitelist: { rules: [{ selector: {} }] } }))).toEqual([
      { pointer: '/spec/patchMetadataWhitelist/rules/0/allowedAnnotationKeyExprs', message: 'is required' },
    ]);
    expect(schemaErrors('config', config({ serviceAccountsManagedElsewhere: ['sa-without-namespace'] })).map((e) => e.pointer)).toEqual([
      '/spec/serviceAccountsManagedElsewhere/0',
    ]);
    expect(schemaErrors('config', config({ defaultNamespace: 'Not_A_Namespace' })).map((e) => e.pointer)).toEqual([
      '/spec/defaultNamespace',
    ]);
  });

  it('requires its own apiVersion and kind', () => {
    expect(schemaErrors('config', { ...config({}), apiVersion: 'fn.example.com/v1alpha1' })).toEqual([
      { pointer: '/apiVersion', message: 'must be "fn.kpt.dev/v1alpha1"' },
    ]);
  });
});
