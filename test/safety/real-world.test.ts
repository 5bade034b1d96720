// Properties over random ResourceLists written as real repositories write YAML (real-world.ts).
// FUZZ_RUNS sets the number of cases (`npm run fuzz` runs this file too); FUZZ_SEED replays a
// failure. Every counterexample becomes a case in real-world-regressions.test.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { realWorldCaseArb, type RealWorldCase } from './real-world.js';
import {
  checkDeterministic,
  checkIdempotent,
  checkCommentsKept,
  checkItemsKept,
  checkLineBreaks,
  checkNoCrash,
  checkParsesBack,
  checkSameDataUnderBothReaders,
  checkUntouchedVerbatim,
  itemsUnder,
  observe,
  readItems,
  READERS,
} from './invariants.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
// No shrinking: each case runs the function several times, and shrinking a failure took over ten
// minutes; the failing case is printed whole and FUZZ_SEED replays it.
const PARAMS: fc.Parameters<[RealWorldCase]> = { numRuns: RUNS, endOnFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) };

describe(`random ResourceLists in real-world YAML (${RUNS} runs${SEED === undefined ? '' : `, seed ${SEED}`})`, () => {
  it(
    'keep untouched items byte for byte, the data both readers read, and a re-run changes nothing',
    () => {
      const seen = new Map<string, { untouched: number; injected: number }>();
      let injected = 0;
      fc.assert(
        fc.property(realWorldCaseArb, (c) => {
          // The generator writes YAML that reads (else the case would test nothing).
          for (const reader of Object.keys(READERS) as Array<keyof typeof READERS>) expect(() => itemsUnder(c.text, reader)).not.toThrow();
          const observed = observe(c.text);
          checkNoCrash(observed);
          checkDeterministic(observed);
          checkIdempotent(observed);
          checkItemsKept(observed);
          checkParsesBack(observed);
          checkUntouchedVerbatim(observed);
          checkCommentsKept(observed);
          checkSameDataUnderBothReaders(observed);
          checkLineBreaks(observed);
          const changed = observed.first.items.some((i) => i.changed);
          if (changed) injected++;
          for (const feature of c.features) {
            const counts = seen.get(feature) ?? { untouched: 0, injected: 0 };
            counts[changed ? 'injected' : 'untouched']++;
            seen.set(feature, counts);
          }
        }),
        PARAMS,
      );
      // A generator that never injects, or drops a feature, would make the checks above vacuous.
      expect(injected).toBeGreaterThan(RUNS / 10);
      if (RUNS >= 100) {
        const features = [
          'comments',
          'anchor',
          'alias',
          'merge key',
          'merge key in a template',
          'flow in block',
          'flow item',
          'json item',
          'json list',
          'crlf',
          'start marker',
          'end marker',
          'null value',
          'number-like strings',
        ];
        for (const feature of features)
          expect(seen.get(feature)?.injected ?? 0, `lists with ${feature} and an injection`).toBeGreaterThan(0);
        for (const chomping of ['-', '', '+']) {
          const lists = (seen.get(`block scalar |${chomping}`)?.injected ?? 0) + (seen.get(`block scalar >${chomping}`)?.injected ?? 0);
          expect(lists, `lists with a block scalar chomping "${chomping}" and an injection`).toBeGreaterThan(0);
        }
      }
    },
    60_000 + RUNS * 2_000,
  );

  it('the readItems helper reads what the function reads', () => {
    // The checks above lean on it for the input's item texts.
    fc.assert(
      fc.property(realWorldCaseArb, (c) => {
        expect(readItems(c.text).length).toBe(itemsUnder(c.text, 'YAML 1.2 core').length);
      }),
      { numRuns: Math.min(RUNS, 50), ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });
});
