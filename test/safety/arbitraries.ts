// fast-check generators for whole ResourceLists: workloads of every built-in kind and SidecarSets
// using every feature. Names come mostly from small pools, so that selectors match, containers
// and volumes collide and transferEnv finds its sources; a few draws are invalid on purpose.
import fc from 'fast-check';
import { stringify } from 'yaml';

export type Obj = Record<string, any>;

// Separate pools for application and sidecar containers: a sidecar replacing an application
// container is a corner case (a warning), so it should come up now and then, not in most runs.
const APP_NAMES = ['app', 'web', 'api', 'worker'] as const;
const SIDECAR_NAMES = ['side', 'proxy', 'log', 'envoy', 'agent'] as const;
const INVALID_NAMES = ['Bad_Name', 'a'.repeat(64), '-dash', 'UPPER'] as const;

/** A DNS-1123 label: mostly from `pool`, sometimes fresh or from the other pool, rarely invalid. */
const nameFrom = (pool: readonly string[], other: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...pool) },
    { weight: 6, arbitrary: fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/) },
    { weight: 1, arbitrary: fc.constantFrom(...other) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID_NAMES) },
  );
export const appName = nameFrom(APP_NAMES, SIDECAR_NAMES);
export const sidecarName = nameFrom(SIDECAR_NAMES, APP_NAMES);

const LABEL_KEYS = ['app', 'tier', 'team', 'example.com/role'] as const;
const LABEL_VALUES = ['web', 'api', 'a', 'b'] as const;
const labelKey = fc.constantFrom(...LABEL_KEYS);
const labelValue = fc.constantFrom(...LABEL_VALUES);
/** Pod labels: nearly always an `app`, so that selectors have something to match. */
const labels = fc
  .tuple(
    fc.constantFrom('web', 'web', 'api'),
    fc.dictionary(fc.constantFrom('tier', 'team', 'example.com/role'), labelValue, { maxKeys: 2 }),
    fc.nat(20),
  )
  .map(([app, rest, n]) => (n === 0 ? rest : { app, ...rest }));

const ENV_NAMES = ['LOG_LEVEL', 'REGION', 'TOKEN', 'POD_IP'] as const;
const envName = fc.oneof({ weight: 100, arbitrary: fc.constantFrom(...ENV_NAMES) }, { weight: 1, arbitrary: fc.constant('1-bad=name') });
const envVar = fc.oneof(
  fc.record({ name: envName, value: fc.constantFrom('debug', 'eu', '1', '') }),
  fc.record({ name: envName, valueFrom: fc.constant({ fieldRef: { fieldPath: 'status.podIP' } }) }),
);
const env = fc.uniqueArray(envVar, { maxLength: 3, selector: (e) => e.name });

const VOLUME_NAMES = ['data', 'logs', 'certs', 'sock', 'disk'] as const;
const volumeName = fc.constantFrom(...VOLUME_NAMES);
const mountPath = fc.constantFrom('/data', '/var/log', '/certs', '/run/sock', '/tmp');
const volumeMount = fc.record(
  { name: volumeName, mountPath, readOnly: fc.boolean(), subPathExpr: fc.constant('$(POD_NAME)') },
  { requiredKeys: ['name', 'mountPath'] },
);
const volumeMounts = fc.uniqueArray(volumeMount, { maxLength: 3, selector: (m) => m.mountPath });
const volumeDevice = fc.record({ name: volumeName, devicePath: fc.constantFrom('/dev/xvda', '/dev/xvdb') });
const volumeDevices = fc.uniqueArray(volumeDevice, { maxLength: 2, selector: (d) => d.devicePath });

const volumeSource = fc.oneof(
  fc.constant({ emptyDir: {} }),
  fc.constant({ emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }),
  fc.constant({ configMap: { name: 'cfg' } }),
  fc.constant({ secret: { secretName: 'tls', defaultMode: 256 } }),
  fc.constant({ hostPath: { path: '/var/run', type: 'Directory' } }),
  fc.constant({ persistentVolumeClaim: { claimName: 'claim' } }),
  fc.constant({}),
);
const volume = fc.tuple(volumeName, volumeSource).map(([name, source]) => ({ name, ...source }));
const volumes = fc.uniqueArray(volume, { maxLength: 3, selector: (v) => v.name });

// Requests are drawn below limits, so that the apiserver's request ≤ limit rule holds.
const limitsList = fc.record({ cpu: fc.constantFrom('250m', '1', '0.5'), memory: fc.constantFrom('128Mi', '1Gi') }, { requiredKeys: [] });
const requestsList = fc.record({ cpu: fc.constantFrom('100m', '0.1'), memory: fc.constantFrom('64Mi', '100M') }, { requiredKeys: [] });
const resources = fc.record({ limits: limitsList, requests: requestsList }, { requiredKeys: [] });

const pullSecrets = fc.uniqueArray(fc.record({ name: fc.constantFrom('registry', 'mirror', 'private') }), {
  maxLength: 2,
  selector: (s) => s.name,
});

/** An application container of a pod template. */
const appContainer = (name: fc.Arbitrary<string>) =>
  fc.record(
    {
      name,
      image: fc.constantFrom('app:1', 'nginx:1.25', 'registry.example.com/team/api@sha256:' + 'a'.repeat(64)),
      env,
      volumeMounts,
      volumeDevices,
      resources,
      ports: fc.constant([{ containerPort: 8080, name: 'http' }]),
    },
    { requiredKeys: ['name', 'image'] },
  );

/** A pod template ({metadata, spec}) whose names are unique unless `conflicting`. */
export const podTemplate: fc.Arbitrary<Obj> = fc
  .record({
    labels,
    annotations: fc.option(fc.dictionary(fc.constantFrom('example.com/owner', 'note'), fc.constantFrom('x', '{"a":1}')), {
      nil: undefined,
    }),
    containers: fc.uniqueArray(appContainer(appName), { minLength: 1, maxLength: 3, selector: (c) => c.name }),
    initContainers: fc.option(
      fc.uniqueArray(
        fc
          .tuple(appContainer(appName.map((n) => `${n}-init`)), fc.boolean())
          .map(([c, native]) => (native ? { ...c, restartPolicy: 'Always' } : c)),
        { maxLength: 2, selector: (c) => c.name },
      ),
      { nil: undefined },
    ),
    volumes: fc.option(volumes, { nil: undefined }),
    imagePullSecrets: fc.option(pullSecrets, { nil: undefined }),
    serviceAccountName: fc.option(fc.constantFrom('default', 'runner'), { nil: undefined }),
  })
  .map(({ labels: l, annotations, containers, initContainers, volumes: v, imagePullSecrets, serviceAccountName }) => {
    const spec: Obj = { containers };
    if (initContainers && initContainers.length > 0) spec.initContainers = initContainers;
    if (v) spec.volumes = v;
    // Mounts and devices of the template refer to the template's own volumes, as the apiserver requires.
    spec.containers = referToOwnVolumes(v ?? [], containers);
    if (spec.initContainers) spec.initContainers = referToOwnVolumes(v ?? [], spec.initContainers);
    if (imagePullSecrets) spec.imagePullSecrets = imagePullSecrets;
    if (serviceAccountName) spec.serviceAccountName = serviceAccountName;
    const metadata: Obj = { labels: l };
    if (annotations) metadata.annotations = annotations;
    return { metadata, spec };
  });

/** Every built-in workload kind, each wrapping its template(s) where that kind keeps them. */
export const WORKLOAD_KINDS = [
  'Pod',
  'PodTemplate',
  'ReplicationController',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'CloneSet',
  'AdvancedStatefulSet',
  'AdvancedDaemonSet',
  'BroadcastJob',
  'AdvancedCronJob',
  'UnitedDeployment',
  'Rollout',
] as const;

const UNITED_TEMPLATES = ['statefulSetTemplate', 'advancedStatefulSetTemplate', 'cloneSetTemplate', 'deploymentTemplate'] as const;

function workloadOf(kind: (typeof WORKLOAD_KINDS)[number], metadata: Obj, templates: Obj[]): Obj {
  const [t, second] = templates;
  const selector = { matchLabels: t.metadata.labels };
  const withSpec = (apiVersion: string, k: string, spec: Obj) => ({ apiVersion, kind: k, metadata, spec });
  switch (kind) {
    case 'Pod':
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...metadata, labels: t.metadata.labels, ...(t.metadata.annotations ? { annotations: t.metadata.annotations } : {}) },
        spec: t.spec,
      };
    case 'PodTemplate':
      return { apiVersion: 'v1', kind: 'PodTemplate', metadata, template: t };
    case 'ReplicationController':
      return withSpec('v1', kind, { replicas: 1, selector: t.metadata.labels, template: t });
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
      return withSpec('apps/v1', kind, { selector, template: t });
    case 'StatefulSet':
      return withSpec('apps/v1', kind, { serviceName: metadata.name, selector, template: t });
    case 'Job':
      return withSpec('batch/v1', kind, { template: t });
    case 'CronJob':
      return withSpec('batch/v1', kind, { schedule: '*/5 * * * *', jobTemplate: { spec: { template: t } } });
    case 'CloneSet':
      return withSpec('apps.kruise.io/v1alpha1', 'CloneSet', { selector, template: t });
    case 'AdvancedStatefulSet':
      return withSpec('apps.kruise.io/v1beta1', 'StatefulSet', { serviceName: metadata.name, selector, template: t });
    case 'AdvancedDaemonSet':
      return withSpec('apps.kruise.io/v1alpha1', 'DaemonSet', { selector, template: t });
    case 'BroadcastJob':
      return withSpec('apps.kruise.io/v1alpha1', 'BroadcastJob', { template: t });
    case 'AdvancedCronJob': {
      const template: Obj = { jobTemplate: { spec: { template: t } } };
      if (second) template.broadcastJobTemplate = { spec: { template: second } };
      return withSpec('apps.kruise.io/v1alpha1', 'AdvancedCronJob', { schedule: '0 * * * *', template });
    }
    case 'UnitedDeployment': {
      const template: Obj = {};
      templates.forEach(
        (x, i) => (template[UNITED_TEMPLATES[i]] = { spec: { selector: { matchLabels: x.metadata.labels }, template: x } }),
      );
      return withSpec('apps.kruise.io/v1alpha1', 'UnitedDeployment', { selector, template, topology: { subsets: [{ name: 'a' }] } });
    }
    case 'Rollout':
      return withSpec('argoproj.io/v1alpha1', 'Rollout', { selector, template: t, strategy: { canary: {} } });
  }
}

export const workload: fc.Arbitrary<Obj> = fc
  .record({
    kind: fc.constantFrom(...WORKLOAD_KINDS),
    name: appName,
    namespace: fc.option(fc.constantFrom('default', 'default', 'prod', 'kube-system'), { nil: undefined }),
    templates: fc.array(podTemplate, { minLength: 1, maxLength: 4 }),
  })
  .map(({ kind, name, namespace, templates }) => workloadOf(kind, { name, ...(namespace ? { namespace } : {}) }, templates));

// --- SidecarSets ------------------------------------------------------------------------------

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
const operator = fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...OPERATORS) }, { weight: 1, arbitrary: fc.constant('Matches') });
const matchExpression = fc
  .record({ key: labelKey, operator, values: fc.uniqueArray(labelValue, { minLength: 1, maxLength: 2 }) })
  .map((e) => (e.operator === 'Exists' || e.operator === 'DoesNotExist' ? { key: e.key, operator: e.operator } : e));
export const selector: fc.Arbitrary<Obj> = fc
  .record(
    {
      matchLabels: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom({ app: 'web' }, { app: 'api' }) },
        { weight: 1, arbitrary: fc.dictionary(labelKey, labelValue, { maxKeys: 2 }) },
      ),
      matchExpressions: fc.array(matchExpression, { maxLength: 2, size: 'xsmall' }),
    },
    { requiredKeys: ['matchLabels'] },
  )
  .map((s) => {
    const out: Obj = {};
    if (s.matchLabels && Object.keys(s.matchLabels).length > 0) out.matchLabels = s.matchLabels;
    if (s.matchExpressions && s.matchExpressions.length > 0) out.matchExpressions = s.matchExpressions;
    return Object.keys(out).length > 0 ? out : { matchLabels: { app: 'web' } };
  });

const namespaceSelector = fc.oneof(
  fc.constant({ matchLabels: { 'kubernetes.io/metadata.name': 'default' } }),
  fc.constant({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['default', 'prod'] }] }),
  fc.constant({ matchLabels: { env: 'prod' } }),
);

const transferEnv = fc.oneof(
  fc.record({ sourceContainerName: appName, envName: fc.constantFrom(...ENV_NAMES) }),
  fc.record({ sourceContainerName: appName, envNames: fc.uniqueArray(fc.constantFrom(...ENV_NAMES), { minLength: 1, maxLength: 2 }) }),
  fc.record({
    sourceContainerNameFrom: fc.constant({ fieldRef: { fieldPath: "metadata.labels['app']" } }),
    envName: fc.constantFrom(...ENV_NAMES),
  }),
);

/** `arb` in one draw out of `outOf`, else absent. */
const sometimes = <T>(arb: fc.Arbitrary<T>, outOf: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: outOf - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const resourcesPolicy = fc.record({
  targetContainersMode: fc.constantFrom('sum', 'max'),
  targetContainersNameRegex: fc.constantFrom('.*', '^app$', 'web|api', '(a+)+$'),
  resourcesExpr: fc.oneof(
    fc.record({
      limits: fc.record(
        { cpu: fc.constantFrom('cpu*50%', 'max(cpu*50%, 100m)'), memory: fc.constantFrom('memory*30%', '200Mi') },
        { requiredKeys: ['cpu'] },
      ),
    }),
    fc.record({
      requests: fc.record(
        { cpu: fc.constantFrom('cpu*50%', '50m'), memory: fc.constantFrom('memory*20% + 10Mi') },
        { requiredKeys: ['memory'] },
      ),
    }),
  ),
});

/** A sidecar container or init container with every SidecarSet-only feature on offer. */
const sidecarContainer = (init: boolean) =>
  fc
    .record(
      {
        name: sidecarName,
        image: fc.constantFrom('side:1', 'envoy:1.29', 'busybox'),
        command: fc.constant(['run']),
        env,
        volumeMounts,
        volumeDevices,
        resources,
        podInjectPolicy: fc.constantFrom('BeforeAppContainer', 'AfterAppContainer'),
        shareVolumePolicy: fc.record({ type: fc.constantFrom('enabled', 'disabled') }),
        shareVolumeDevicePolicy: fc.record({ type: fc.constantFrom('enabled', 'disabled') }),
        transferEnv: fc.array(transferEnv, { maxLength: 2 }),
        upgradeStrategy: fc.record({
          upgradeType: fc.constantFrom('ColdUpgrade', 'HotUpgrade'),
          hotUpgradeEmptyImage: fc.constant('empty:1'),
        }),
        resourcesPolicy: sometimes(resourcesPolicy, 5),
        restartPolicy: fc.constant('Always'),
      },
      { requiredKeys: ['name', 'image', 'resourcesPolicy'] },
    )
    .map((c) => {
      const out: Obj = { ...c };
      if (out.resourcesPolicy === undefined) delete out.resourcesPolicy;
      // Kruise forbids resources next to a resourcesPolicy; keep most draws valid.
      if (out.resourcesPolicy) delete out.resources;
      if (!init) delete out.restartPolicy;
      if (init && out.restartPolicy !== 'Always') delete out.resourcesPolicy;
      if (init) delete out.upgradeStrategy;
      return out;
    });

const patchPodMetadata = fc.oneof(
  fc.record({ annotations: fc.constant({ 'example.com/owner': 'platform' }), patchPolicy: fc.constantFrom('Retain', 'Overwrite') }),
  fc.record({
    annotations: fc.constant({ 'example.com/config': '{"log":{"level":"info"},"b":null}' }),
    patchPolicy: fc.constant('MergePatchJson'),
  }),
  fc.record({ annotations: fc.constant({ note: '{"x":1}' }), patchPolicy: fc.constantFrom('Retain', 'Overwrite', 'MergePatchJson') }),
);

export const sidecarSetArb: fc.Arbitrary<Obj> = fc
  .record(
    {
      name: sidecarName,
      apiVersion: fc.constantFrom('apps.kruise.io/v1beta1', 'apps.kruise.io/v1alpha1'),
      selector,
      namespaceSelector: fc.option(namespaceSelector, { freq: 2, nil: undefined }),
      containers: fc.uniqueArray(sidecarContainer(false), { maxLength: 2, selector: (c) => c.name }),
      initContainers: fc.uniqueArray(sidecarContainer(true), { maxLength: 2, selector: (c) => c.name }),
      volumes: fc.uniqueArray(volume, { minLength: 1, maxLength: 4, selector: (v) => v.name }),
      imagePullSecrets: pullSecrets,
      patchPodMetadata: fc.uniqueArray(patchPodMetadata, { maxLength: 2, selector: (p) => Object.keys(p.annotations)[0] }),
      notUpdate: fc.oneof({ weight: 15, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      paused: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    },
    { requiredKeys: ['name', 'apiVersion', 'selector', 'namespaceSelector', 'containers', 'notUpdate'] },
  )
  .map((s) => {
    const spec: Obj = { selector: s.selector };
    if (s.namespaceSelector) spec.namespaceSelector = s.namespaceSelector;
    if (s.containers.length > 0) spec.containers = s.containers;
    if (s.initContainers && s.initContainers.length > 0) spec.initContainers = s.initContainers;
    if (!spec.containers && !spec.initContainers) spec.containers = [{ name: `${s.name}-sidecar`, image: 'side:1' }];
    if (s.volumes) spec.volumes = s.volumes;
    if (spec.containers) spec.containers = referToOwnVolumes(s.volumes ?? [], spec.containers);
    if (spec.initContainers) spec.initContainers = referToOwnVolumes(s.volumes ?? [], spec.initContainers);
    // One name per container across containers and initContainers, as Kruise's validation requires.
    if (spec.initContainers && spec.containers) {
      const taken = new Set(spec.containers.map((c: Obj) => c.name));
      spec.initContainers = spec.initContainers.filter((c: Obj) => !taken.has(c.name));
      if (spec.initContainers.length === 0) delete spec.initContainers;
    }
    if (s.imagePullSecrets) spec.imagePullSecrets = s.imagePullSecrets;
    if (s.patchPodMetadata && s.patchPodMetadata.length > 0) spec.patchPodMetadata = s.patchPodMetadata;
    // Native-sidecar init containers need NotUpdate: usually given, so that most SidecarSets are valid.
    if (s.notUpdate) spec.updateStrategy = { type: 'NotUpdate' };
    if (s.paused) spec.injectionStrategy = { paused: true };
    return { apiVersion: s.apiVersion, kind: 'SidecarSet', metadata: { name: s.name }, spec };
  });

/**
 * Kruise validates a SidecarSet's containers like a pod's: mounts name a volume of the SidecarSet,
 * devices a persistentVolumeClaim one, and no volume is both mounted and a device in one container.
 */
function referToOwnVolumes(volumes: readonly Obj[], containers: readonly Obj[]): Obj[] {
  const byName = new Map(volumes.map((v) => [v.name as string, v]));
  // Copies: fast-check reuses generated values while shrinking, so they must not be mutated.
  return containers.map((original) => {
    const c = { ...original };
    if (c.volumeDevices) c.volumeDevices = c.volumeDevices.filter((d: Obj) => byName.get(d.name)?.persistentVolumeClaim);
    const devices = new Set((c.volumeDevices ?? []).map((d: Obj) => d.name));
    if (c.volumeMounts) c.volumeMounts = c.volumeMounts.filter((m: Obj) => byName.has(m.name) && !devices.has(m.name));
    if (c.volumeMounts?.length === 0) delete c.volumeMounts;
    if (c.volumeDevices?.length === 0) delete c.volumeDevices;
    return c;
  });
}

// --- Context items and whole lists ---------------------------------------------------------------

const WHITELIST = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'kruise-configuration', namespace: 'kruise-system' },
  data: { SidecarSet_PatchPodMetadata_WhiteList: JSON.stringify({ rules: [{ allowedAnnotationKeyExprs: ['.*'] }] }) },
};
const namespaceItem = fc
  .record({ name: fc.constantFrom('default', 'prod'), env: fc.constantFrom('prod', 'dev') })
  .map(({ name, env: e }) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { env: e } },
  }));
const serviceAccount = fc.record({ name: fc.constantFrom('default', 'runner'), secrets: pullSecrets }).map(({ name, secrets }) => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace: 'default' },
  imagePullSecrets: secrets,
}));
/** Items the function must never touch. */
const bystander = fc.constantFrom<Obj>(
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { 'app.yaml': 'a: 1\n', on: 'yes' } },
  { apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name: 'pkg' }, pipeline: { mutators: [{ exec: 'inject-sidecarsets' }] } },
  { resources: ['deploy.yaml'], namePrefix: 'dev-' },
  { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { template: { spec: { containers: [{ name: 'x' }] } } } },
);

/** How the list is written: as kpt does, with indented items (as this function does), or as JSON (the fallback reader). */
export type Style = 'kpt' | 'indented' | 'json';

export interface Case {
  items: Obj[];
  functionConfig?: Obj;
  style: Style;
}

export const caseArb: fc.Arbitrary<Case> = fc
  .record({
    sidecarSets: fc.oneof(
      { weight: 8, arbitrary: fc.uniqueArray(sidecarSetArb, { minLength: 1, maxLength: 3, selector: (s) => s.metadata.name }) },
      { weight: 1, arbitrary: fc.array(sidecarSetArb, { minLength: 1, maxLength: 3 }) },
    ),
    workloads: fc.array(workload, { minLength: 1, maxLength: 3 }),
    namespaces: fc.uniqueArray(namespaceItem, { maxLength: 2, selector: (n) => n.metadata.name }),
    serviceAccounts: fc.uniqueArray(serviceAccount, { maxLength: 2, selector: (s) => s.metadata.name }),
    bystanders: fc.array(bystander, { maxLength: 2 }),
    whitelist: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    config: fc.constantFrom('none', 'InjectSidecarSets', 'ConfigMap'),
    style: fc.constantFrom<Style>('kpt', 'kpt', 'indented', 'json'),
  })
  .chain((c) => {
    const items = [
      ...c.sidecarSets,
      ...c.workloads,
      ...c.namespaces,
      ...c.serviceAccounts,
      ...c.bystanders,
      ...(c.whitelist ? [WHITELIST] : []),
    ];
    return fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }).map((shuffled) => {
      const out: Case = { items: shuffled, style: c.style };
      if (c.config === 'InjectSidecarSets')
        out.functionConfig = { apiVersion: 'fn.kpt.dev/v1alpha1', kind: 'InjectSidecarSets', metadata: { name: 'config' } };
      if (c.config === 'ConfigMap') out.functionConfig = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config' }, data: {} };
      return out;
    });
  });

export function caseText(c: Case): string {
  const list: Obj = { apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: c.items };
  if (c.functionConfig) list.functionConfig = c.functionConfig;
  if (c.style === 'json') return JSON.stringify(list, null, 2) + '\n';
  return stringify(list, { version: '1.1', aliasDuplicateObjects: false, indentSeq: c.style === 'indented' });
}

// --- Corruption: one node of one item replaced by a value of any type ----------------------------

export interface Corrupted {
  case: Case;
  /** Index of the corrupted item and the path of the replaced node inside it. */
  item: number;
  path: (string | number)[];
}

const anyValue = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 2 }),
  fc.dictionary(fc.constantFrom('name', 'a', '__proto__'), fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxKeys: 2 }),
);

function nodePaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...nodePaths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...nodePaths(v, [...prefix, k]));
  return out;
}

function replaceAt(value: Obj, path: (string | number)[], replacement: unknown): Obj {
  const copy = structuredClone(value);
  let node: any = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = replacement;
  return copy;
}

export const corruptedCaseArb: fc.Arbitrary<Corrupted> = caseArb.chain((c) =>
  fc.nat(c.items.length - 1).chain((item) => {
    const paths = nodePaths(c.items[item]);
    return fc.tuple(fc.constantFrom(...paths), anyValue).map(([path, value]) => ({
      case: { ...c, items: c.items.map((x, i) => (i === item ? replaceAt(x, path, value) : x)) },
      item,
      path,
    }));
  }),
);
