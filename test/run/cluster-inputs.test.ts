// The cluster-inputs step on its own: what the items tell of the cluster the webhook would run in.
import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/config/options.js';
import type { Result } from '../../src/krm/results.js';
import { clusterInputs } from '../../src/run/cluster-inputs.js';

const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}) });

describe('clusterInputs', () => {
  it('files Namespaces, ServiceAccounts, LimitRanges and ControllerRevisions, in the default namespace when they name none', () => {
    const results: Result[] = [];
    const limitRange = { apiVersion: 'v1', kind: 'LimitRange', metadata: meta('lr', 'team') };
    const revision = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta('rev-1') };
    const inputs = clusterInputs(
      [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { env: 'prod' } } },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('builder'), imagePullSecrets: [{ name: 'reg' }] },
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('bare', 'team') },
        limitRange,
        revision,
        { apiVersion: 'apps/v1beta1', kind: 'ControllerRevision', metadata: meta('not-this-one') },
        { apiVersion: 'v1', kind: 'Namespace', metadata: {} },
        'not an object',
      ],
      DEFAULT_OPTIONS,
      results,
    );
    expect(inputs.namespaces).toEqual([{ name: 'team', labels: { env: 'prod' } }]);
    expect([...inputs.serviceAccountPullSecrets]).toEqual([
      [`${DEFAULT_OPTIONS.defaultNamespace}/builder`, [{ name: 'reg' }]],
      ['team/bare', []],
    ]);
    expect([...inputs.limitRanges]).toEqual([['team', [limitRange]]]);
    expect(inputs.controllerRevisions).toEqual([revision]);
    expect(inputs.whitelist).toBeUndefined();
    expect(results).toEqual([]);
  });

  const whitelistMap = (data: Record<string, string> | undefined) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('kruise-configuration', 'kruise-system'),
    ...(data ? { data } : {}),
  });

  it("reads the patchPodMetadata whitelist from Kruise's ConfigMap", () => {
    const rules = [{ selector: { matchLabels: { a: 'b' } }, allowedAnnotationKeyExprs: ['x'] }];
    const inputs = clusterInputs([whitelistMap({ SidecarSet_PatchPodMetadata_WhiteList: JSON.stringify({ rules }) })], DEFAULT_OPTIONS, []);
    expect(inputs.whitelist).toEqual({ rules });
    expect(clusterInputs([whitelistMap(undefined)], DEFAULT_OPTIONS, []).whitelist).toBe('absent');
  });

  it('reports a whitelist that is not JSON, on the ConfigMap', () => {
    const results: Result[] = [];
    const inputs = clusterInputs([whitelistMap({ SidecarSet_PatchPodMetadata_WhiteList: '{' })], DEFAULT_OPTIONS, results);
    expect(inputs.whitelist).toBeUndefined();
    expect(results).toMatchObject([
      {
        severity: 'error',
        field: { path: 'data.SidecarSet_PatchPodMetadata_WhiteList' },
        resourceRef: { kind: 'ConfigMap', name: 'kruise-configuration' },
      },
    ]);
  });

  it('leaves the whitelist to the config when the config sets one', () => {
    const configured = { rules: [] };
    const inputs = clusterInputs([whitelistMap(undefined)], { ...DEFAULT_OPTIONS, patchMetadataWhitelist: configured }, []);
    expect(inputs.whitelist).toBe(configured);
  });
});
