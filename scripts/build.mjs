// Build: compile the JSON Schemas into validator code, then bundle everything into one file that
// plain `node` starts without compiling anything.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
execFileSync(process.execPath, ['scripts/generate-validators.mjs'], { cwd: root, stdio: 'inherit' });

const outfile = 'dist/inject-sidecarsets.js';
await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // Bundled CommonJS dependencies call require(); give them Node's.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
chmodSync(new URL(`../${outfile}`, import.meta.url), 0o755);
