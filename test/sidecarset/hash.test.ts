import { describe, expect, it } from 'vitest';
import { defaultSidecarSet } from '../../src/sidecarset/defaults.js';
import { GoDecodeError } from '../../src/sidecarset/go-json.js';
import { safeEncodeString, sidecarSetHashes } from '../../src/sidecarset/hash.js';
import type { SidecarSet, SidecarSetSpec } from '../../src/sidecarset/types.js';

function sidecarSet(spec: SidecarSetSpec): SidecarSet {
  return { apiVersion: 'apps.kruise.io/v1beta1', kind: 'SidecarSet', metadata: { name: 's' }, spec };
}

const defaulted = (spec: SidecarSetSpec): SidecarSetSpec => defaultSidecarSet(sidecarSet(spec)).spec;

const V2_WITHOUT_IMAGE = '8wzddb4dvv9c6x8zdc77z4z75987424f457dfv6724ddw6zbdx467wz5x24fc759';

describe('spec §4.6 test vectors', () => {
  it('V1: containers only, not defaulted', () => {
    const hashes = sidecarSetHashes({ containers: [{ name: 'container1', image: 'test-image' }] });
    expect(hashes.hash).toBe('w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78');
    expect(hashes.hashWithoutImage).toBe(V2_WITHOUT_IMAGE);
  });

  it('V2: classic init containers do not count', () => {
    const hashes = sidecarSetHashes({
      containers: [{ name: 'container1', image: 'test-image' }],
      initContainers: [{ name: 'container1', image: 'test-image' }],
    });
    expect(hashes.hash).toBe('w26c4x8fz245642fdv499b464248f974xddx4x55z5dw55bc6x66464fxz77dc78');
    expect(hashes.hashWithoutImage).toBe(V2_WITHOUT_IMAGE);
  });

  it('V3: a native sidecar init container brings all init containers in', () => {
    const hashes = sidecarSetHashes({
      containers: [{ name: 'container1', image: 'test-image' }],
      initContainers: [{ name: 'container1', image: 'test-image', restartPolicy: 'Always' }],
    });
    expect(hashes.hash).toBe('4xwx4d4844vd4v9x79wb4xbxf4xb29475cc4446v8cz2c2f2f5c5bw448vd42z8w');
    expect(hashes.hashWithoutImage).toBe('5725fw8bwbx249bw57v5892c847dzf48bww9zb7c86xb95264fdz26654847b2c8');
  });

  it('V4: defaulted spec; patchPodMetadata and revision do not count', () => {
    const spec = defaulted({
      containers: [{ name: 'dns-f', image: 'dns:1.0' }],
      patchPodMetadata: [{ annotations: { a: 'b' } }],
      injectionStrategy: { revision: { revisionName: 'r1' } },
    });
    const hashes = sidecarSetHashes(spec);
    expect(hashes.hash).toBe('6wbd76bd7984x24fb4f44fv9222cw9v9bcf85x766744wddd4zwx927zzz2zb684');
    expect(hashes.hashWithoutImage).toBe('82684vwf9d4cb4wz4vffx4ddfbb47ww4z4wwxdbwb8w2zbb7zvf4524cdd49bv94');
  });

  it('V5: a full container with HTML characters, quantities, probes and a native sidecar', () => {
    const spec = defaulted({
      containers: [
        {
          name: 'log-agent',
          image: 'example.com/log-agent:1.2',
          command: ['sh', '-c', 'agent --in /var/log && echo ok > /tmp/ready'],
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          resources: { limits: { cpu: '0.5', memory: '128Mi' }, requests: { cpu: '100m' } },
          volumeMounts: [{ name: 'varlog', mountPath: '/var/log', readOnly: true }],
          livenessProbe: { httpGet: { port: 8080 } },
          podInjectPolicy: 'AfterAppContainer',
          shareVolumePolicy: { type: 'enabled' },
          transferEnv: [{ sourceContainerName: 'app', envName: 'LOG_LEVEL' }],
        },
      ],
      initContainers: [{ name: 'proxy-init', image: 'example.com/proxy:2.0', restartPolicy: 'Always' }],
    });
    const hashes = sidecarSetHashes(spec);
    expect(hashes.hash).toBe('4xd8dbf979zc8878z77bxcf5vfv44b8b828wdv9w8f6496465f4992f48dwd22vd');
    expect(hashes.hashWithoutImage).toBe('zfcv86d46x4bdzdx7zcb82dv4xxcxf4vd8828vc4f5c94ddvfbxfd244f8xz9wwx');
  });

  it('§3.11 worked example', () => {
    const spec = defaulted({
      selector: { matchLabels: { app: 'web' } },
      containers: [
        {
          name: 'log-agent',
          image: 'example.com/log-agent:1.2',
          podInjectPolicy: 'AfterAppContainer',
          shareVolumePolicy: { type: 'enabled' },
          volumeMounts: [{ name: 'agent-conf', mountPath: '/etc/agent' }],
          transferEnv: [{ sourceContainerName: 'web', envNames: ['LOG_LEVEL', 'CLUSTER'] }],
        },
      ],
      volumes: [
        { name: 'agent-conf', configMap: { name: 'agent-conf' } },
        { name: 'unused', emptyDir: {} },
      ],
      imagePullSecrets: [{ name: 'registry-a' }],
    });
    const hashes = sidecarSetHashes(spec);
    expect(hashes.hash).toBe('9w679994d72744zc8w9z2854wv68bf8cddb4f2db4698f596wcx8x84wzwdxx7b4');
    expect(hashes.hashWithoutImage).toBe('99v2445d44f5zv95w2w4wf474f8vvfw25dxvb4bvxvz7ddx9z6x79wwccvv7d544');
  });
});

describe('hash properties', () => {
  const base: SidecarSetSpec = {
    containers: [{ name: 'a', image: 'a:1' }],
    initContainers: [{ name: 'i', image: 'i:1', restartPolicy: 'Always' }],
  };

  it('is 64 characters of the safe alphabet, even for an empty spec', () => {
    for (const spec of [base, {}, { containers: [] }]) {
      const { hash, hashWithoutImage } = sidecarSetHashes(spec);
      expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{64}$/);
      expect(hashWithoutImage).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{64}$/);
    }
  });

  it('distinguishes an absent containers list (null) from an empty one', () => {
    expect(sidecarSetHashes({}).hash).not.toBe(sidecarSetHashes({ containers: [] }).hash);
  });

  it('changes with an image, but not without images', () => {
    const changed = sidecarSetHashes({
      containers: [{ name: 'a', image: 'a:2' }],
      initContainers: [{ name: 'i', image: 'i:2', restartPolicy: 'Always' }],
    });
    expect(changed.hash).not.toBe(sidecarSetHashes(base).hash);
    expect(changed.hashWithoutImage).toBe(sidecarSetHashes(base).hashWithoutImage);
  });

  it('without images is the hash of the spec with every image emptied (image re-encoded alone)', () => {
    const blank = (list: unknown[] | undefined) => list?.map((c) => ({ ...(c as object), image: '' }));
    const specs: SidecarSetSpec[] = [
      base,
      { containers: [{ name: 'a', image: 'a:1', command: ['x'], resources: { limits: { cpu: '1' } } }, { name: 'b' }] },
      { containers: [null as never, { name: 'c', image: 'c:1', env: [{ name: 'E', value: 'v' }] }] },
      {
        initContainers: [
          { name: 'i', image: 'i:1', restartPolicy: 'Always' },
          { name: 'j', image: 'j:1' },
        ],
      },
      { containers: [], initContainers: [{ name: 'k', image: 'k:1' }] },
    ];
    for (const spec of specs) {
      const emptied = { ...spec, containers: blank(spec.containers), initContainers: blank(spec.initContainers) } as SidecarSetSpec;
      expect(sidecarSetHashes(spec).hashWithoutImage).toBe(sidecarSetHashes(emptied).hash);
    }
  });

  it('changes without images when a container is renamed', () => {
    const renamed = sidecarSetHashes({ ...base, containers: [{ name: 'b', image: 'a:1' }] });
    expect(renamed.hashWithoutImage).not.toBe(sidecarSetHashes(base).hashWithoutImage);
  });

  it('ignores everything but containers', () => {
    const decorated = sidecarSetHashes({
      ...base,
      selector: { matchLabels: { x: 'y' } },
      volumes: [{ name: 'v', emptyDir: {} }],
      imagePullSecrets: [{ name: 's' }],
    });
    expect(decorated).toEqual(sidecarSetHashes(base));
  });

  it('ignores fields the Go types drop', () => {
    const withUnknown = { name: 'a', image: 'a:1', bogus: true, Image: 'x' } as never;
    expect(sidecarSetHashes({ ...base, containers: [withUnknown] })).toEqual(sidecarSetHashes(base));
  });

  it('does not blank hotUpgradeEmptyImage in the hash without image', () => {
    const a = sidecarSetHashes({ containers: [{ name: 'a', upgradeStrategy: { hotUpgradeEmptyImage: 'e:1' } }] });
    const b = sidecarSetHashes({ containers: [{ name: 'a', upgradeStrategy: { hotUpgradeEmptyImage: 'e:2' } }] });
    expect(a.hashWithoutImage).not.toBe(b.hashWithoutImage);
  });

  it('does not modify its input', () => {
    const spec = structuredClone(base);
    sidecarSetHashes(spec);
    expect(spec).toEqual(base);
  });

  it('throws GoDecodeError, with the field path, on values Kruise would not decode', () => {
    const spec = { containers: [{ name: 'a' }], initContainers: [{ name: 'i', resources: { limits: { cpu: 'lots' } } }] };
    expect(() => sidecarSetHashes(spec)).toThrow(GoDecodeError);
    expect(() => sidecarSetHashes(spec)).toThrow(/^spec\.initContainers\[0\]\.resources\.limits\.cpu: /);
    expect(() => sidecarSetHashes({ containers: 'x' as never })).toThrow(GoDecodeError);
  });

  it("hashes a null container element as Go's zero container", () => {
    const zero = sidecarSetHashes({ containers: [{ name: '' }] });
    expect(sidecarSetHashes({ containers: [null as never] })).toEqual(zero);
  });
});

describe('safeEncodeString', () => {
  it('maps hex digits as in spec §4.5', () => {
    expect(safeEncodeString('0123456789abcdef')).toBe('456789bcdfvwxz24');
  });
});
