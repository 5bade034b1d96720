// mode: validate (run/validate.ts): items come out byte for byte; one error result per pod
// template that injection would change, naming the SidecarSets and what differs.
import { describe, expect, it } from 'vitest';
import { runFunction } from '../../src/run.js';
import { readResourceList } from '../../src/krm/read.js';
import { resourceList, sidecarSet, app, type Obj, withFunctionConfig } from '../helpers/krm.js';

const selector = () => ({ matchLabels: { app: 'web' } });
const logging = (image = 'log:1') =>
  sidecarSet('logging', {
    selector: selector(),
    containers: [{ name: 'log-agent', image, volumeMounts: [{ name: 'logs', mountPath: '/logs' }] }],
    volumes: [{ name: 'logs', emptyDir: {} }],
  });
const mesh = (image = 'proxy:1') =>
  sidecarSet('mesh', { selector: selector(), containers: [{ name: 'proxy', image, podInjectPolicy: 'BeforeAppContainer' }] });
const list = (name: string, ...items: Obj[]) => ({ apiVersion: 'v1', kind: 'List', metadata: { name }, items });
const validator = (...sidecarSets: Obj[]) => ({
  apiVersion: 'fn.kpt.dev/v1alpha1',
  kind: 'InjectSidecarSets',
  metadata: { name: 'check' },
  spec: { mode: 'validate', sidecarSets },
});
const configMap = (data: Obj) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data });
const web = (name = 'web') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'shop' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [app()] } } },
});

const itemTexts = (text: string) => readResourceList(text).items.map((i) => i.raw);
/** The items rendered by `configs` one after the other. */
function rendered(items: Obj[], ...configs: Obj[]): string {
  let text = resourceList(items);
  for (const config of configs) {
    const out = runFunction({ text: withFunctionConfig(text, config) });
    expect(out.exitCode, out.stderr).toBe(0);
    text = out.stdout;
  }
  return text;
}
function validate(text: string, config: Obj) {
  const input = withFunctionConfig(text, config);
  const out = runFunction({ text: input });
  expect(itemTexts(out.stdout), 'items are byte-identical').toEqual(itemTexts(input));
  return { ...out, errors: out.results.filter((r) => r.severity === 'error') };
}

describe('mode: validate', () => {
  it("passes a rendered package with no result but the config's, whatever config rendered it", () => {
    const injector = { ...validator(), spec: { sidecarSets: [logging()] } };
    const cases: Array<[Obj, Obj[]]> = [
      [logging(), [logging()]],
      [list('platform', logging(), mesh()), [logging(), mesh()]],
      [injector, [logging()]],
    ];
    for (const [render, sets] of cases) {
      const out = validate(rendered([web()], render), validator(...sets));
      expect(out.exitCode, out.stderr).toBe(0);
      expect(out.results.filter((r) => r.severity === 'error')).toEqual([]);
      expect(out.results.filter((r) => /^injected /.test(r.message))).toEqual([]);
    }
  });

  it('a template never rendered: one error naming the SidecarSet and the missing sidecar and volume', () => {
    const out = validate(resourceList([web()]), validator(logging()));
    expect(out.exitCode).toBe(1);
    expect(out.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^not what injection gives for SidecarSet logging: missing sidecar log-agent \(SidecarSet logging\); missing volume logs; bookkeeping annotations .*; render the package again/,
        ),
        resourceRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'shop' },
        field: { path: 'spec.template' },
        tags: { sidecarSets: 'logging' },
      }),
    ]);
  });

  it('a stale image: rendered with an older SidecarSet', () => {
    const text = rendered([web()], logging('log:1'));
    const out = validate(text, validator(logging('log:2')));
    expect(out.errors.map((r) => r.message)).toEqual([
      expect.stringMatching(/stale image of log-agent \(SidecarSet logging\): log:1, injection gives log:2/),
    ]);
  });

  it('a leftover: a SidecarSet removed from the config since the render', () => {
    const text = rendered([web()], list('platform', logging(), mesh()));
    const check = validate(text, { ...validator(logging()), spec: { mode: 'validate', step: 'List/platform', sidecarSets: [logging()] } });
    expect(check.errors.map((r) => r.message)).toEqual([
      expect.stringMatching(/for SidecarSet mesh: leftover sidecar proxy \(SidecarSet mesh\)/),
    ]);
    // Without the step, the validator takes the one step that applied its SidecarSets.
    expect(validate(text, validator(logging())).errors.map((r) => r.message)).toEqual([expect.stringMatching(/leftover sidecar proxy/)]);
  });

  it('one error per template: two workloads, one of them up to date', () => {
    const text = rendered([web('a')], logging());
    const both = text.replace(/^items:\n/m, `items:\n${resourceList([web('b')]).split('items:\n')[1]}`);
    const out = validate(both, validator(logging()));
    expect(out.errors.map((r) => r.resourceRef?.name)).toEqual(['b']);
  });

  it("several steps: each recorded step is checked with its SidecarSets, the new ones as the validator's own", () => {
    const added = sidecarSet('tracing', { selector: selector(), containers: [{ name: 'tracer', image: 't:1' }] });
    // The SidecarSets among the items are no rules of the SidecarSet configs that render.
    const text = rendered([logging(), mesh(), added, web()], logging(), mesh());
    const withoutTracing = rendered([logging(), mesh(), web()], logging(), mesh());
    expect(validate(withoutTracing, configMap({ mode: 'validate' })).exitCode).toBe(0);
    const bumped = validate(withoutTracing.replace('image: proxy:1', 'image: proxy:2'), configMap({ mode: 'validate' }));
    expect(bumped.errors.map((r) => r.message)).toEqual([
      expect.stringMatching(
        /^not what injection gives for SidecarSet mesh: stale image of proxy \(SidecarSet mesh\): proxy:1, injection gives proxy:2/,
      ),
    ]);
    const more = validate(text, configMap({ mode: 'validate' }));
    expect(more.errors.map((r) => r.message)).toEqual([expect.stringMatching(/missing sidecar tracer \(SidecarSet tracing\)/)]);
  });

  it('keeps warnings of the injection, and says nothing of what it would strip but the error', () => {
    const text = rendered([web()], list('platform', logging(), mesh()));
    const out = validate(text, { ...validator(logging()), spec: { mode: 'validate', step: 'List/platform', sidecarSets: [logging()] } });
    expect(out.results.filter((r) => r.severity === 'warning')).toEqual([]);
    expect(out.stderr).toMatch(/1 of 1 items not as 1 SidecarSet\(s\) would inject them; 1 error\(s\)/);
  });
});
