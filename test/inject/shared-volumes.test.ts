import { describe, expect, it } from 'vitest';
import type { V1Container, V1VolumeMount } from '@kubernetes/client-node';
import { isInjectedSidecar, mergeSidecarDevices, mergeSidecarMounts, sharedMountsAndEnvs } from '../../src/inject/shared-volumes.js';
import type { SidecarContainer } from '../../src/sidecarset/types.js';
import { podSpecWithStaragent, sidecarSetWithStaragent } from '../kruise/fixtures.js';

// Kruise's podWithStaragent / sidecarSetWithStaragent fixtures (pkg/webhook/pod/mutating/sidecarset_test.go).
const podWithStaragent = (): V1Container[] => podSpecWithStaragent().containers;
const staragentSpec = sidecarSetWithStaragent().spec;
const initDnsE: SidecarContainer = staragentSpec.initContainers[0];
const dnsF: SidecarContainer = staragentSpec.containers[0];

/** Steps c + f for one sidecar, as the pipeline chains them. */
function mountsOf(podContainers: V1Container[], sidecar: SidecarContainer) {
  const shared = sharedMountsAndEnvs(podContainers, sidecar);
  return { ...shared, ...mergeSidecarMounts(sidecar.volumeMounts, sidecar.volumeDevices, shared.mounts) };
}

const paths = (mounts: V1VolumeMount[]) => mounts.map((m) => m.mountPath);

describe('isInjectedSidecar', () => {
  it('looks only at the first IS_INJECTED env and its literal value', () => {
    expect(isInjectedSidecar({ name: 'a', env: [{ name: 'IS_INJECTED', value: 'true' }] })).toBe(true);
    expect(isInjectedSidecar({ name: 'a', env: [{ name: 'IS_INJECTED', value: 'TRUE' }] })).toBe(false);
    expect(
      isInjectedSidecar({
        name: 'a',
        env: [
          { name: 'IS_INJECTED', value: 'false' },
          { name: 'IS_INJECTED', value: 'true' },
        ],
      }),
    ).toBe(false);
    expect(isInjectedSidecar({ name: 'a', env: [{ name: 'IS_INJECTED', valueFrom: { fieldRef: { fieldPath: 'x' } } }] })).toBe(false);
    expect(isInjectedSidecar({ name: 'a' })).toBe(false);
  });
});

describe('shared volume mounts (shareVolumePolicy enabled)', () => {
  it("adds the app mounts after a container's own, without duplicating /staragent", () => {
    const { mounts, skipped } = mountsOf(podWithStaragent(), dnsF);
    expect(paths(mounts)).toEqual(['/a/b/c', '/d/e/f', '/staragent', '/a/b', '/e/f']);
    expect(mounts[2]).toEqual({ name: 'volume-staragent', mountPath: '/staragent' });
    expect(skipped).toEqual([{ name: 'volume-staragent', mountPath: '/staragent' }]);
  });

  it('does the same for an init container', () => {
    expect(paths(mountsOf(podWithStaragent(), initDnsE).mounts)).toEqual(['/g/h/i', '/j/k/l', '/staragent', '/a/b', '/e/f']);
  });

  it('shares nothing when the policy is disabled or absent', () => {
    for (const shareVolumePolicy of [{ type: 'disabled' }, {}, undefined]) {
      const sidecar = { ...dnsF, shareVolumePolicy };
      expect(sharedMountsAndEnvs(podWithStaragent(), sidecar)).toEqual({ mounts: [], subPathEnvs: [], missingEnvs: [] });
      expect(paths(mountsOf(podWithStaragent(), sidecar).mounts)).toEqual(['/a/b/c', '/d/e/f', '/staragent']);
    }
  });

  it('skips containers marked IS_INJECTED=true and keeps pod order otherwise', () => {
    const pod: V1Container[] = [
      { name: 'old-sidecar', env: [{ name: 'IS_INJECTED', value: 'true' }], volumeMounts: [{ name: 'v', mountPath: '/injected' }] },
      { name: 'app1', volumeMounts: [{ name: 'v', mountPath: '/one' }] },
      { name: 'app2', env: [{ name: 'IS_INJECTED', value: 'yes' }], volumeMounts: [{ name: 'v', mountPath: '/two' }] },
    ];
    expect(paths(sharedMountsAndEnvs(pod, dnsF).mounts)).toEqual(['/one', '/two']);
  });

  it('copies every mount verbatim, including the same volume at another path', () => {
    const mount: V1VolumeMount = {
      name: 'data',
      mountPath: '/data',
      readOnly: true,
      subPath: 'x',
      mountPropagation: 'HostToContainer',
      recursiveReadOnly: 'IfPossible',
    };
    const pod: V1Container[] = [{ name: 'app', volumeMounts: [mount, { name: 'data', mountPath: '/data2' }] }];
    expect(sharedMountsAndEnvs(pod, dnsF).mounts).toEqual([mount, { name: 'data', mountPath: '/data2' }]);
  });

  it('skips a shared mount whose path is an own device path or an earlier shared mount', () => {
    const shared = [
      { name: 'a', mountPath: '/dev/xvda' },
      { name: 'b', mountPath: '/x' },
      { name: 'c', mountPath: '/x' },
    ];
    const result = mergeSidecarMounts(
      [
        { name: 'own', mountPath: '/own' },
        { name: 'own2', mountPath: '/own' },
      ],
      [{ name: 'disk', devicePath: '/dev/xvda' }],
      shared,
    );
    expect(result.mounts).toEqual([
      { name: 'own', mountPath: '/own' },
      { name: 'own2', mountPath: '/own' },
      { name: 'b', mountPath: '/x' },
    ]);
    expect(result.skipped).toEqual([shared[0], shared[2]]);
  });

  it('returns an empty list when there is nothing to mount', () => {
    expect(mergeSidecarMounts(undefined, undefined, [])).toEqual({ mounts: [], skipped: [] });
  });
});

describe('SubPathExpr envs', () => {
  function podWithExpansion(subPathExpr: string): V1Container[] {
    const pod = podWithStaragent();
    pod[0].volumeMounts!.push({ name: 'volume-expansion', mountPath: '/e/expansion', subPathExpr });
    pod[0].env!.push({ name: 'POD_NAME', value: 'bar' }, { name: 'OD_NAME', value: 'od_name' });
    return pod;
  }

  it('copies POD_NAME and OD_NAME for foo/$(POD_NAME)/$(OD_NAME)/conf', () => {
    const { mounts, subPathEnvs } = mountsOf(podWithExpansion('foo/$(POD_NAME)/$(OD_NAME)/conf'), dnsF);
    expect(paths(mounts)).toEqual(['/a/b/c', '/d/e/f', '/staragent', '/a/b', '/e/f', '/e/expansion']);
    expect(subPathEnvs).toEqual([
      { name: 'POD_NAME', value: 'bar' },
      { name: 'OD_NAME', value: 'od_name' },
    ]);
  });

  it.each(['foo', ''])('copies nothing for subPathExpr %j but still shares the mount', (expr) => {
    const { mounts, subPathEnvs } = mountsOf(podWithExpansion(expr), dnsF);
    expect(paths(mounts)).toContain('/e/expansion');
    expect(subPathEnvs).toEqual([]);
  });

  it('copies the first env of that name, whole, and reports names the container does not define', () => {
    const pod: V1Container[] = [
      {
        name: 'app',
        env: [
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'NS', value: 'second' },
        ],
        envFrom: [{ configMapRef: { name: 'cm' } }],
        volumeMounts: [{ name: 'v', mountPath: '/v', subPathExpr: '$(NS)/$(FROM_CM)/$(NS)/$(bad name)' }],
      },
    ];
    const { subPathEnvs, missingEnvs } = sharedMountsAndEnvs(pod, dnsF);
    expect(subPathEnvs).toEqual([pod[0].env![0], pod[0].env![0]]);
    expect(missingEnvs).toEqual([{ container: 'app', mountPath: '/v', env: 'FROM_CM' }]);
  });

  it('collects envs of a mount that is later skipped for its path', () => {
    const pod: V1Container[] = [
      { name: 'app', env: [{ name: 'X', value: 'x' }], volumeMounts: [{ name: 'v', mountPath: '/staragent', subPathExpr: '$(X)' }] },
    ];
    const { mounts, skipped, subPathEnvs } = mountsOf(pod, dnsF);
    expect(paths(mounts)).toEqual(['/a/b/c', '/d/e/f', '/staragent']);
    expect(skipped).toHaveLength(1);
    expect(subPathEnvs).toEqual([{ name: 'X', value: 'x' }]);
  });

  it('returns new lists and leaves the pod and the sidecar as they were', () => {
    const pod = podWithExpansion('$(POD_NAME)');
    const podBefore = structuredClone(pod);
    const sidecarBefore = structuredClone(dnsF);
    const { mounts } = sharedMountsAndEnvs(pod, dnsF);
    const merged = mergeSidecarMounts(dnsF.volumeMounts, undefined, mounts);
    merged.mounts.push({ name: 'extra', mountPath: '/extra' });
    expect(merged.mounts).not.toBe(dnsF.volumeMounts);
    expect(pod).toEqual(podBefore);
    expect(dnsF).toEqual(sidecarBefore);
  });
});

describe('shared volume devices (shareVolumeDevicePolicy enabled)', () => {
  function podWithDevices(): V1Container[] {
    const pod = podWithStaragent();
    pod[0].volumeDevices = [
      { name: 'origin-pvc-1', devicePath: '/origin-1' },
      { name: 'origin-pvc-share', devicePath: '/share' },
    ];
    return pod;
  }
  const withDisk = (devicePath: string, enabled: boolean): SidecarContainer => ({
    name: 'dns-f',
    image: 'dns-f-image:1.0',
    volumeDevices: [{ name: 'disk0', devicePath }],
    ...(enabled ? { shareVolumeDevicePolicy: { type: 'enabled' } } : {}),
  });

  it('keeps only the own devices when disabled', () => {
    expect(mergeSidecarDevices(podWithDevices(), withDisk('/dev/nvme1', false), [])).toEqual({
      devices: [{ name: 'disk0', devicePath: '/dev/nvme1' }],
      skipped: [],
    });
  });

  it('appends the app devices after the own one when enabled', () => {
    expect(mergeSidecarDevices(podWithDevices(), withDisk('/dev/nvme1', true), []).devices).toEqual([
      { name: 'disk0', devicePath: '/dev/nvme1' },
      { name: 'origin-pvc-1', devicePath: '/origin-1' },
      { name: 'origin-pvc-share', devicePath: '/share' },
    ]);
  });

  it('shares the devices of app containers only (Kruise TestGetInjectedVolumeDevices)', () => {
    const pod: V1Container[] = [
      { name: 'a', volumeDevices: [{ name: 'vd-1', devicePath: '/data/volume-1' }] },
      { name: 'b', volumeDevices: [{ name: 'vd-2', devicePath: '/data/volume-2' }] },
      { name: 'c', volumeDevices: [{ name: 'vd-3', devicePath: '/data/volume-3' }], env: [{ name: 'IS_INJECTED', value: 'true' }] },
    ];
    expect(mergeSidecarDevices(pod, { name: 's', shareVolumeDevicePolicy: { type: 'enabled' } }, []).devices).toEqual([
      { name: 'vd-1', devicePath: '/data/volume-1' },
      { name: 'vd-2', devicePath: '/data/volume-2' },
    ]);
    expect(mergeSidecarDevices(pod, { name: 's' }, []).devices).toBeUndefined();
  });

  it('skips a device whose path is an own device, a mount after step f, or an earlier shared device', () => {
    const pod: V1Container[] = [
      {
        name: 'app',
        volumeDevices: [
          { name: 'd1', devicePath: '/own' },
          { name: 'd2', devicePath: '/mounted' },
          { name: 'd3', devicePath: '/new' },
          { name: 'd4', devicePath: '/new' },
        ],
      },
    ];
    const result = mergeSidecarDevices(pod, withDisk('/own', true), [{ name: 'm', mountPath: '/mounted' }]);
    expect(result.devices).toEqual([
      { name: 'disk0', devicePath: '/own' },
      { name: 'd3', devicePath: '/new' },
    ]);
    expect(result.skipped.map((d) => d.name)).toEqual(['d1', 'd2', 'd4']);
  });

  it('returns a new list and leaves the pod and the sidecar as they were', () => {
    const pod = podWithDevices();
    const sidecar = withDisk('/dev/nvme1', true);
    const before = structuredClone([pod, sidecar]);
    const { devices } = mergeSidecarDevices(pod, sidecar, []);
    devices!.push({ name: 'extra', devicePath: '/dev/extra' });
    expect([pod, sidecar]).toEqual(before);
  });
});
