// Synthetic, deterministic inputs for the benchmark: a kpt package of workloads with their
// Services, ConfigMaps, Namespaces and ServiceAccounts, plus SidecarSets whose selectors cover every
// selector form. The same seed always gives the same bytes, so timings of different builds compare.
import { FlowSequence, HeadComment, LineComment, SingleQuoted, writeMap, writeSequence } from './yaml-emit.js';
import type { YamlMap, YamlValue } from './yaml-emit.js';

export interface GenerateOptions {
  workloads: number;
  sidecarSets: number;
  seed: number;
  /** `functionConfig`: inside an InjectSidecarSets config; `items`: as items, with no functionConfig. */
  sidecarSetsAs: 'functionConfig' | 'items';
}

/** One object of the package, with the file it lives in and its position in that file. */
export interface PackageResource {
  path: string;
  index: number;
  /** The document's head comment (kpt sends it on the item's dash line). */
  comment?: string;
  object: YamlMap;
}

export interface GeneratedPackage {
  /** In the order kpt sends them: by file path, then by index in the file. */
  resources: PackageResource[];
  /** The InjectSidecarSets config, when the SidecarSets travel in it. */
  functionConfig?: YamlMap;
}

export interface PackageFile {
  path: string;
  text: string;
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(choices: readonly T[]): T;
  chance(probability: number): boolean;
  shuffle<T>(values: readonly T[]): T[];
}

/** mulberry32: tiny, fast and good enough to vary synthetic manifests. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (choices) => choices[int(0, choices.length - 1)],
    chance: (probability) => next() < probability,
    shuffle: (values) => {
      const shuffled = [...values];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = int(0, i);
        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
      }
      return shuffled;
    },
  };
}

// Label keys the SidecarSet selectors look at; each is set on about half of the pod templates.
export const MESH_LABEL = 'sidecar.example.com/mesh';
export const SCRAPE_LABEL = 'monitoring.example.com/scrape';
export const OPT_OUT_LABEL = 'logging.example.com/opt-out';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const MESH_SERVICE_ACCOUNT = 'mesh-sidecar';
const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

const PART_OF_GROUPS = 100;
const BROAD_SIDECARSETS = 6;
const WORKLOADS_PER_NAMESPACE = 250;
const MAX_NAMESPACES = 40;
const TIERS = ['frontend', 'web', 'backend', 'batch'] as const;
const NAME_STEMS = [
  'api', 'web', 'worker', 'cart', 'checkout', 'search', 'auth', 'billing',
  'catalog', 'orders', 'payments', 'profile', 'ledger', 'notify', 'report', 'ingest',
] as const;
const HELPER_CONTAINERS = ['log-shipper', 'metrics-exporter', 'cache', 'config-reloader'] as const;
const CPU_REQUESTS = ['50m', '100m', '250m', '500m'] as const;
const MEMORY_REQUESTS = ['64Mi', '128Mi', '256Mi', '512Mi'] as const;

type WorkloadKind = 'Deployment' | 'StatefulSet' | 'CronJob' | 'Pod';

interface NamespaceInfo {
  name: string;
  env: 'prod' | 'staging';
}

interface WorkloadContext {
  name: string;
  stem: string;
  kind: WorkloadKind;
  namespace: NamespaceInfo;
  hasConfigMap: boolean;
  serviceAccount?: string;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function namespaceCount(workloads: number): number {
  return Math.min(MAX_NAMESPACES, Math.max(1, Math.ceil(workloads / WORKLOADS_PER_NAMESPACE)));
}

function namespaces(workloads: number): NamespaceInfo[] {
  return Array.from({ length: namespaceCount(workloads) }, (_, k) => ({
    name: `team-${pad(k, 2)}`,
    env: k % 2 === 0 ? 'prod' : 'staging',
  }));
}

function pickKind(random: Random): WorkloadKind {
  const roll = random.next();
  if (roll < 0.5) return 'Deployment';
  if (roll < 0.7) return 'StatefulSet';
  if (roll < 0.85) return 'CronJob';
  return 'Pod';
}

function resources(random: Random): YamlMap {
  const cpu = random.pick(CPU_REQUESTS);
  const memory = random.pick(MEMORY_REQUESTS);
  return {
    requests: { cpu, memory },
    limits: random.chance(0.5) ? { cpu: '1', memory: '1Gi' } : { memory },
  };
}

function appEnv(random: Random, context: WorkloadContext): YamlValue[] {
  const env: YamlValue[] = [
    {
      name: 'LOG_LEVEL',
      value: random.chance(0.2) ? new LineComment('info', 'raise to debug when investigating') : 'info',
    },
    { name: 'CLUSTER_NAME', value: `${context.namespace.env}-eu-west-1` },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  ];
  if (random.chance(0.3)) {
    env.push({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${context.name}-db`, key: 'password' } } });
  }
  if (random.chance(0.2)) {
    env.push({ name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } });
  }
  for (let feature = random.int(0, 3); feature > 0; feature--) {
    env.push({ name: `FEATURE_${feature}_ENABLED`, value: random.pick(['true', 'false']) });
  }
  return env;
}

function appContainer(random: Random, context: WorkloadContext): YamlMap {
  const isJob = context.kind === 'CronJob';
  const container: YamlMap = {
    name: 'app',
    image: `registry.example.com/${context.namespace.name}/${context.stem}:1.${random.int(0, 30)}.${random.int(0, 9)}`,
    imagePullPolicy: 'IfNotPresent',
  };
  if (random.chance(0.4)) container.command = new FlowSequence([`/bin/${context.stem}`]);
  if (random.chance(0.6)) container.args = ['--port=8080', `--log-format=${random.pick(['json', 'text'])}`];
  if (!isJob) {
    container.ports = [
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ];
  }
  container.env = appEnv(random, context);
  if (context.hasConfigMap && random.chance(0.5)) container.envFrom = [{ configMapRef: { name: `${context.name}-config` } }];
  container.resources = resources(random);
  if (!isJob) {
    container.livenessProbe = {
      httpGet: { path: '/healthz', port: 'http' },
      initialDelaySeconds: random.pick([5, 10, 15]),
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    };
    container.readinessProbe = random.chance(0.7)
      ? { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 }
      : { tcpSocket: { port: 8080 }, periodSeconds: 5 };
    if (random.chance(0.2)) {
      container.startupProbe = { exec: { command: new FlowSequence(['cat', '/tmp/started']) }, failureThreshold: 30 };
    }
  }
  const mounts: YamlValue[] = [{ name: 'config', mountPath: `/etc/${context.stem}`, readOnly: true }];
  mounts.push(
    random.chance(0.5)
      ? { name: 'logs', mountPath: `/var/log/${context.stem}`, subPathExpr: '$(POD_NAME)' }
      : { name: 'logs', mountPath: `/var/log/${context.stem}` },
  );
  mounts.push({ name: 'tmp', mountPath: '/tmp' });
  if (context.kind === 'StatefulSet') mounts.push({ name: 'data', mountPath: `/var/lib/${context.stem}` });
  container.volumeMounts = mounts;
  container.securityContext = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
  return container;
}

function helperContainer(random: Random, role: string, context: WorkloadContext): YamlMap {
  const container: YamlMap = {
    name: role,
    image: `registry.example.com/platform/${role}:0.${random.int(1, 20)}.${random.int(0, 9)}`,
  };
  if (role === 'log-shipper') {
    container.args = ['--input=/var/log/app', '--output=stdout'];
    container.volumeMounts = [{ name: 'logs', mountPath: '/var/log/app', readOnly: true }];
  } else if (role === 'metrics-exporter') {
    if (context.kind !== 'CronJob') container.ports = [{ name: 'exporter', containerPort: 9100 }];
    container.env = [{ name: 'SCRAPE_TARGET', value: 'http://localhost:9090/metrics' }];
  } else if (role === 'cache') {
    container.command = new FlowSequence(['redis-server', '--save', '']);
    if (context.kind !== 'CronJob') container.readinessProbe = { tcpSocket: { port: 6379 }, periodSeconds: 5 };
  } else {
    container.args = [`--watch=/etc/${context.stem}`];
    container.volumeMounts = [{ name: 'config', mountPath: `/etc/${context.stem}`, readOnly: true }];
  }
  container.resources = resources(random);
  return container;
}

function podVolumes(random: Random, context: WorkloadContext): YamlValue[] {
  const volumes: YamlValue[] = [
    { name: 'config', configMap: { name: context.hasConfigMap ? `${context.name}-config` : 'shared-settings' } },
    { name: 'logs', emptyDir: {} },
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
  ];
  if (random.chance(0.3)) volumes.push({ name: 'tls', secret: { secretName: `${context.name}-tls`, defaultMode: 420 } });
  return volumes;
}

function templateLabels(random: Random, context: WorkloadContext): Record<string, string> {
  const labels: Record<string, string> = {
    app: context.name,
    'app.kubernetes.io/name': context.name,
    [PART_OF_LABEL]: `system-${pad(random.int(0, PART_OF_GROUPS - 1), 2)}`,
    tier: random.pick(TIERS),
    release: random.chance(0.5) ? 'stable' : 'canary',
    [MESH_LABEL]: context.serviceAccount === undefined && random.chance(0.6) ? 'enabled' : 'disabled',
  };
  if (random.chance(0.5)) labels[SCRAPE_LABEL] = 'true';
  if (random.chance(0.5)) labels[OPT_OUT_LABEL] = 'true';
  return labels;
}

function podTemplate(random: Random, context: WorkloadContext): { metadata: YamlMap; spec: YamlMap } {
  const labels = templateLabels(random, context);
  const annotations: YamlMap = { [DEFAULT_CONTAINER_ANNOTATION]: 'app' };
  if (labels[SCRAPE_LABEL] !== undefined) annotations['prometheus.io/port'] = '9090';

  const helpers = random.shuffle(HELPER_CONTAINERS).slice(0, random.int(1, 3));
  const main = appContainer(random, context);
  const containers: YamlValue[] = [
    random.chance(0.3) ? new HeadComment('the application; helpers follow', main) : main,
    ...helpers.map((role) => helperContainer(random, role, context)),
  ];
  const spec: YamlMap = {};
  if (context.serviceAccount !== undefined) spec.serviceAccountName = context.serviceAccount;
  if (context.kind === 'CronJob') spec.restartPolicy = 'OnFailure';
  if (random.chance(0.5)) spec.securityContext = { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000 };
  spec.terminationGracePeriodSeconds = random.pick([30, 60]);
  if (random.chance(0.5)) spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
  if (random.chance(0.2)) {
    spec.tolerations = [{ key: 'dedicated', operator: 'Equal', value: labels.tier, effect: 'NoSchedule' }];
  }
  if (random.chance(0.2)) {
    spec.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              labelSelector: { matchLabels: { app: context.name } },
              topologyKey: 'kubernetes.io/hostname',
            },
          },
        ],
      },
    };
  }
  spec.containers = containers;
  spec.volumes = podVolumes(random, context);
  return { metadata: { labels, annotations }, spec };
}

function objectMetadata(context: WorkloadContext, random: Random): YamlMap {
  const metadata: YamlMap = {
    name: context.name,
    namespace: context.namespace.name,
    labels: { app: context.name, 'app.kubernetes.io/name': context.name },
  };
  if (random.chance(0.3)) metadata.annotations = { 'example.com/owner': context.namespace.name };
  return metadata;
}

function workloadObject(random: Random, context: WorkloadContext): YamlMap {
  const metadata = objectMetadata(context, random);
  const template = podTemplate(random, context);
  const selector = { matchLabels: { app: context.name } };
  const replicas = random.int(1, 5);
  switch (context.kind) {
    case 'Deployment':
      return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata,
        spec: {
          replicas: random.chance(0.2) ? new LineComment(replicas, 'scaled by the HPA in production') : replicas,
          revisionHistoryLimit: 5,
          selector,
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
          template,
        },
      };
    case 'StatefulSet':
      return {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata,
        spec: {
          serviceName: context.name,
          replicas,
          podManagementPolicy: 'Parallel',
          selector,
          template,
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: {
                accessModes: ['ReadWriteOnce'],
                storageClassName: 'standard',
                resources: { requests: { storage: '10Gi' } },
              },
            },
          ],
        },
      };
    case 'CronJob':
      return {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata,
        spec: {
          schedule: `*/${random.pick([5, 15, 30])} * * * *`,
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 1,
          jobTemplate: { spec: { backoffLimit: 2, template } },
        },
      };
    case 'Pod':
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...metadata, labels: template.metadata.labels, annotations: template.metadata.annotations },
        spec: template.spec,
      };
  }
}

function serviceObject(context: WorkloadContext): YamlMap {
  const spec: YamlMap = {
    selector: { app: context.name },
    ports: [{ name: 'http', port: 80, targetPort: 'http' }],
  };
  if (context.kind === 'StatefulSet') spec.clusterIP = 'None';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: context.name, namespace: context.namespace.name, labels: { app: context.name } },
    spec,
  };
}

function configMapObject(context: WorkloadContext): YamlMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${context.name}-config`, namespace: context.namespace.name },
    data: {
      LOG_FORMAT: 'json',
      'app.properties': `server.port=8080\nserver.shutdown=graceful\n${context.stem}.cache.ttl=300\n`,
    },
  };
}

function serviceAccountObject(name: string, namespace: string): YamlMap {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
}

function namespaceObject(namespace: NamespaceInfo): YamlMap {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace.name,
      labels: {
        'kubernetes.io/metadata.name': namespace.name,
        env: namespace.env,
        team: namespace.name,
      },
    },
  };
}

function workloadResources(random: Random, index: number, namespace: NamespaceInfo): PackageResource[] {
  const stem = random.pick(NAME_STEMS);
  const kind = pickKind(random);
  const name = `${stem}-${pad(index, 5)}`;
  const context: WorkloadContext = {
    name,
    stem,
    kind,
    namespace,
    hasConfigMap: random.chance(0.4),
    serviceAccount: random.chance(0.25) ? name : undefined,
  };
  const documents: { comment?: string; object: YamlMap }[] = [];
  if (context.hasConfigMap) documents.push({ object: configMapObject(context) });
  if (context.serviceAccount !== undefined) {
    documents.push({ object: serviceAccountObject(context.serviceAccount, namespace.name) });
  }
  documents.push({
    comment: random.chance(0.3) ? `${kind} ${name}, owned by ${namespace.name}` : undefined,
    object: workloadObject(random, context),
  });
  if ((kind === 'Deployment' || kind === 'StatefulSet') && random.chance(0.7)) {
    documents.push({ object: serviceObject(context) });
  }
  const path = `${namespace.name}/${name}.yaml`;
  return documents.map((document, index) => ({ path, index, ...document }));
}

/** Puts a comment above the first key, which is where kpt keeps a document's head comment. */
function withHeadComment(object: YamlMap, comment: string): YamlMap {
  const [firstKey, ...rest] = Object.keys(object);
  const commented: YamlMap = { [firstKey]: new HeadComment(comment, object[firstKey]) };
  for (const key of rest) commented[key] = object[key];
  return commented;
}

// ---- SidecarSets -------------------------------------------------------------------------------

function sidecarImage(role: string, random: Random): string {
  return `registry.example.com/sidecars/${role}:${random.int(1, 3)}.${random.int(0, 20)}.${random.int(0, 9)}`;
}

function sidecarContainer(name: string, port: number, random: Random, extra: YamlMap = {}): YamlMap {
  return {
    name,
    image: sidecarImage(name, random),
    ports: [{ name: 'admin', containerPort: port }],
    env: [{ name: 'SIDECAR_NAME', value: name }],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
    volumeMounts: [{ name: `${name}-conf`, mountPath: `/etc/${name}`, readOnly: true }],
    ...extra,
  };
}

function sidecarSetObject(name: string, spec: YamlMap): YamlMap {
  return {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'SidecarSet',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'platform-team' } },
    spec,
  };
}

/** The SidecarSets that each match about half the templates, one per selector form. */
function broadSidecarSet(position: number, random: Random): YamlMap {
  const port = 15000 + position;
  switch (position) {
    case 0:
      return sidecarSetObject('mesh-proxy', {
        selector: { matchLabels: { [MESH_LABEL]: 'enabled' } },
        serviceAccountName: MESH_SERVICE_ACCOUNT,
        initContainers: [
          {
            name: 'mesh-proxy-init',
            image: sidecarImage('mesh-proxy-init', random),
            command: new FlowSequence(['mesh-iptables', '--redirect', '15001']),
            securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } },
          },
        ],
        containers: [
          sidecarContainer('mesh-proxy', port, random, {
            podInjectPolicy: 'BeforeAppContainer',
            readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 }, periodSeconds: 5 },
            transferEnv: [{ sourceContainerName: 'app', envNames: ['LOG_LEVEL', 'CLUSTER_NAME'] }],
          }),
        ],
        volumes: [{ name: 'mesh-proxy-conf', secret: { secretName: 'mesh-proxy-certs' } }],
      });
    case 1:
      return sidecarSetObject('log-agent', {
        selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'web'] }] },
        containers: [
          sidecarContainer('log-agent', port, random, {
            podInjectPolicy: 'AfterAppContainer',
            shareVolumePolicy: { type: 'enabled' },
            transferEnv: [
              {
                sourceContainerNameFrom: {
                  fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${DEFAULT_CONTAINER_ANNOTATION}']` },
                },
                envName: 'LOG_LEVEL',
              },
            ],
          }),
        ],
        volumes: [{ name: 'log-agent-conf', configMap: { name: 'log-agent-config' } }],
      });
    case 2:
      return sidecarSetObject('metrics-agent', {
        selector: { matchExpressions: [{ key: 'release', operator: 'NotIn', values: ['canary'] }] },
        containers: [sidecarContainer('metrics-agent', port, random)],
        volumes: [{ name: 'metrics-agent-conf', configMap: { name: 'metrics-agent-config' } }],
      });
    case 3:
      return sidecarSetObject('scrape-helper', {
        selector: { matchExpressions: [{ key: SCRAPE_LABEL, operator: 'Exists' }] },
        containers: [sidecarContainer('scrape-helper', port, random)],
        volumes: [{ name: 'scrape-helper-conf', emptyDir: {} }],
      });
    case 4:
      return sidecarSetObject('audit-logger', {
        selector: { matchExpressions: [{ key: OPT_OUT_LABEL, operator: 'DoesNotExist' }] },
        containers: [
          sidecarContainer('audit-logger', port, random, {
            shareVolumePolicy: { type: 'enabled' },
            transferEnv: [{ sourceContainerName: 'app', envName: 'POD_NAME' }],
          }),
        ],
        volumes: [{ name: 'audit-logger-conf', configMap: { name: 'audit-logger-config' } }],
      });
    default:
      return sidecarSetObject('prod-guard', {
        selector: { matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'Exists' }] },
        namespaceSelector: { matchLabels: { env: 'prod' } },
        updateStrategy: { type: 'NotUpdate' },
        initContainers: [
          {
            name: 'prod-guard-init',
            image: sidecarImage('prod-guard-init', random),
            restartPolicy: 'Always',
          },
        ],
        containers: [sidecarContainer('prod-guard', port, random)],
        volumes: [{ name: 'prod-guard-conf', configMap: { name: 'prod-guard-config' } }],
      });
  }
}

/** A SidecarSet for one `part-of` group: about 1% of the templates. */
function targetedSidecarSet(position: number, random: Random, namespaceNames: string[]): YamlMap {
  const name = `team-agent-${pad(position, 3)}`;
  const spec: YamlMap = {
    selector: { matchLabels: { [PART_OF_LABEL]: `system-${pad(position % PART_OF_GROUPS, 2)}` } },
  };
  if (position % 3 === 0) {
    spec.namespaceSelector = {
      matchExpressions: [
        { key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaceNames.slice(0, 2) },
      ],
    };
  }
  spec.containers = [sidecarContainer(name, 15000 + position, random)];
  spec.volumes = [{ name: `${name}-conf`, configMap: { name: `${name}-config` } }];
  return sidecarSetObject(name, spec);
}

/** A SidecarSet that matches no template, in one of four ways. */
function unmatchedSidecarSet(position: number, random: Random): YamlMap {
  const name = `retired-${pad(position, 3)}`;
  const selectors: YamlMap[] = [
    { selector: { matchLabels: { [PART_OF_LABEL]: `retired-${position}` } } },
    { selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['legacy'] }] } },
    {
      selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] },
      namespaceSelector: { matchLabels: { env: 'archive' } },
    },
    { selector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] } },
  ];
  return sidecarSetObject(name, {
    ...selectors[position % selectors.length],
    containers: [sidecarContainer(name, 15000 + position, random)],
    volumes: [{ name: `${name}-conf`, emptyDir: {} }],
  });
}

function sidecarSets(count: number, random: Random, namespaceNames: string[]): YamlMap[] {
  return Array.from({ length: count }, (_, position) => {
    if (position < BROAD_SIDECARSETS) return broadSidecarSet(position, random);
    // Of the rest, two in five match nothing and three in five target one group of workloads.
    return (position - BROAD_SIDECARSETS) % 5 < 2
      ? unmatchedSidecarSet(position, random)
      : targetedSidecarSet(position, random, namespaceNames);
  });
}

// ---- Package -----------------------------------------------------------------------------------

export function generatePackage(options: GenerateOptions): GeneratedPackage {
  const random = createRandom(options.seed);
  const namespaceList = namespaces(options.workloads);
  const resources: PackageResource[] = [];
  for (const namespace of namespaceList) {
    resources.push(
      {
        path: `${namespace.name}/namespace.yaml`,
        index: 0,
        comment: `namespace of ${namespace.name}`,
        object: namespaceObject(namespace),
      },
      {
        path: `${namespace.name}/namespace.yaml`,
        index: 1,
        object: serviceAccountObject(MESH_SERVICE_ACCOUNT, namespace.name),
      },
    );
  }
  for (let index = 0; index < options.workloads; index++) {
    const namespace = namespaceList[Math.floor((index * namespaceList.length) / options.workloads)];
    resources.push(...workloadResources(random, index, namespace));
  }
  const rules = sidecarSets(
    options.sidecarSets,
    random,
    namespaceList.map((namespace) => namespace.name),
  );
  if (options.sidecarSetsAs === 'items') {
    for (const rule of rules) {
      const name = (rule.metadata as YamlMap).name as string;
      resources.push({ path: `sidecarsets/${name}.yaml`, index: 0, object: rule });
    }
  }
  resources.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.index - b.index));
  if (options.sidecarSetsAs === 'items') return { resources };
  return {
    resources,
    functionConfig: {
      apiVersion: 'fn.kpt.dev/v1alpha1',
      kind: 'InjectSidecarSets',
      metadata: { name: 'inject-sidecarsets', annotations: { 'config.kubernetes.io/local-config': 'true' } },
      spec: { sidecarSets: rules },
    },
  };
}

/** The object as kpt sends it: its orchestrator annotations appended to metadata.annotations. */
function withOrchestratorAnnotations(resource: PackageResource, position: number): YamlMap {
  const map = resource.object;
  const metadata = map.metadata as YamlMap;
  const index = String(resource.index);
  const annotations: YamlMap = {
    ...((metadata.annotations as YamlMap | undefined) ?? {}),
    'config.kubernetes.io/index': new SingleQuoted(index),
    'config.kubernetes.io/path': new SingleQuoted(resource.path),
    'internal.config.kubernetes.io/index': new SingleQuoted(index),
    'internal.config.kubernetes.io/path': new SingleQuoted(resource.path),
    'internal.config.kubernetes.io/seqindent': new SingleQuoted('compact'),
    'internal.config.kubernetes.io/annotations-migration-resource-id': new SingleQuoted(String(position)),
    'internal.config.kubernetes.io/id': new SingleQuoted(String(position + 1)),
    'config.k8s.io/id': new SingleQuoted(String(position + 1)),
  };
  const annotated: YamlMap = { ...map, metadata: { ...metadata, annotations } };
  return resource.comment === undefined ? annotated : withHeadComment(annotated, resource.comment);
}

/** kpt marks a functionConfig read from a file (`--fn-config`) with these. */
function withConfigFileAnnotations(functionConfig: YamlMap): YamlMap {
  const metadata = functionConfig.metadata as YamlMap;
  const annotations: YamlMap = {
    ...((metadata.annotations as YamlMap | undefined) ?? {}),
    'config.kubernetes.io/index': new SingleQuoted('0'),
    'internal.config.kubernetes.io/index': new SingleQuoted('0'),
    'internal.config.kubernetes.io/seqindent': new SingleQuoted('compact'),
  };
  return { ...functionConfig, metadata: { ...metadata, annotations } };
}

/** The ResourceList kpt would send for this package (block style, `- # comment` head comments). */
export function renderResourceList(generated: GeneratedPackage): string {
  const lines = ['apiVersion: config.kubernetes.io/v1', 'kind: ResourceList', 'items:'];
  writeSequence(
    generated.resources.map((resource, position) => withOrchestratorAnnotations(resource, position)),
    0,
    lines,
  );
  if (generated.functionConfig !== undefined) {
    lines.push('functionConfig:');
    writeMap(withConfigFileAnnotations(generated.functionConfig), 2, lines);
  }
  lines.push('');
  return lines.join('\n');
}

/** The package as files on disk, one object per document, for `kpt fn eval` runs. */
export function renderPackageFiles(generated: GeneratedPackage): PackageFile[] {
  const files = new Map<string, string[]>();
  for (const resource of generated.resources) {
    const lines = files.get(resource.path) ?? [];
    if (lines.length > 0) lines.push('---');
    const { comment, object } = resource;
    writeMap(comment === undefined ? object : withHeadComment(object, comment), 0, lines);
    files.set(resource.path, lines);
  }
  return [...files].map(([path, lines]) => ({ path, text: `${lines.join('\n')}\n` }));
}

/** The functionConfig as a file for `kpt fn eval --fn-config`, when there is one. */
export function renderFunctionConfigFile(generated: GeneratedPackage): string | undefined {
  if (generated.functionConfig === undefined) return undefined;
  const lines: string[] = [];
  writeMap(generated.functionConfig, 0, lines);
  return `${lines.join('\n')}\n`;
}

export function generateResourceList(options: GenerateOptions): string {
  return renderResourceList(generatePackage(options));
}
