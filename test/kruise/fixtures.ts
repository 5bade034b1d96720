// The SidecarSets and pods Kruise's pod-webhook tests share (pkg/webhook/pod/mutating/sidecarset_test.go),
// rebuilt as the objects a user would apply to a real cluster.
//
// What the cluster would have added or required, and Kruise's fake client does not:
// - every mount of a SidecarSet container has a mountPath (the SidecarSet validating webhook
//   rejects a mount without one);
// - volumes without a source are what the apiserver turns into emptyDir; here they are written
//   as emptyDir (pods) or left to the SidecarSet defaulting (SidecarSets);
// - the `kruise.io/sidecarset-hash` annotation Kruise's tests put on their SidecarSets is
//   recomputed by the SidecarSet mutating webhook on every write, so it is not set here.
import { run, podSpec, podMeta, type Obj, type Run } from '../helpers/krm.js';
import { defaultSidecarSet } from '../../src/sidecarset/defaults.js';
import { sidecarSetHashes } from '../../src/sidecarset/hash.js';
import type { SidecarSet } from '../../src/sidecarset/types.js';

export const APP_LABELS = { app: 'suxing-test' };
export const NOT_MATCHING = { app: 'doesnt-match' };

const clone = <T>(value: T): T => structuredClone(value);

const sidecarSetObject = (name: string, spec: Obj, annotations?: Obj): Obj => ({
  apiVersion: 'apps.kruise.io/v1beta1',
  kind: 'SidecarSet',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec,
});

/** `sidecarSet1`: two classic init containers, a BeforeAppContainer and an AfterAppContainer sidecar. */
export function sidecarSet1(): Obj {
  return sidecarSetObject('sidecarset1', {
    selector: { matchLabels: { ...APP_LABELS } },
    initContainers: [
      { name: 'init-2', image: 'busybox:1.0.0' },
      { name: 'init-1', image: 'busybox:1.0.0' },
    ],
    containers: [
      { name: 'dns-f', image: 'dns-f-image:1.0', podInjectPolicy: 'BeforeAppContainer', shareVolumePolicy: { type: 'disabled' } },
      { name: 'log-agent', image: 'log-agent-image:1.0', podInjectPolicy: 'AfterAppContainer', shareVolumePolicy: { type: 'disabled' } },
    ],
  });
}

/** `sidecarSetWithInitContainer`: one init container that mounts a SidecarSet volume and transfers env. */
export function sidecarSetWithInitContainer(): Obj {
  return sidecarSetObject('sidecarset', {
    selector: { matchLabels: { ...APP_LABELS } },
    initContainers: [
      {
        name: 'dns-e',
        image: 'dns-e-image:1.0',
        volumeMounts: [{ name: 'volume-1', mountPath: '/volume-1' }],
        transferEnv: [{ sourceContainerName: 'nginx', envName: 'hello2' }],
      },
    ],
    volumes: [{ name: 'volume-1' }],
  });
}

/** `sidecarsetWithTransferEnv` (named sidecarset2): an init container and a sidecar both taking `hello2` from nginx. */
export function sidecarSetWithTransferEnv(): Obj {
  return sidecarSetObject('sidecarset2', {
    selector: { matchLabels: { ...APP_LABELS } },
    initContainers: [
      {
        name: 'dns-e',
        image: 'dns-e-image:1.0',
        volumeMounts: [{ name: 'volume-1', mountPath: '/volume-1' }],
        podInjectPolicy: 'BeforeAppContainer',
        transferEnv: [{ sourceContainerName: 'nginx', envName: 'hello2' }],
      },
    ],
    containers: [
      {
        name: 'dns-f',
        image: 'dns-f-image:1.0',
        volumeMounts: [{ name: 'volume-1', mountPath: '/volume-1' }],
        podInjectPolicy: 'BeforeAppContainer',
        shareVolumePolicy: { type: 'disabled' },
        transferEnv: [{ sourceContainerName: 'nginx', envName: 'hello2' }],
      },
    ],
    volumes: [{ name: 'volume-1' }, { name: 'volume-2' }],
  });
}

/** `sidecarSet3`: a sidecar sharing the app's mounts next to its own, and a plain one. */
export function sidecarSet3(): Obj {
  return sidecarSetObject('sidecarset3', {
    selector: { matchLabels: { ...APP_LABELS } },
    containers: [
      {
        name: 'dns-f',
        image: 'dns-f-image:1.0',
        volumeMounts: [
          { name: 'volume-1', mountPath: '/a/b/c' },
          { name: 'volume-2', mountPath: '/d/e/f' },
        ],
        podInjectPolicy: 'AfterAppContainer',
        shareVolumePolicy: { type: 'enabled' },
      },
      { name: 'log-agent', image: 'log-agent-image:1.0', podInjectPolicy: 'AfterAppContainer', shareVolumePolicy: { type: 'disabled' } },
    ],
    volumes: [{ name: 'volume-1' }, { name: 'volume-2' }],
  });
}

/** `sidecarSetWithStaragent` (named sidecarset3): an init container and sidecars sharing the app's mounts, one at a path the app uses too. */
export function sidecarSetWithStaragent(): Obj {
  return sidecarSetObject('sidecarset3', {
    selector: { matchLabels: { ...APP_LABELS } },
    initContainers: [
      {
        name: 'dns-e',
        image: 'dns-e-image:1.0',
        volumeMounts: [
          { name: 'volume-3', mountPath: '/g/h/i' },
          { name: 'volume-4', mountPath: '/j/k/l' },
          { name: 'volume-staragent', mountPath: '/staragent' },
        ],
        podInjectPolicy: 'BeforeAppContainer',
        shareVolumePolicy: { type: 'enabled' },
      },
    ],
    containers: [
      {
        name: 'dns-f',
        image: 'dns-f-image:1.0',
        volumeMounts: [
          { name: 'volume-1', mountPath: '/a/b/c' },
          { name: 'volume-2', mountPath: '/d/e/f' },
          { name: 'volume-staragent', mountPath: '/staragent' },
        ],
        podInjectPolicy: 'AfterAppContainer',
        shareVolumePolicy: { type: 'enabled' },
      },
      { name: 'staragent', image: 'staragent-image:1.0', podInjectPolicy: 'AfterAppContainer', shareVolumePolicy: { type: 'enabled' } },
      { name: 'log-agent', image: 'log-agent-image:1.0', podInjectPolicy: 'AfterAppContainer', shareVolumePolicy: { type: 'disabled' } },
    ],
    volumes: [{ name: 'volume-1' }, { name: 'volume-2' }, { name: 'volume-staragent' }, { name: 'volume-3' }, { name: 'volume-4' }],
  });
}

const emptyDir = (name: string) => ({ name, emptyDir: {} });

/** `pod1`: an init container and nginx with two env vars and two mounts. */
export function podSpec1(): Obj {
  return {
    initContainers: [{ name: 'init-0', image: 'busybox:1.0.0' }],
    containers: [
      {
        name: 'nginx',
        image: 'nginx:1.15.1',
        env: [
          { name: 'hello1', value: 'world1' },
          { name: 'hello2', value: 'world2' },
        ],
        volumeMounts: [
          { name: 'volume-a', mountPath: '/a/b' },
          { name: 'volume-b', mountPath: '/e/f' },
        ],
      },
    ],
    volumes: [emptyDir('volume-a'), emptyDir('volume-b')],
  };
}

/** `podWithStaragent`: nginx also mounting `volume-staragent` at /staragent. */
export function podSpecWithStaragent(): Obj {
  return {
    containers: [
      {
        name: 'nginx',
        image: 'nginx:1.15.1',
        env: [
          { name: 'hello1', value: 'world1' },
          { name: 'hello2', value: 'world2' },
        ],
        volumeMounts: [
          { name: 'volume-a', mountPath: '/a/b' },
          { name: 'volume-b', mountPath: '/e/f' },
          { name: 'volume-staragent', mountPath: '/staragent' },
        ],
      },
    ],
    volumes: [emptyDir('volume-a'), emptyDir('volume-b'), emptyDir('volume-staragent')],
  };
}

export interface Template {
  labels: Obj;
  spec: Obj;
  annotations?: Obj;
  namespace?: string;
}

/** A v1 Pod named like Kruise's (`test-pod`, namespace `default`). */
export function asPod({ labels, spec, annotations, namespace = 'default' }: Template): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'test-pod', namespace, labels: clone(labels), ...(annotations ? { annotations: clone(annotations) } : {}) },
    spec: clone(spec),
  };
}

/** The same pod as the template of a Deployment. */
export function asDeployment({ labels, spec, annotations, namespace = 'default' }: Template): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'test-deploy', namespace },
    spec: {
      selector: { matchLabels: clone(labels) },
      template: { metadata: { labels: clone(labels), ...(annotations ? { annotations: clone(annotations) } : {}) }, spec: clone(spec) },
    },
  };
}

export const SHAPES = [
  ['Pod', asPod],
  ['Deployment', asDeployment],
] as const;

export type Shape = (t: Template) => Obj;

export const list = (...items: Obj[]): Obj => ({ apiVersion: 'v1', kind: 'List', items });

/** The kpt config kind, for options a plain SidecarSet config cannot carry. */
export const config = (sidecarSets: Obj[], options: Obj = {}): Obj => ({
  apiVersion: 'fn.kpt.dev/v1alpha1',
  kind: 'InjectSidecarSets',
  metadata: { name: 'kruise-scenario' },
  spec: { sidecarSets, ...options },
});

/** Runs the function on one workload; the rendered pod is the last item before the echoed config. */
export interface Rendered {
  out: Run;
  spec: Obj;
  meta: Obj;
}

export function render(workload: Obj, functionConfig: Obj, extraItems: Obj[] = []): Rendered {
  const out = run([...extraItems, workload], functionConfig);
  const rendered = out.objects.find((o) => o.kind === workload.kind && o.metadata?.name === workload.metadata.name);
  if (!rendered) return { out, spec: {}, meta: {} };
  return { out, spec: podSpec(rendered), meta: podMeta(rendered) ?? {} };
}

export const names = (containers: Obj[] | undefined): string[] => (containers ?? []).map((c) => c.name);
export const byName = (containers: Obj[] | undefined, name: string): Obj | undefined => (containers ?? []).find((c) => c.name === name);
export const mountPaths = (container: Obj | undefined): string[] => (container?.volumeMounts ?? []).map((m: Obj) => m.mountPath);
export const envNames = (container: Obj | undefined): string[] => (container?.env ?? []).map((e: Obj) => e.name);
export const annotationJson = (meta: Obj, key: string): Obj => JSON.parse(meta.annotations?.[key] ?? 'null');
export const errors = (out: Run) => out.results.filter((r) => r.severity === 'error');

/**
 * The hashes the SidecarSet mutating webhook writes on a SidecarSet (what Kruise's tests read back
 * with GetSidecarSetRevision). hashes.test.ts pins these functions to Kruise's own vector.
 */
export function webhookHashes(set: Obj): { hash: string; hashWithoutImage: string } {
  return sidecarSetHashes(defaultSidecarSet(set as SidecarSet).spec);
}
