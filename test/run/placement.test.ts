// Sidecar placement (annotation inject-sidecarsets.kpt.dev/placement on a SidecarSet): every rule
// of it, for containers and init containers, on a Pod and on a Deployment, in one step and across
// several steps, and re-runs.
import { describe, expect, it } from 'vitest';
import { run, sidecarSet, podSpec, podMeta, SHAPES, app, itemTexts, type Obj, type Run } from '../helpers/krm.js';

const PLACEMENT = 'inject-sidecarsets.kpt.dev/placement';
const selector = { matchLabels: { app: 'web' } };
const names = (l: Obj[] | undefined) => (l ?? []).map((x) => x.name);
const placed = (name: string, spec: Obj, placement: Obj | string | undefined) =>
  sidecarSet(
    name,
    { selector, ...spec },
    placement === undefined
      ? {}
      : { metadata: { annotations: { [PLACEMENT]: typeof placement === 'string' ? placement : JSON.stringify(placement) } } },
  );
const list = (name: string, ...items: Obj[]) => ({ apiVersion: 'v1', kind: 'List', metadata: { name }, items });
const sidecar = (name: string, extra: Obj = {}) => ({ name, image: `${name}:1`, ...extra });
const record = (obj: Obj) => JSON.parse(podMeta(obj).annotations['inject-sidecarsets.kpt.dev/injections']);

/** Runs the configs one after the other, each on the output of the one before. */
function steps(items: Obj[], ...configs: Obj[]): Run {
  let out = run(items, configs[0]);
  for (const config of configs.slice(1)) out = run(out.objects, config);
  return out;
}

/** A second run of `config` over `out` changes no byte and reports nothing. */
function expectFixedPoint(out: Run, config: Obj): void {
  const again = run(out.objects, config);
  expect(itemTexts(again)).toBe(itemTexts(out));
  expect(again.problems).toEqual(out.problems);
}

describe.each(SHAPES)('on a %s', (_kind, make) => {
  const web = (spec: Obj = {}) =>
    make('web', { app: 'web' }, { initContainers: [app('setup'), app('migrate')], containers: [app('app'), app('worker')], ...spec });

  describe('containers', () => {
    it.each([
      ['first', { log: 'first' }, ['log', 'proxy', 'app', 'worker']],
      ['last', { proxy: 'last' }, ['log', 'app', 'worker', 'proxy']],
      ['before an app container', { proxy: 'before:worker' }, ['log', 'app', 'proxy', 'worker']],
      ['after an app container', { log: 'after:app' }, ['proxy', 'app', 'log', 'worker']],
      ['after a sidecar of the same SidecarSet', { log: 'after:proxy', proxy: 'last' }, ['app', 'worker', 'proxy', 'log']],
    ])('%s', (_what, placement, expected) => {
      const set = placed('mesh', { containers: [sidecar('proxy'), sidecar('log')] }, placement);
      const out = run([web()], set);
      expect(out.problems).toEqual([]);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(expected);
      expectFixedPoint(out, set);
    });

    it('several sidecars placed first keep SidecarSet order (SidecarSet, then spec order), whatever podInjectPolicy says', () => {
      const a = placed(
        'a-set',
        { containers: [sidecar('zeta', { podInjectPolicy: 'AfterAppContainer' }), sidecar('alpha')] },
        { zeta: 'first', alpha: 'first' },
      );
      const b = placed('b-set', { containers: [sidecar('beta')] }, { beta: 'first' });
      const out = run([web()], list('both', b, a));
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['zeta', 'alpha', 'beta', 'app', 'worker']);
      expectFixedPoint(out, list('both', b, a));
    });

    it('an anchor can be a sidecar another SidecarSet injects in the same run', () => {
      const mesh = placed('mesh', { containers: [sidecar('proxy', { podInjectPolicy: 'AfterAppContainer' })] }, undefined);
      const tap = placed('tap', { containers: [sidecar('tap')] }, { tap: 'after:proxy' });
      const out = run([web()], list('both', mesh, tap));
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['app', 'worker', 'proxy', 'tap']);
      expectFixedPoint(out, list('both', mesh, tap));
    });

    it('a missing anchor leaves the sidecar where podInjectPolicy puts it, with a warning naming the workload, the sidecar and the name', () => {
      const set = placed(
        'mesh',
        { containers: [sidecar('proxy'), sidecar('log', { podInjectPolicy: 'AfterAppContainer' })] },
        { log: 'before:nginx' },
      );
      const out = run([web()], set);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['proxy', 'app', 'worker', 'log']);
      expect(out.problems).toHaveLength(1);
      expect(out.problems[0]).toMatchObject({
        severity: 'warning',
        message:
          'SidecarSet mesh: container log is placed before:nginx, but the template has no container nginx; it is left where Kruise puts it (podInjectPolicy AfterAppContainer)',
        resourceRef: { kind: make === SHAPES[0][1] ? 'Pod' : 'Deployment', name: 'web' },
      });
      expectFixedPoint(out, set);
    });

    it('hot-upgrade twins are placed together, -1 before -2', () => {
      const set = placed(
        'dns',
        {
          containers: [sidecar('dns', { upgradeStrategy: { upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'empty:1' } })],
        },
        { dns: 'after:app' },
      );
      const out = run([web()], set);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['app', 'dns-1', 'dns-2', 'worker']);
      expectFixedPoint(out, set);
    });
  });

  describe('init containers', () => {
    it.each([
      ["first: a native sidecar before the pod's own init containers", { agent: 'first' }, ['agent', 'setup', 'migrate', 'certs']],
      ['last', { agent: 'last' }, ['setup', 'migrate', 'certs', 'agent']],
      ['before an init container of the template', { certs: 'before:migrate' }, ['setup', 'certs', 'migrate', 'agent']],
      ['after an init container of the template', { agent: 'after:setup' }, ['setup', 'agent', 'migrate', 'certs']],
      [
        'in spec order when both are first (Kruise sorts them by name)',
        { certs: 'first', agent: 'first' },
        ['certs', 'agent', 'setup', 'migrate'],
      ],
    ])('%s', (_what, placement, expected) => {
      const set = placed(
        'node',
        {
          updateStrategy: { type: 'NotUpdate' },
          initContainers: [sidecar('certs'), sidecar('agent', { restartPolicy: 'Always' })],
        },
        placement,
      );
      const out = run([web()], set);
      expect(out.problems).toEqual([]);
      expect(names(podSpec(out.objects[0]).initContainers)).toEqual(expected);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['app', 'worker']);
      expectFixedPoint(out, set);
    });

    it('anchors are looked up among the init containers only', () => {
      const set = placed('node', { initContainers: [sidecar('certs')] }, { certs: 'before:app' });
      const out = run([web()], set);
      expect(names(podSpec(out.objects[0]).initContainers)).toEqual(['setup', 'migrate', 'certs']);
      expect(out.problems.map((p) => p.message)).toEqual([
        'SidecarSet node: init container certs is placed before:app, but the template has no init container app; it is left where Kruise puts it (podInjectPolicy AfterAppContainer)',
      ]);
    });
  });

  describe('invalid annotations are errors on the SidecarSet, which is not applied', () => {
    it.each([
      ['not JSON', '{first', /is not valid JSON/],
      ['not an object', '["first"]', /must be a JSON object/],
      [
        'a key that is no container of the SidecarSet',
        { nginx: 'first' },
        /names "nginx", which is no container or init container of this SidecarSet/,
      ],
      ['an unknown value', { proxy: 'top' }, /"proxy": "top" is not first, last, before:<container> or after:<container>/],
      ['a value that is no string', { proxy: 1 }, /"proxy": 1 is not first/],
      ['an anchor that is no container name', { proxy: 'after:App' }, /"after:App" does not name a container/],
      ['an empty anchor', { proxy: 'before:' }, /"before:" does not name a container/],
      ['a sidecar placed relative to itself', { proxy: 'after:proxy' }, /"proxy" is placed relative to itself/],
      ['a cycle', { proxy: 'after:log', log: 'before:proxy' }, /proxy → log → proxy are placed relative to each other in a cycle/],
    ])('%s', (_what, placement, message) => {
      const set = placed('mesh', { containers: [sidecar('proxy'), sidecar('log')] }, placement);
      const out = run([web()], set);
      expect(out.exitCode).toBe(1);
      const errors = out.problems.filter((p) => p.severity === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(message);
      expect(errors[0].message).toMatch(/^SidecarSet mesh: annotation inject-sidecarsets\.kpt\.dev\/placement .*It is not applied$/);
      expect(errors[0]).toMatchObject({
        resourceRef: { kind: 'SidecarSet', name: 'mesh' },
        field: { path: `metadata.annotations["${PLACEMENT}"]` },
      });
      expect(itemTexts(out)).toBe(itemTexts(run([web()])));
    });
  });

  it("without the annotation, or with an empty one, the output is Kruise's, byte for byte; the hashes never depend on it", () => {
    const spec = {
      containers: [sidecar('proxy'), sidecar('log', { podInjectPolicy: 'AfterAppContainer' })],
      initContainers: [sidecar('certs')],
    };
    const plain = run([web()], placed('mesh', spec, undefined));
    expect(names(podSpec(plain.objects[0]).containers)).toEqual(['proxy', 'app', 'worker', 'log']);
    expect(itemTexts(run([web()], placed('mesh', spec, {})))).toBe(itemTexts(plain));
    const moved = run([web()], placed('mesh', spec, { proxy: 'last', certs: 'first' }));
    for (const key of ['kruise.io/sidecarset-hash', 'kruise.io/sidecarset-hash-without-image', 'kruise.io/sidecarset-injected-list']) {
      expect(podMeta(moved.objects[0]).annotations[key]).toBe(podMeta(plain.objects[0]).annotations[key]);
    }
    expect(record(moved.objects[0])['SidecarSet/mesh'].placement).toEqual({ certs: 'first', proxy: 'last' });
    expect(record(plain.objects[0])['SidecarSet/mesh']).not.toHaveProperty('placement');
  });

  it("a placement removed from the SidecarSet gives Kruise's order back on the next render", () => {
    const spec = { containers: [sidecar('proxy', { podInjectPolicy: 'AfterAppContainer' })], initContainers: [sidecar('certs')] };
    const first = run([web()], placed('mesh', spec, { proxy: 'first', certs: 'first' }));
    expect(names(podSpec(first.objects[0]).containers)).toEqual(['proxy', 'app', 'worker']);
    const removed = run(first.objects, placed('mesh', spec, undefined));
    expect(itemTexts(removed)).toBe(itemTexts(run([web()], placed('mesh', spec, undefined))));
  });

  it('a placement changed on the SidecarSet moves the sidecar on the next render', () => {
    const spec = { containers: [sidecar('proxy')] };
    const first = run([web()], placed('mesh', spec, { proxy: 'after:app' }));
    const changed = run(first.objects, placed('mesh', spec, { proxy: 'last' }));
    expect(itemTexts(changed)).toBe(itemTexts(run([web()], placed('mesh', spec, { proxy: 'last' }))));
  });

  it('an anchor the template loses later leaves the sidecar where it is, with a warning, and re-runs change nothing', () => {
    const set = placed('mesh', { containers: [sidecar('proxy')] }, { proxy: 'after:worker' });
    const first = run([web()], set);
    expect(names(podSpec(first.objects[0]).containers)).toEqual(['app', 'worker', 'proxy']);
    const items = JSON.parse(JSON.stringify(first.objects)) as Obj[];
    podSpec(items[0]).containers = podSpec(items[0]).containers.filter((c: Obj) => c.name !== 'worker');
    const out = run(items, set);
    expect(names(podSpec(out.objects[0]).containers)).toEqual(['app', 'proxy']);
    expect(out.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/container proxy is placed after:worker, but the template has no container worker/),
    ]);
    expectFixedPoint(out, set);
  });

  it('a step record whose placement cannot be read is reported, and the template is taken as it stands', () => {
    const set = placed('mesh', { containers: [sidecar('proxy')] }, { proxy: 'last' });
    const items = JSON.parse(JSON.stringify(run([web()], set).objects)) as Obj[];
    podMeta(items[0]).annotations['inject-sidecarsets.kpt.dev/injections'] = JSON.stringify({
      'SidecarSet/mesh': { sidecarSets: ['mesh'], containers: ['proxy'], placement: { proxy: 'middle' } },
    });
    const out = run(items, set);
    expect(out.problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(
        /annotation inject-sidecarsets.kpt.dev\/injections cannot be read \(step "SidecarSet\/mesh": placement of "proxy": "middle" is not first, last/,
      ),
    );
  });

  describe('several steps', () => {
    const node = placed(
      'node',
      { containers: [sidecar('node-agent', { podInjectPolicy: 'AfterAppContainer' })] },
      { 'node-agent': 'first' },
    );
    const mesh = placed('mesh', { containers: [sidecar('proxy')] }, undefined);
    const meshFirst = placed('mesh', { containers: [sidecar('proxy')] }, { proxy: 'first' });

    it.each([
      ['a BeforeAppContainer sidecar', mesh],
      ['another sidecar placed first', meshFirst],
    ])('a sidecar one step placed first stays first when a later step injects %s', (_what, later) => {
      const out = steps([web()], node, later);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['node-agent', 'proxy', 'app', 'worker']);
      // Re-running either step, or both in order, changes no byte.
      for (const config of [node, later]) expect(itemTexts(run(out.objects, config))).toBe(itemTexts(out));
      expect(itemTexts(steps(out.objects, node, later))).toBe(itemTexts(out));
    });

    it("another step's sidecar can be the anchor, and a placement waits for an anchor a later step brings", () => {
      const tap = placed('tap', { containers: [sidecar('tap')] }, { tap: 'after:proxy' });
      const meshAfter = placed('mesh', { containers: [sidecar('proxy', { podInjectPolicy: 'AfterAppContainer' })] }, undefined);
      const anchorFirst = steps([web()], meshAfter, tap);
      expect(names(podSpec(anchorFirst.objects[0]).containers)).toEqual(['app', 'worker', 'proxy', 'tap']);
      expect(anchorFirst.problems).toEqual([]);

      const anchorLater = run([web()], tap);
      expect(anchorLater.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/container tap is placed after:proxy, but the template has no container proxy/),
      ]);
      const composed = run(anchorLater.objects, placed('mesh', { containers: [sidecar('proxy')] }, undefined));
      // The tap step recorded its placement; the mesh step honours it once proxy is there.
      expect(names(podSpec(composed.objects[0]).containers)).toEqual(['proxy', 'tap', 'app', 'worker']);
      expect(itemTexts(run(composed.objects, tap))).toBe(itemTexts(composed));
    });

    it('placements of two steps that name each other in a cycle are warned about and left where Kruise puts them', () => {
      const a = placed('a', { containers: [sidecar('a1')] }, { a1: 'after:b1' });
      const b = placed('b', { containers: [sidecar('b1')] }, { b1: 'after:a1' });
      const out = steps([web()], a, b);
      expect(names(podSpec(out.objects[0]).containers)).toEqual(['b1', 'a1', 'app', 'worker']);
      expect(out.problems.map((p) => p.message)).toEqual([
        'SidecarSet b: container b1 is placed after:a1, but the placements of the containers a1 and b1 name each other in a cycle; it is left where Kruise puts it (podInjectPolicy BeforeAppContainer)',
      ]);
    });
  });
});
