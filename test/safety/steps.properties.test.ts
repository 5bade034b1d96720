// Random SidecarSets split into random injection steps, run in random order: the composed output
// holds what one step with all of them gives, is a valid pod, and a second pass changes nothing.
// FUZZ_RUNS sets the number of cases (`npm run fuzz`), FUZZ_SEED replays one.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { run, sidecarSet, podSpec, podMeta, deployment, itemTexts, type Obj, type Run } from '../helpers/krm.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const RECORD = 'inject-sidecarsets.kpt.dev/injections';

const containerArb = (owner: number, index: number, volumes: string[], init: boolean) =>
  fc
    .record({
      policy: fc.constantFrom(undefined, 'BeforeAppContainer', 'AfterAppContainer'),
      share: fc.boolean(),
      mounts: fc.subarray(volumes, { maxLength: Math.min(2, volumes.length) }),
      native: fc.boolean(),
    })
    .map(({ policy, share, mounts, native }) => ({
      name: `s${owner}-${init ? 'init' : 'c'}${index}`,
      image: `img${owner}:${index}`,
      ...(policy && !init ? { podInjectPolicy: policy } : {}),
      ...(share && !init ? { shareVolumePolicy: { type: 'enabled' } } : {}),
      ...(init && native ? { restartPolicy: 'Always' } : {}),
      ...(mounts.length ? { volumeMounts: mounts.map((v, i) => ({ name: v, mountPath: `/m/${owner}/${index}/${i}` })) } : {}),
    }));

/** A SidecarSet whose names are its own (several SidecarSets in one pod must not collide, as in Kruise). */
const sidecarSetArb = (owner: number) =>
  fc
    .record({
      volumes: fc.subarray([`v${owner}a`, `v${owner}b`, 'shared-cache'], { maxLength: 3 }),
      containers: fc.integer({ min: 0, max: 2 }),
      initContainers: fc.integer({ min: 0, max: 1 }),
      secrets: fc.subarray(['registry-a', 'registry-b', `own-${owner}`], { maxLength: 2 }),
      patch: fc.boolean(),
    })
    .chain((shape) =>
      fc
        .tuple(
          fc.tuple(...Array.from({ length: shape.containers }, (_, i) => containerArb(owner, i, shape.volumes, false))),
          fc.tuple(...Array.from({ length: shape.initContainers }, (_, i) => containerArb(owner, i, shape.volumes, true))),
        )
        .map(([containers, initContainers]) =>
          sidecarSet(`set-${owner}`, {
            selector: { matchLabels: { app: 'web' } },
            // Native sidecars cannot be upgraded in place: Kruise requires NotUpdate with them.
            ...(initContainers.some((ic) => 'restartPolicy' in ic) ? { updateStrategy: { type: 'NotUpdate' } } : {}),
            containers: containers.length ? containers : [{ name: `s${owner}-only`, image: 'only:1' }],
            ...(initContainers.length ? { initContainers } : {}),
            ...(shape.volumes.length ? { volumes: shape.volumes.map((name) => ({ name, emptyDir: {} })) } : {}),
            ...(shape.secrets.length ? { imagePullSecrets: shape.secrets.map((name) => ({ name })) } : {}),
            ...(shape.patch ? { patchPodMetadata: [{ annotations: { [`set-${owner}/patched`]: 'yes' } }] } : {}),
          }),
        ),
    );

const caseArb = fc.integer({ min: 1, max: 4 }).chain((count) =>
  fc.record({
    sets: fc.tuple(...Array.from({ length: count }, (_, i) => sidecarSetArb(i))),
    stepOf: fc.array(fc.integer({ min: 0, max: count - 1 }), { minLength: count, maxLength: count }),
    order: fc.shuffledSubarray(
      Array.from({ length: count }, (_, i) => i),
      { minLength: count, maxLength: count },
    ),
    ownSecret: fc.boolean(),
    ownVolume: fc.boolean(),
  }),
);

type Case = { sets: Obj[]; stepOf: number[]; order: number[]; ownSecret: boolean; ownVolume: boolean };

function workload(c: Case): Obj {
  return deployment(
    'web',
    { app: 'web' },
    {
      containers: [{ name: 'app', image: 'app:1', ...(c.ownVolume ? { volumeMounts: [{ name: 'own', mountPath: '/own' }] } : {}) }],
      ...(c.ownVolume ? { volumes: [{ name: 'own', emptyDir: {} }] } : {}),
      ...(c.ownSecret ? { imagePullSecrets: [{ name: 'registry-a' }] } : {}),
    },
  );
}

/** The steps in their random order; each a List of its SidecarSets, named by the step. */
function stepConfigs(c: Case): Obj[] {
  return c.order
    .map((step) => c.sets.filter((_, i) => c.stepOf[i] === step))
    .filter((sets) => sets.length > 0)
    .map((sets) => ({
      apiVersion: 'v1',
      kind: 'List',
      metadata: { name: `step-${sets.map((s) => s.metadata.name).join('+')}` },
      items: sets,
    }));
}

function runSteps(items: Obj[], configs: Obj[]): Run {
  let out: Run | undefined;
  for (const config of configs) out = run(out ? out.objects : items, config);
  return out as Run;
}

const names = (list: Obj[] | undefined) => (list ?? []).map((x) => x.name as string);

describe(`random SidecarSets in random steps (${RUNS} runs${SEED === undefined ? '' : `, seed ${SEED}`})`, () => {
  it(
    'compose to what one step gives, as a valid pod, and a second pass changes nothing',
    () => {
      let composedSteps = 0;
      fc.assert(
        fc.property(caseArb, (c: Case) => {
          const configs = stepConfigs(c);
          if (configs.length > 1) composedSteps++;
          const single = run([workload(c)], { apiVersion: 'v1', kind: 'List', items: c.sets });
          const composed = runSteps([workload(c)], configs);
          expect(composed.exitCode, composed.stderr).toBe(0);
          expect(single.exitCode, single.stderr).toBe(0);

          const [one, many] = [single.objects[0], composed.objects[0]];
          for (const field of ['containers', 'initContainers', 'volumes', 'imagePullSecrets']) {
            expect(new Set(names(podSpec(many)[field])), field).toEqual(new Set(names(podSpec(one)[field])));
          }
          const kruiseAnnotations = (obj: Obj) =>
            Object.fromEntries(Object.entries(podMeta(obj).annotations ?? {}).filter(([k]) => k !== RECORD));
          expect(kruiseAnnotations(many)).toEqual(kruiseAnnotations(one));
          const setNames = c.sets.map((s) => s.metadata.name).sort();
          expect(podMeta(many).annotations['kruise.io/sidecarset-injected-list'].split(',')).toEqual(setNames);
          expect(Object.keys(JSON.parse(podMeta(many).annotations['kruise.io/sidecarset-hash']))).toEqual(setNames);

          const spec = podSpec(many);
          const all = [...names(spec.initContainers), ...names(spec.containers)];
          expect(new Set(all).size, 'unique container names').toBe(all.length);
          const volumes = new Set(names(spec.volumes));
          for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
            for (const m of container.volumeMounts ?? []) expect(volumes.has(m.name), `${container.name} mounts ${m.name}`).toBe(true);
          }

          const again = runSteps(composed.objects, configs);
          expect(itemTexts(again)).toBe(itemTexts(composed));
          expect(again.problems.filter((p) => /removed/.test(p.message))).toEqual([]);
        }),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
      // Without several steps in a good share of the cases the property says nothing about composition.
      expect(composedSteps).toBeGreaterThan(RUNS / 5);
    },
    60_000 + RUNS * 1_000,
  );
});
