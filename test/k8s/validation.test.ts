import { describe, expect, it } from 'vitest';
import {
  childPointer,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  envVarNameProblems,
  labelSelectorConversionProblem,
  portNameProblems,
  validateAnnotations,
  validateLabels,
  validateLabelSelector,
  validateNonNegativeIntOrPercent,
  validatePodParts,
  type PodParts,
} from '../../src/k8s/validation.js';
import type { Container, Volume } from '../../src/sidecarset/types.js';

describe('name syntax', () => {
  it('DNS-1123 labels', () => {
    for (const ok of ['a', 'a-b', '0', 'abc123', 'a'.repeat(63)]) expect(isDns1123Label(ok), ok).toBe(true);
    for (const bad of ['', 'A', 'a_b', '-a', 'a-', 'a.b', 'a'.repeat(64)]) expect(isDns1123Label(bad), bad).toBe(false);
  });

  it('DNS-1123 subdomains', () => {
    for (const ok of ['a', 'a.b', 'example.com', 'a-b.c-d']) expect(isDns1123Subdomain(ok), ok).toBe(true);
    for (const bad of ['', 'a..b', '.a', 'a.', 'A.b', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`]) {
      expect(isDns1123Subdomain(bad), bad).toBe(false);
    }
  });

  it('qualified names: optional DNS prefix, name of ≤63 alphanumerics with -_. inside', () => {
    for (const ok of ['app', 'App_Name.v1', 'example.com/app', 'kubernetes.io/metadata.name', 'a'.repeat(63)]) {
      expect(isQualifiedName(ok), ok).toBe(true);
    }
    for (const bad of ['', '/app', 'example.com/', 'a/b/c', 'Example.com/app', '-app', 'app-', 'a'.repeat(64), 'a b']) {
      expect(isQualifiedName(bad), bad).toBe(false);
    }
  });

  it('label values: empty allowed, the rest like a name part', () => {
    for (const ok of ['', 'a', 'app-group', 'A_b.c', 'x'.repeat(63)]) expect(isValidLabelValue(ok), ok).toBe(true);
    for (const bad of ['app-risk-', '-a', 'a b', 'x'.repeat(64), 'é']) expect(isValidLabelValue(bad), bad).toBe(false);
  });

  it('lengths count UTF-8 bytes as Go does', () => {
    expect(isValidLabelValue('a'.repeat(62) + 'é')).toBe(false);
  });

  it('env var names (strict, Kruise does not relax them)', () => {
    for (const ok of ['A', 'my.env-name', 'MY_ENV.NAME', '_x', '-x']) expect(envVarNameProblems(ok), ok).toEqual([]);
    expect(envVarNameProblems('1A')).toHaveLength(1);
    expect(envVarNameProblems('A=B')).toHaveLength(1);
    expect(envVarNameProblems('..')).toEqual(["must not be '..'"]);
    expect(envVarNameProblems('..a')).toEqual(["must not start with '..'"]);
  });

  it('port names are IANA service names', () => {
    expect(portNameProblems('http')).toEqual([]);
    expect(portNameProblems('http-metrics')).toEqual([]);
    expect(portNameProblems('8080')).toEqual(['must contain at least one letter (a-z)']);
    expect(portNameProblems('a--b')).toHaveLength(1);
    expect(portNameProblems('-ab')).toHaveLength(1);
    expect(portNameProblems('HTTP')).toHaveLength(2);
    expect(portNameProblems('a'.repeat(16))).toHaveLength(1);
  });

  it('childPointer escapes ~ and /', () => {
    expect(childPointer('/metadata/annotations', 'example.com/a~b', 0)).toBe('/metadata/annotations/example.com~1a~0b/0');
  });
});

describe('label and annotation maps', () => {
  it('reports bad keys and values at the key', () => {
    expect(validateLabels({ 'bad key': 'ok', good: 'bad value' }, '/metadata/labels')).toEqual([
      { pointer: '/metadata/labels/bad key', message: expect.stringContaining('label key "bad key"') },
      { pointer: '/metadata/labels/good', message: expect.stringContaining('label value "bad value"') },
    ]);
  });

  it('annotation keys are checked lower-cased, values are free', () => {
    expect(validateAnnotations({ 'Example.COM/Key': 'any value at all!' }, '/a')).toEqual([]);
    expect(validateAnnotations({ 'a/b/c': '' }, '/a').map((e) => e.pointer)).toEqual(['/a/a~1b~1c']);
  });

  it('annotations may total at most 256 KiB', () => {
    expect(validateAnnotations({ k: 'x'.repeat(256 * 1024 - 1) }, '/a')).toEqual([]);
    expect(validateAnnotations({ k: 'x'.repeat(256 * 1024) }, '/a')).toEqual([
      { pointer: '/a', message: expect.stringContaining('262144 bytes') },
    ]);
  });
});

describe('validateLabelSelector and labelSelectorConversionProblem', () => {
  it('accepts a valid selector and an empty one', () => {
    const sel = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'NotIn', values: ['a', 'b'] },
        { key: 'x', operator: 'Exists' },
      ],
    };
    expect(validateLabelSelector(sel, '/s')).toEqual([]);
    expect(labelSelectorConversionProblem(sel)).toBeUndefined();
    expect(validateLabelSelector({}, '/s')).toEqual([]);
  });

  it('an invalid label value in an expression', () => {
    const sel = { matchExpressions: [{ key: 'app-name', operator: 'NotIn', values: ['app-group', 'app-risk-'] }] };
    expect(validateLabelSelector(sel, '/s')).toEqual([
      { pointer: '/s/matchExpressions/0/values/1', message: expect.stringContaining('"app-risk-"') },
    ]);
    expect(labelSelectorConversionProblem(sel)).toContain('app-risk-');
  });

  it('operators and their values', () => {
    expect(validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, '/s')).toEqual([
      { pointer: '/s/matchExpressions/0/values', message: 'values must be given when the operator is In' },
    ]);
    expect(validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, '/s')).toEqual([
      { pointer: '/s/matchExpressions/0/values', message: 'values must be empty when the operator is Exists' },
    ]);
    expect(validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }, '/s')).toEqual([
      { pointer: '/s/matchExpressions/0/operator', message: expect.stringContaining('unsupported operator "Equals"') },
    ]);
    expect(labelSelectorConversionProblem({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] })).toBe(
      '"Equals" is not a valid label selector operator',
    );
  });

  it('keys must be qualified names, in matchLabels and in expressions', () => {
    expect(
      validateLabelSelector({ matchLabels: { 'a/b/c': 'x' }, matchExpressions: [{ key: '-k', operator: 'Exists' }] }, '/s').map(
        (e) => e.pointer,
      ),
    ).toEqual(['/s/matchLabels/a~1b~1c', '/s/matchExpressions/0/key']);
  });
});

describe('validateNonNegativeIntOrPercent', () => {
  it('accepts non-negative integers and percentages', () => {
    for (const ok of [0, 3, '0%', '50%', '150%', undefined]) expect(validateNonNegativeIntOrPercent(ok, '/p'), String(ok)).toEqual([]);
  });
  it('rejects negative integers and other strings', () => {
    for (const bad of [-1, '5', 'abc%', '-5%', '5.5%']) expect(validateNonNegativeIntOrPercent(bad, '/p'), String(bad)).toHaveLength(1);
  });
});

describe("validatePodParts (pod-create rules on a SidecarSet's containers and volumes)", () => {
  const POINTERS = { initContainers: '/spec/initContainers', containers: '/spec/containers', volumes: '/spec/volumes' };
  const ok = (over: Partial<Container> = {}): Container => ({
    name: 'sidecar',
    image: 'busybox',
    imagePullPolicy: 'IfNotPresent',
    terminationMessagePolicy: 'File',
    ...over,
  });
  const parts = (p: Partial<Pick<PodParts, 'initContainers' | 'containers' | 'volumes'>>): PodParts => ({
    initContainers: [],
    containers: [],
    volumes: [],
    ...p,
    pointers: POINTERS,
  });
  const pointers = (p: Partial<Pick<PodParts, 'initContainers' | 'containers' | 'volumes'>>) =>
    validatePodParts(parts(p)).map((e) => e.pointer);

  it('a valid defaulted container passes', () => {
    expect(validatePodParts(parts({ containers: [ok()] }))).toEqual([]);
  });

  it('container names: required, DNS-1123 labels, unique across init containers and containers', () => {
    expect(pointers({ containers: [ok({ name: '' })] })).toEqual(['/spec/containers/0/name']);
    expect(pointers({ containers: [ok({ name: 'Side_Car' })] })).toEqual(['/spec/containers/0/name']);
    expect(pointers({ containers: [ok(), ok()] })).toEqual(['/spec/containers/1/name']);
    expect(pointers({ containers: [ok()], initContainers: [ok()] })).toEqual(['/spec/initContainers/0/name']);
  });

  it('image, imagePullPolicy and terminationMessagePolicy are required', () => {
    expect(pointers({ initContainers: [ok({ image: undefined })] })).toEqual(['/spec/initContainers/0/image']);
    expect(pointers({ containers: [ok({ imagePullPolicy: undefined, terminationMessagePolicy: 'Sometimes' })] }).sort()).toEqual([
      '/spec/containers/0/imagePullPolicy',
      '/spec/containers/0/terminationMessagePolicy',
    ]);
  });

  it('restartPolicy only on init containers, and only Always', () => {
    expect(pointers({ containers: [ok({ restartPolicy: 'Always' })] })).toEqual(['/spec/containers/0/restartPolicy']);
    expect(pointers({ initContainers: [ok({ restartPolicy: 'Never' })] })).toEqual(['/spec/initContainers/0/restartPolicy']);
    expect(pointers({ initContainers: [ok({ restartPolicy: 'Always' })] })).toEqual([]);
  });

  it('probes and lifecycle on init containers only with restartPolicy Always', () => {
    const probe = { exec: { command: ['true'] }, successThreshold: 1 };
    expect(
      pointers({ initContainers: [ok({ livenessProbe: probe, lifecycle: { preStop: { exec: { command: ['x'] } } } })] }).sort(),
    ).toEqual(['/spec/initContainers/0/lifecycle', '/spec/initContainers/0/livenessProbe']);
    expect(pointers({ initContainers: [ok({ restartPolicy: 'Always', livenessProbe: probe })] })).toEqual([]);
  });

  it('probes need exactly one handler', () => {
    expect(validatePodParts(parts({ containers: [ok({ readinessProbe: { periodSeconds: 10 } })] }))).toEqual([
      { pointer: '/spec/containers/0/readinessProbe', message: expect.stringContaining('must specify a handler type') },
    ]);
    expect(pointers({ containers: [ok({ readinessProbe: { exec: { command: ['x'] }, tcpSocket: { port: 80 } } })] })).toEqual([
      '/spec/containers/0/readinessProbe/tcpSocket',
    ]);
  });

  it('liveness and startup probes need successThreshold 1 (startup probes are not defaulted)', () => {
    expect(pointers({ containers: [ok({ startupProbe: { tcpSocket: { port: 80 } } })] })).toEqual([
      '/spec/containers/0/startupProbe/successThreshold',
    ]);
    expect(pointers({ containers: [ok({ livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } })] })).toEqual([
      '/spec/containers/0/livenessProbe/successThreshold',
    ]);
  });

  it('httpGet handlers need a path, a valid port and a scheme', () => {
    expect(pointers({ containers: [ok({ readinessProbe: { httpGet: { port: 0 as unknown as number } } })] }).sort()).toEqual([
      '/spec/containers/0/readinessProbe/httpGet/path',
      '/spec/containers/0/readinessProbe/httpGet/port',
      '/spec/containers/0/readinessProbe/httpGet/scheme',
    ]);
    expect(pointers({ containers: [ok({ readinessProbe: { httpGet: { path: '/', port: 'http', scheme: 'HTTP' } } })] })).toEqual([]);
  });

  it('ports: number ranges, names, protocol, unique names, host port clashes', () => {
    expect(pointers({ containers: [ok({ ports: [{ containerPort: 70000, protocol: 'TCP' }] })] })).toEqual([
      '/spec/containers/0/ports/0/containerPort',
    ]);
    expect(pointers({ containers: [ok({ ports: [{ containerPort: 80 }] })] })).toEqual(['/spec/containers/0/ports/0/protocol']);
    expect(
      pointers({
        containers: [
          ok({
            ports: [
              { name: 'web', containerPort: 80, protocol: 'TCP' },
              { name: 'web', containerPort: 81, protocol: 'TCP' },
            ],
          }),
        ],
      }),
    ).toEqual(['/spec/containers/0/ports/1/name']);
    expect(
      pointers({
        containers: [
          ok({ ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }),
          ok({ name: 'b', ports: [{ containerPort: 81, hostPort: 8080, protocol: 'TCP' }] }),
        ],
      }),
    ).toEqual(['/spec/containers/1/ports/0/hostPort']);
  });

  it('env: names and valueFrom sources', () => {
    expect(pointers({ containers: [ok({ env: [{ name: '1BAD' }, { name: '' }] })] })).toEqual([
      '/spec/containers/0/env/0/name',
      '/spec/containers/0/env/1/name',
    ]);
    expect(
      pointers({
        containers: [ok({ env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }] })],
      }),
    ).toEqual(['/spec/containers/0/env/0/valueFrom']);
    expect(
      pointers({ containers: [ok({ env: [{ name: 'A', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } } }] })] }),
    ).toEqual(['/spec/containers/0/env/0/valueFrom/fieldRef/fieldPath']);
    expect(
      pointers({
        containers: [ok({ env: [{ name: 'A', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['app']" } } }] })],
      }),
    ).toEqual([]);
  });

  it('requests must not exceed limits', () => {
    expect(validatePodParts(parts({ containers: [ok({ resources: { limits: { cpu: '500m' }, requests: { cpu: '1' } } })] }))).toEqual([
      { pointer: '/spec/containers/0/resources/requests/cpu', message: 'cpu request 1 must be less than or equal to its limit 500m' },
    ]);
    expect(pointers({ containers: [ok({ resources: { limits: { memory: '1Gi' }, requests: { memory: '1024Mi', cpu: '2' } } })] })).toEqual(
      [],
    );
  });

  it('resource quantities and names are checked', () => {
    expect(pointers({ containers: [ok({ resources: { limits: { cpu: 'lots' } } })] })).toEqual(['/spec/containers/0/resources/limits/cpu']);
    expect(pointers({ containers: [ok({ resources: { requests: { cpu: '-1' } } })] })).toEqual([
      '/spec/containers/0/resources/requests/cpu',
    ]);
    expect(pointers({ containers: [ok({ resources: { limits: { gpu: '1' } } })] })).toEqual(['/spec/containers/0/resources/limits/gpu']);
    expect(
      pointers({ containers: [ok({ resources: { limits: { 'nvidia.com/gpu': '1' }, requests: { 'nvidia.com/gpu': '1' } } })] }),
    ).toEqual([]);
  });

  it('volumes: names, uniqueness, exactly one source', () => {
    const volumes: Volume[] = [
      { name: 'a', emptyDir: {} },
      { name: 'a', emptyDir: {} },
      { name: 'B', emptyDir: {} },
      { name: 'c' },
      { name: 'd', emptyDir: {}, hostPath: { path: '/x' } },
    ];
    expect(pointers({ containers: [ok()], volumes })).toEqual([
      '/spec/volumes/1/name',
      '/spec/volumes/2/name',
      '/spec/volumes/3',
      '/spec/volumes/4/emptyDir', // Kubernetes looks at hostPath first, so emptyDir is the extra one
    ]);
  });

  it('mounts must name a declared, valid volume; mountPaths unique per container', () => {
    const volumes: Volume[] = [{ name: 'v', emptyDir: {} }, { name: 'broken' }];
    expect(
      pointers({
        containers: [
          ok({
            volumeMounts: [
              { name: 'v', mountPath: '/a' },
              { name: 'v', mountPath: '/a' },
              { name: 'missing', mountPath: '/b' },
              { name: 'broken', mountPath: '/c' },
            ],
          }),
        ],
        volumes,
      }),
    ).toEqual([
      '/spec/volumes/1',
      '/spec/containers/0/volumeMounts/1/mountPath',
      '/spec/containers/0/volumeMounts/2/name',
      '/spec/containers/0/volumeMounts/3/name',
    ]);
  });

  it('devices: declared PVC volume; devicePath equal to a mountPath gives one error on each side', () => {
    const volumes: Volume[] = [
      { name: 'disk0', persistentVolumeClaim: { claimName: 'pvc-0' } },
      { name: 'log', emptyDir: {} },
    ];
    expect(pointers({ containers: [ok({ volumeDevices: [{ name: 'disk0', devicePath: '/dev/nvme1' }] })], volumes })).toEqual([]);
    expect(pointers({ containers: [ok({ volumeDevices: [{ name: 'disk0', devicePath: '/dev/nvme1' }] })] })).toEqual([
      '/spec/containers/0/volumeDevices/0/name',
    ]);
    expect(pointers({ containers: [ok({ volumeDevices: [{ name: 'log', devicePath: '/dev/x' }] })], volumes })).toEqual([
      '/spec/containers/0/volumeDevices/0/name',
    ]);
    expect(
      pointers({
        containers: [
          ok({
            volumeDevices: [{ name: 'disk0', devicePath: '/home/admin/log' }],
            volumeMounts: [{ name: 'log', mountPath: '/home/admin/log' }],
          }),
        ],
        volumes,
      }),
    ).toEqual(['/spec/containers/0/volumeMounts/0/mountPath', '/spec/containers/0/volumeDevices/0/devicePath']);
  });

  it('subPath must stay inside the volume', () => {
    const volumes: Volume[] = [{ name: 'v', emptyDir: {} }];
    expect(pointers({ containers: [ok({ volumeMounts: [{ name: 'v', mountPath: '/a', subPath: '../etc' }] })], volumes })).toEqual([
      '/spec/containers/0/volumeMounts/0/subPath',
    ]);
  });

  it('never throws on odd but typed input', () => {
    expect(() =>
      validatePodParts(
        parts({
          containers: [{ name: 'x', resources: { limits: { cpu: 1 as unknown as string } } } as Container],
          volumes: [{} as Volume],
        }),
      ),
    ).not.toThrow();
  });
});
