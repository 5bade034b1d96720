import { describe, expect, it } from 'vitest';
import type { V1Container, V1Deployment, V1PodSpec, V1Volume } from '@kubernetes/client-node';
import {
  SIDECAR_TOKEN_VOLUME_NAME,
  TOKEN_MOUNT_PATH,
  TOKEN_SCOPE_ANNOTATION,
  applyServiceAccount,
  sidecarTokenVolume,
  tokenScopeOf,
  type ServiceAccountContext,
  type ServiceAccountRule,
} from '../../src/inject/service-account.js';

const NAMESPACE = 'shop';

function context(overrides: Partial<ServiceAccountContext> = {}): ServiceAccountContext {
  const existing = new Set([`${NAMESPACE}/log-shipper`, `${NAMESPACE}/mesh-agent`, `${NAMESPACE}/metrics`]);
  return {
    namespace: NAMESPACE,
    serviceAccountExists: (namespace, name) => existing.has(`${namespace}/${name}`),
    managedElsewhere: new Set(),
    missingSeverity: 'warning',
    ...overrides,
  };
}

function rule(overrides: Partial<ServiceAccountRule> & { name: string }): ServiceAccountRule {
  return { errorOnConflict: false, tokenScope: 'Pod', containerNames: [], ...overrides };
}

const logShipper = rule({ name: 'log-shipper', serviceAccountName: 'log-shipper', containerNames: ['fluent-bit'] });

/** A bare pod spec: one app container and the sidecar the pipeline already injected. */
function barePod(extra: Partial<V1PodSpec> = {}): V1PodSpec {
  return {
    containers: [
      { name: 'app', image: 'shop/app:1.4' },
      { name: 'fluent-bit', image: 'fluent/fluent-bit:3.0', env: [{ name: 'IS_INJECTED', value: 'true' }] },
    ],
    ...extra,
  };
}

/**
 * A Deployment exported from a live cluster (`kubectl get -o yaml`): the apiserver already added the
 * token volume of the pod's ServiceAccount and mounted it everywhere, and the deprecated field too.
 */
function exportedDeployment(): V1Deployment {
  const tokenMount = { name: 'kube-api-access-x7k2p', mountPath: TOKEN_MOUNT_PATH, readOnly: true };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'checkout', namespace: NAMESPACE },
    spec: {
      selector: { matchLabels: { app: 'checkout' } },
      template: {
        metadata: { labels: { app: 'checkout' } },
        spec: {
          serviceAccount: 'default',
          serviceAccountName: 'default',
          initContainers: [
            { name: 'migrate', image: 'shop/migrate:1.4', volumeMounts: [tokenMount] },
            { name: 'mesh-init', image: 'mesh/init:2.1', env: [{ name: 'IS_INJECTED', value: 'true' }] },
          ],
          containers: [
            { name: 'mesh-proxy', image: 'mesh/proxy:2.1', env: [{ name: 'IS_INJECTED', value: 'true' }] },
            {
              name: 'checkout',
              image: 'shop/checkout:1.4',
              volumeMounts: [{ name: 'config', mountPath: '/etc/checkout' }, tokenMount],
            },
            {
              name: 'fluent-bit',
              image: 'fluent/fluent-bit:3.0',
              env: [{ name: 'IS_INJECTED', value: 'true' }],
              // copied from the app container by shareVolumePolicy
              volumeMounts: [{ name: 'config', mountPath: '/etc/checkout' }, tokenMount],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: 'checkout' } },
            {
              name: 'kube-api-access-x7k2p',
              projected: {
                defaultMode: 420,
                sources: [
                  { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
                  { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
                ],
              },
            },
          ],
        },
      },
    },
  };
}

function templateSpec(deployment: V1Deployment): V1PodSpec {
  return deployment.spec!.template.spec!;
}

function container(spec: V1PodSpec, name: string): V1Container {
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

describe('tokenScopeOf', () => {
  it('defaults to Pod without the annotation', () => {
    expect(tokenScopeOf(undefined)).toBe('Pod');
    expect(tokenScopeOf({ 'other/annotation': 'Sidecars' })).toBe('Pod');
  });

  it('reads Pod and Sidecars', () => {
    expect(tokenScopeOf({ [TOKEN_SCOPE_ANNOTATION]: 'Sidecars' })).toBe('Sidecars');
    expect(tokenScopeOf({ [TOKEN_SCOPE_ANNOTATION]: 'Pod' })).toBe('Pod');
  });

  it('reports any other value, including other casings and the empty string, as invalid', () => {
    expect(tokenScopeOf({ [TOKEN_SCOPE_ANNOTATION]: 'sidecars' })).toEqual({ invalid: 'sidecars' });
    expect(tokenScopeOf({ [TOKEN_SCOPE_ANNOTATION]: '' })).toEqual({ invalid: '' });
  });
});

describe('applyServiceAccount: which ServiceAccount the template ends with', () => {
  it('changes nothing when no matching SidecarSet names a ServiceAccount', () => {
    const spec = barePod({ serviceAccountName: 'app' });
    const { spec: out, problems } = applyServiceAccount(
      spec,
      [rule({ name: 'plain', tokenScope: 'Sidecars', containerNames: ['fluent-bit'] })],
      context(),
    );
    expect(out).toEqual(spec);
    expect(problems).toEqual([]);
  });

  it.each([
    ['unset', {}],
    ['empty', { serviceAccountName: '' }],
    ['default', { serviceAccountName: 'default' }],
  ])('sets serviceAccountName when the pod ServiceAccount is %s', (_label, fields) => {
    const { spec: out, problems } = applyServiceAccount(barePod(fields), [logShipper], context());
    expect(out.serviceAccountName).toBe('log-shipper');
    expect(out).not.toHaveProperty('serviceAccount');
    expect(problems).toEqual([]);
  });

  it('rewrites the deprecated serviceAccount to the same value when the template carries it', () => {
    const { spec: out } = applyServiceAccount(barePod({ serviceAccount: 'default' }), [logShipper], context());
    expect(out.serviceAccountName).toBe('log-shipper');
    expect(out.serviceAccount).toBe('log-shipper');
  });

  it('reads serviceAccountName before the deprecated field, like the apiserver', () => {
    const { spec: out, problems } = applyServiceAccount(
      barePod({ serviceAccountName: 'default', serviceAccount: 'legacy' }),
      [logShipper],
      context(),
    );
    expect(out.serviceAccountName).toBe('log-shipper');
    expect(out.serviceAccount).toBe('log-shipper');
    expect(problems).toEqual([]);
  });

  it('changes nothing when the pod already uses the same ServiceAccount (either field)', () => {
    for (const fields of [{ serviceAccountName: 'log-shipper' }, { serviceAccount: 'log-shipper' }]) {
      const spec = barePod(fields);
      const { spec: out, problems } = applyServiceAccount(spec, [logShipper], context());
      expect(out).toEqual(spec);
      expect(problems).toEqual([]);
    }
  });

  it('keeps a different pod ServiceAccount and warns', () => {
    const spec = barePod({ serviceAccountName: 'checkout' });
    const { spec: out, problems } = applyServiceAccount(spec, [logShipper], context());
    expect(out).toEqual(spec);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'warning', fieldPath: 'spec.serviceAccountName', sidecarSets: ['log-shipper'] });
    expect(problems[0]!.message).toContain('checkout');
    expect(problems[0]!.message).toContain('log-shipper');
  });

  it('makes that conflict an error when the SidecarSet sets errorWhenServiceAccountInjectionConflict', () => {
    const spec = barePod({ serviceAccountName: 'checkout' });
    const { spec: out, problems } = applyServiceAccount(spec, [{ ...logShipper, errorOnConflict: true }], context());
    expect(out).toEqual(spec);
    expect(problems.map((p) => p.severity)).toEqual(['error']);
    expect(problems[0]!.message).toContain('errorWhenServiceAccountInjectionConflict');
  });

  it('points at the deprecated field when that is where the conflicting ServiceAccount comes from', () => {
    const { problems } = applyServiceAccount(barePod({ serviceAccount: 'checkout' }), [logShipper], context());
    expect(problems[0]).toMatchObject({ severity: 'warning', fieldPath: 'spec.serviceAccount' });
  });

  it('lets the SidecarSet whose name sorts first win a conflict between SidecarSets, with a warning naming all of them', () => {
    const rules = [
      rule({ name: 'zz-metrics', serviceAccountName: 'metrics', containerNames: ['exporter'] }),
      rule({ name: 'mesh', serviceAccountName: 'mesh-agent', containerNames: ['mesh-proxy'] }),
      rule({ name: 'plain', containerNames: ['other'] }),
    ];
    const { spec: out, problems } = applyServiceAccount(barePod(), rules, context());
    expect(out.serviceAccountName).toBe('mesh-agent');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'warning', sidecarSets: ['mesh', 'zz-metrics'] });
    for (const word of ['mesh', 'mesh-agent', 'zz-metrics', 'metrics']) expect(problems[0]!.message).toContain(word);
  });

  it("orders SidecarSet names by code units: a prefix first, then '-' before '.'", () => {
    const rules = [
      rule({ name: 'mesh', serviceAccountName: 'mesh-agent' }),
      rule({ name: 'mesh-a', serviceAccountName: 'metrics' }),
      rule({ name: 'mesh.a', serviceAccountName: 'log-shipper' }),
    ];
    // '-' (0x2d) < '.' (0x2e), and a prefix sorts first
    expect(applyServiceAccount(barePod(), rules, context()).spec.serviceAccountName).toBe('mesh-agent');
    expect(applyServiceAccount(barePod(), rules.slice(1), context()).spec.serviceAccountName).toBe('metrics');
  });

  it('injects no ServiceAccount when SidecarSets disagree and any of them asks for an error', () => {
    const spec = barePod();
    const rules = [
      rule({ name: 'a-mesh', serviceAccountName: 'mesh-agent' }),
      rule({ name: 'b-metrics', serviceAccountName: 'metrics', errorOnConflict: true }),
    ];
    const { spec: out, problems } = applyServiceAccount(spec, rules, context());
    expect(out).toEqual(spec);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'error', sidecarSets: ['a-mesh', 'b-metrics'] });
    for (const word of ['mesh-agent', 'metrics', 'b-metrics']) expect(problems[0]!.message).toContain(word);
  });

  it('does not treat SidecarSets naming the same ServiceAccount as a conflict', () => {
    const rules = [
      rule({ name: 'b', serviceAccountName: 'log-shipper', errorOnConflict: true }),
      rule({ name: 'a', serviceAccountName: 'log-shipper', errorOnConflict: true }),
    ];
    const { spec: out, problems } = applyServiceAccount(barePod(), rules, context());
    expect(out.serviceAccountName).toBe('log-shipper');
    expect(problems).toEqual([]);
  });

  it('reports a pod conflict with the SidecarSet that won among disagreeing ones', () => {
    const rules = [
      rule({ name: 'b', serviceAccountName: 'metrics', errorOnConflict: false }),
      rule({ name: 'a', serviceAccountName: 'mesh-agent' }),
    ];
    const { spec: out, problems } = applyServiceAccount(barePod({ serviceAccountName: 'metrics' }), rules, context());
    expect(out.serviceAccountName).toBe('metrics');
    expect(problems.map((p) => [p.severity, p.sidecarSets])).toEqual([
      ['warning', ['a', 'b']],
      ['warning', ['a']],
    ]);
  });

  it('does not mutate its input', () => {
    const deployment = exportedDeployment();
    const before = structuredClone(deployment);
    applyServiceAccount(templateSpec(deployment), [{ ...logShipper, tokenScope: 'Sidecars' }], context());
    expect(deployment).toEqual(before);
  });

  it('never throws on malformed specs', () => {
    const malformed = { containers: 'nope', initContainers: [null], volumes: {} } as unknown as V1PodSpec;
    expect(() => applyServiceAccount(malformed, [{ ...logShipper, tokenScope: 'Sidecars' }], context())).not.toThrow();
    const odd = { containers: [{ name: 'app', volumeMounts: [null, { name: 'x' }] }], volumes: [null] } as unknown as V1PodSpec;
    expect(() => applyServiceAccount(odd, [logShipper], context())).not.toThrow();
  });
});

describe('applyServiceAccount: ServiceAccount existence', () => {
  it('warns when the ServiceAccount is neither among the items nor managed elsewhere', () => {
    const rules = [rule({ name: 'tracing', serviceAccountName: 'tracer' })];
    const { spec: out, problems } = applyServiceAccount(barePod(), rules, context());
    expect(out.serviceAccountName).toBe('tracer');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'warning', fieldPath: 'spec.serviceAccountName', sidecarSets: ['tracing'] });
    expect(problems[0]!.message).toContain(`${NAMESPACE}/tracer`);
    expect(problems[0]!.message).toContain('serviceAccountsManagedElsewhere');
  });

  it('makes that an error when configured', () => {
    const rules = [rule({ name: 'tracing', serviceAccountName: 'tracer' })];
    const { problems } = applyServiceAccount(barePod(), rules, context({ missingSeverity: 'error' }));
    expect(problems.map((p) => p.severity)).toEqual(['error']);
  });

  it('accepts ServiceAccounts listed as managed elsewhere, in the pod namespace only', () => {
    const rules = [rule({ name: 'tracing', serviceAccountName: 'tracer' })];
    expect(applyServiceAccount(barePod(), rules, context({ managedElsewhere: new Set([`${NAMESPACE}/tracer`]) })).problems).toEqual([]);
    expect(applyServiceAccount(barePod(), rules, context({ managedElsewhere: new Set(['other/tracer']) })).problems).toHaveLength(1);
  });

  it('looks the ServiceAccount up in the pod namespace', () => {
    const asked: string[] = [];
    const ctx = context({ serviceAccountExists: (namespace, name) => (asked.push(`${namespace}/${name}`), true) });
    applyServiceAccount(barePod(), [logShipper], ctx);
    expect(asked).toEqual([`${NAMESPACE}/log-shipper`]);
  });

  it('does not look up a ServiceAccount that is not applied', () => {
    const rules = [rule({ name: 'tracing', serviceAccountName: 'tracer' })];
    const { problems } = applyServiceAccount(barePod({ serviceAccountName: 'checkout' }), rules, context());
    expect(problems.map((p) => p.message).some((m) => m.includes('serviceAccountsManagedElsewhere'))).toBe(false);
  });
});

describe('applyServiceAccount: the previous ServiceAccount token', () => {
  it('removes the token volume of an exported template and every mount of it', () => {
    const mesh = rule({ name: 'mesh', serviceAccountName: 'mesh-agent', containerNames: ['mesh-init', 'mesh-proxy'] });
    const logs = rule({ name: 'logs', containerNames: ['fluent-bit'] });
    const { spec: out, problems } = applyServiceAccount(templateSpec(exportedDeployment()), [mesh, logs], context());
    expect(out.serviceAccountName).toBe('mesh-agent');
    expect(out.serviceAccount).toBe('mesh-agent');
    expect(out.volumes).toEqual([{ name: 'config', configMap: { name: 'checkout' } }]);
    expect(container(out, 'migrate')).not.toHaveProperty('volumeMounts');
    expect(container(out, 'checkout').volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/checkout' }]);
    expect(container(out, 'fluent-bit').volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/checkout' }]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'warning', fieldPath: 'spec.volumes', sidecarSets: ['mesh'] });
    for (const word of ['kube-api-access-x7k2p', 'migrate', 'checkout', 'fluent-bit', 'default', 'mesh-agent']) {
      expect(problems[0]!.message).toContain(word);
    }
  });

  it('removes any volume an app container mounts at the token path, such as a legacy token secret', () => {
    const spec = barePod({
      containers: [{ name: 'app', volumeMounts: [{ name: 'default-token-abcde', mountPath: `${TOKEN_MOUNT_PATH}/` }] }],
      volumes: [{ name: 'default-token-abcde', secret: { secretName: 'default-token-abcde' } }],
    });
    const { spec: out, problems } = applyServiceAccount(spec, [logShipper], context());
    expect(out).not.toHaveProperty('volumes');
    expect(container(out, 'app')).not.toHaveProperty('volumeMounts');
    expect(problems.map((p) => p.severity)).toEqual(['warning']);
  });

  it('removes projected token volumes without an audience that app containers mount elsewhere', () => {
    const spec = barePod({
      containers: [{ name: 'app', volumeMounts: [{ name: 'api-token', mountPath: '/var/run/secrets/api' }] }],
      volumes: [{ name: 'api-token', projected: { sources: [{ serviceAccountToken: { path: 'token', audience: '' } }] } }],
    });
    const { spec: out, problems } = applyServiceAccount(spec, [logShipper], context());
    expect(out).not.toHaveProperty('volumes');
    expect(problems.map((p) => p.severity)).toEqual(['warning']);
  });

  it('keeps a projected token with an explicit audience, with a warning naming it', () => {
    const vault: V1Volume = {
      name: 'vault-token',
      projected: { sources: [{ serviceAccountToken: { audience: 'vault', path: 'token' } }] },
    };
    const legacy: V1Volume = { name: 'default-token-abcde', secret: { secretName: 'default-token-abcde' } };
    const spec = barePod({
      containers: [
        {
          name: 'app',
          volumeMounts: [
            { name: 'vault-token', mountPath: '/var/run/secrets/vault' },
            { name: 'default-token-abcde', mountPath: TOKEN_MOUNT_PATH },
          ],
        },
      ],
      volumes: [vault, legacy],
    });
    const { spec: out, problems } = applyServiceAccount(spec, [logShipper], context());
    expect(out.volumes).toEqual([vault]);
    expect(container(out, 'app').volumeMounts).toEqual([{ name: 'vault-token', mountPath: '/var/run/secrets/vault' }]);
    expect(problems.map((p) => p.severity)).toEqual(['warning', 'warning']);
    expect(problems[0]!.message).toMatch(/kept the projected token volume\(s\) vault-token \(audience vault\)/);
    expect(problems[1]!.message).toMatch(/removed the token volume\(s\) default-token-abcde /);
  });

  it('keeps token volumes that only the sidecars mount', () => {
    const own: V1Volume = { name: 'shipper-token', projected: { sources: [{ serviceAccountToken: { audience: 'logs', path: 'token' } }] } };
    const spec = barePod({
      containers: [
        { name: 'app', image: 'shop/app:1.4' },
        { name: 'fluent-bit', volumeMounts: [{ name: 'shipper-token', mountPath: '/var/run/secrets/logs' }] },
      ],
      volumes: [own],
    });
    const { spec: out, problems } = applyServiceAccount(spec, [logShipper], context());
    expect(out.volumes).toEqual([own]);
    expect(container(out, 'fluent-bit').volumeMounts).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it('also counts containers marked IS_INJECTED as sidecars (injected by a SidecarSet not among the rules)', () => {
    const own: V1Volume = { name: 'shipper-token', projected: { sources: [{ serviceAccountToken: { audience: 'logs', path: 'token' } }] } };
    const spec = barePod({
      containers: [
        { name: 'app', image: 'shop/app:1.4' },
        {
          name: 'fluent-bit',
          env: [{ name: 'IS_INJECTED', value: 'true' }],
          volumeMounts: [{ name: 'shipper-token', mountPath: TOKEN_MOUNT_PATH }],
        },
      ],
      volumes: [own],
    });
    const { spec: out } = applyServiceAccount(spec, [{ ...logShipper, containerNames: [] }], context());
    expect(out.volumes).toEqual([own]);
  });

  it('leaves the token alone when the ServiceAccount does not change', () => {
    const deployment = exportedDeployment();
    templateSpec(deployment).serviceAccountName = 'mesh-agent';
    templateSpec(deployment).serviceAccount = 'mesh-agent';
    const mesh = rule({ name: 'mesh', serviceAccountName: 'mesh-agent', containerNames: ['mesh-init', 'mesh-proxy'] });
    const { spec: out, problems } = applyServiceAccount(templateSpec(deployment), [mesh], context());
    expect(out).toEqual(templateSpec(deployment));
    expect(problems).toEqual([]);
  });

  it('leaves the token alone on a conflict', () => {
    const deployment = exportedDeployment();
    templateSpec(deployment).serviceAccountName = 'checkout';
    const { spec: out } = applyServiceAccount(templateSpec(deployment), [logShipper], context());
    expect(out.volumes).toHaveLength(2);
  });
});

describe('applyServiceAccount: token scope Sidecars', () => {
  const meshSidecars = rule({
    name: 'mesh',
    serviceAccountName: 'mesh-agent',
    tokenScope: 'Sidecars',
    containerNames: ['mesh-init', 'mesh-proxy'],
  });
  const tokenMount = { name: SIDECAR_TOKEN_VOLUME_NAME, mountPath: TOKEN_MOUNT_PATH, readOnly: true };

  it('builds the volume exactly as the Kubernetes ServiceAccount admission plugin does', () => {
    expect(sidecarTokenVolume()).toEqual({
      name: 'kube-api-access-sidecars',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    });
    expect(SIDECAR_TOKEN_VOLUME_NAME).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it('gives only the SidecarSet containers a token and turns automounting off', () => {
    const logs = rule({ name: 'logs', containerNames: ['fluent-bit'] });
    const { spec: out, problems } = applyServiceAccount(templateSpec(exportedDeployment()), [meshSidecars, logs], context());
    expect(out.automountServiceAccountToken).toBe(false);
    expect(out.volumes).toEqual([{ name: 'config', configMap: { name: 'checkout' } }, sidecarTokenVolume()]);
    expect(container(out, 'mesh-init').volumeMounts).toEqual([tokenMount]);
    expect(container(out, 'mesh-proxy').volumeMounts).toEqual([tokenMount]);
    for (const name of ['migrate', 'checkout', 'fluent-bit']) {
      expect((container(out, name).volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH)).toBe(false);
    }
    expect(problems.map((p) => p.severity)).toEqual(['warning']);
  });

  it('works on a bare pod spec with existing mounts', () => {
    const spec = barePod({
      containers: [
        { name: 'app', image: 'shop/app:1.4' },
        { name: 'mesh-proxy', volumeMounts: [{ name: 'certs', mountPath: '/etc/certs' }] },
      ],
      volumes: [{ name: 'certs', secret: { secretName: 'mesh-certs' } }],
    });
    const { spec: out, problems } = applyServiceAccount(spec, [meshSidecars], context());
    expect(container(out, 'mesh-proxy').volumeMounts).toEqual([{ name: 'certs', mountPath: '/etc/certs' }, tokenMount]);
    expect(container(out, 'app')).not.toHaveProperty('volumeMounts');
    expect(out.volumes?.map((v) => v.name)).toEqual(['certs', SIDECAR_TOKEN_VOLUME_NAME]);
    expect(problems).toEqual([]);
  });

  it('applies the scope when the template already names the ServiceAccount', () => {
    const { spec: out } = applyServiceAccount(
      barePod({ serviceAccountName: 'mesh-agent', containers: [{ name: 'mesh-proxy' }] }),
      [meshSidecars],
      context(),
    );
    expect(out.automountServiceAccountToken).toBe(false);
    expect(container(out, 'mesh-proxy').volumeMounts).toEqual([tokenMount]);
  });

  it('is a fixed point: a second run changes nothing and reports nothing', () => {
    const logs = rule({ name: 'logs', containerNames: ['fluent-bit'] });
    const first = applyServiceAccount(templateSpec(exportedDeployment()), [meshSidecars, logs], context());
    const second = applyServiceAccount(first.spec, [meshSidecars, logs], context());
    expect(second.spec).toEqual(first.spec);
    expect(second.problems).toEqual([]);
  });

  it('is a fixed point under scope Pod as well', () => {
    const mesh = { ...meshSidecars, tokenScope: 'Pod' as const };
    const first = applyServiceAccount(templateSpec(exportedDeployment()), [mesh], context());
    const second = applyServiceAccount(first.spec, [mesh], context());
    expect(second.spec).toEqual(first.spec);
    expect(second.problems).toEqual([]);
    expect(first.spec).not.toHaveProperty('automountServiceAccountToken');
  });

  it('refuses to overwrite a different volume of the same name', () => {
    const foreign: V1Volume = { name: SIDECAR_TOKEN_VOLUME_NAME, emptyDir: {} };
    const spec = barePod({ serviceAccountName: 'mesh-agent', containers: [{ name: 'mesh-proxy' }], volumes: [foreign] });
    const { spec: out, problems } = applyServiceAccount(spec, [meshSidecars], context());
    expect(out).toEqual(spec);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'error', fieldPath: 'spec.volumes', sidecarSets: ['mesh'] });
  });

  it('leaves a sidecar that already mounts something at the token path alone', () => {
    const spec = barePod({
      containers: [{ name: 'mesh-proxy', volumeMounts: [{ name: 'own-token', mountPath: TOKEN_MOUNT_PATH }] }],
      volumes: [{ name: 'own-token', secret: { secretName: 'mesh-token' } }],
    });
    const { spec: out, problems } = applyServiceAccount(spec, [meshSidecars], context());
    expect(container(out, 'mesh-proxy').volumeMounts).toEqual([{ name: 'own-token', mountPath: TOKEN_MOUNT_PATH }]);
    expect(problems.map((p) => p.severity)).toEqual(['info']);
    expect(problems[0]!.message).toContain('own-token');
  });

  it('uses the narrower scope when SidecarSets naming the same ServiceAccount disagree on it', () => {
    const podScoped = rule({ name: 'mesh-metrics', serviceAccountName: 'mesh-agent', containerNames: ['exporter'] });
    const spec = barePod({ containers: [{ name: 'app' }, { name: 'mesh-proxy' }, { name: 'exporter' }] });
    const { spec: out, problems } = applyServiceAccount(spec, [meshSidecars, podScoped], context());
    expect(out.automountServiceAccountToken).toBe(false);
    expect(container(out, 'exporter').volumeMounts).toEqual([tokenMount]);
    expect(container(out, 'mesh-proxy').volumeMounts).toEqual([tokenMount]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ severity: 'info', sidecarSets: ['mesh', 'mesh-metrics'] });
  });

  it('does not scope the token of a ServiceAccount it did not apply', () => {
    const spec = barePod({ serviceAccountName: 'checkout', containers: [{ name: 'app' }, { name: 'mesh-proxy' }] });
    const { spec: out } = applyServiceAccount(spec, [meshSidecars], context());
    expect(out).toEqual(spec);
  });

  it('does not scope tokens for a losing SidecarSet', () => {
    const loser = rule({ name: 'z-mesh', serviceAccountName: 'metrics', tokenScope: 'Sidecars', containerNames: ['exporter'] });
    const winner = rule({ name: 'a-logs', serviceAccountName: 'log-shipper', containerNames: ['fluent-bit'] });
    const { spec: out } = applyServiceAccount(
      barePod({ containers: [{ name: 'exporter' }, { name: 'fluent-bit' }] }),
      [loser, winner],
      context(),
    );
    expect(out.serviceAccountName).toBe('log-shipper');
    expect(out).not.toHaveProperty('automountServiceAccountToken');
    expect(out).not.toHaveProperty('volumes');
  });

  it('warns when an app container keeps an explicit token it was given by the author', () => {
    const spec = barePod({
      serviceAccountName: 'mesh-agent',
      containers: [{ name: 'app', volumeMounts: [{ name: 'app-token', mountPath: TOKEN_MOUNT_PATH }] }, { name: 'mesh-proxy' }],
      volumes: [{ name: 'app-token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }],
    });
    const { spec: out, problems } = applyServiceAccount(spec, [meshSidecars], context());
    expect(container(out, 'app').volumeMounts).toEqual([{ name: 'app-token', mountPath: TOKEN_MOUNT_PATH }]);
    expect(problems.map((p) => p.severity)).toEqual(['warning']);
    expect(problems[0]!.message).toContain('app');
  });
});
