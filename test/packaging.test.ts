// `npm ci` on the Node the project runs on (20) installs without an EBADENGINE warning: every locked
// package's `engines.node` admits the running Node. A dependency that moves to a newer Node (undici 8,
// pulled by @kubernetes/client-node 2, needs 22) shows up here, not as a warning nobody reads.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './e2e/helpers.js';

type Version = [number, number, number];

const parseVersion = (text: string): Version => {
  const [major = 0, minor = 0, patch = 0] = text
    .replace(/^v/, '')
    .split('.')
    .map((n) => (n === 'x' ? 0 : Number(n)));
  return [major, minor, patch];
};
const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The forms of range the lock file holds: `>=A`, `^A`, `A.x`, joined by spaces (and) and `||` (or). */
function admits(range: string, node: Version): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|\^)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => {
        const m = /^(>=|\^)?v?(\d+(?:\.(?:\d+|x))*)$/.exec(comparator);
        if (!m) throw new Error(`unexpected engines range ${JSON.stringify(range)}`);
        const bound = parseVersion(m[2]!);
        if (m[1] === '>=') return compare(node, bound) >= 0;
        // `^A.B.C` and a bare `A.x` both stay within major A.
        return node[0] === bound[0] && compare(node, bound) >= 0;
      }),
  );
}

describe('packaging', () => {
  it('reads the engine ranges it checks', () => {
    expect(admits('>=22.19.0', [20, 20, 2])).toBe(false);
    expect(admits('^20.19.0 || >=22.12.0', [20, 20, 2])).toBe(true);
    expect(admits('^20.19.0 || >=22.12.0', [21, 0, 0])).toBe(false);
    expect(admits('4.x || >=6.0.0', [20, 0, 0])).toBe(true);
    expect(admits('>= 20.16.0', [20, 15, 0])).toBe(false);
  });

  it('every locked package admits the running Node (npm ci warns EBADENGINE otherwise)', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: { node?: string } }>;
    };
    const node = parseVersion(process.version);
    const refused = Object.entries(lock.packages)
      .filter(([, p]) => p.engines?.node !== undefined && !admits(p.engines.node, node))
      .map(([path, p]) => `${path} (node ${p.engines!.node})`);
    expect(refused).toEqual([]);
  });
});
