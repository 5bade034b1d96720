// uninject(inject(x)) == x, byte for byte, over random ResourceLists (arbitraries.ts: every
// workload kind, every SidecarSet feature) and over random SidecarSets split into random steps
// (where un-injecting the last step gives back what the steps before it wrote).
// FUZZ_RUNS sets the number of cases, FUZZ_SEED replays one.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runFunction } from '../../src/run.js';
import { caseArb, caseText, sidecarSetArb } from './arbitraries.js';
import { readItems } from './invariants.js';
import { deployment, resourceList, sidecarSet, type Obj, withFunctionConfig } from '../helpers/krm.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const PARAMS = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

const uninject = (text: string, uninjectStep?: string) =>
  runFunction({ text, overrides: { mode: 'uninject', ...(uninjectStep ? { uninjectStep } : {}) } });
const rawItems = (text: string) => readItems(text).map((i) => i.raw);

describe(`uninject(inject(x)) == x (${RUNS} runs${SEED === undefined ? '' : `, seed ${SEED}`})`, () => {
  it(
    'over random ResourceLists',
    () => {
      let injected = 0;
      fc.assert(
        fc.property(caseArb, (c) => {
          const text = caseText(c);
          const first = runFunction({ text });
          if (first.items.some((i) => i.changed)) injected++;
          const back = uninject(first.stdout);
          expect(
            back.results.filter((r) => r.severity !== 'info'),
            back.stderr,
          ).toEqual([]);
          expect(rawItems(back.stdout)).toEqual(rawItems(text));
        }),
        PARAMS,
      );
      // Without injections in a good share of the cases the property says nothing.
      expect(injected).toBeGreaterThan(RUNS / 5);
    },
    60_000 + RUNS * 1_000,
  );

  const template = fc.record({
    annotations: fc.constantFrom<Obj | undefined>(undefined, {}, { 'example.com/owner': 'team', note: '{"x":1}' }),
    secrets: fc.constantFrom<Obj[] | undefined>(undefined, [{ name: 'registry' }]),
  });
  /**
   * SidecarSets that all select app=web, one step each in random order. Their containers are
   * named after them (a name two steps inject is an error, and ends the case); their volumes,
   * pull secrets and annotations still meet.
   */
  const stepsArb = fc.record({
    sets: fc.uniqueArray(sidecarSetArb, { minLength: 2, maxLength: 3, selector: (s) => s.metadata.name }),
    template,
  });
  const ownNames = (set: Obj): Obj => {
    const rename = (list: Obj[] | undefined) => list?.map((c) => ({ ...c, name: `${set.metadata.name}-${c.name}`.slice(0, 63) }));
    const spec = {
      ...set.spec,
      selector: { matchLabels: { app: 'web' } },
      containers: rename(set.spec.containers),
      initContainers: rename(set.spec.initContainers),
    };
    for (const key of ['containers', 'initContainers']) if (spec[key] === undefined) delete spec[key];
    return sidecarSet(set.metadata.name, spec);
  };

  it(
    'over random SidecarSets in random steps: all steps, and the last step alone',
    () => {
      let composed = 0;
      fc.assert(
        fc.property(stepsArb, ({ sets, template: t }) => {
          const web = deployment(
            'web',
            { app: 'web' },
            { containers: [{ name: 'app', image: 'app:1' }], ...(t.secrets ? { imagePullSecrets: t.secrets } : {}) },
          );
          if (t.annotations) web.spec.template.metadata.annotations = t.annotations;
          const selecting = sets.map(ownNames);
          let text = resourceList([web]);
          const texts = [text];
          for (const set of selecting) {
            const out = runFunction({ text: withFunctionConfig(text, set) });
            if (out.exitCode !== 0) return; // a conflict between random SidecarSets: nothing to take back
            text = out.stdout;
            texts.push(text);
          }
          composed++;
          expect(rawItems(uninject(text).stdout)).toEqual(rawItems(texts[0]));
          const last = `SidecarSet/${selecting[selecting.length - 1].metadata.name}`;
          expect(rawItems(uninject(text, last).stdout)).toEqual(rawItems(texts[texts.length - 2]));
        }),
        PARAMS,
      );
      expect(composed).toBeGreaterThan(RUNS / 5);
    },
    60_000 + RUNS * 1_000,
  );
});
