// Running over rendered output after SidecarSets changed gives what rendering the original gives (§6.5).
import { describe, expect, it } from 'vitest';
import { run, runText, sidecarSet, pod, podSpec, podMeta, SHAPES, app, itemTexts, type Obj } from '../helpers/krm.js';

const setA = sidecarSet('a', {
  selector: { matchLabels: { app: 'web' } },
  containers: [{ name: 'x', image: 'x:1', volumeMounts: [{ name: 'vx', mountPath: '/x' }] }],
  initContainers: [{ name: 'x-init', image: 'xi:1' }],
  volumes: [{ name: 'vx', emptyDir: {} }],
});
const setB = sidecarSet('b', {
  selector: { matchLabels: { app: 'web' } },
  containers: [{ name: 'y', image: 'y:1', upgradeStrategy: { upgradeType: 'HotUpgrade', hotUpgradeEmptyImage: 'empty:1' } }],
});
const list = (...items: Obj[]) => ({ apiVersion: 'v1', kind: 'List', items });
const config = (sets: Obj[], extra: Obj = {}) => ({
  apiVersion: 'fn.kpt.dev/v1alpha1',
  kind: 'InjectSidecarSets',
  metadata: { name: 'c' },
  spec: { sidecarSets: sets, ...extra },
});

describe.each(SHAPES)('on a %s', (_kind, make) => {
  const original = () => make('w', { app: 'web' }, { containers: [app()], volumes: [{ name: 'own', emptyDir: {} }] });
  const rerender = (first: ReturnType<typeof run>, functionConfig: Obj) => run(first.objects, functionConfig);

  it('removes the sidecars, init containers, volumes and bookkeeping of a SidecarSet that was removed', () => {
    const both = run([original()], list(setA, setB));
    const again = rerender(both, list(setB));
    expect(again.exitCode).toBe(0);
    expect(again.objects).toEqual(run([original()], list(setB)).objects);
    expect(
      again.problems.filter((r) => /removed what an earlier run of this step \(List\) injected/.test(r.message)).map((r) => r.severity),
    ).toEqual(['warning']);
  });

  it('gives back the original template when no SidecarSet applies any more', () => {
    const first = run([original()], list(setA));
    const again = rerender(
      first,
      list(sidecarSet('other', { selector: { matchLabels: { app: 'nothing' } }, containers: [{ name: 'z', image: 'z' }] })),
    );
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

  it("keeps leftovers with stripPreviousInjection: false (Kruise's behaviour)", () => {
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

  describe('what the template had of its own comes back (the overwritten record)', () => {
    const sa = (name: string, secrets: string[] = []) => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name },
      ...(secrets.length ? { imagePullSecrets: secrets.map((n) => ({ name: n })) } : {}),
    });
    const decorated = (patch: Obj, extra: Obj = {}) =>
      sidecarSet('deco', {
        selector: { matchLabels: { app: 'web' } },
        containers: [{ name: 'z', image: 'z:1', volumeMounts: [{ name: 'vz', mountPath: '/z' }] }],
        volumes: [{ name: 'vz', emptyDir: {} }],
        imagePullSecrets: [{ name: 'registry' }],
        patchPodMetadata: [patch],
        ...extra,
      });
    const withOwn = () => {
      const w = make('w', { app: 'web' }, { containers: [app()], volumes: [{ name: 'own', emptyDir: {} }] });
      podMeta(w).annotations = { kept: 'mine', tuned: 'own-value' };
      return w;
    };
    const overwrite = { patchPolicy: 'Overwrite', annotations: { tuned: 'by-sidecarset', added: 'x' } };

    it('a removed SidecarSet takes its pull secrets, patched annotations and volumes with it', () => {
      const first = run([withOwn()], list(decorated(overwrite), setB));
      expect(podMeta(first.objects[0]).annotations.tuned).toBe('by-sidecarset');
      expect(podSpec(first.objects[0]).imagePullSecrets).toEqual([{ name: 'registry' }]);
      const again = rerender(first, list(setB));
      expect(again.exitCode).toBe(0);
      expect(again.objects).toEqual(run([withOwn()], list(setB)).objects);
      expect(podMeta(again.objects[0]).annotations).toMatchObject({ kept: 'mine', tuned: 'own-value' });
      expect(podMeta(again.objects[0]).annotations.added).toBeUndefined();
      expect(podSpec(again.objects[0]).imagePullSecrets).toBeUndefined();
    });

    it('a changed SidecarSet leaves nothing of its earlier patch, secrets or volumes', () => {
      const first = run([withOwn()], decorated(overwrite));
      const changed = decorated(
        { patchPolicy: 'MergePatchJson', annotations: { json: '{"a":1}' } },
        {
          imagePullSecrets: [{ name: 'mirror' }],
          containers: [{ name: 'z', image: 'z:2', volumeMounts: [{ name: 'vz2', mountPath: '/z' }] }],
          volumes: [{ name: 'vz2', emptyDir: {} }],
        },
      );
      const again = rerender(first, changed);
      expect(again.objects).toEqual(run([withOwn()], changed).objects);
      expect(podSpec(again.objects[0]).volumes.map((v: Obj) => v.name)).toEqual(['own', 'vz2']);
    });

    it('a volume whose definition changed under the same name takes the new definition', () => {
      const withConfig = (name: string) => decorated(overwrite, { volumes: [{ name: 'vz', configMap: { name } }] });
      const first = run([withOwn()], withConfig('agent-v1'));
      const again = rerender(first, withConfig('agent-v2'));
      expect(again.objects).toEqual(run([withOwn()], withConfig('agent-v2')).objects);
      expect(again.problems.filter((p) => /volume/.test(p.message))).toEqual([]);
    });

    it("a volume of the template's own that only a sidecar mounts stays when the sidecar goes", () => {
      const w = withOwn();
      podSpec(w).volumes.push({ name: 'vz', hostPath: { path: '/var/agent' } });
      const first = run([w], list(decorated(overwrite)));
      expect(podSpec(first.objects[0]).volumes).toEqual([
        { name: 'own', emptyDir: {} },
        { name: 'vz', hostPath: { path: '/var/agent' } },
      ]);
      expect(runText(first.stdout).objects).toEqual(first.objects);
      expect(rerender(first, list(setB)).objects).toEqual(run([w], list(setB)).objects);
    });

    it('a ServiceAccount changed in the SidecarSet replaces the one it injected, without a conflict', () => {
      const named = (name: string) => sidecarSet('a', { ...setA.spec, serviceAccountName: name });
      const first = run([original(), sa('sa1', ['s1']), sa('sa2', ['s2'])], list(named('sa1'), decorated(overwrite)));
      expect(podSpec(first.objects[0]).serviceAccountName).toBe('sa1');
      const again = rerender(first, list(named('sa2'), decorated(overwrite)));
      expect(again.problems).toEqual(
        run([original(), sa('sa1', ['s1']), sa('sa2', ['s2'])], list(named('sa2'), decorated(overwrite))).problems,
      );
      expect(again.objects).toEqual(
        run([original(), sa('sa1', ['s1']), sa('sa2', ['s2'])], list(named('sa2'), decorated(overwrite))).objects,
      );
      expect(podSpec(again.objects[0]).imagePullSecrets).toEqual([{ name: 's2' }, { name: 'registry' }]);
      const removed = rerender(again, list(decorated(overwrite)));
      expect(podSpec(removed.objects[0]).serviceAccountName).toBeUndefined();
    });

    it('an app container a sidecar replaced comes back when the SidecarSet goes', () => {
      const replacing = sidecarSet('r', {
        selector: { matchLabels: { app: 'web' } },
        containers: [{ name: 'app', image: 'replacement:1' }],
      });
      const first = run([original()], list(replacing));
      expect(podSpec(first.objects[0]).containers.map((c: Obj) => c.image)).toEqual(['replacement:1']);
      expect(runText(first.stdout).objects).toEqual(first.objects);
      const again = rerender(first, list(setB));
      expect(again.objects).toEqual(run([original()], list(setB)).objects);
    });

    it('keeps what was edited by hand after the render', () => {
      const first = run([withOwn()], list(decorated(overwrite)));
      const edited = JSON.parse(JSON.stringify(first.objects[0]));
      podMeta(edited).annotations.tuned = 'hand-edited';
      const again = run([edited], list(setB));
      expect(podMeta(again.objects[0]).annotations.tuned).toBe('hand-edited');
      expect(podMeta(again.objects[0]).annotations.added).toBeUndefined();
    });

    it('is a fixed point on a re-run with the same SidecarSets', () => {
      const first = run([withOwn()], list(decorated(overwrite), setA));
      const again = runText(first.stdout);
      expect(itemTexts(again)).toBe(itemTexts(first));
    });

    it("is not written when nothing of the template's own was changed", () => {
      const first = run([original()], setB);
      expect(podMeta(first.objects[0]).annotations['inject-sidecarsets.kpt.dev/overwritten']).toBeUndefined();
    });

    it("is not written with stripPreviousInjection: false, whose output is Kruise's", () => {
      const first = run([withOwn()], config([decorated(overwrite)], { stripPreviousInjection: false }));
      expect(podMeta(first.objects[0]).annotations['inject-sidecarsets.kpt.dev/overwritten']).toBeUndefined();
      expect(podMeta(first.objects[0]).annotations.tuned).toBe('by-sidecarset');
    });

    it('an unreadable record is a warning, and the template is taken as it stands', () => {
      const first = run([withOwn()], decorated(overwrite));
      const broken = JSON.parse(JSON.stringify(first.objects[0]));
      podMeta(broken).annotations['inject-sidecarsets.kpt.dev/injections'] =
        '{"SidecarSet/deco": {"sidecarSets": ["deco"], "containers": ["z"], "overwritten": {"annotations": 3}}}';
      const again = run([broken], decorated(overwrite));
      expect(again.exitCode).toBe(0);
      expect(again.problems.map((p) => p.message)).toContainEqual(
        expect.stringMatching(/inject-sidecarsets.kpt.dev\/injections cannot be read \(step "SidecarSet\/deco": annotations is not a map/),
      );
      // Against the template as it stands nothing is overwritten any more: the new record has no overwritten part.
      expect(
        JSON.parse(podMeta(again.objects[0]).annotations['inject-sidecarsets.kpt.dev/injections'])['SidecarSet/deco'].overwritten,
      ).toBeUndefined();
      expect(podMeta(again.objects[0]).annotations.tuned).toBe('by-sidecarset');
    });
  });
});

describe('the summary line on stderr', () => {
  const summary = (out: ReturnType<typeof run>) => out.stderr.trimEnd().split('\n').at(-1);
  const web = () => pod('web', { app: 'web' }, { containers: [app()] });
  const other = () => pod('other', { app: 'other' }, { containers: [app()] });

  it('counts the items injected into', () => {
    expect(summary(run([web(), other()], setA))).toBe(
      'inject-sidecarsets: 1 of 2 items injected by 1 SidecarSet(s); 0 error(s), 0 warning(s)',
    );
  });

  it('says an item only had an earlier injection removed, not that it was injected', () => {
    const first = run([web(), other()], list(setA));
    const again = run(first.objects, list());
    expect(again.objects).toEqual([web(), other()]);
    expect(summary(again)).toBe(
      'inject-sidecarsets: 0 of 2 items injected by 0 SidecarSet(s), 1 with an earlier injection removed; 0 error(s), 1 warning(s)',
    );
  });

  it('counts an item that got one SidecarSet and lost another as injected', () => {
    const first = run([web()], list(setA));
    expect(summary(run(first.objects, list(setB)))).toMatch(/^inject-sidecarsets: 1 of 1 items injected by 1 SidecarSet\(s\); /);
  });
});
