// Invariants over random ResourceLists (arbitraries.ts). FUZZ_RUNS sets the number of cases
// (`npm run fuzz`: FUZZ_RUNS=5000 npx vitest run test/safety/properties.test.ts); FUZZ_SEED
// replays a failure. Every counterexample found becomes a case in regressions.test.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { caseArb, caseText, corruptedCaseArb, type Case, type Corrupted } from './arbitraries.js';
import { checkAll, checkDeterministic, checkIdempotent, checkItemsKept, checkParsesBack, observe } from './invariants.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const PARAMS: fc.Parameters<[Case]> = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };
const PARAMS_CORRUPTED: fc.Parameters<[Corrupted]> = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

describe(`random ResourceLists (${RUNS} runs${SEED === undefined ? '' : `, seed ${SEED}`})`, () => {
  it(
    'hold every invariant',
    () => {
      let injected = 0;
      let clean = 0;
      fc.assert(
        fc.property(caseArb, (c) => {
          const observed = observe(caseText(c));
          checkAll(observed);
          if (observed.first.items.some((i) => i.changed)) injected++;
          if (observed.first.exitCode === 0) clean++;
        }),
        PARAMS,
      );
      // A generator that never injects, or always fails, would make every check above vacuous.
      expect(injected).toBeGreaterThan(RUNS / 10);
      expect(clean).toBeGreaterThan(RUNS / 10);
    },
    60_000 + RUNS * 1_000,
  );
});

describe(`random ResourceLists with one node of any type (${RUNS} runs)`, () => {
  it(
    'never crash, and stay deterministic, idempotent and complete',
    () => {
      fc.assert(
        fc.property(corruptedCaseArb, (corrupted) => {
          const observed = observe(caseText(corrupted.case));
          expect([0, 1]).toContain(observed.first.exitCode);
          checkDeterministic(observed);
          checkIdempotent(observed);
          checkItemsKept(observed);
          checkParsesBack(observed);
        }),
        PARAMS_CORRUPTED,
      );
    },
    60_000 + RUNS * 1_000,
  );
});
