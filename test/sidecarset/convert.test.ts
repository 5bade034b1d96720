import { describe, expect, it } from 'vitest';
import { toV1beta1 } from '../../src/sidecarset/convert.js';
import { defaultSidecarSet } from '../../src/sidecarset/defaults.js';
import { sidecarSetHashes } from '../../src/sidecarset/hash.js';
import type { SidecarSet } from '../../src/sidecarset/types.js';

const containers = [{ name: 'log', image: 'log:1', env: [{ name: 'A', value: 'b' }] }];

function alpha(spec: SidecarSet['spec'], labels?: Record<string, string>): SidecarSet {
  return {
    apiVersion: 'apps.kruise.io/v1alpha1',
    kind: 'SidecarSet',
    metadata: { name: 's', ...(labels ? { labels } : {}) },
    spec,
  };
}

function beta(spec: SidecarSet['spec'], labels?: Record<string, string>): SidecarSet {
  return { ...alpha(spec, labels), apiVersion: 'apps.kruise.io/v1beta1' };
}

describe('toV1beta1', () => {
  it('turns spec.namespace into a namespaceSelector, replacing any existing one', () => {
    const converted = toV1beta1(
      alpha({
        selector: { matchLabels: { app: 'a' } },
        namespace: 'shop',
        namespaceSelector: { matchLabels: { team: 'x' } },
        containers,
      }),
    );
    expect(converted.apiVersion).toBe('apps.kruise.io/v1beta1');
    expect(converted.spec).toEqual({
      selector: { matchLabels: { app: 'a' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
      containers,
    });
  });

  it('keeps the namespaceSelector when spec.namespace is empty', () => {
    const converted = toV1beta1(alpha({ namespace: '', namespaceSelector: { matchLabels: { team: 'x' } }, containers }));
    expect(converted.spec).toEqual({ namespaceSelector: { matchLabels: { team: 'x' } }, containers });
  });

  it('moves the custom-version label into spec.customVersion', () => {
    const converted = toV1beta1(alpha({ containers }, { 'apps.kruise.io/sidecarset-custom-version': 'v2', keep: 'me' }));
    expect(converted.spec.customVersion).toBe('v2');
    expect(converted.metadata.labels).toEqual({ keep: 'me' });
  });

  it('drops a spec.customVersion that v1alpha1 does not have, and an empty label map', () => {
    const converted = toV1beta1(alpha({ containers, customVersion: 'ignored' }, { 'apps.kruise.io/sidecarset-custom-version': '' }));
    expect(converted.spec).not.toHaveProperty('customVersion');
    expect(converted.metadata).not.toHaveProperty('labels');
  });

  it('returns v1beta1 input as an equal copy', () => {
    const input = beta({ containers, customVersion: 'v1' }, { 'apps.kruise.io/sidecarset-custom-version': 'kept' });
    const converted = toV1beta1(input);
    expect(converted).toEqual(input);
    expect(converted).not.toBe(input);
    expect(converted.spec.containers).not.toBe(input.spec.containers);
  });

  it('does not modify a v1alpha1 input', () => {
    const input = alpha({ namespace: 'n', containers }, { 'apps.kruise.io/sidecarset-custom-version': 'v' });
    const copy = structuredClone(input);
    toV1beta1(input);
    expect(input).toEqual(copy);
  });

  it('gives equivalent v1alpha1 and v1beta1 objects identical conversions and hashes', () => {
    const fromAlpha = toV1beta1(
      alpha(
        { selector: { matchLabels: { app: 'a' } }, namespace: 'shop', containers },
        { 'apps.kruise.io/sidecarset-custom-version': 'v3' },
      ),
    );
    const fromBeta = toV1beta1(
      beta({
        selector: { matchLabels: { app: 'a' } },
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
        containers,
        customVersion: 'v3',
      }),
    );
    expect(fromAlpha).toEqual(fromBeta);
    expect(sidecarSetHashes(defaultSidecarSet(fromAlpha).spec)).toEqual(sidecarSetHashes(defaultSidecarSet(fromBeta).spec));
  });
});
