// Running over rendered output after SidecarSets changed gives what rendering the original gives (§6.5).
import { describe, expect, it } from 'vitest';
import { run, runText, sidecarSet, podSpec, podMeta, SHAPES, app, type Obj } from '../helpers/krm.js';

const setA = sidecarSet('a', {
  selector: { matchLabels: { app: 'web' } },
  containers: [{ name: 'x', image: 'x:1', volumeMounts: [{ name: 'vx', mountPath: '/x' }] }],
  initContainers: [{ name: 'x-init', image: 'xi:1' }],
  volumes: [{ name: 'vx', emptyDir: {} }],
});
const setB = sidecarSet('b', { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'y', image: 'y:1', upgradeStrategy: { upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'empty:1' } }] });
const list = (...items: Obj[]) => ({ apiVersion: 'v1', kind: 'List', items });
const config = (sets: Obj[], extra: Obj = {}) => ({ apiVersion: 'fn.kpt.dev/v1alpha1', kind: 'InjectSidecarSets', metadata: { name: 'c' }, spec: { sidecarSets: sets, ...extra } });

describe.each(SHAPES)('on a %s', (_kind, make) => {
  const original = () => make('w', { app: 'web' }, { containers: [app()], volumes: [{ name: 'own', emptyDir: {} }] });
  const rerender = (first: ReturnType<typeof run>, functionConfig: Obj) => run(first.objects, functionConfig);

  it('removes the sidecars, init containers, volumes and bookkeeping of a SidecarSet that was removed', () => {
    const both = run([original()], list(setA, setB));
    const again = rerender(both, setB);
    expect(again.exitCode).toBe(0);
    expect(again.objects).toEqual(run([original()], setB).objects);
    expect(again.results.some((r) => r.severity === 'info' && /removed what an earlier run injected/.test(r.message))).toBe(true);
  });

  it('gives back the original template when no SidecarSet applies any more', () => {
    const first = run([original()], setA);
    const again = rerender(first, sidecarSet('other', { selector: { matchLabels: { app: 'nothing' } }, containers: [{ name: 'z', image: 'z' }] }));
    expect(again.objects).toEqual([original()]);
  });

  it('replaces a renamed sidecar instead of keeping both', () => {
    const first = run([original()], setA);
    const renamed = sidecarSet('a', { ...setA.spec, containers: [{ ...setA.spec.containers[0], name: 'x2' }] });
    expect(rerender(first, renamed).objects).toEqual(run([original()], renamed).objects);
  });

  it('leaves alone what the cluster injected (real timestamps), as Kruise does', () => {
    const first = run([original()], setA);
    const fromCluster = JSON.parse(JSON.stringify(first.objects[0]).replaceAll('1970-01-01T00:00:00Z', '2025-03-01T08:09:10Z'));
    const again = run([fromCluster], setB);
    expect(podSpec(again.objects[0]).containers.map((c: Obj) => c.name)).toEqual(['y-1', 'y-2', 'x', 'app']);
    expect(podMeta(again.objects[0]).annotations['kruise.io/sidecarset-injected-list']).toBe('a,b');
  });

  it('keeps leftovers with stripPreviousInjection: false (Kruise\'s behaviour)', () => {
    const first = run([original()], setA);
    const again = rerender(first, config([setB], { stripPreviousInjection: false }));
    expect(podSpec(again.objects[0]).containers.map((c: Obj) => c.name)).toContain('x');
  });

  it('a re-run with unchanged SidecarSets is still a fixed point', () => {
    const first = run([original()], list(setA, setB));
    const again = runText(first.stdout);
    expect(again.objects).toEqual(first.objects);
    expect(again.results.filter((r) => /removed|injected /.test(r.message))).toEqual([]);
    expect(again.problems).toEqual(first.problems);
  });
});

