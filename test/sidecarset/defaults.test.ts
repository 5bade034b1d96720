import { describe, expect, it } from 'vitest';
import { defaultImagePullPolicy, defaultSidecarSet, sidecarSetDefaultingProblems } from '../../src/sidecarset/defaults.js';
import type { SidecarContainer, SidecarSet, SidecarSetSpec } from '../../src/sidecarset/types.js';

function sidecarSet(spec: SidecarSetSpec): SidecarSet {
  return { apiVersion: 'apps.kruise.io/v1beta1', kind: 'SidecarSet', metadata: { name: 's' }, spec };
}

const defaultedSpec = (spec: SidecarSetSpec): SidecarSetSpec => defaultSidecarSet(sidecarSet(spec)).spec;
const defaultedContainer = (c: Partial<SidecarContainer>): SidecarContainer =>
  defaultedSpec({ containers: [{ name: 'c', image: 'i:1', ...c }] }).containers![0];

describe('spec-level defaults', () => {
  it('fills updateStrategy, revisionHistoryLimit, patchPolicy, revision policy and pull secret names', () => {
    const spec = defaultedSpec({
      patchPodMetadata: [{ annotations: { a: 'b' } }, { patchPolicy: 'Overwrite' }],
      injectionStrategy: { revision: { revisionName: 'r' } },
      imagePullSecrets: [{}, { name: 'x' }],
    });
    expect(spec.updateStrategy).toEqual({ type: 'RollingUpdate', maxUnavailable: 1, partition: 0 });
    expect(spec.revisionHistoryLimit).toBe(10);
    expect(spec.patchPodMetadata).toEqual([{ annotations: { a: 'b' }, patchPolicy: 'Retain' }, { patchPolicy: 'Overwrite' }]);
    expect(spec.injectionStrategy?.revision?.policy).toBe('Always');
    expect(spec.imagePullSecrets).toEqual([{ name: '' }, { name: 'x' }]);
  });

  it('keeps values that are set, including zero pointers', () => {
    const spec = defaultedSpec({
      updateStrategy: { type: 'NotUpdate', maxUnavailable: '50%', partition: 3 },
      revisionHistoryLimit: 0,
      injectionStrategy: { revision: { revisionName: 'r', policy: 'Partial' } },
    });
    expect(spec.updateStrategy).toEqual({ type: 'NotUpdate', maxUnavailable: '50%', partition: 3 });
    expect(spec.revisionHistoryLimit).toBe(0);
    expect(spec.injectionStrategy?.revision?.policy).toBe('Partial');
  });

  it('adds no revision when there is none', () => {
    expect(defaultedSpec({ injectionStrategy: { paused: true } }).injectionStrategy).toEqual({ paused: true });
  });

  it('does not modify its input and does not compute hashes', () => {
    const input = sidecarSet({ containers: [{ name: 'c', image: 'i' }] });
    const copy = structuredClone(input);
    const output = defaultSidecarSet(input);
    expect(input).toEqual(copy);
    expect(output.metadata.annotations).toBeUndefined();
  });
});

describe('container policy defaults', () => {
  it('containers default to BeforeAppContainer, init containers to AfterAppContainer', () => {
    const spec = defaultedSpec({ containers: [{ name: 'c' }], initContainers: [{ name: 'i' }] });
    expect(spec.containers![0].podInjectPolicy).toBe('BeforeAppContainer');
    expect(spec.initContainers![0].podInjectPolicy).toBe('AfterAppContainer');
  });

  it('fills upgradeType and shareVolumePolicy, leaves shareVolumeDevicePolicy alone', () => {
    const c = defaultedContainer({});
    expect(c.upgradeStrategy).toEqual({ upgradeType: 'ColdUpgrade' });
    expect(c.shareVolumePolicy).toEqual({ type: 'disabled' });
    expect(c).not.toHaveProperty('shareVolumeDevicePolicy');
    const set = defaultedContainer({
      podInjectPolicy: 'AfterAppContainer',
      upgradeStrategy: { upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'e' },
      shareVolumePolicy: { type: 'enabled' },
    });
    expect(set.podInjectPolicy).toBe('AfterAppContainer');
    expect(set.upgradeStrategy).toEqual({ upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'e' });
    expect(set.shareVolumePolicy).toEqual({ type: 'enabled' });
  });

  it('defaults resourcesPolicy.targetContainersNameRegex to .* (CRD default), keeping ""', () => {
    const policy = { targetContainersMode: 'sum', resourcesExpr: {} };
    expect(defaultedContainer({ resourcesPolicy: policy }).resourcesPolicy?.targetContainersNameRegex).toBe('.*');
    expect(
      defaultedContainer({ resourcesPolicy: { ...policy, targetContainersNameRegex: '' } }).resourcesPolicy?.targetContainersNameRegex,
    ).toBe('');
  });
});

describe('Kubernetes container defaults', () => {
  it('termination message path and policy', () => {
    const c = defaultedContainer({});
    expect(c.terminationMessagePath).toBe('/dev/termination-log');
    expect(c.terminationMessagePolicy).toBe('File');
    expect(defaultedContainer({ terminationMessagePolicy: 'FallbackToLogsOnError' }).terminationMessagePolicy).toBe(
      'FallbackToLogsOnError',
    );
  });

  it('imagePullPolicy from the image, keeping an explicit one', () => {
    expect(defaultedContainer({ image: 'nginx' }).imagePullPolicy).toBe('Always');
    expect(defaultedContainer({ image: 'nginx:1.25' }).imagePullPolicy).toBe('IfNotPresent');
    expect(defaultedContainer({ image: 'nginx', imagePullPolicy: 'Never' }).imagePullPolicy).toBe('Never');
  });

  it('ports protocol', () => {
    const c = defaultedContainer({ ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] });
    expect(c.ports).toEqual([
      { containerPort: 80, protocol: 'TCP' },
      { containerPort: 53, protocol: 'UDP' },
    ]);
  });

  it('env and transferEnv fieldRef apiVersion', () => {
    const c = defaultedContainer({
      env: [
        { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'B', valueFrom: { fieldRef: { apiVersion: 'v2', fieldPath: 'x' } } },
        { name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      ],
      transferEnv: [{ sourceContainerNameFrom: { fieldRef: { fieldPath: 'metadata.labels[x]' } }, envName: 'E' }],
    });
    expect(c.env![0].valueFrom?.fieldRef?.apiVersion).toBe('v1');
    expect(c.env![1].valueFrom?.fieldRef?.apiVersion).toBe('v2');
    expect(c.env![2].valueFrom?.resourceFieldRef).toEqual({ resource: 'limits.cpu' });
    expect(c.transferEnv![0].sourceContainerNameFrom?.fieldRef?.apiVersion).toBe('v1');
  });

  it('rounds resources up to milli precision and writes them in serialised form', () => {
    const c = defaultedContainer({
      resources: { limits: { cpu: '0.0001', memory: '1.5Gi' }, requests: { cpu: '1.0001', memory: 1000 as never } },
    });
    expect(c.resources).toEqual({ limits: { cpu: '1m', memory: '1536Mi' }, requests: { cpu: '1001m', memory: '1k' } });
  });

  it('leaves an unparsable quantity for the decoder to report', () => {
    expect(defaultedContainer({ resources: { limits: { cpu: 'lots' } } }).resources).toEqual({ limits: { cpu: 'lots' } });
  });

  it('defaults liveness and readiness probes but not the startup probe', () => {
    const probe = { httpGet: { port: 8080 } };
    const c = defaultedContainer({ livenessProbe: probe, readinessProbe: { exec: { command: ['x'] } }, startupProbe: probe });
    expect(c.livenessProbe).toEqual({
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.readinessProbe).toEqual({
      exec: { command: ['x'] },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.startupProbe).toEqual(probe);
  });

  it('keeps probe values that are set and does not default grpc service', () => {
    const c = defaultedContainer({ livenessProbe: { grpc: { port: 1 }, periodSeconds: 30, failureThreshold: 1 } });
    expect(c.livenessProbe).toEqual({
      grpc: { port: 1 },
      timeoutSeconds: 1,
      periodSeconds: 30,
      successThreshold: 1,
      failureThreshold: 1,
    });
  });

  it('defaults lifecycle httpGet handlers', () => {
    const c = defaultedContainer({
      lifecycle: { postStart: { httpGet: { port: 1, path: '/start' } }, preStop: { httpGet: { port: 2, scheme: 'HTTPS' } } },
    });
    expect(c.lifecycle).toEqual({
      postStart: { httpGet: { port: 1, path: '/start', scheme: 'HTTP' } },
      preStop: { httpGet: { port: 2, path: '/', scheme: 'HTTPS' } },
    });
  });
});

describe('volume defaults', () => {
  it('applies every volume default of §1.5 item 4', () => {
    const spec = defaultedSpec({
      volumes: [
        { name: 'none' },
        { name: 'host', hostPath: { path: '/x' } },
        { name: 'secret', secret: { secretName: 's' } },
        { name: 'cm', configMap: { name: 'c', defaultMode: 256 } },
        { name: 'dapi', downwardAPI: { items: [{ path: 'p', fieldRef: { fieldPath: 'metadata.name' } }] } },
        {
          name: 'proj',
          projected: {
            sources: [
              { downwardAPI: { items: [{ path: 'p', fieldRef: { fieldPath: 'metadata.name' } }] } },
              { serviceAccountToken: { path: 't' } },
              { serviceAccountToken: { path: 't', expirationSeconds: 600 } },
            ],
          },
        },
        { name: 'pvc', persistentVolumeClaim: { claimName: 'c' } },
      ],
    });
    expect(spec.volumes).toEqual([
      { name: 'none', emptyDir: {} },
      { name: 'host', hostPath: { path: '/x', type: '' } },
      { name: 'secret', secret: { secretName: 's', defaultMode: 420 } },
      { name: 'cm', configMap: { name: 'c', defaultMode: 256 } },
      {
        name: 'dapi',
        downwardAPI: { defaultMode: 420, items: [{ path: 'p', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] },
      },
      {
        name: 'proj',
        projected: {
          defaultMode: 420,
          sources: [
            { downwardAPI: { items: [{ path: 'p', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } }] } },
            { serviceAccountToken: { path: 't', expirationSeconds: 3600 } },
            { serviceAccountToken: { path: 't', expirationSeconds: 600 } },
          ],
        },
      },
      { name: 'pvc', persistentVolumeClaim: { claimName: 'c' } },
    ]);
  });

  it('treats a volume whose only source is unknown as having no source', () => {
    const spec = defaultedSpec({ volumes: [{ name: 'v', futureSource: {} } as never] });
    expect(spec.volumes![0]).toEqual({ name: 'v', futureSource: {}, emptyDir: {} });
  });
});

describe('defaultImagePullPolicy (docker reference parsing)', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['library/nginx', 'Always'],
    ['docker.io/library/nginx:latest', 'Always'],
    ['localhost:5000/app', 'Always'],
    ['FOO/bar', 'Always'], // an upper-case first component is a registry host
    ['[::1]:5000/app:latest', 'Always'],
    [`app:latest@sha256:${'a'.repeat(64)}`, 'Always'],
    ['nginx:1.25', 'IfNotPresent'],
    ['example.com/app:v1', 'IfNotPresent'],
    [`app@sha256:${'a'.repeat(64)}`, 'IfNotPresent'],
    ['', 'IfNotPresent'],
    ['Nginx', 'IfNotPresent'], // repository names must be lower case
    ['nginx:', 'IfNotPresent'],
    ['a'.repeat(64), 'IfNotPresent'], // a bare 64-hex identifier is refused
    [`app:latest@sha256:${'A'.repeat(64)}`, 'IfNotPresent'], // digest hex must be lower case
    [`app:latest@md5:${'a'.repeat(32)}`, 'IfNotPresent'], // unknown digest algorithm
    [`app:latest@sha256:${'a'.repeat(63)}`, 'IfNotPresent'],
    [`${'a'.repeat(250)}:latest`, 'IfNotPresent'], // docker.io/library/ + 250 > 255
    ['nginx:LATEST', 'IfNotPresent'],
    ['a//b', 'IfNotPresent'],
    ['x'.repeat(5000), 'IfNotPresent'],
  ])('%s -> %s', (image, expected) => {
    expect(defaultImagePullPolicy(image)).toBe(expected);
  });
});

describe('sidecarSetDefaultingProblems', () => {
  it('reports a sourceContainerNameFrom without fieldRef', () => {
    const s = sidecarSet({
      containers: [{ name: 'c', transferEnv: [{ envName: 'A' }, { sourceContainerNameFrom: {}, envName: 'B' }] }],
    });
    expect(sidecarSetDefaultingProblems(s)).toEqual(['spec.containers[0].transferEnv[1].sourceContainerNameFrom.fieldRef is required']);
    expect(sidecarSetDefaultingProblems(sidecarSet({ containers: [{ name: 'c' }] }))).toEqual([]);
  });
});

describe('shared objects', () => {
  it('defaults objects shared by YAML aliases independently', () => {
    const probe = { httpGet: { port: 1 } };
    const c = defaultedContainer({ livenessProbe: probe, startupProbe: probe });
    expect(c.startupProbe).toEqual({ httpGet: { port: 1 } });
    expect(probe).toEqual({ httpGet: { port: 1 } });
  });

  it('rounds a "__proto__" resource like any other', () => {
    const limits = JSON.parse('{"__proto__":"0.0001"}') as Record<string, string>;
    const c = defaultedContainer({ resources: { limits } });
    expect(JSON.stringify(c.resources)).toBe('{"limits":{"__proto__":"1m"}}');
  });
});
