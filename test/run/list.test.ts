// A `kind: List` item (issue 12, defect 8): kubectl applies the objects in its items, so their pod
// templates are injected where they stand; results name the List and the workload.
import { describe, expect, it } from 'vitest';
import {
  run,
  runText,
  itemTexts,
  sidecarSet,
  deployment,
  pod,
  app,
  podSpec,
  type Obj,
  RESOURCE_LIST_HEAD as HEADER,
  logSidecarSetItem,
} from '../helpers/krm.js';

const logAgent = { name: 'log-agent', image: 'log:1' };
const rule = sidecarSet('log', { selector: { matchLabels: { app: 'web' } }, containers: [logAgent] });
const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
const list = (items: Obj[], name?: string): Obj => ({ apiVersion: 'v1', kind: 'List', ...(name ? { metadata: { name } } : {}), items });
const names = (o: Obj) => podSpec(o).containers.map((c: Obj) => c.name);

const LIST_TEXT = `${HEADER}${logSidecarSetItem('log-agent')}- apiVersion: v1
  kind: List
  metadata:
    name: bundle
  items:
  # the web service
  - apiVersion: v1
    kind: Service
    metadata:
      name: web # exposed
    spec:
      selector: {app: web}
      ports:
      - port: 80
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      namespace: shop
    spec:
      selector:
        matchLabels:
          app: web
      template:
        metadata:
          labels:
            app: web
        spec:
          containers:
          - name: app
            image: app:1   # pinned
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: db
    spec:
      template:
        metadata:
          labels:
            app: db
        spec:
          containers:
          - name: db
            image: db:1
`;

describe('a List item', () => {
  it('has each selected workload in it injected, the rest of its text kept', () => {
    const out = runText(LIST_TEXT);
    expect(out.exitCode).toBe(0);
    expect(out.items[1].changed).toBe(true);
    const [svc, web, db] = out.objects[1].items;
    expect(names(web)).toEqual(['log-agent', 'app']);
    expect(names(db)).toEqual(['db']);
    expect(svc).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    // Every input line of the List is still there, in order: the injection only added lines.
    const input = LIST_TEXT.split('\n').slice(LIST_TEXT.split('\n').indexOf('- apiVersion: v1'));
    const output = out.items[1].text.split('\n');
    let at = 0;
    for (const line of input) {
      at = output.indexOf(line, at);
      expect(at, line).toBeGreaterThanOrEqual(0);
    }
  });

  it('names the List and the workload in its results', () => {
    const out = runText(LIST_TEXT);
    const injected = out.results.filter((r) => r.message.includes('injected log-agent'));
    expect(injected).toEqual([
      expect.objectContaining({
        severity: 'info',
        message: 'Deployment shop/web, items[1] of List bundle: injected log-agent into spec.template from SidecarSet log',
        resourceRef: { apiVersion: 'v1', kind: 'List', name: 'bundle' },
        field: { path: 'items[1]' },
      }),
    ]);
  });

  it('is a fixed point on a re-run', () => {
    const out = runText(LIST_TEXT);
    expect(itemTexts(runText(out.stdout))).toBe(itemTexts(out));
  });

  it('matches each workload in its own namespace', () => {
    const alpha = {
      ...sidecarSet('log', { selector: { matchLabels: { app: 'web' } }, namespace: 'shop', containers: [logAgent] }),
      apiVersion: 'apps.kruise.io/v1alpha1',
    };
    const out = run([
      alpha,
      list([
        deployment('a', { app: 'web' }, { containers: [app()] }, 'shop'),
        deployment('b', { app: 'web' }, { containers: [app()] }, 'other'),
      ]),
    ]);
    expect(out.objects[1].items.map(names)).toEqual([['log-agent', 'app'], ['app']]);
  });

  it("puts the field paths of problems below the workload's place in the List, and names a List without a name as such", () => {
    const secretRule = sidecarSet('log', {
      selector: { matchLabels: { app: 'web' } },
      containers: [logAgent],
      imagePullSecrets: [{ name: 'registry' }],
    });
    const out = run([secretRule, list([service, pod('p', { app: 'web' }, { containers: [app()] })])]);
    expect(out.exitCode).toBe(0);
    expect(out.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringMatching(/^Pod p, items\[1\] of this List: imagePullSecrets added to a template that had none/),
        field: { path: 'items[1].spec.imagePullSecrets' },
      }),
    ]);
    expect(out.problems[0].resourceRef).toBeUndefined();
  });

  it('reaches into a List inside a List, as kubectl does', () => {
    const out = run([rule, list([service, list([deployment('web', { app: 'web' }, { containers: [app()] })])], 'outer')]);
    expect(out.exitCode).toBe(0);
    expect(names(out.objects[1].items[1].items[0])).toEqual(['log-agent', 'app']);
    expect(out.results.map((r) => r.message)).toContain(
      'Deployment web, items[1].items[0] of List outer: injected log-agent into spec.template from SidecarSet log',
    );
    expect(itemTexts(runText(out.stdout))).toBe(itemTexts(out));
  });

  it('is left as it is when no workload in it is selected, or when it is not a v1 List', () => {
    const unselected = run([rule, list([service, deployment('db', { app: 'db' }, { containers: [app()] })], 'bundle')]);
    expect(unselected.items[1].changed).toBe(false);
    const other = run([
      rule,
      { ...list([deployment('web', { app: 'web' }, { containers: [app()] })], 'bundle'), apiVersion: 'example.com/v1' },
    ]);
    expect(other.items[1].changed).toBe(false);
  });
});
