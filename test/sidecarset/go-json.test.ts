import { describe, expect, it } from 'vitest';
import {
  GoDecodeError,
  goJson,
  goOrderContainer,
  goOrderContainerChanged,
  goOrderSidecarContainer,
  containerDecodeFindings,
} from '../../src/sidecarset/go-json.js';
import type { SidecarContainer } from '../../src/sidecarset/types.js';

const encode = (c: unknown): string => goJson(goOrderSidecarContainer(c as SidecarContainer));

describe('goJson', () => {
  it('escapes < > & U+2028 U+2029 like Go', () => {
    expect(goJson({ s: 'a<b>c&d\u2028\u2029' })).toBe('{"s":"a\\u003cb\\u003ec\\u0026d\\u2028\\u2029"}');
  });

  it('keeps JSON.stringify escapes that Go shares', () => {
    expect(goJson(['"\\\n\t\u0001\u007f é'])).toBe('["\\"\\\\\\n\\t\\u0001\u007f é"]');
  });

  it('writes lone surrogates as U+FFFD, leaving an escaped backslash alone', () => {
    expect(goJson('a\ud800b')).toBe('"a\\ufffdb"');
    expect(goJson('\\ud800')).toBe('"\\\\ud800"');
    expect(goJson('😀')).toBe('"😀"');
  });

  it('writes undefined as null', () => {
    expect(goJson(undefined)).toBe('null');
  });
});

describe('goOrderSidecarContainer: order and omitempty', () => {
  it('emits the minimal container as Go does (struct fields always present)', () => {
    expect(encode({ name: 'c' })).toBe('{"name":"c","resources":{},"upgradeStrategy":{},"shareVolumePolicy":{}}');
  });

  it('writes fields in Go declaration order, not input order', () => {
    const c = { tty: true, podInjectPolicy: 'AfterAppContainer', image: 'i', name: 'c', command: ['x'] };
    expect(Object.keys(goOrderSidecarContainer(c as SidecarContainer))).toEqual([
      'name',
      'image',
      'command',
      'resources',
      'tty',
      'podInjectPolicy',
      'upgradeStrategy',
      'shareVolumePolicy',
    ]);
  });

  it('omits zero scalars and empty slices but keeps set pointers even when false/0', () => {
    const c = {
      name: 'c',
      image: '',
      stdin: false,
      command: [],
      securityContext: { privileged: false, runAsUser: 0 },
      volumeMounts: [{ name: 'v', mountPath: '/m', readOnly: false }],
    };
    expect(encode(c)).toBe(
      '{"name":"c","resources":{},"volumeMounts":[{"name":"v","mountPath":"/m"}],' +
        '"securityContext":{"privileged":false,"runAsUser":0},"upgradeStrategy":{},"shareVolumePolicy":{}}',
    );
  });

  it('always writes required fields, with zero values when unset', () => {
    const c = { ports: [{ protocol: 'TCP' }], env: [{ value: 'x' }] };
    expect(goOrderSidecarContainer(c as SidecarContainer)).toMatchObject({
      name: '',
      ports: [{ containerPort: 0, protocol: 'TCP' }],
      env: [{ name: '', value: 'x' }],
    });
  });

  it('writes grpc service as null and divisor as "0" when unset', () => {
    const c = {
      name: 'c',
      livenessProbe: { grpc: { port: 9000 } },
      env: [{ name: 'E', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }],
    };
    const encoded = goOrderSidecarContainer(c as SidecarContainer);
    expect(encoded.livenessProbe).toEqual({ grpc: { port: 9000, service: null } });
    expect(goJson(encoded.env)).toBe('[{"name":"E","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu","divisor":"0"}}}]');
  });

  it('sorts resource maps, canonicalises quantities and keeps IntOrString kinds', () => {
    const c = {
      name: 'c',
      resources: { requests: { memory: '1024Mi', cpu: 0.5, 'ephemeral-storage': '2000' } },
      readinessProbe: { tcpSocket: { port: 'http' }, httpGet: { port: 8080 } },
    };
    expect(encode(c)).toBe(
      '{"name":"c","resources":{"requests":{"cpu":"500m","ephemeral-storage":"2k","memory":"1Gi"}},' +
        '"readinessProbe":{"httpGet":{"port":8080},"tcpSocket":{"port":"http"}},"upgradeStrategy":{},"shareVolumePolicy":{}}',
    );
  });

  it('treats JSON null as absent, and a null struct as its zero value', () => {
    expect(encode({ name: 'c', resources: null, lifecycle: null, command: null, upgradeStrategy: null })).toBe(
      '{"name":"c","resources":{},"upgradeStrategy":{},"shareVolumePolicy":{}}',
    );
  });

  it('writes the SidecarSet-only fields last, in Go order', () => {
    const c = {
      resourcesPolicy: { resourcesExpr: { requests: { cpu: 'max(cpu*50%, 50m)' } }, targetContainersMode: 'sum' },
      transferEnv: [{ envNames: ['B', 'A'], sourceContainerNameFrom: { fieldRef: { fieldPath: 'x' } } }],
      shareVolumeDevicePolicy: { type: 'enabled' },
      name: 'c',
    };
    expect(encode(c)).toBe(
      '{"name":"c","resources":{},"upgradeStrategy":{},"shareVolumePolicy":{},"shareVolumeDevicePolicy":{"type":"enabled"},' +
        '"transferEnv":[{"sourceContainerNameFrom":{"fieldRef":{"fieldPath":"x"}},"envNames":["B","A"]}],' +
        '"resourcesPolicy":{"targetContainersMode":"sum","resourcesExpr":{"requests":{"cpu":"max(cpu*50%, 50m)"}}}}',
    );
  });

  it('returns a new object and leaves its input alone', () => {
    const c = { name: 'c', env: [{ name: 'E', value: 'v', extra: 1 }] };
    const copy = structuredClone(c);
    const encoded = goOrderSidecarContainer(c as SidecarContainer);
    expect(c).toEqual(copy);
    expect(encoded.env).not.toBe(c.env);
  });
});

describe('goOrderContainer', () => {
  it('drops the SidecarSet-only fields', () => {
    const c: SidecarContainer = {
      name: 'c',
      image: 'i',
      podInjectPolicy: 'AfterAppContainer',
      upgradeStrategy: { upgradeType: 'ColdUpgrade' },
      shareVolumePolicy: { type: 'enabled' },
      shareVolumeDevicePolicy: { type: 'enabled' },
      transferEnv: [{ envName: 'A' }],
      resourcesPolicy: { targetContainersMode: 'sum', resourcesExpr: {} },
      imagePullPolicy: 'IfNotPresent',
    };
    expect(goOrderContainer(c)).toEqual({ name: 'c', image: 'i', resources: {}, imagePullPolicy: 'IfNotPresent' });
  });

  it('drops fields newer than Kubernetes 1.32', () => {
    const c = {
      name: 'c',
      restartPolicyRules: [{ action: 'Restart' }],
      lifecycle: { stopSignal: 'SIGTERM', preStop: { sleep: { seconds: 5 } } },
      env: [{ name: 'E', valueFrom: { fileKeyRef: { path: 'p' } } }],
    };
    expect(goOrderContainer(c as SidecarContainer)).toEqual({
      name: 'c',
      env: [{ name: 'E', valueFrom: {} }],
      resources: {},
      lifecycle: { preStop: { sleep: { seconds: 5 } } },
    });
  });
});

describe('containerDecodeFindings: unknown fields', () => {
  it('reports unknown and mis-cased keys with dotted paths', () => {
    const c = {
      name: 'c',
      Image: 'x',
      lifecycle: { stopSignal: 'SIGTERM' },
      ports: [{ containerPort: 1 }, { containerPort: 2, hostip: 'x' }],
      resources: { limits: { 'vendor.com/gpu': '1' } },
      transferEnv: [{ envname: 'A' }],
    };
    expect(containerDecodeFindings(c, 'containers[0]').unknown).toEqual([
      'containers[0].Image',
      'containers[0].ports[1].hostip',
      'containers[0].lifecycle.stopSignal',
      'containers[0].transferEnv[0].envname',
    ]);
  });

  it('reports nothing for a clean container', () => {
    expect(containerDecodeFindings({ name: 'c', resourcesPolicy: { targetContainersMode: 'sum', resourcesExpr: {} } }, 'x')).toEqual({
      unknown: [],
      invalid: [],
    });
  });
});

describe('ill-typed values', () => {
  it.each([
    [{ name: 1 }, 'c.name'],
    [{ name: 'c', ports: [{ containerPort: '80' }] }, 'c.ports[0].containerPort'],
    [{ name: 'c', ports: [{ containerPort: 1.5 }] }, 'c.ports[0].containerPort'],
    [{ name: 'c', ports: [{ containerPort: 2 ** 31 }] }, 'c.ports[0].containerPort'],
    [{ name: 'c', stdin: 'yes' }, 'c.stdin'],
    [{ name: 'c', command: 'sh' }, 'c.command'],
    [{ name: 'c', resources: { limits: { cpu: 'lots' } } }, 'c.resources.limits.cpu'],
    [{ name: 'c', resources: { limits: { cpu: true } } }, 'c.resources.limits.cpu'],
    [{ name: 'c', livenessProbe: { httpGet: { port: 1.5 } } }, 'c.livenessProbe.httpGet.port'],
  ])('%j is reported at %s and refused by the encoders', (c, path) => {
    const problems = containerDecodeFindings(c, 'c').invalid;
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${path}: `)).toBe(true);
    expect(() => goOrderSidecarContainer(c as unknown as SidecarContainer)).toThrow(GoDecodeError);
    expect(() => goOrderContainer(c as unknown as SidecarContainer)).toThrow(GoDecodeError);
  });

  it('accepts quantities with surrounding spaces, as Quantity.UnmarshalJSON trims them', () => {
    expect(goOrderSidecarContainer({ name: 'c', resources: { limits: { cpu: ' 1 ' } } }).resources).toEqual({ limits: { cpu: '1' } });
  });

  it('reports a non-object container', () => {
    expect(containerDecodeFindings('x', 'containers[0]').invalid).toEqual(['containers[0]: expected an object, got string']);
    expect(() => goOrderSidecarContainer([] as unknown as SidecarContainer)).toThrow(GoDecodeError);
  });

  it('decodes a null container to the zero container, as Go does for a null list element', () => {
    expect(goOrderSidecarContainer(null as unknown as SidecarContainer)).toEqual({
      name: '',
      resources: {},
      upgradeStrategy: {},
      shareVolumePolicy: {},
    });
  });
});

describe('hostile map keys', () => {
  it('keeps "__proto__" as an ordinary resource name', () => {
    const limits = JSON.parse('{"__proto__":"1","cpu":"2"}') as Record<string, string>;
    const encoded = goOrderSidecarContainer({ name: 'c', resources: { limits } });
    expect(goJson(encoded.resources)).toBe('{"limits":{"__proto__":"1","cpu":"2"}}');
    expect(Object.getPrototypeOf((encoded.resources as { limits: object }).limits)).toBe(Object.prototype);
  });
});

describe('goOrderContainerChanged', () => {
  const sidecar = {
    name: 'agent',
    image: 'agent:1',
    livenessProbe: { httpGet: { port: 8080 } },
    resources: { limits: { cpu: '0.5' } },
    podInjectPolicy: 'AfterAppContainer',
    env: [{ name: 'A', value: '1' }],
  } as SidecarContainer;
  const perPod = new Set(['resources', 'volumeMounts', 'volumeDevices', 'env']);

  it.each([
    [
      'env added to, mounts and devices set',
      {
        env: [
          { value: '2', name: 'B' },
          { name: 'IS_INJECTED', value: 'true' },
        ],
        volumeMounts: [{ mountPath: '/d', name: 'd', readOnly: true }],
        volumeDevices: [{ devicePath: '/dev/x', name: 'x' }],
      },
    ],
    ['resources replaced', { resources: { requests: { memory: '1Gi' }, limits: { cpu: '1000m' } } }],
    ['env and resources emptied', { env: undefined, resources: undefined }],
  ])("gives goOrderContainer's output, key order included: %s", (_name, change) => {
    const changed = { ...sidecar, ...change } as SidecarContainer;
    const fast = goOrderContainerChanged(goOrderContainer(sidecar), changed, perPod);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(goOrderContainer(changed)));
  });

  it('reports an ill-typed changed field as goOrderContainer does', () => {
    const changed = { ...sidecar, env: [{ name: 3 }] } as unknown as SidecarContainer;
    expect(() => goOrderContainerChanged(goOrderContainer(sidecar), changed, perPod)).toThrow(GoDecodeError);
  });
});
