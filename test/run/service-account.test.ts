// ServiceAccount injection through the whole function, on a Pod and on a templated workload.
import { describe, expect, it } from 'vitest';
import { run, runText, itemTexts, sidecarSet, podSpec, SHAPES, app, type Obj } from '../helpers/krm.js';

const sa = (name: string, namespace = 'default', extra: Obj = {}) => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace },
  ...extra,
});
const set = (name: string, spec: Obj = {}, annotations?: Obj) =>
  sidecarSet(
    name,
    { selector: { matchLabels: { app: 'web' } }, containers: [{ name: `${name}-agent`, image: 'agent:1' }], ...spec },
    annotations ? { metadata: { annotations } } : {},
  );
const list = (...items: Obj[]) => ({ apiVersion: 'v1', kind: 'List', items });
const config = (spec: Obj) => ({ apiVersion: 'fn.kpt.dev/v1alpha1', kind: 'InjectSidecarSets', metadata: { name: 'c' }, spec });

describe.each(SHAPES)('on a %s', (_kind, make) => {
  const workload = (spec: Obj = {}) => make('w', { app: 'web' }, { containers: [app()], ...spec });

  it('sets the ServiceAccount of a template without one, and a re-run changes nothing', () => {
    const out = run([sa('mesh'), workload()], set('a', { serviceAccountName: 'mesh' }));
    expect(out.exitCode).toBe(0);
    expect(podSpec(out.objects[1]).serviceAccountName).toBe('mesh');
    expect(out.problems).toEqual([]);
    const again = runText(out.stdout);
    expect(itemTexts(again)).toBe(itemTexts(out));
    expect(again.problems).toEqual([]);
  });

  it('replaces `default` and keeps the deprecated field consistent', () => {
    const out = run(
      [sa('mesh'), workload({ serviceAccount: 'default', serviceAccountName: 'default' })],
      set('a', { serviceAccountName: 'mesh' }),
    );
    expect(podSpec(out.objects[1])).toMatchObject({ serviceAccountName: 'mesh', serviceAccount: 'mesh' });
  });

  it("keeps the template's own ServiceAccount on a conflict: warning, or error when asked", () => {
    const warn = run([sa('mesh'), sa('own'), workload({ serviceAccountName: 'own' })], set('a', { serviceAccountName: 'mesh' }));
    expect(warn.exitCode).toBe(0);
    expect(podSpec(warn.objects[2]).serviceAccountName).toBe('own');
    expect(podSpec(warn.objects[2]).containers.map((c: Obj) => c.name)).toContain('a-agent');
    expect(warn.problems).toEqual([
      expect.objectContaining({ severity: 'warning', field: { path: expect.stringMatching(/serviceAccountName$/) } }),
    ]);
    const err = run(
      [sa('mesh'), sa('own'), workload({ serviceAccountName: 'own' })],
      set('a', { serviceAccountName: 'mesh', errorWhenServiceAccountInjectionConflict: true }),
    );
    expect(err.exitCode).toBe(1);
    expect(err.problems[0]).toMatchObject({ severity: 'error', tags: { sidecarSets: 'a' } });
  });

  it('between SidecarSets: the first name wins with a warning, or nothing is injected on error', () => {
    const two = run(
      [sa('sa-a'), sa('sa-b'), workload()],
      list(set('b', { serviceAccountName: 'sa-b' }), set('a', { serviceAccountName: 'sa-a' })),
    );
    expect(podSpec(two.objects[2]).serviceAccountName).toBe('sa-a');
    const saProblems = (out: typeof two) => out.problems.filter((p) => /ServiceAccount/.test(p.message));
    expect(saProblems(two).map((p) => p.severity)).toEqual(['warning']);
    expect(saProblems(two)[0].message).toMatch(/sa-a/);
    expect(saProblems(two)[0].message).toMatch(/sa-b/);
    const strict = run(
      [sa('sa-a'), sa('sa-b'), workload()],
      list(
        set('b', { serviceAccountName: 'sa-b', errorWhenServiceAccountInjectionConflict: true }),
        set('a', { serviceAccountName: 'sa-a' }),
      ),
    );
    expect(strict.exitCode).toBe(1);
    expect(podSpec(strict.objects[2]).serviceAccountName).toBeUndefined();
    const same = run([sa('sa-a'), workload()], list(set('b', { serviceAccountName: 'sa-a' }), set('a', { serviceAccountName: 'sa-a' })));
    expect(saProblems(same)).toEqual([]);
  });

  it('warns about a ServiceAccount found nowhere, unless managed elsewhere; errors when configured', () => {
    expect(run([workload()], set('a', { serviceAccountName: 'mesh' })).problems[0]).toMatchObject({ severity: 'warning' });
    expect(
      run(
        [workload()],
        config({ sidecarSets: [set('a', { serviceAccountName: 'mesh' })], serviceAccountsManagedElsewhere: ['default/mesh'] }),
      ).problems,
    ).toEqual([]);
    expect(
      run([workload()], config({ sidecarSets: [set('a', { serviceAccountName: 'mesh' })], missingServiceAccount: 'error' })).exitCode,
    ).toBe(1);
  });

  it("uses the injected ServiceAccount's pull secrets when sidecar secrets are added", () => {
    const out = run(
      [sa('mesh', 'default', { imagePullSecrets: [{ name: 'mesh-registry' }] }), workload()],
      set('a', { serviceAccountName: 'mesh', imagePullSecrets: [{ name: 'sidecar-registry' }] }),
    );
    expect(podSpec(out.objects[1]).imagePullSecrets).toEqual([{ name: 'mesh-registry' }, { name: 'sidecar-registry' }]);
  });

  it("with the Sidecars token scope, only the SidecarSet's containers hold a token", () => {
    const out = run(
      [sa('mesh'), workload()],
      set('a', { serviceAccountName: 'mesh' }, { 'inject-sidecarsets.kpt.dev/service-account-token-scope': 'Sidecars' }),
    );
    expect(out.exitCode).toBe(0);
    const spec = podSpec(out.objects[1]);
    expect(spec.automountServiceAccountToken).toBe(false);
    const agent = spec.containers.find((c: Obj) => c.name === 'a-agent');
    const appContainer = spec.containers.find((c: Obj) => c.name === 'app');
    expect(agent.volumeMounts).toEqual([
      expect.objectContaining({ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }),
    ]);
    expect(appContainer.volumeMounts).toBeUndefined();
    expect(spec.volumes.map((v: Obj) => v.name)).toEqual(['kube-api-access-sidecars']);
    expect(itemTexts(runText(out.stdout))).toBe(itemTexts(out));
  });

  it('ignores the fields with an info result when the feature gate is off', () => {
    const out = run(
      [sa('mesh'), workload()],
      config({ sidecarSets: [set('a', { serviceAccountName: 'mesh' })], featureGates: { SidecarSetServiceAccountInjection: false } }),
    );
    expect(podSpec(out.objects[1]).serviceAccountName).toBeUndefined();
    expect(out.results.some((r) => r.severity === 'info' && /feature gate is off/.test(r.message))).toBe(true);
  });

  it('rejects `default` and invalid names as SidecarSet errors', () => {
    for (const name of ['default', 'Not_Valid']) {
      const out = run([workload()], set('a', { serviceAccountName: name }));
      expect(out.exitCode).toBe(1);
      expect(out.problems[0]).toMatchObject({
        severity: 'error',
        resourceRef: { kind: 'SidecarSet', name: 'a' },
        field: { path: 'spec.serviceAccountName' },
      });
      expect(podSpec(out.objects[0]).containers.map((c: Obj) => c.name)).toEqual(['app']);
    }
  });
});
