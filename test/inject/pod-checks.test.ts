import { describe, expect, it } from 'vitest';
import type { PatchPolicy } from '../../src/sidecarset/types.js';
import { containerNameConflicts, metadataConflicts, resultingPodProblems, volumeConflicts } from '../../src/inject/pod-checks.js';

describe('conflicts between SidecarSets on one template', () => {
  it('same container name from two SidecarSets, init and regular alike', () => {
    const p = containerNameConflicts([
      { container: { name: 'x' }, rule: 'a' },
      { container: { name: 'x' }, rule: 'b' },
    ]);
    expect(p).toEqual([expect.objectContaining({ severity: 'error', sidecarSets: ['a', 'b'] })]);
    expect(
      containerNameConflicts([
        { container: { name: 'x-1' }, rule: 'a' },
        { container: { name: 'x-2' }, rule: 'a' },
      ]),
    ).toEqual([]);
  });

  it('same volume name with different content; identical volumes are fine', () => {
    const v = (medium?: string) => ({ name: 'data', emptyDir: medium ? { medium } : {} });
    expect(
      volumeConflicts([
        { volume: v(), rule: 'a' },
        { volume: v(), rule: 'b' },
      ]),
    ).toEqual([]);
    const p = volumeConflicts([
      { volume: v(), rule: 'a' },
      { volume: v('Memory'), rule: 'b' },
    ]);
    expect(p).toEqual([expect.objectContaining({ severity: 'error', fieldPath: 'spec.volumes', sidecarSets: ['a', 'b'] })]);
  });

  it('an annotation overwritten by one and set by another; merge patches and Retain do not conflict', () => {
    const m = (name: string, patchPolicy: PatchPolicy, value = 'v') => ({
      name,
      patchPodMetadata: [{ annotations: { k: value }, patchPolicy }],
    });
    expect(metadataConflicts([m('a', 'Overwrite', '1'), m('b', 'MergePatchJson', '2')])).toHaveLength(1);
    expect(metadataConflicts([m('a', 'Overwrite', '1'), m('b', 'Overwrite', '2')])[0]).toMatchObject({
      fieldPath: 'metadata.annotations["k"]',
      sidecarSets: ['a', 'b'],
    });
    expect(metadataConflicts([m('a', 'MergePatchJson', '{"a":1}'), m('b', 'MergePatchJson', '{"b":1}')])).toEqual([]);
    expect(metadataConflicts([m('a', 'Retain', '1'), m('b', 'Overwrite', '2')])).toEqual([]);
    expect(metadataConflicts([m('a', 'Overwrite', 'same'), m('b', 'Overwrite', 'same')])).toEqual([]);
  });
});

describe('resultingPodProblems', () => {
  const injected = new Map([['side', 'a']]);
  it('init container and container of one name', () => {
    expect(resultingPodProblems([{ name: 'side' }], [{ name: 'side' }], injected)[0]).toMatchObject({
      fieldPath: 'spec.containers[0].name',
    });
  });
  it('duplicate mountPath and devicePath = mountPath in an injected container', () => {
    const c = {
      name: 'side',
      volumeMounts: [
        { name: 'a', mountPath: '/x' },
        { name: 'b', mountPath: '/x' },
      ],
      volumeDevices: [{ name: 'd', devicePath: '/x' }],
    };
    const p = resultingPodProblems([], [c], injected);
    expect(p.map((x) => x.fieldPath)).toEqual([
      'spec.containers[0].volumeMounts[1].mountPath',
      'spec.containers[0].volumeDevices[0].devicePath',
    ]);
  });
  it('names too long for a container or a hot-upgrade annotation', () => {
    const long = 'x'.repeat(62) + '-1';
    expect(resultingPodProblems([], [{ name: long }], new Map([[long, 'a']])).length).toBeGreaterThan(0);
    expect(resultingPodProblems([], [{ name: 'ok-1' }], new Map([['ok-1', 'a']]))).toEqual([]);
  });
  it("leaves the template's own containers to the template's author", () => {
    expect(
      resultingPodProblems(
        [],
        [
          {
            name: 'app',
            volumeMounts: [
              { name: 'a', mountPath: '/x' },
              { name: 'a', mountPath: '/x' },
            ],
          },
        ],
        injected,
      ),
    ).toEqual([]);
  });
});
