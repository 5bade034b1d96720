// `npm run lint`: typescript-eslint's recommended rules on the sources and the tests (CI runs it after
// the typecheck). Formatting is prettier's (`npm run format:check`), not the linter's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'src/config/generated/', 'bench/results/', 'bench/.cache/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      // Unused names are tsc's to report (noUnusedLocals, noUnusedParameters); `_` marks one kept on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // The YAML writer and its tests match control characters on purpose (what must be quoted or escaped).
      'no-control-regex': 'off',
    },
  },
  {
    // prettier keeps code within 140 columns but leaves long strings and comments as they are.
    files: ['src/**/*.ts'],
    rules: { 'max-len': ['error', { code: 140, ignoreUrls: true }] },
  },
  {
    // Tests walk parsed documents whose shape the assertion itself checks; `any` there is a cast, not a type.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
