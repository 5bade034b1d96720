// Counterexamples found by properties.test.ts (and by hand while building the corpus), each fixed
// as a minimal input with the invariant it broke. Known bugs are it.fails with a `// BUG:` line;
// the lead flips them to `it` when the fix lands.
import { describe, expect, it } from 'vitest';
import { runFunction } from '../../src/run.js';
import { checkAll, checkIdempotent, observe } from './invariants.js';
import { RESOURCE_LIST_HEAD as HEADER, logSidecarSetItem } from '../helpers/krm.js';
import { deploymentItemHead, podItemHead, sidecarSetItemHead } from '../helpers/manifest-text.js';

describe('regressions', () => {
  // Found by properties.test.ts, seed 1174625681 (shrunk, then reduced by hand).
  // Fixed: hot-upgrade twins (<name>-1/-2) injected by a run were resourcesPolicy targets of the next run, so every re-run grew the request.
  it('hot-upgrade twins do not become resourcesPolicy targets on a re-run', () => {
    const text = `${HEADER}${sidecarSetItemHead('envoy')}    containers:
    - name: envoy
      image: envoy:1
      upgradeStrategy:
        upgradeType: HotUpgrade
        hotUpgradeEmptyImage: empty:1
      resourcesPolicy:
        targetContainersMode: sum
        targetContainersNameRegex: .*
        resourcesExpr:
          requests:
            memory: memory*50%
${podItemHead('web')}    containers:
    - name: main
      image: main:1
      resources:
        requests:
          memory: 100Mi
`;
    const observed = observe(text);
    expect(observed.first.exitCode).toBe(0);
    expect(observed.first.stdout).toContain('memory: 50Mi');
    checkIdempotent(observed);
  });

  // Found by properties.test.ts, seed -1588721451 (devices); the mounts variant by hand. The replaced
  // container is given back from the overwritten record before the re-run injects again.
  it.each([
    ['shareVolumePolicy', 'volumeMounts:\n      - name: data\n        mountPath: /data', 'emptyDir: {}'],
    [
      'shareVolumeDevicePolicy',
      'volumeDevices:\n      - name: data\n        devicePath: /dev/xvda',
      'persistentVolumeClaim:\n        claimName: claim',
    ],
  ])('a sidecar named like an app container keeps the shared %s on a re-run', (policy, use, source) => {
    const text = `${HEADER}${sidecarSetItemHead('agent')}    containers:
    - name: main
      image: agent:1
      ${policy}:
        type: enabled
${podItemHead('web')}    containers:
    - name: main
      image: main:1
      ${use}
    volumes:
    - name: data
      ${source}
`;
    const observed = observe(text);
    expect(observed.first.exitCode).toBe(0);
    expect(observed.first.items[1].text).toContain('name: data');
    checkIdempotent(observed);
  });

  // Found by properties.test.ts, seed 759588224 (shrunk): the same case across two SidecarSets.
  it('a container replaced by one SidecarSet stays a share source for another on a re-run', () => {
    const text = `${HEADER}${sidecarSetItemHead('agent')}    containers:
    - name: agent
      image: agent:1
      shareVolumePolicy:
        type: enabled
${sidecarSetItemHead('logging')}    containers:
    - name: log
      image: log:1
${podItemHead('web')}    containers:
    - name: log
      image: app-log:1
      volumeMounts:
      - name: data
        mountPath: /data
    - name: main
      image: main:1
    volumes:
    - name: data
      emptyDir: {}
`;
    const observed = observe(text);
    expect(observed.first.exitCode).toBe(0);
    checkIdempotent(observed);
  });

  // Found by properties.test.ts, seed -926648111 (shrunk; kept as found).
  // Fixed: when two SidecarSets both inject hot-upgrade twins agent-1/agent-2 (an error result), only the first SidecarSet's are injected.
  it('two SidecarSets injecting the same hot-upgrade twins are a fixed point', () => {
    const text = `${HEADER}${sidecarSetItemHead('envoy')}    containers:
    - name: agent
      image: side:1
      podInjectPolicy: AfterAppContainer
      upgradeStrategy:
        upgradeType: HotUpgrade
        hotUpgradeEmptyImage: empty:1
      resourcesPolicy:
        targetContainersMode: sum
        targetContainersNameRegex: web|api
        resourcesExpr:
          requests:
            memory: memory*20% + 10Mi
${sidecarSetItemHead('side')}    containers:
    - name: agent
      image: side:1
      upgradeStrategy:
        upgradeType: HotUpgrade
        hotUpgradeEmptyImage: empty:1
${podItemHead('app')}    containers:
    - name: api
      image: app:1
`;
    const observed = observe(text);
    expect(observed.first.exitCode).toBe(1);
    checkIdempotent(observed);
  });

  // Found by properties.test.ts, seed 2030771624 (shrunk, names made readable): the same bug with init containers.
  // Fixed: two SidecarSets injecting an init container of one name (an error result): only the first SidecarSet's is injected.
  it('two SidecarSets injecting the same init container name are a fixed point', () => {
    const text = `${HEADER}${sidecarSetItemHead('a-native')}    updateStrategy:
      type: NotUpdate
    initContainers:
    - name: log
      image: log:1
      restartPolicy: Always
${sidecarSetItemHead('b-classic')}    initContainers:
    - name: log
      image: log:1
      podInjectPolicy: BeforeAppContainer
${podItemHead('web')}    containers:
    - name: main
      image: main:1
`;
    const observed = observe(text);
    expect(observed.first.exitCode).toBe(1);
    checkIdempotent(observed);
  });

  // Found by properties.test.ts, seed -783913321 (shrunk): a sidecar left out after a name conflict
  // (an error result) still brought its volume, which the next run swept as unmounted.
  // Fixed: a SidecarSet's volume comes only with a container of it that is injected and mounts it.
  it('the volume of a sidecar left out after a name conflict is not injected', () => {
    const text = `${HEADER}${sidecarSetItemHead('a-first')}    containers:
    - name: proxy
      image: side:1
${sidecarSetItemHead('b-second')}    initContainers:
    - name: proxy
      image: side:1
      volumeMounts:
      - name: certs
        mountPath: /data
    volumes:
    - name: certs
      emptyDir: {}
${podItemHead('app')}    containers:
    - name: app
      image: app:1
`;
    const observed = observe(text);
    expect(observed.first.exitCode).toBe(1);
    expect(observed.first.items[2].text).toContain('name: proxy');
    expect(observed.first.items[2].text).not.toContain('name: certs');
    checkIdempotent(observed);
  });

  // Found by properties.test.ts (FUZZ_RUNS=1000) while the overwritten record was being built:
  // the volumes of an earlier run were read off the template after the replaced container was given
  // back, so the volume its sidecar had mounted looked like the template's own.
  it('a volume mounted by a sidecar that replaced an app container is known as injected on a re-run', () => {
    const text = `${HEADER}${podItemHead('app')}    containers:
    - name: web
      image: app:1
${sidecarSetItemHead('side')}    containers:
    - name: web
      image: side:1
      volumeMounts:
      - name: data
        mountPath: /data
    volumes:
    - name: data
      emptyDir: {}
`;
    const observed = observe(text);
    expect(observed.first.items[0].changed).toBe(true);
    checkIdempotent(observed);
  });

  // Reported in issue 12 (defect 1), under kpt and kustomize alike: "could not process item 1
  // (Cannot convert undefined or null to object)". Fixed: a null map is read as an absent one.
  it('a matched template whose annotations hold only commented-out keys', () => {
    const text = `${HEADER}- apiVersion: apps.kruise.io/v1beta1
  kind: SidecarSet
  metadata:
    name: log
    annotations:
  spec:
    selector:
      matchLabels:
        app: web
    containers:
    - name: log
      image: log:1
      env:
${deploymentItemHead('web')}        annotations:
          # owner: someone
      spec:
        containers:
        - name: app
          image: app:1
`;
    const observed = observe(text);
    expect(observed.first.exitCode).toBe(0);
    expect(observed.first.items[1].changed).toBe(true);
    expect(observed.first.items[1].text).toContain('# owner: someone');
    checkAll(observed);
  });

  // Reported in issue 12 (defect 8): a workload in a `kind: List` item got no injection and no result.
  it('a workload inside a List item', () => {
    const text = `${HEADER}${logSidecarSetItem('log')}- apiVersion: v1
  kind: List
  items:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        metadata:
          labels:
            app: web
        spec:
          containers:
          - name: app
            image: app:1
`;
    const observed = observe(text);
    expect(observed.first.exitCode).toBe(0);
    expect(observed.first.items[1].changed).toBe(true);
    expect(observed.first.results.map((r) => r.message)).toContain(
      'Deployment web, items[0] of this List: injected log into spec.template from SidecarSet log',
    );
    checkAll(observed);
  });

  // Reported in issue 12 (defect 10): kubernetes/examples' etcd Deployment repeats spec.selector
  // with one value, and a SidecarSet selecting it failed the render.
  it('a repeated key with one value outside the pod template', () => {
    const text = `${HEADER}${sidecarSetItemHead('log', 'name: etcd')}    containers:
    - name: log
      image: log:1
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: etcd
  spec:
    selector:
      matchLabels:
        name: etcd
    replicas: 3
    selector:
      matchLabels:
        name: etcd
    template:
      metadata:
        labels:
          name: etcd
      spec:
        containers:
        - name: member
          image: etcd:1
`;
    const observed = observe(text);
    expect(observed.first.exitCode).toBe(0);
    expect(observed.first.items[1].changed).toBe(true);
    expect(observed.first.results.filter((r) => r.severity === 'warning')).toHaveLength(1);
    checkAll(observed);
  });

  it('the idempotency check itself sees a plain injection as a fixed point', () => {
    const text = `${HEADER}${sidecarSetItemHead('envoy')}    containers:
    - name: envoy
      image: envoy:1
${podItemHead('web')}    containers:
    - name: main
      image: main:1
`;
    const observed = observe(text);
    expect(observed.first.items[1].changed).toBe(true);
    checkAll(observed);
    expect(runFunction({ text: observed.first.stdout }).items.every((i) => !i.changed)).toBe(true);
  });
});
