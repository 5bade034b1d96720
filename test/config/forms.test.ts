// functionConfig forms: where results about a config's SidecarSets point, and the string settings
// that generators of InjectSidecarSets configs hand over (`--spec-from-strings`).
import { describe, expect, it } from 'vitest';
import { CONFIGMAP_KEYS, specFromStrings } from '../../src/config/forms.js';
import { specFromStringsCall } from '../../src/modes/spec-from-strings.js';
import { run, deployment, app } from '../helpers/krm.js';

const broken = {
  apiVersion: 'apps.kruise.io/v1alpha1',
  kind: 'SidecarSet',
  metadata: { name: 'broken' },
  spec: { selector: { matchLabels: { app: 'web' } }, containers: 'not-a-list' },
};
const good = {
  apiVersion: 'apps.kruise.io/v1alpha1',
  kind: 'SidecarSet',
  metadata: { name: 'good' },
  spec: { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'good', image: 'g:1' }] },
};
const config = (annotations?: Record<string, string>, sets: unknown[] = [broken]) => ({
  apiVersion: 'fn.kpt.dev/v1alpha1',
  kind: 'InjectSidecarSets',
  metadata: { name: 'generated', ...(annotations ? { annotations } : {}) },
  spec: { sidecarSets: sets },
});

describe('an InjectSidecarSets config', () => {
  it("reports an embedded SidecarSet's schema errors on that SidecarSet, in the config's own file", () => {
    const out = run(
      [deployment('web', { app: 'web' }, { containers: [app()] })],
      config({ 'config.kubernetes.io/path': 'sidecarsets.yaml' }),
    );
    expect(out.exitCode).toBe(1);
    const errors = out.results.filter((r) => r.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      resourceRef: { kind: 'SidecarSet', name: 'broken' },
      field: { path: 'spec.containers' },
      file: { path: 'sidecarsets.yaml' },
    });
    expect(errors[0]!.message).not.toMatch(/InjectSidecarSets|sidecarSets\[/);
  });

  it('still reports errors of its own on itself', () => {
    const out = run([], { ...config(), spec: { sidecarSets: [good], partialRevision: 'sometimes' } });
    expect(out.results.filter((r) => r.severity === 'error').map((r) => [r.resourceRef?.kind, r.field?.path])).toEqual([
      ['InjectSidecarSets', 'spec.partialRevision'],
    ]);
  });

  it('fails the run (exit 1) on an error of one of its SidecarSets', () => {
    const out = run([deployment('web', { app: 'web' }, { containers: [app()] })], config(undefined, [broken, good]));
    expect(out.exitCode).toBe(1);
  });
});

describe('specFromStrings', () => {
  it('reads every ConfigMap key, named loosely, into typed spec fields; a later setting wins', () => {
    const { spec, problems } = specFromStrings([
      { name: 'DEFAULT_NAMESPACE', value: 'shop' },
      { name: 'defaultnamespace', value: 'web' },
      { name: 'STRIP_PREVIOUS_INJECTION', value: 'false' },
      { name: 'enable-sort-sidecar-container-by-name', value: 'true' },
      { name: 'serviceAccountsManagedElsewhere', value: 'shop/a, shop/b' },
      { name: 'step', value: 'platform' },
    ]);
    expect(problems).toEqual([]);
    expect(spec).toEqual({
      defaultNamespace: 'web',
      stripPreviousInjection: false,
      featureGates: { EnableSortSidecarContainerByName: true },
      serviceAccountsManagedElsewhere: ['shop/a', 'shop/b'],
      step: 'platform',
    });
  });

  it('names the position of each unknown name and bad value, the ConfigMap checks and the schema alike', () => {
    const { problems } = specFromStrings([
      { name: 'defaultNamespce', value: 'shop' },
      { name: 'partialRevision', value: 'sometimes' },
      { name: 'defaultNamespace', value: 'Not_A_Namespace' },
      { name: 'SidecarSetServiceAccountInjection', value: 'yes' },
    ]);
    expect(problems.map((p) => p.index)).toEqual([0, 1, 2, 3]);
    expect(problems[0]!.message).toBe(`unknown option; known options: ${CONFIGMAP_KEYS.join(', ')}`);
    expect(problems[1]!.message).toBe('must be one of error, latest, historic');
    expect(problems[2]!.message).toMatch(/must match pattern/);
    expect(problems[3]!.message).toBe('must be "true" or "false"');
  });

  it('is a JSON call: settings in, spec and problems out; bad input is a usage error', () => {
    const out = specFromStringsCall(JSON.stringify([{ name: 'missingServiceAccount', value: 'error' }]));
    expect(out).toEqual({ stdout: '{"spec":{"missingServiceAccount":"error"},"problems":[]}\n', stderr: '', exitCode: 0 });
    expect(specFromStringsCall('{"name": "x"}')).toMatchObject({ stdout: '', exitCode: 2 });
    expect(specFromStringsCall('not json')).toMatchObject({ stdout: '', exitCode: 2 });
  });
});
