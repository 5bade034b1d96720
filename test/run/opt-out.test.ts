// Opting out of injection (annotations inject-sidecarsets.kpt.dev/inject and
// inject-sidecarsets.kpt.dev/skip) on the pod template, the workload or a Namespace item: every
// rule, its results, and re-renders that strip what an earlier render injected.
import { describe, expect, it } from 'vitest';
import { run, sidecarSet, podSpec, podMeta, SHAPES, app, itemTexts, pod, type Obj, type Run } from '../helpers/krm.js';

const INJECT = 'inject-sidecarsets.kpt.dev/inject';
const SKIP = 'inject-sidecarsets.kpt.dev/skip';
const selector = { matchLabels: { app: 'web' } };
const mesh = sidecarSet('mesh', {
  selector,
  containers: [{ name: 'proxy', image: 'proxy:1' }],
  initContainers: [{ name: 'mesh-init', image: 'init:1' }],
});
const logging = sidecarSet('logging', {
  selector,
  containers: [{ name: 'log-agent', image: 'log:1', podInjectPolicy: 'AfterAppContainer' }],
});
const both = { apiVersion: 'v1', kind: 'List', metadata: { name: 'platform' }, items: [logging, mesh] };
const names = (l: Obj[] | undefined) => (l ?? []).map((x) => x.name);
const namespace = (name: string, annotations: Obj) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations } });
const sidecars = (obj: Obj) => [...names(podSpec(obj).initContainers), ...names(podSpec(obj).containers)].filter((n) => n !== 'app');
const infos = (out: Run) => out.results.filter((r) => r.severity === 'info').map((r) => r.message);
const optOutInfos = (out: Run) => infos(out).filter((m) => m.startsWith('opted out'));

type Where = 'template' | 'workload' | 'namespace';

describe.each(SHAPES)('on a %s', (kind, make) => {
  const isPod = kind === 'Pod';
  // A Pod is its own template: its metadata is the template's and the workload's.
  const places: Where[] = isPod ? ['template', 'namespace'] : ['template', 'workload', 'namespace'];

  /** The workload in namespace shop, with `annotations` on each place named. */
  function web(annotations: Partial<Record<Where, Obj>> = {}): Obj[] {
    // A copy: the builder shares its labels object, which the YAML writer would turn into an alias.
    const obj = JSON.parse(JSON.stringify(make('web', { app: 'web' }, { containers: [app()] }, 'shop')));
    if (annotations.template) podMeta(obj).annotations = annotations.template;
    if (annotations.workload) obj.metadata.annotations = annotations.workload;
    return [namespace('shop', annotations.namespace ?? {}), obj];
  }
  const label = (where: Where) =>
    where === 'namespace' ? 'namespace shop' : where === 'template' ? (isPod ? 'the pod' : 'the pod template') : 'the workload';
  const fieldPath = (where: Where, key: string) =>
    `${where === 'template' && !isPod ? 'spec.template.' : ''}metadata.annotations["${key}"]`;

  it.each(places)('inject: "false" on the %s: no SidecarSet injects, with one info result naming what was skipped', (where) => {
    const out = run(web({ [where]: { [INJECT]: 'false' } }), both);
    expect(out.exitCode).toBe(0);
    expect(sidecars(out.objects[1])).toEqual([]);
    expect(itemTexts(out)).toBe(itemTexts(run(web({ [where]: { [INJECT]: 'false' } }))));
    expect(out.problems).toEqual([]);
    expect(optOutInfos(out)).toEqual([`opted out: not injected by SidecarSets logging, mesh (${INJECT}: "false" on ${label(where)})`]);
    // No "matches no pod template" for SidecarSets a workload opted out of.
    expect(infos(out).filter((m) => m.includes('matches no pod template'))).toEqual([]);
  });

  it.each(places)('skip on the %s skips the SidecarSets it names', (where) => {
    const out = run(web({ [where]: { [SKIP]: ' mesh , ' } }), both);
    expect(sidecars(out.objects[1])).toEqual(['log-agent']);
    expect(podMeta(out.objects[1]).annotations['kruise.io/sidecarset-injected-list']).toBe('logging');
    expect(optOutInfos(out)).toEqual([`opted out: not injected by SidecarSet mesh (${SKIP} on ${label(where)})`]);
  });

  it('inject: "true", or no annotation, injects normally', () => {
    const plain = run(web(), both);
    expect(sidecars(plain.objects[1])).toEqual(['mesh-init', 'proxy', 'log-agent']);
    const explicit = run(web({ template: { [INJECT]: 'true' } }), both);
    expect(sidecars(explicit.objects[1])).toEqual(sidecars(plain.objects[1]));
    expect(optOutInfos(explicit)).toEqual([]);
  });

  describe('precedence: the pod template over the workload over the namespace, for each annotation', () => {
    const cases: Array<[string, Partial<Record<Where, Obj>>, string[]]> = [
      [
        'the template\'s "true" beats the namespace\'s "false"',
        { template: { [INJECT]: 'true' }, namespace: { [INJECT]: 'false' } },
        ['mesh-init', 'proxy', 'log-agent'],
      ],
      [
        "the template's skip replaces the namespace's",
        { template: { [SKIP]: 'logging' }, namespace: { [SKIP]: 'mesh' } },
        ['mesh-init', 'proxy'],
      ],
      [
        "an empty skip on the template cancels the namespace's",
        { template: { [SKIP]: '' }, namespace: { [SKIP]: 'mesh' } },
        ['mesh-init', 'proxy', 'log-agent'],
      ],
      ['inject and skip are decided separately', { template: { [INJECT]: 'true' }, namespace: { [SKIP]: 'mesh' } }, ['log-agent']],
      [
        'the namespace\'s "false" holds when nothing more specific says otherwise',
        { template: { [SKIP]: 'logging' }, namespace: { [INJECT]: 'false' } },
        [],
      ],
    ];
    if (!isPod) {
      cases.push(
        [
          'the workload\'s "true" beats the namespace\'s "false"',
          { workload: { [INJECT]: 'true' }, namespace: { [INJECT]: 'false' } },
          ['mesh-init', 'proxy', 'log-agent'],
        ],
        [
          'the template\'s "true" beats the workload\'s "false"',
          { template: { [INJECT]: 'true' }, workload: { [INJECT]: 'false' } },
          ['mesh-init', 'proxy', 'log-agent'],
        ],
        ["the template's skip replaces the workload's", { template: { [SKIP]: 'mesh' }, workload: { [SKIP]: 'logging' } }, ['log-agent']],
      );
    }
    it.each(cases)('%s', (_what, annotations, expected) => {
      const out = run(web(annotations), both);
      expect(out.exitCode).toBe(0);
      expect(out.problems.filter((p) => !/all add containers/.test(p.message))).toEqual([]);
      expect(sidecars(out.objects[1]).sort()).toEqual([...expected].sort());
    });
  });

  it.each(places)(
    'an inject value other than "true" or "false" on the %s is an error naming the field, and nothing is injected',
    (where) => {
      const out = run(web({ [where]: { [INJECT]: 'no' } }), both);
      expect(out.exitCode).toBe(1);
      expect(out.problems).toHaveLength(1);
      expect(out.problems[0]).toMatchObject({
        severity: 'error',
        message: expect.stringContaining(`${INJECT} on ${label(where)} is "no"; use "true" or "false"`),
        field: { path: fieldPath(where, INJECT) },
        resourceRef: { kind: where === 'namespace' ? 'Namespace' : kind, name: where === 'namespace' ? 'shop' : 'web' },
      });
      expect(itemTexts(out)).toBe(itemTexts(run(web({ [where]: { [INJECT]: 'no' } }))));
    },
  );

  // (On a pod template, a value that is no string makes the template invalid: a warning, and nothing is injected.)
  it.skipIf(isPod)('an unquoted false on the workload (a YAML boolean, which the apiserver rejects) is an error with a hint', () => {
    const out = run(web({ workload: { [INJECT]: false } }), both);
    expect(out.exitCode).toBe(1);
    expect(out.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/is false; use "true" or "false" \(quote it: annotation values are strings\)/),
    ]);
  });

  it.each(places)('a skip naming no SidecarSet of the step on the %s is a warning; the others are skipped', (where) => {
    const out = run(web({ [where]: { [SKIP]: 'mesh,mesh-typo' } }), both);
    expect(out.exitCode).toBe(0);
    expect(sidecars(out.objects[1])).toEqual(['log-agent']);
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatchObject({
      severity: 'warning',
      message: `${SKIP} on ${label(where)} names mesh-typo, which no SidecarSet of this step has; check the spelling`,
      field: { path: fieldPath(where, SKIP) },
    });
  });

  describe('re-rendering after opting out strips what an earlier render injected', () => {
    it.each(places)('inject: "false" added on the %s: the template comes back as it was', (where) => {
      const injected = run(web(), both);
      const items = JSON.parse(JSON.stringify(injected.objects)) as Obj[];
      const optedOut = web({ [where]: { [INJECT]: 'false' } });
      // The opt-out annotation is added to the rendered workload (or its Namespace).
      if (where === 'namespace') items[0] = optedOut[0];
      else if (where === 'workload') items[1].metadata.annotations = { [INJECT]: 'false' };
      else podMeta(items[1]).annotations = { ...podMeta(items[1]).annotations, [INJECT]: 'false' };
      const out = run(items, both);
      expect(itemTexts(out)).toBe(itemTexts(run(optedOut, both)));
      expect(out.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/^removed what an earlier run of this step \(List\/platform\) injected .*SidecarSets logging, mesh/),
      ]);
      expect(itemTexts(run(out.objects, both))).toBe(itemTexts(out));
    });

    it("skip added: only the skipped SidecarSet's sidecars go", () => {
      const injected = run(web(), both);
      const items = JSON.parse(JSON.stringify(injected.objects)) as Obj[];
      podMeta(items[1]).annotations[SKIP] = 'mesh';
      const out = run(items, both);
      expect(sidecars(out.objects[1])).toEqual(['log-agent']);
      // (The annotation was added after the others, so only the key order differs from a fresh render.)
      expect(out.objects).toEqual(run(web({ template: { [SKIP]: 'mesh' } }), both).objects);
    });

    it('a SidecarSet of another step is stripped by that step only', () => {
      const composed = run(run(web(), logging).objects, mesh);
      const items = JSON.parse(JSON.stringify(composed.objects)) as Obj[];
      podMeta(items[1]).annotations[SKIP] = 'mesh';
      // The logging step does not own the mesh sidecars: they stay (and it warns that it has no mesh).
      const byLogging = run(items, logging);
      expect(sidecars(byLogging.objects[1]).sort()).toEqual(['log-agent', 'mesh-init', 'proxy']);
      expect(byLogging.problems.map((p) => p.message)).toEqual([expect.stringMatching(/names mesh, which no SidecarSet of this step has/)]);
      const byMesh = run(byLogging.objects, mesh);
      expect(sidecars(byMesh.objects[1])).toEqual(['log-agent']);
      expect(JSON.parse(podMeta(byMesh.objects[1]).annotations['inject-sidecarsets.kpt.dev/injections'])).toEqual({
        'SidecarSet/logging': { sidecarSets: ['logging'], containers: ['log-agent'] },
      });
    });
  });
});

it('a Namespace opt-out applies to every workload in it and none elsewhere; errors on it are reported once, on the Namespace', () => {
  const web = (name: string, ns: string) => pod(name, { app: 'web' }, { containers: [app()] }, ns);
  const out = run(
    [
      namespace('shop', { [INJECT]: 'off' }),
      namespace('quiet', { [INJECT]: 'false' }),
      web('a', 'shop'),
      web('b', 'shop'),
      web('c', 'quiet'),
      web('d', 'other'),
    ],
    mesh,
  );
  expect(out.problems.map((p) => [p.severity, p.resourceRef?.kind, p.message])).toEqual([
    [
      'error',
      'Namespace',
      `${INJECT} on namespace shop is "off"; use "true" or "false"; its workloads that do not set the annotation themselves get nothing injected`,
    ],
  ]);
  expect(out.objects.slice(2).map(sidecars)).toEqual([[], [], [], ['mesh-init', 'proxy']]);
  expect(optOutInfos(out)).toEqual([`opted out: not injected by SidecarSet mesh (${INJECT}: "false" on namespace quiet)`]);
});

it('opt-out annotations are read on workloads no SidecarSet selects too (and are checked there)', () => {
  const other = pod('other', { app: 'other' }, { containers: [app()] });
  other.metadata.annotations = { [INJECT]: 'yes' };
  const out = run([other], mesh);
  expect(out.problems.map((p) => p.message)).toEqual([expect.stringContaining(`${INJECT} on the pod is "yes"`)]);
});
