// The create path of the webhook, rule by rule, on a Pod and on a templated workload.
import { describe, expect, it } from 'vitest';
import { run, runText, itemTexts, sidecarSet, podSpec, podMeta, app, SHAPES, type Obj } from '../helpers/krm.js';

const logAgent = { name: 'log-agent', image: 'log:1' };
const names = (list: Obj[] | undefined) => (list ?? []).map((c) => c.name);

describe.each(SHAPES)('on a %s', (_kind, make) => {
  const workload = (labels: Obj, spec: Obj = { containers: [app()] }, ns?: string) => make('w', labels, spec, ns);

  describe('selector', () => {
    it.each([
      [{ matchLabels: { app: 'web' } }, true],
      [{ matchLabels: { app: 'api' } }, false],
      [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'x'] }] }, true],
      [{ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
      [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, true],
      [{ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, true],
      [{ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    ])('%j matches: %s', (selector, matches) => {
      const out = run([workload({ app: 'web' })], sidecarSet('s', { selector, containers: [logAgent] }));
      expect(out.exitCode).toBe(0);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(matches ? ['log-agent', 'app'] : ['app']);
    });

    it('an empty selector is rejected and matches nothing', () => {
      const out = run([workload({ app: 'web' })], sidecarSet('s', { selector: {}, containers: [logAgent] }));
      expect(out.exitCode).toBe(1);
      expect(out.results.some((r) => r.severity === 'error' && /selector/.test(r.message))).toBe(true);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['app']);
    });
  });

  it('does nothing for a paused SidecarSet', () => {
    const out = run(
      [workload({ app: 'web' })],
      sidecarSet('s', { selector: { matchLabels: { app: 'web' } }, injectionStrategy: { paused: true }, containers: [logAgent] }),
    );
    expect(out.exitCode).toBe(0);
    expect(names(podSpec(out.objects[0]).containers)).toEqual(['app']);
  });

  describe('namespaces', () => {
    const set = (spec: Obj) => sidecarSet('s', { selector: { matchLabels: { app: 'web' } }, containers: [logAgent], ...spec });

    it('v1alpha1 spec.namespace limits injection to that namespace', () => {
      const alpha = { ...set({ namespace: 'shop' }), apiVersion: 'apps.kruise.io/v1alpha1' };
      const out = run(
        [
          workload({ app: 'web' }, undefined, 'shop'),
          { ...workload({ app: 'web' }, undefined, 'other'), metadata: { name: 'w2', namespace: 'other' } },
        ],
        alpha,
      );
      expect(out.exitCode).toBe(0);
      expect(names(podSpec(out.objects[0]).containers)).toContain('log-agent');
      expect(names(podSpec(out.objects[1]).containers)).not.toContain('log-agent');
    });

    it('namespaceSelector uses Namespace items', () => {
      const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { mesh: 'on' } } };
      const out = run([ns, workload({ app: 'web' }, undefined, 'shop')], set({ namespaceSelector: { matchLabels: { mesh: 'on' } } }));
      expect(out.exitCode).toBe(0);
      expect(names(podSpec(out.objects[1]).containers)).toContain('log-agent');
    });

    it('namespaceSelector uses labels from the config for namespaces not among the items', () => {
      const config = {
        apiVersion: 'fn.kpt.dev/v1alpha1',
        kind: 'InjectSidecarSets',
        metadata: { name: 'c' },
        spec: { sidecarSets: [set({ namespaceSelector: { matchLabels: { mesh: 'on' } } })], namespaceLabels: { shop: { mesh: 'off' } } },
      };
      const out = run([workload({ app: 'web' }, undefined, 'shop')], config);
      expect(out.exitCode).toBe(0);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['app']);
    });

    it('an undecidable namespaceSelector is an error by default, and a warning when assumed', () => {
      const sel = set({ namespaceSelector: { matchLabels: { mesh: 'on' } } });
      const out = run([workload({ app: 'web' }, undefined, 'shop')], sel);
      expect(out.exitCode).toBe(1);
      expect(out.problems[0].message).toMatch(/cannot tell whether SidecarSet s applies/);
      const assumed = run([workload({ app: 'web' }, undefined, 'shop')], {
        apiVersion: 'fn.kpt.dev/v1alpha1',
        kind: 'InjectSidecarSets',
        metadata: { name: 'c' },
        spec: { sidecarSets: [sel], undecidableNamespaceSelector: 'assumeMatch' },
      });
      expect(assumed.exitCode).toBe(0);
      expect(assumed.problems[0].severity).toBe('warning');
      expect(names(podSpec(assumed.objects[0]).containers)).toContain('log-agent');
    });

    it('the default namespace of the config applies to workloads without one', () => {
      const alpha = { ...set({ namespace: 'team' }), apiVersion: 'apps.kruise.io/v1alpha1' };
      const config = {
        apiVersion: 'fn.kpt.dev/v1alpha1',
        kind: 'InjectSidecarSets',
        metadata: { name: 'c' },
        spec: { sidecarSets: [alpha], defaultNamespace: 'team' },
      };
      expect(names(podSpec(run([workload({ app: 'web' })], config).objects[0]).containers)).toContain('log-agent');
      expect(names(podSpec(run([workload({ app: 'web' })], alpha).objects[0]).containers)).not.toContain('log-agent');
    });
  });

  describe('containers', () => {
    const inject = (containers: Obj[], podContainers: Obj[] = [app()], extra: Obj = {}) =>
      run(
        [workload({ app: 'web' }, { containers: podContainers })],
        sidecarSet('s', { selector: { matchLabels: { app: 'web' } }, containers, ...extra }),
      );

    it('BeforeAppContainer (the default) goes first, AfterAppContainer last', () => {
      const out = inject([{ ...logAgent }, { name: 'after', image: 'a', podInjectPolicy: 'AfterAppContainer' }]);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['log-agent', 'app', 'after']);
    });

    it('injects the defaulted core container with IS_INJECTED and without SidecarSet-only fields', () => {
      const out = inject([
        {
          ...logAgent,
          podInjectPolicy: 'AfterAppContainer',
          shareVolumePolicy: { type: 'disabled' },
          upgradeStrategy: { upgradeType: 'ColdUpgrade' },
        },
      ]);
      expect(podSpec(out.objects[0]).containers[1]).toEqual({
        name: 'log-agent',
        image: 'log:1',
        env: [{ name: 'IS_INJECTED', value: 'true' }],
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
        imagePullPolicy: 'IfNotPresent',
      });
    });

    it('replaces a same-named container in place and warns when the template defined it', () => {
      const out = inject([{ ...logAgent, podInjectPolicy: 'AfterAppContainer' }], [{ name: 'log-agent', image: 'old' }, app()]);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['log-agent', 'app']);
      expect(podSpec(out.objects[0]).containers[0].image).toBe('log:1');
      expect(out.problems).toEqual([
        expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/replaces the container log-agent/) }),
      ]);
      // Re-injection of its own output: the template's container is given back and replaced again, with the same warning.
      const again = runText(out.stdout);
      expect(again.problems).toEqual(out.problems);
      expect(itemTexts(again)).toBe(itemTexts(out));
    });

    it("init containers: sorted by name after the pod's own; native sidecars count in the sidecar list", () => {
      const out = inject([], [app()], {
        containers: [logAgent],
        initContainers: [
          { name: 'z-init', image: 'z' },
          { name: 'a-native', image: 'a', restartPolicy: 'Always' },
        ],
        updateStrategy: { type: 'NotUpdate' },
      });
      expect(out.exitCode).toBe(0);
      const spec = podSpec(out.objects[0]);
      expect(names(spec.initContainers)).toEqual(['a-native', 'z-init']);
      expect(spec.initContainers.every((c: Obj) => c.env.some((e: Obj) => e.name === 'IS_INJECTED'))).toBe(true);
      const hash = JSON.parse(podMeta(out.objects[0]).annotations['kruise.io/sidecarset-hash']);
      expect(hash.s.sidecarList).toEqual(['a-native', 'log-agent']);
    });

    it('two SidecarSets injecting one container name is an error naming both', () => {
      const out = run([workload({ app: 'web' })], {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          sidecarSet('a', { selector: { matchLabels: { app: 'web' } }, containers: [logAgent] }),
          sidecarSet('b', { selector: { matchLabels: { app: 'web' } }, containers: [logAgent] }),
        ],
      });
      expect(out.exitCode).toBe(1);
      const errors = out.results.filter((r) => r.severity === 'error');
      expect(errors.some((r) => /\ba\b/.test(r.message) && /\bb\b/.test(r.message) && /log-agent/.test(r.message))).toBe(true);
    });

    it('orders several SidecarSets namespace-pinned first, then by name', () => {
      const out = run([workload({ app: 'web' }, undefined, 'shop')], {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          sidecarSet('b-cluster', { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'c2', image: 'x' }] }),
          sidecarSet('a-cluster', { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'c1', image: 'x' }] }),
          sidecarSet('z-pinned', {
            selector: { matchLabels: { app: 'web' } },
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
            containers: [{ name: 'c3', image: 'x' }],
          }),
        ],
      });
      expect(out.exitCode).toBe(0);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['c3', 'c1', 'c2', 'app']);
      expect(podMeta(out.objects[0]).annotations['kruise.io/sidecarset-injected-list']).toBe('a-cluster,b-cluster,z-pinned');
    });
  });

  describe('volumes and imagePullSecrets', () => {
    const set = sidecarSet('s', {
      selector: { matchLabels: { app: 'web' } },
      containers: [
        {
          ...logAgent,
          volumeMounts: [
            { name: 'conf', mountPath: '/conf' },
            { name: 'data', mountPath: '/data' },
          ],
        },
      ],
      volumes: [
        { name: 'conf', configMap: { name: 'c' } },
        { name: 'data', emptyDir: {} },
        { name: 'unused', emptyDir: {} },
      ],
      imagePullSecrets: [{ name: 's0' }, { name: 's1' }, { name: 's2' }],
    });

    it("adds only referenced volumes, defaulted; the pod's own volume of a name wins with a warning if different", () => {
      const out = run([workload({ app: 'web' }, { containers: [app()], volumes: [{ name: 'data', hostPath: { path: '/x' } }] })], set);
      const spec = podSpec(out.objects[0]);
      expect(spec.volumes).toEqual([
        { name: 'data', hostPath: { path: '/x' } },
        { name: 'conf', configMap: { name: 'c', defaultMode: 420 } },
      ]);
      expect(out.problems.some((p) => p.severity === 'warning' && /volume data is kept/.test(p.message))).toBe(true);
    });

    it('merges imagePullSecrets without duplicates (Kruise vector)', () => {
      const out = run(
        [workload({ app: 'web' }, { containers: [app()], imagePullSecrets: [{ name: 's2' }, { name: 's3' }, { name: 's3' }] })],
        set,
      );
      expect(podSpec(out.objects[0]).imagePullSecrets).toEqual([{ name: 's2' }, { name: 's3' }, { name: 's0' }, { name: 's1' }]);
    });

    it("keeps the ServiceAccount's secrets when it is among the items, and warns when it is not", () => {
      const sa = {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: 'default' },
        imagePullSecrets: [{ name: 'sa-secret' }],
      };
      const withSa = run([sa, workload({ app: 'web' })], set);
      expect(podSpec(withSa.objects[1]).imagePullSecrets).toEqual([{ name: 'sa-secret' }, { name: 's0' }, { name: 's1' }, { name: 's2' }]);
      expect(withSa.problems).toEqual([]);
      const without = run([workload({ app: 'web' })], set);
      expect(without.problems[0].message).toMatch(/ServiceAccount default is not among the items/);
    });
  });

  describe('annotations', () => {
    it("writes Kruise's bookkeeping, keeps the timestamp of an unchanged entry, and uses the configured one otherwise", () => {
      const set = sidecarSet('s', { selector: { matchLabels: { app: 'web' } }, containers: [logAgent] });
      const out = run([workload({ app: 'web' })], set);
      const a = podMeta(out.objects[0]).annotations;
      expect(Object.keys(a)).toEqual([
        'kruise.io/sidecarset-hash',
        'kruise.io/sidecarset-hash-without-image',
        'kruise.io/sidecarset-injected-list',
        'inject-sidecarsets.kpt.dev/injections',
      ]);
      expect(JSON.parse(a['inject-sidecarsets.kpt.dev/injections'])).toEqual({
        'SidecarSet/s': { sidecarSets: ['s'], containers: ['log-agent'] },
      });
      expect(JSON.parse(a['kruise.io/sidecarset-hash']).s).toMatchObject({
        updateTimestamp: '1970-01-01T00:00:00Z',
        sidecarSetName: 's',
        sidecarList: ['log-agent'],
      });
      const config = {
        apiVersion: 'fn.kpt.dev/v1alpha1',
        kind: 'InjectSidecarSets',
        metadata: { name: 'c' },
        spec: { sidecarSets: [set], injectionTimestamp: '2025-03-01T08:09:10Z' },
      };
      const stamped = run([workload({ app: 'web' })], config);
      expect(podMeta(stamped.objects[0]).annotations['kruise.io/sidecarset-hash']).toContain('"updateTimestamp":"2025-03-01T08:09:10Z"');
    });

    it('takes controllerRevision from status.latestRevision', () => {
      const set = {
        ...sidecarSet('s', { selector: { matchLabels: { app: 'web' } }, containers: [logAgent] }),
        status: { latestRevision: 's-abc' },
      };
      const out = run([workload({ app: 'web' })], set);
      expect(JSON.parse(podMeta(out.objects[0]).annotations['kruise.io/sidecarset-hash']).s.controllerRevision).toBe('s-abc');
      expect(
        JSON.parse(podMeta(out.objects[0]).annotations['kruise.io/sidecarset-hash-without-image']).s.controllerRevision,
      ).toBeUndefined();
    });

    it('ignores hash annotations already on the input SidecarSet', () => {
      const plain = sidecarSet('s', { selector: { matchLabels: { app: 'web' } }, containers: [logAgent] });
      const stale = { ...plain, metadata: { name: 's', annotations: { 'kruise.io/sidecarset-hash': 'stale' } } };
      expect(itemTexts(run([workload({ app: 'web' })], stale))).toBe(itemTexts(run([workload({ app: 'web' })], plain)));
    });
  });

  it('reports one info result per injected workload, and nothing on a re-run', () => {
    const out = run([workload({ app: 'web' })], sidecarSet('s', { selector: { matchLabels: { app: 'web' } }, containers: [logAgent] }));
    const infos = out.results.filter((r) => r.severity === 'info');
    expect(infos).toHaveLength(1);
    expect(infos[0].message).toMatch(/injected log-agent/);
    const again = runText(out.stdout);
    expect(itemTexts(again)).toBe(itemTexts(out));
    expect(again.results.filter((r) => /injected/.test(r.message))).toEqual([]);
  });
});

describe('results about the order and about SidecarSets not injected', () => {
  const two = (gate: boolean) => ({
    apiVersion: 'fn.kpt.dev/v1alpha1',
    kind: 'InjectSidecarSets',
    metadata: { name: 'c' },
    spec: {
      featureGates: { EnableSortSidecarContainerByName: gate },
      sidecarSets: [
        sidecarSet('b', { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'a-side', image: 'x' }] }),
        sidecarSet('a', { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'z-side', image: 'x' }] }),
      ],
    },
  });
  const workload = () => SHAPES[1][1]('w', { app: 'web' }, { containers: [app()] });

  it("warns that Kruise's order between SidecarSets adding containers is random with the gate off", () => {
    const off = run([workload()], two(false));
    expect(off.problems).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/order is random/) })]);
    expect(podSpec(off.objects[0]).containers.map((c: Obj) => c.name)).toEqual(['z-side', 'a-side', 'app']);
    const on = run([workload()], two(true));
    expect(on.problems).toEqual([]);
    expect(podSpec(on.objects[0]).containers.map((c: Obj) => c.name)).toEqual(['a-side', 'z-side', 'app']);
  });

  it('says when a matching SidecarSet is paused, and when a SidecarSet matches nothing', () => {
    const paused = sidecarSet('p', {
      selector: { matchLabels: { app: 'web' } },
      injectionStrategy: { paused: true },
      containers: [{ name: 's', image: 'x' }],
    });
    expect(run([workload()], paused).results.some((r) => r.severity === 'info' && /paused/.test(r.message))).toBe(true);
    const none = sidecarSet('typo', { selector: { matchLabels: { app: 'wbe' } }, containers: [{ name: 's', image: 'x' }] });
    expect(run([workload()], none).results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          severity: 'info',
          resourceRef: expect.objectContaining({ kind: 'SidecarSet', name: 'typo' }),
          message: expect.stringMatching(/matches no pod template/),
        }),
      ]),
    );
  });
});
