// injectionStrategy.revision: historic specs from ControllerRevisions among the items (§2.5).
import { describe, expect, it } from 'vitest';
import { run, sidecarSet, podSpec, podMeta, SHAPES, app, type Obj } from '../helpers/krm.js';

const revision = (name: string, image: string, extra: Obj = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'ControllerRevision',
  metadata: {
    name,
    namespace: 'kruise-system',
    labels: { 'kruise.io/sidecarset-name': 's', ...(extra.labels ?? {}) },
    ...(extra.annotations ? { annotations: extra.annotations } : {}),
  },
  revision: extra.revision ?? 1,
  data: { spec: { $patch: 'replace', containers: [{ name: 'agent', image }] } },
});
const set = (rev: Obj, strategy: Obj = {}) =>
  sidecarSet('s', {
    selector: { matchLabels: { app: 'web' } },
    containers: [{ name: 'agent', image: 'agent:2' }],
    injectionStrategy: { revision: rev },
    ...(Object.keys(strategy).length ? { updateStrategy: strategy } : {}),
  });
const image = (out: ReturnType<typeof run>, i: number) => podSpec(out.objects[i]).containers.find((c: Obj) => c.name === 'agent')?.image;

describe.each(SHAPES)('on a %s', (_kind, make) => {
  const workload = (labels: Obj = { app: 'web' }) => make('w', labels, { containers: [app()] });

  it('injects the revision a revisionName names (policy Always), with its hash and name', () => {
    const cr = revision('s-old', 'agent:1', {
      annotations: { 'kruise.io/sidecarset-hash': 'oldhash', 'kruise.io/sidecarset-hash-without-image': 'oldhash2' },
    });
    const out = run([cr, workload()], set({ revisionName: 's-old' }));
    expect(out.exitCode).toBe(0);
    expect(image(out, 1)).toBe('agent:1');
    const hash = JSON.parse(podMeta(out.objects[1]).annotations['kruise.io/sidecarset-hash']);
    expect(hash.s).toMatchObject({ hash: 'oldhash', controllerRevision: 's-old' });
  });

  it('finds a customVersion by labels, the highest revision winning', () => {
    const v = { 'apps.kruise.io/sidecarset-custom-version': 'v1' };
    const out = run(
      [revision('s-a', 'agent:1a', { labels: v, revision: 1 }), revision('s-b', 'agent:1b', { labels: v, revision: 3 }), workload()],
      set({ customVersion: 'v1' }),
    );
    expect(image(out, 2)).toBe('agent:1b');
  });

  it('is an error when ControllerRevisions are given but not the one named', () => {
    const out = run([revision('s-other', 'agent:1'), workload()], set({ revisionName: 's-old' }));
    expect(out.exitCode).toBe(1);
    expect(out.problems[0]).toMatchObject({ resourceRef: { kind: 'SidecarSet' }, message: expect.stringMatching(/ControllerRevision/) });
  });

  it('injects the current spec, with an info result, when no ControllerRevision is among the items', () => {
    const out = run([workload()], set({ revisionName: 's-old' }));
    expect(out.exitCode).toBe(0);
    expect(image(out, 0)).toBe('agent:2');
    expect(out.results.some((r) => r.severity === 'info' && /current spec is injected instead/.test(r.message))).toBe(true);
  });

  it('Partial: pods outside updateStrategy.selector get the revision, the others the latest', () => {
    const rev = { revisionName: 's-old', policy: 'Partial' };
    const strategy = { type: 'NotUpdate', selector: { matchLabels: { canary: 'true' } } };
    expect(image(run([revision('s-old', 'agent:1'), workload()], set(rev, strategy)), 1)).toBe('agent:1');
    expect(image(run([revision('s-old', 'agent:1'), workload({ app: 'web', canary: 'true' })], set(rev, strategy)), 1)).toBe('agent:2');
  });

  it('Partial with a percentage: 0% latest, 100% historic, otherwise the configured choice', () => {
    const rev = { revisionName: 's-old', policy: 'Partial' };
    const at = (partition: string, cfg: Obj = {}) => {
      const s = set(rev, { type: 'NotUpdate', partition });
      return run(
        [revision('s-old', 'agent:1'), workload()],
        Object.keys(cfg).length
          ? { apiVersion: 'fn.kpt.dev/v1alpha1', kind: 'InjectSidecarSets', metadata: { name: 'c' }, spec: { sidecarSets: [s], ...cfg } }
          : s,
      );
    };
    expect(image(at('0%'), 1)).toBe('agent:2');
    expect(image(at('100%'), 1)).toBe('agent:1');
    expect(at('50%').exitCode).toBe(1);
    const chosen = at('50%', { partialRevision: 'historic' });
    expect(chosen.exitCode).toBe(0);
    expect(image(chosen, 1)).toBe('agent:1');
    expect(chosen.problems[0].severity).toBe('warning');
  });

  it('updateStrategy.paused always injects the revision', () => {
    const out = run(
      [revision('s-old', 'agent:1'), workload({ app: 'web', canary: 'true' })],
      set({ revisionName: 's-old', policy: 'Partial' }, { type: 'NotUpdate', paused: true }),
    );
    expect(image(out, 1)).toBe('agent:1');
  });
});
