import { describe, expect, it } from 'vitest';
import type { V1PodSpec } from '@kubernetes/client-node';
import { OVERWRITTEN_ANNOTATION, readRecord, recordOverwrites, undoRecorded, type Template } from '../../src/inject/overwritten.js';
import { sweepUnmounted } from '../../src/inject/strip.js';
import { volumesOnlySidecarsMount } from '../../src/inject/shared-volumes.js';

const injected = { name: 'IS_INJECTED', value: 'true' };
const none = { containers: [], initContainers: [] };

describe('readRecord', () => {
  it('is undefined without the annotation', () => {
    expect(readRecord({ other: 'x' })).toBeUndefined();
  });

  it.each([
    ['not json', 'Unexpected token'],
    ['[]', 'not a JSON object'],
    ['{"annotations":{"k":"v"}}', 'annotations is not a map of {before, after}'],
    ['{"spec":{"containers":{"before":null,"after":[]}}}', 'spec records other fields than'],
    ['{"ownVolumes":[1]}', 'ownVolumes is not a list of names'],
    ['{"replacedContainers":[{"image":"x"}]}', 'replacedContainers is not a list of containers'],
  ])('says why %s cannot be read', (text, why) => {
    const read = readRecord({ [OVERWRITTEN_ANNOTATION]: text });
    expect(read).toEqual({ invalid: expect.stringContaining(why) });
  });
});

describe('recordOverwrites and undoRecorded', () => {
  const before: Template = {
    annotations: { own: 'a', tuned: 'mine' },
    spec: { containers: [{ name: 'app', image: 'app:1', ports: [{ containerPort: 80 }] }], volumes: [{ name: 'own', emptyDir: {} }] },
  };
  const after: Template = {
    annotations: { own: 'a', tuned: 'theirs', added: 'x', 'kruise.io/sidecarset-injected-list': 's' },
    spec: {
      containers: [{ name: 'app', image: 'sidecar:1', env: [injected] }],
      volumes: [
        { name: 'own', emptyDir: {} },
        { name: 'side', emptyDir: {} },
      ],
      imagePullSecrets: [{ name: 'registry' }],
      serviceAccountName: 'agent',
    },
  };
  const nothingStillWritten = { annotations: new Set<string>(), serviceAccount: false };
  const record = recordOverwrites(before, after, ['added', 'tuned'], { containers: ['app'], initContainers: [] }, {}, nothingStillWritten);

  it('records the patched annotations, the ServiceAccount fields and the replaced container, not the bookkeeping nor the pull secrets (a list several steps add to)', () => {
    expect(record).toEqual({
      annotations: { added: { before: null, after: 'x' }, tuned: { before: 'mine', after: 'theirs' } },
      spec: { serviceAccountName: { before: null, after: 'agent' } },
      replacedContainers: [before.spec.containers[0]],
    });
  });

  it('keeps the field order of a replaced container, so that it reads back as written', () => {
    expect(Object.keys(JSON.parse(JSON.stringify(record)).replacedContainers[0])).toEqual(['name', 'image', 'ports']);
  });

  it("records nothing when nothing of the template's own changed", () => {
    expect(
      recordOverwrites(
        before,
        { ...before, annotations: { ...before.annotations, 'kruise.io/x': 'y' } },
        [],
        none,
        {},
        nothingStillWritten,
      ),
    ).toBeUndefined();
  });

  it('gives back every recorded value the template still holds as written', () => {
    const undone = undoRecorded({ annotations: { ...after.annotations, [OVERWRITTEN_ANNOTATION]: '…' }, spec: after.spec }, record!);
    expect(undone.annotations).toEqual({ own: 'a', tuned: 'mine', 'kruise.io/sidecarset-injected-list': 's' });
    expect(undone.spec.serviceAccountName).toBeUndefined();
    expect(undone.blocked).toEqual({});
    expect(undone.spec.containers).toEqual(before.spec.containers);
    expect(after.spec.serviceAccountName).toBe('agent');
  });

  it('leaves values edited since the injection alone', () => {
    const edited: Template = {
      annotations: { ...after.annotations, tuned: 'edited' },
      spec: { ...after.spec, serviceAccountName: 'other', containers: [{ name: 'app', image: 'edited:2' }] },
    };
    const undone = undoRecorded(edited, record!);
    expect(undone.annotations.tuned).toBe('edited');
    expect(undone.annotations.added).toBeUndefined();
    expect(undone.spec.serviceAccountName).toBe('other');
    expect(undone.spec.containers).toEqual([{ name: 'app', image: 'edited:2' }]);
    expect(undone.blocked).toEqual({
      annotations: { tuned: record!.annotations!.tuned },
      spec: { serviceAccountName: record!.spec!.serviceAccountName },
    });
  });

  it('gives back the pull secrets of a record written before steps (whole-list form)', () => {
    const legacy = { spec: { imagePullSecrets: { before: null, after: [{ name: 'registry' }] } } };
    expect(undoRecorded({ annotations: {}, spec: after.spec }, legacy).spec.imagePullSecrets).toBeUndefined();
  });

  it('keeps a blocked entry while the step still writes that field, so the record does not drift', () => {
    const blocked = { annotations: { tuned: { before: 'mine', after: 'theirs' } } };
    const same: Template = { annotations: { ...before.annotations }, spec: before.spec };
    expect(recordOverwrites(same, same, [], none, blocked, { annotations: new Set(['tuned']), serviceAccount: false })).toEqual(blocked);
    expect(recordOverwrites(same, same, [], none, blocked, nothingStillWritten)).toBeUndefined();
  });
});

describe('volumes of earlier injections', () => {
  const spec = (): V1PodSpec => ({
    containers: [
      {
        name: 'side',
        image: 's',
        env: [injected],
        volumeMounts: [
          { name: 'side-vol', mountPath: '/s' },
          { name: 'shared', mountPath: '/d' },
        ],
      },
      { name: 'app', image: 'a', volumeMounts: [{ name: 'shared', mountPath: '/d' }] },
    ],
    volumes: [
      { name: 'shared', emptyDir: {} },
      { name: 'side-vol', emptyDir: {} },
      { name: 'unused', emptyDir: {} },
    ],
  });

  it('are the volumes only injected sidecars mount', () => {
    expect([...volumesOnlySidecarsMount(spec())]).toEqual(['side-vol']);
  });

  it('are removed once nothing mounts them; other unmounted volumes stay', () => {
    const s = spec();
    s.containers = s.containers.slice(1);
    expect(sweepUnmounted(s, new Set(['side-vol']))).toEqual(['side-vol']);
    expect(s.volumes?.map((v) => v.name)).toEqual(['shared', 'unused']);
  });

  it('stay while something mounts them', () => {
    const s = spec();
    expect(sweepUnmounted(s, new Set(['side-vol']))).toEqual([]);
    expect(s.volumes).toHaveLength(3);
  });
});
