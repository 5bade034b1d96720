// The validators are generated from the JSON Schemas at build time; `npm test` builds first, and
// this makes a bare `npx vitest run` on a fresh clone work too.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (!existsSync(`${root}/src/config/generated/validators.js`)) {
    execFileSync(process.execPath, ['scripts/generate-validators.mjs'], { cwd: root, stdio: 'inherit' });
  }
}
