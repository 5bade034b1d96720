// Canary and base SidecarSets (§2.6).
import { describe, expect, it } from 'vitest';
import { run, sidecarSet, podSpec, SHAPES, app, type Obj } from '../helpers/krm.js';

const base = sidecarSet('base', { selector: { matchLabels: { app: 'web' } }, containers: [{ name: 'agent', image: 'agent:1' }] });
const canary = (selector: Obj, extra: Obj = {}) =>
  sidecarSet(
    'canary',
    { selector, containers: [{ name: 'agent', image: 'agent:2' }], updateStrategy: { type: 'NotUpdate' }, ...extra },
    { metadata: { annotations: { 'apps.kruise.io/sidecarset-canary': 'true', 'apps.kruise.io/sidecarset-base': 'base' } } },
  );
const list = (...items: Obj[]) => ({ apiVersion: 'v1', kind: 'List', items });
const agentImage = (o: Obj) => podSpec(o).containers.find((c: Obj) => c.name === 'agent')?.image;

describe.each(SHAPES)('on a %s', (_kind, make) => {
  it('a matching canary replaces its base', () => {
    const out = run(
      [make('w', { app: 'web', canary: 'yes' }, { containers: [app()] })],
      list(base, canary({ matchLabels: { canary: 'yes' } })),
    );
    expect(out.exitCode).toBe(0);
    expect(agentImage(out.objects[0])).toBe('agent:2');
  });
  it('only the base matches: the base is injected', () => {
    const out = run([make('w', { app: 'web' }, { containers: [app()] })], list(base, canary({ matchLabels: { canary: 'yes' } })));
    expect(agentImage(out.objects[0])).toBe('agent:1');
  });
  it('a paused canary does not suppress its base', () => {
    const out = run(
      [make('w', { app: 'web', canary: 'yes' }, { containers: [app()] })],
      list(base, canary({ matchLabels: { canary: 'yes' } }, { injectionStrategy: { paused: true } })),
    );
    expect(agentImage(out.objects[0])).toBe('agent:1');
  });
});
