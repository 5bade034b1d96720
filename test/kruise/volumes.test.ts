// Volumes, shared mounts, volume devices and image pull secrets as Kruise's pod webhook merges
// them into a pod.
import { describe, expect, it } from 'vitest';
import type { Obj } from '../helpers/krm.js';
import {
  APP_LABELS,
  SHAPES,
  byName,
  envNames,
  errors,
  mountPaths,
  names,
  podSpec1,
  podSpecWithStaragent,
  render,
  sidecarSet1,
  sidecarSetWithStaragent,
  sidecarSetWithTransferEnv,
} from './fixtures.js';

// A volumeDevice must name a PersistentVolumeClaim (or ephemeral) volume, or the apiserver rejects
// the pod and the SidecarSet webhook the SidecarSet; Kruise's tests leave these volumes without a source.
const claim = (name: string) => ({ name, persistentVolumeClaim: { claimName: name } });

describe.each(SHAPES)('on a %s', (_kind, shape) => {
  it('TestSidecarVolumesAppend', () => {
    const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), sidecarSetWithTransferEnv());
    expect(out.exitCode).toBe(0);
    expect(names(spec.volumes)).toEqual(['volume-a', 'volume-b', 'volume-1']);
  });

  describe('TestPodVolumeMountsAppend', () => {
    const onlyDnsF = () => {
      const set = sidecarSetWithStaragent();
      set.spec.containers = set.spec.containers.slice(0, 1);
      return set;
    };
    const withExpansionMount = (subPathExpr: string, env: Obj[] = []) => {
      const spec = podSpecWithStaragent();
      spec.containers[0].volumeMounts.push({ name: 'volume-expansion', mountPath: '/e/expansion', subPathExpr });
      spec.containers[0].env.push(...env);
      // Kruise's pod mounts a volume it does not declare; the apiserver would refuse that pod.
      spec.volumes.push({ name: 'volume-expansion', emptyDir: {} });
      return spec;
    };
    const appMounts = ['/a/b', '/e/f'];

    it.each([
      ['append normal volumeMounts', podSpecWithStaragent(), [], []],
      [
        'append volumeMounts SubPathExpr, volumes with expanded subpath',
        withExpansionMount('foo/$(POD_NAME)/$(OD_NAME)/conf', [
          { name: 'POD_NAME', value: 'bar' },
          { name: 'OD_NAME', value: 'od_name' },
        ]),
        ['/e/expansion'],
        ['POD_NAME', 'OD_NAME'],
      ],
      ['append volumeMounts SubPathExpr, subpath with no expansion', withExpansionMount('foo'), ['/e/expansion'], []],
      ['append volumeMounts SubPathExpr, volumes expanded with empty subpath', withExpansionMount(''), ['/e/expansion'], []],
    ] as [string, Obj, string[], string[]][])('%s', (_case, podSpec, extraMounts, envs) => {
      const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec }), onlyDnsF());
      expect(out.exitCode).toBe(0);
      const init = spec.initContainers[0];
      const sidecar = spec.containers[1];
      expect(init.name).toBe('dns-e');
      expect(sidecar.name).toBe('dns-f');
      for (const path of [...appMounts, '/g/h/i', '/j/k/l', '/staragent', ...extraMounts]) expect(mountPaths(init)).toContain(path);
      for (const path of [...appMounts, '/a/b/c', '/d/e/f', '/staragent', ...extraMounts]) expect(mountPaths(sidecar)).toContain(path);
      // The sidecar's own /staragent mount keeps the path; the app's is not added a second time.
      expect(mountPaths(sidecar).filter((p) => p === '/staragent')).toHaveLength(1);
      for (const env of envs) {
        expect(envNames(init)).toContain(env);
        expect(envNames(sidecar)).toContain(env);
      }
    });
  });

  describe('TestPodVolumeDevicesAppend', () => {
    const podWithDevices = () => {
      const spec = podSpecWithStaragent();
      spec.containers[0].volumeDevices = [
        { name: 'origin-pvc-1', devicePath: '/origin-1' },
        { name: 'origin-pvc-share', devicePath: '/share' },
      ];
      spec.volumes.push(claim('origin-pvc-1'), claim('origin-pvc-share'));
      return spec;
    };

    it('append normal volumeDevices, ShareVolumeDevicePolicy=disable', () => {
      const set = sidecarSetWithStaragent();
      set.spec.containers = set.spec.containers.slice(0, 1);
      Object.assign(set.spec.initContainers[0], { volumeDevices: [{ name: 'disk0', devicePath: '/dev/nvme0' }], shareVolumePolicy: {} });
      delete set.spec.initContainers[0].volumeMounts;
      Object.assign(set.spec.containers[0], { volumeDevices: [{ name: 'disk0', devicePath: '/dev/nvme1' }], shareVolumePolicy: {} });
      delete set.spec.containers[0].volumeMounts;
      set.spec.volumes = [claim('disk0')];

      const { out, spec } = render(shape({ labels: APP_LABELS, spec: podWithDevices() }), set);
      expect(out.exitCode).toBe(0);
      expect(spec.initContainers[0].volumeDevices).toEqual([{ name: 'disk0', devicePath: '/dev/nvme0' }]);
      expect(spec.containers[1].volumeDevices).toEqual([{ name: 'disk0', devicePath: '/dev/nvme1' }]);
      expect(names(spec.volumes)).toEqual(['volume-a', 'volume-b', 'volume-staragent', 'origin-pvc-1', 'origin-pvc-share', 'disk0']);
      expect(byName(spec.volumes, 'disk0')).toEqual(claim('disk0'));
    });

    it('append normal volumeDevices, ShareVolumeDevicePolicy=enable', () => {
      const set = sidecarSetWithStaragent();
      set.spec.containers = set.spec.containers.slice(0, 1);
      Object.assign(set.spec.initContainers[0], {
        volumeDevices: [{ name: 'disk0', devicePath: '/dev/nvme0' }],
        shareVolumePolicy: {},
        shareVolumeDevicePolicy: { type: 'enabled' },
      });
      Object.assign(set.spec.containers[0], {
        volumeDevices: [{ name: 'disk0', devicePath: '/dev/nvme1' }],
        shareVolumePolicy: {},
        shareVolumeDevicePolicy: { type: 'enabled' },
      });
      delete set.spec.containers[0].volumeMounts;
      set.spec.volumes = [{ name: 'volume-3' }, { name: 'volume-4' }, { name: 'volume-staragent' }, claim('disk0')];

      const { out, spec } = render(shape({ labels: APP_LABELS, spec: podWithDevices() }), set);
      expect(out.exitCode).toBe(0);
      const shared = [
        { name: 'origin-pvc-1', devicePath: '/origin-1' },
        { name: 'origin-pvc-share', devicePath: '/share' },
      ];
      expect(spec.initContainers[0].volumeDevices).toEqual([{ name: 'disk0', devicePath: '/dev/nvme0' }, ...shared]);
      expect(spec.containers[1].volumeDevices).toEqual([{ name: 'disk0', devicePath: '/dev/nvme1' }, ...shared]);
      expect(names(spec.volumes)).toEqual([
        'volume-a',
        'volume-b',
        'volume-staragent',
        'origin-pvc-1',
        'origin-pvc-share',
        'volume-3',
        'volume-4',
        'disk0',
      ]);
      // The pod's own volume-staragent wins over the SidecarSet's.
      expect(byName(spec.volumes, 'volume-staragent')).toEqual({ name: 'volume-staragent', emptyDir: {} });
    });
  });

  describe('TestBuildSidecarVolumes_WithDifferentVolumeScenarios', () => {
    it('missing volume in sidecarSet', () => {
      // Kruise's builder just finds no volume for these mounts and devices. A SidecarSet whose
      // containers name volumes it does not declare never gets past the SidecarSet webhook, so
      // the function reports it and injects nothing.
      const set = sidecarSetWithStaragent();
      set.spec.volumes = [{ name: 'volume-a1' }, { name: 'volume-b2' }, { name: 'volume-c3' }];
      set.spec.initContainers[0].volumeDevices = [{ name: 'disk0', devicePath: '/dev/nvme0' }];
      set.spec.containers[0].volumeDevices = [{ name: 'disk0', devicePath: '/dev/nvme1' }];
      const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), set);
      expect(out.exitCode).toBe(1);
      expect(errors(out).some((r) => r.resourceRef?.kind === 'SidecarSet')).toBe(true);
      expect(names(spec.volumes)).toEqual(['volume-a', 'volume-b']);
      expect(names(spec.containers)).toEqual(['nginx']);
    });

    it('existing volumes in sidecarSet', () => {
      const set = sidecarSetWithStaragent();
      set.spec.initContainers[0].volumeMounts = [
        { name: 'volume-1', mountPath: '/a/b' },
        { name: 'volume-2', mountPath: '/c/d' },
      ];
      set.spec.containers[0].volumeMounts = [
        { name: 'volume-3', mountPath: '/a/b' },
        { name: 'volume-4', mountPath: '/c/d' },
      ];
      set.spec.initContainers[0].volumeDevices = [{ name: 'disk0', devicePath: '/dev/nvme0' }];
      set.spec.containers[0].volumeDevices = [{ name: 'disk1', devicePath: '/dev/nvme1' }];
      set.spec.volumes.push(claim('disk0'), claim('disk1'));
      const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), set);
      expect(out.exitCode).toBe(0);
      // The pod's volumes, then the sidecars' in Kruise's collection order: init mounts, init
      // devices, container mounts, container devices.
      expect(names(spec.volumes)).toEqual(['volume-a', 'volume-b', 'volume-1', 'volume-2', 'disk0', 'volume-3', 'volume-4', 'disk1']);
    });
  });

  describe('TestGetInjectedVolumeDevices', () => {
    // A pod whose third container is a sidecar injected earlier (IS_INJECTED=true): its device is
    // never shared.
    const podSpec = () => ({
      containers: [
        { name: 'app-1', image: 'app:1', volumeDevices: [{ name: 'vd-1', devicePath: '/data/volume-1' }] },
        { name: 'app-2', image: 'app:1', volumeDevices: [{ name: 'vd-2', devicePath: '/data/volume-2' }] },
        {
          name: 'earlier-sidecar',
          image: 'sidecar:0',
          volumeDevices: [{ name: 'vd-3', devicePath: '/data/volume-3' }],
          env: [{ name: 'IS_INJECTED', value: 'true' }],
        },
      ],
      volumes: [claim('vd-1'), claim('vd-2'), claim('vd-3')],
    });
    const deviceSet = (shareVolumeDevicePolicy?: Obj): Obj => ({
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'SidecarSet',
      metadata: { name: 'devices' },
      spec: {
        selector: { matchLabels: { ...APP_LABELS } },
        containers: [{ name: 'sidecar', image: 'sidecar:1', ...(shareVolumeDevicePolicy ? { shareVolumeDevicePolicy } : {}) }],
      },
    });

    it('ShareVolumeDevicePolicy, disable', () => {
      const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec() }), deviceSet());
      expect(out.exitCode).toBe(0);
      expect(byName(spec.containers, 'sidecar')?.volumeDevices).toBeUndefined();
    });

    it('ShareVolumeDevicePolicy, enable', () => {
      const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec() }), deviceSet({ type: 'enabled' }));
      expect(out.exitCode).toBe(0);
      expect(byName(spec.containers, 'sidecar')?.volumeDevices).toEqual([
        { name: 'vd-1', devicePath: '/data/volume-1' },
        { name: 'vd-2', devicePath: '/data/volume-2' },
      ]);
    });
  });

  describe('TestMergeSidecarSecrets', () => {
    const refs = (...secretNames: string[]) => secretNames.map((name) => ({ name }));
    const secretsAfter = (podSecrets: Obj[] | undefined, setSecrets: Obj[] | undefined) => {
      const podSpec = podSpec1();
      if (podSecrets) podSpec.imagePullSecrets = podSecrets;
      const set = sidecarSet1();
      if (setSecrets) set.spec.imagePullSecrets = setSecrets;
      const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec }), set);
      expect(out.exitCode).toBe(0);
      return names(spec.imagePullSecrets);
    };

    it('3 + 3 - 2 = 4', () => {
      expect(secretsAfter(refs('s2', 's3', 's3'), refs('s0', 's1', 's2'))).toEqual(['s2', 's3', 's0', 's1']);
    });
    it('3 + 3 - 0 = 6', () => {
      expect(secretsAfter(refs('s3', 's4', 's5'), refs('s0', 's1', 's2'))).toEqual(['s3', 's4', 's5', 's0', 's1', 's2']);
    });
    it('3 + 0 - 0 = 3', () => {
      expect(secretsAfter(undefined, refs('s0', 's1', 's2'))).toEqual(['s0', 's1', 's2']);
    });
    it('0 + 3 - 0 = 3', () => {
      expect(secretsAfter(refs('s3', 's4', 's5'), undefined)).toEqual(['s3', 's4', 's5']);
    });
  });
});
