// transferEnv as Kruise's pod webhook resolves it: by source container name, or by a container name
// read from a pod label or annotation (sourceContainerNameFrom.fieldRef).
import { describe, expect, it } from 'vitest';
import type { Obj } from '../helpers/krm.js';
import { APP_LABELS, SHAPES, byName, errors, names, podSpec1, render, sidecarSetWithTransferEnv } from './fixtures.js';

const injected = { name: 'IS_INJECTED', value: 'true' };

/** A SidecarSet whose one sidecar transfers `test-env` as `transferEnv` says. */
const transferSet = (selector: Obj, transferEnv: Obj[]): Obj => ({
  apiVersion: 'apps.kruise.io/v1beta1',
  kind: 'SidecarSet',
  metadata: { name: 'transfer' },
  spec: {
    selector: { matchLabels: selector },
    containers: [{ name: 'cold-sidecar', image: 'cold-image:v1', upgradeStrategy: { upgradeType: 'ColdUpgrade' }, transferEnv }],
  },
});
const fieldRef = (fieldPath: string, apiVersion = 'v1') => ({
  envName: 'test-env',
  sourceContainerNameFrom: { fieldRef: { apiVersion, fieldPath } },
});
const sourceSpec = (containerName: string) => ({
  containers: [{ name: containerName, image: 'main:v1', env: [{ name: 'test-env', value: 'test-value' }] }],
});

describe.each(SHAPES)('on a %s', (_kind, shape) => {
  it('TestSidecarSetTransferEnv', () => {
    const set = sidecarSetWithTransferEnv();
    delete set.spec.initContainers[0].podInjectPolicy;
    const { out, spec } = render(shape({ labels: APP_LABELS, spec: podSpec1() }), set);
    expect(out.exitCode).toBe(0);
    expect(names(spec.initContainers)).toEqual(['init-0', 'dns-e']);
    expect(spec.initContainers[1].env).toEqual([injected, { name: 'hello2', value: 'world2' }]);
    expect(spec.containers[0].name).toBe('dns-f');
    expect(spec.containers[0].env).toEqual([injected, { name: 'hello2', value: 'world2' }]);
  });

  describe('TestGetSidecarTransferEnvs', () => {
    it.each([
      ['by sourceContainerName', { app: 'nginx' }, undefined, { envName: 'test-env', sourceContainerName: 'main' }],
      ["by fieldRef metadata.labels['app']", { app: 'main' }, undefined, fieldRef("metadata.labels['app']")],
      ["by fieldRef metadata.annotations['app']", { app: 'main' }, { app: 'main' }, fieldRef("metadata.annotations['app']")],
    ] as [string, Obj, Obj | undefined, Obj][])('%s', (_case, labels, annotations, transfer) => {
      const { out, spec } = render(shape({ labels, annotations, spec: sourceSpec('main') }), transferSet(labels, [transfer]));
      expect(out.exitCode).toBe(0);
      expect(byName(spec.containers, 'cold-sidecar')?.env).toEqual([injected, { name: 'test-env', value: 'test-value' }]);
    });
  });

  describe('TestExtractContainerNameFromFieldPath', () => {
    // Kruise extracts the name alone; end to end, the name picks the container the env comes from.
    it('a label names the source container', () => {
      const labels = { app: 'web', 'test-label': 'test-pod-label' };
      const { out, spec } = render(
        shape({ labels, spec: sourceSpec('test-pod-label') }),
        transferSet({ app: 'web' }, [fieldRef("metadata.labels['test-label']")]),
      );
      expect(out.exitCode).toBe(0);
      expect(byName(spec.containers, 'cold-sidecar')?.env).toEqual([injected, { name: 'test-env', value: 'test-value' }]);
    });

    it('an absent label names no container: nothing is transferred', () => {
      const { out, spec } = render(
        shape({ labels: { app: 'web' }, spec: sourceSpec('test-pod-label') }),
        transferSet({ app: 'web' }, [fieldRef("metadata.labels['test-label']")]),
      );
      expect(out.exitCode).toBe(0);
      expect(byName(spec.containers, 'cold-sidecar')?.env).toEqual([injected]);
    });

    it('an annotation names the source container', () => {
      const { out, spec } = render(
        shape({ labels: { app: 'web' }, annotations: { 'test-anno': 'test-pod-anno' }, spec: sourceSpec('test-pod-anno') }),
        transferSet({ app: 'web' }, [fieldRef("metadata.annotations['test-anno']")]),
      );
      expect(out.exitCode).toBe(0);
      expect(byName(spec.containers, 'cold-sidecar')?.env).toEqual([injected, { name: 'test-env', value: 'test-value' }]);
    });
  });

  describe('TestConvertDownwardAPIFieldLabel', () => {
    // The conversion is what the SidecarSet webhook checks a sidecar's fieldRef with: a SidecarSet
    // failing it is never admitted, so it is an error result and nothing is injected.
    it.each([
      ['v2', 'metadata.name', false],
      ['v1', 'invalid-label', false],
      ['v1', 'metadata.name', false],
      ['v1', 'metadata.annotations', false],
      ['v1', 'metadata.labels', false],
      ['v1', "metadata.annotations['myAnnoKey']", true],
      ['v1', "metadata.labels['myLabelKey']", true],
    ] as [string, string, boolean][])('%s %s', (apiVersion, fieldPath, accepted) => {
      const { out, spec } = render(
        shape({ labels: { app: 'web' }, spec: sourceSpec('main') }),
        transferSet({ app: 'web' }, [fieldRef(fieldPath, apiVersion)]),
      );
      if (accepted) {
        expect(out.exitCode).toBe(0);
        expect(names(spec.containers)).toEqual(['cold-sidecar', 'main']);
      } else {
        expect(out.exitCode).toBe(1);
        expect(errors(out).some((r) => r.resourceRef?.kind === 'SidecarSet')).toBe(true);
        expect(names(spec.containers)).toEqual(['main']);
      }
    });
  });
});
