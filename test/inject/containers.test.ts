import { describe, expect, it } from 'vitest';
import { mergeContainers, type BuiltContainer } from '../../src/inject/containers.js';
import type { PodInjectPolicy } from '../../src/sidecarset/types.js';

const c = (name: string, injected = false) => ({
  name,
  image: 'img',
  ...(injected ? { env: [{ name: 'IS_INJECTED', value: 'true' }] } : {}),
});
const b = (name: string, policy: PodInjectPolicy): BuiltContainer => ({ container: { name, image: 'new' }, policy, rule: 'set' });
const names = (list: Array<{ name: string }>) => list.map((x) => x.name);

describe('mergeContainers (§3.5 Kruise vectors)', () => {
  const sidecars = [b('sidecar-2', 'AfterAppContainer'), b('sidecar-1', 'AfterAppContainer'), b('new-sidecar-1', 'BeforeAppContainer')];
  const sorted = [...sidecars].sort((x, y) => (x.container.name < y.container.name ? -1 : 1));

  it('groups new sidecars before and after the app containers', () => {
    expect(names(mergeContainers([c('app-container')], sorted).containers)).toEqual([
      'new-sidecar-1',
      'app-container',
      'sidecar-1',
      'sidecar-2',
    ]);
  });

  it('replaces same-named containers in place', () => {
    const out = mergeContainers([c('sidecar-1', true), c('app-container'), c('sidecar-2', true)], sorted);
    expect(names(out.containers)).toEqual(['new-sidecar-1', 'sidecar-1', 'app-container', 'sidecar-2']);
    expect(out.containers[1].image).toBe('new');
    expect(out.replacedAppContainers).toEqual([]);
  });

  it('reports replacing a container the template defined itself', () => {
    const out = mergeContainers([c('app'), c('log-agent')], [b('log-agent', 'AfterAppContainer')]);
    expect(out.replacedAppContainers).toEqual([{ name: 'log-agent', index: 1, rule: 'set' }]);
  });

  it('merges init containers: After ones appended, Before ones in front', () => {
    const built = [b('a-init', 'AfterAppContainer'), b('b-init', 'BeforeAppContainer'), b('c-init', 'BeforeAppContainer')];
    expect(names(mergeContainers([c('app1-init'), c('app2-init')], built).containers)).toEqual([
      'b-init',
      'c-init',
      'app1-init',
      'app2-init',
      'a-init',
    ]);
  });

  it('treats an unknown policy like AfterAppContainer', () => {
    expect(names(mergeContainers([c('app')], [b('x', 'Sideways' as PodInjectPolicy)]).containers)).toEqual(['app', 'x']);
  });
});
