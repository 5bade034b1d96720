// Fixed cases for the Kubernetes OpenAPI check (kubernetes-models' PodTemplateSpec validator, not a
// hand-written schema): the quickstart and one workload per feature family come out as pods the
// apiserver's schema accepts. The property tests run the same check on every random case.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runFunction } from '../../src/run.js';
import { deployment, pod, resourceList, sidecarSet } from '../helpers/krm.js';
import { checkAll, observe, podProblems, readItems, schemaProblems, templatesOf } from './invariants.js';

const WHITELIST = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'kruise-configuration', namespace: 'kruise-system' },
  data: { SidecarSet_PatchPodMetadata_WhiteList: JSON.stringify({ rules: [{ allowedAnnotationKeyExprs: ['.*'] }] }) },
};

const EVERY_FEATURE = sidecarSet('mesh', {
  selector: { matchLabels: { app: 'shop' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['batch'] }] },
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'default' } },
  updateStrategy: { type: 'NotUpdate' },
  initContainers: [
    { name: 'mesh-init', image: 'mesh-init:1', command: ['setup'] },
    {
      name: 'mesh-agent',
      image: 'agent:1',
      restartPolicy: 'Always',
      resourcesPolicy: { targetContainersMode: 'max', targetContainersNameRegex: '^shop', resourcesExpr: { requests: { cpu: 'cpu*50%' } } },
    },
  ],
  containers: [
    {
      name: 'envoy',
      image: 'envoy:1.29',
      podInjectPolicy: 'AfterAppContainer',
      upgradeStrategy: { upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'empty:1' },
      shareVolumePolicy: { type: 'enabled' },
      shareVolumeDevicePolicy: { type: 'enabled' },
      transferEnv: [
        { sourceContainerName: 'shop', envName: 'REGION' },
        { sourceContainerNameFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } }, envNames: ['LOG_LEVEL'] },
      ],
      env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      ports: [{ containerPort: 15001, name: 'proxy' }],
      volumeMounts: [{ name: 'certs', mountPath: '/certs', readOnly: true }],
      livenessProbe: { httpGet: { port: 15021 } },
      resources: { limits: { cpu: '0.5', memory: '128Mi' } },
    },
  ],
  volumes: [{ name: 'certs', secret: { secretName: 'mesh-certs' } }],
  imagePullSecrets: [{ name: 'registry' }],
  patchPodMetadata: [
    { annotations: { 'example.com/owner': 'platform' }, patchPolicy: 'Retain' },
    { annotations: { 'example.com/mesh': 'on' }, patchPolicy: 'Overwrite' },
    { annotations: { 'example.com/config': '{"log":{"level":"info"}}' }, patchPolicy: 'MergePatchJson' },
  ],
});

const SHOP_SPEC = {
  serviceAccountName: 'shop',
  containers: [
    {
      name: 'shop',
      image: 'shop:1',
      env: [{ name: 'REGION', value: 'eu' }],
      volumeMounts: [{ name: 'data', mountPath: '/data', subPathExpr: '$(POD_NAME)' }],
      volumeDevices: [{ name: 'disk', devicePath: '/dev/xvda' }],
      resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } },
    },
  ],
  volumes: [
    { name: 'data', emptyDir: {} },
    { name: 'disk', persistentVolumeClaim: { claimName: 'shop-disk' } },
  ],
};

function injectedTemplates(text: string): Array<{ where: string; template: Record<string, any> }> {
  const out = runFunction({ text });
  expect(out.exitCode, out.stderr).toBe(0);
  const items = readItems(out.stdout);
  const changed = out.items.flatMap((item, i) => (item.changed ? templatesOf(items[i].object) : []));
  expect(changed.length).toBeGreaterThan(0);
  return changed;
}

describe('injected pod templates against the Kubernetes OpenAPI schema', () => {
  it('the quickstart', () => {
    const text = readFileSync(new URL('../../examples/quickstart.yaml', import.meta.url), 'utf8');
    for (const { template } of injectedTemplates(text)) {
      expect(schemaProblems(template)).toEqual([]);
      expect(podProblems(template)).toEqual([]);
    }
  });

  it('every SidecarSet feature at once, on a Deployment and on a Pod', () => {
    const serviceAccount = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'shop', namespace: 'default' },
      imagePullSecrets: [{ name: 'mirror' }],
    };
    const text = resourceList([
      EVERY_FEATURE,
      WHITELIST,
      serviceAccount,
      deployment('shop', { app: 'shop' }, SHOP_SPEC, 'default'),
      // A copy: a shared object would come out as a YAML alias across items (see corpus.test.ts).
      pod('shop-debug', { app: 'shop' }, structuredClone(SHOP_SPEC), 'default'),
    ]);
    const templates = injectedTemplates(text);
    expect(templates).toHaveLength(2);
    for (const { template } of templates) {
      expect(schemaProblems(template)).toEqual([]);
      expect(podProblems(template)).toEqual([]);
      const names = [...template.spec.initContainers, ...template.spec.containers].map((c: { name: string }) => c.name);
      expect(names).toEqual(expect.arrayContaining(['mesh-init', 'mesh-agent', 'envoy-1', 'envoy-2', 'shop']));
    }
    checkAll(observe(text));
  });

  it('the check can fail: it reports what the apiserver would reject', () => {
    const broken = {
      metadata: { labels: { app: 'x' } },
      spec: {
        containers: [
          {
            name: 'a',
            image: 'a',
            ports: [{ containerPort: 'http' }],
            env: [{ name: '1=bad' }],
            volumeMounts: [{ name: 'nope', mountPath: '/x' }],
          },
        ],
        initContainers: [{ name: 'a', image: 'a' }],
        imagePullSecrets: [{ name: 's' }, { name: 's' }],
      },
    };
    expect(schemaProblems(broken)).toEqual([expect.stringContaining('/spec/containers/0/ports/0/containerPort')]);
    expect(podProblems(broken)).toEqual([
      'container name "a" is used more than once',
      'container a: volumeMount "nope" has no volume',
      'container a: env name "1=bad" is invalid',
      'imagePullSecret "s" is listed more than once',
    ]);
  });
});
