// An item that repeats a mapping key (issue 12, defect 10): injected when every repeat holds one
// value and lies outside what the injection reads or writes, with a warning and both lines kept;
// an error, and the item unchanged, when a SidecarSet selects it otherwise.
import { describe, expect, it } from 'vitest';
import { runText, itemTexts, RESOURCE_LIST_HEAD } from '../helpers/krm.js';
import { sidecarSetItemHead } from '../helpers/manifest-text.js';

const HEADER = `${RESOURCE_LIST_HEAD}${sidecarSetItemHead('log', 'name: etcd')}    containers:
    - name: log-agent
      image: log:1
`;

/** The etcd Deployment's pod template; `container` goes at the end of its one container. */
const template = (container = '') => `    template:
      metadata:
        labels:
          name: etcd
      spec:
        containers:
        - name: member
          image: openshift/etcd-20-centos7${container}
`;

/** kubernetes/examples' etcd Deployment, shortened; `extra` goes after the second selector. */
const etcd = (replicas = 'replicas: 3', extra = '', container = '') => `- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: etcd
  spec:
    selector:
      matchLabels:
        name: etcd
    strategy:
      type: Recreate
    ${replicas}
    selector:
      matchLabels:
        name: etcd
${extra}${template(container)}`;

/** Each input line is in the output, in order. */
function keepsEveryLine(input: string, output: string): void {
  const out = output.split('\n');
  let at = 0;
  for (const line of input.split('\n')) {
    at = out.indexOf(line, at);
    expect(at, line).toBeGreaterThanOrEqual(0);
  }
}

describe('a repeated key', () => {
  it('outside the pod template, with one value: injected with a warning, both occurrences kept', () => {
    const item = etcd();
    const out = runText(HEADER + item);
    expect(out.exitCode).toBe(0);
    expect(out.items[1].changed).toBe(true);
    expect(out.objects[1].spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['log-agent', 'member']);
    expect(out.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringMatching(
          /^key "selector" repeated at line 12 in this object \(spec\.selector\), with the same value each time/,
        ),
        field: { path: 'spec.selector' },
      }),
    ]);
    keepsEveryLine(item, out.items[1].text);
    expect(out.items[1].text.match(/^ {4}selector:$/gm)).toHaveLength(2);
    expect(itemTexts(runText(out.stdout))).toBe(itemTexts(out));
  });

  it.each([
    [
      'with two values',
      etcd('replicas: 3\n    replicas: 1'),
      / repeated at line \d+ in this object with different values; it is passed through unchanged/,
    ],
    [
      'inside the pod template',
      etcd(undefined, undefined, '\n          image: openshift/etcd-20-centos7'),
      / repeated at line \d+ in this object where the injection reads or writes; it is passed through unchanged/,
    ],
    ['on the way to the pod template', etcd(undefined, template()), /where the injection reads or writes/],
    [
      'in the namespace the match reads',
      etcd().replace('    name: etcd\n  spec:', '    name: etcd\n    namespace: a\n    namespace: a\n  spec:'),
      /where the injection reads or writes/,
    ],
  ])('%s: an error when selected, and the item unchanged', (_name, item, message) => {
    const out = runText(HEADER + item);
    expect(out.exitCode).toBe(1);
    expect(out.items[1].changed).toBe(false);
    expect(out.items[1].text).toBe(item);
    expect(out.problems).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(message) })]);
  });

  it('in an item no SidecarSet selects: a warning, the item unchanged', () => {
    const item = etcd().replace(/name: etcd/g, 'name: other');
    const out = runText(HEADER + item);
    expect(out.exitCode).toBe(0);
    expect(out.items[1].text).toBe(item);
    expect(out.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message: expect.stringMatching(/^key "selector" repeated at line 12 in this object/),
      }),
    ]);
  });

  it('in a workload of a List: judged by its place in the List', () => {
    const inList = (workload: string) =>
      `- apiVersion: v1\n  kind: List\n  items:\n${workload.replace(/^/gm, '  ').replace(/^ +$/gm, '').replace(/\n$/, '')}\n`;
    const fine = runText(HEADER + inList(etcd()));
    expect(fine.exitCode).toBe(0);
    expect(fine.items[1].changed).toBe(true);
    expect(fine.problems).toEqual([expect.objectContaining({ severity: 'warning', field: { path: 'items[0].spec.selector' } })]);
    const onPath = runText(HEADER + inList(etcd(undefined, undefined, '\n          image: openshift/etcd-20-centos7')));
    expect(onPath.exitCode).toBe(1);
    expect(onPath.items[1].changed).toBe(false);
  });
});
