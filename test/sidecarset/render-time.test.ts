import { describe, expect, it } from 'vitest';
import { renderTimeWarnings } from '../../src/sidecarset/render-time.js';

const set = (spec: Record<string, unknown>) => ({
  apiVersion: 'apps.kruise.io/v1beta1',
  kind: 'SidecarSet' as const,
  metadata: { name: 's' },
  spec,
});

describe('renderTimeWarnings', () => {
  it('warns about selectors on labels controllers add at pod creation', () => {
    const w = renderTimeWarnings(
      set({ selector: { matchExpressions: [{ key: 'pod-template-hash', operator: 'Exists' }] }, containers: [] }),
    );
    expect(w).toEqual([expect.objectContaining({ path: 'spec.selector', message: expect.stringMatching(/pod-template-hash/) })]);
    expect(renderTimeWarnings(set({ selector: { matchLabels: { app: 'x' } }, containers: [] }))).toEqual([]);
  });
  it('warns about transferEnv reading such a label', () => {
    const c = {
      name: 'c',
      image: 'i',
      transferEnv: [
        { sourceContainerNameFrom: { fieldRef: { fieldPath: "metadata.labels['statefulset.kubernetes.io/pod-name']" } }, envName: 'X' },
      ],
    };
    expect(renderTimeWarnings(set({ selector: { matchLabels: { app: 'x' } }, containers: [c] }))[0].path).toBe(
      'spec.containers[0].transferEnv[0].sourceContainerNameFrom.fieldRef.fieldPath',
    );
  });
  it('warns about container launch priority in a sidecar', () => {
    const c = { name: 'c', image: 'i', env: [{ name: 'KRUISE_CONTAINER_PRIORITY', value: '10' }] };
    expect(renderTimeWarnings(set({ selector: { matchLabels: { app: 'x' } }, initContainers: [c] }))[0].path).toBe(
      'spec.initContainers[0].env',
    );
  });
});
