// ESLint 9 flat config: the recommended rules (no type information, so linting stays fast), plus the rule
// that keeps Node and worker-side code out of the workflow sandbox.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Everything workflow code must not load: it runs in Temporal's deterministic sandbox, bundled for it. */
const SANDBOX_FORBIDDEN = [
  {
    group: ['node:*', ...builtinModules, ...builtinModules.map((m) => `${m}/*`)],
    message: 'Node built-ins are not available in the workflow sandbox (workflows/ and common/ are bundled into it).',
  },
  {
    // The repository's worker-side folders, from workflows/ or common/ and from one folder deeper.
    group: ['activities', 'runtime', 'worker', 'client', 'config', 'codec', 'volumes'].flatMap((d) =>
      ['../', '../../'].flatMap((up) => [`${up}${d}*`, `${up}${d}*/**`]),
    ),
    message:
      'workflows/ and common/ run in the workflow sandbox: import worker-side code as types only (`import type`).',
  },
  {
    group: [
      '@temporalio/worker',
      '@temporalio/activity',
      '@temporalio/client',
      '@temporalio/worker/*',
      '@temporalio/activity/*',
      '@temporalio/client/*',
    ],
    message:
      'workflow code uses @temporalio/workflow and @temporalio/common only (types from the others are fine with `import type`).',
  },
].map((p) => ({ ...p, allowTypeImports: true }));

export default tseslint.config(
  { ignores: ['node_modules/', '.temporal/', 'dist/', 'test-results/', 'test/histories/', 'coverage/', '.state/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      // `_`-prefixed names are deliberately unused (interface-shaped arguments, skipped tuple elements).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // 120 columns: Prettier wraps the code (`npm run format`); comments are wrapped by hand; a string, a
      // template or a regular expression may run longer rather than be cut.
      'max-len': [
        'error',
        { code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The runtime core never loads the fault injector (the worker composes it in: worker/create.ts withFaults),
    // and a driver loads neither it nor the runtime above it.
    files: ['runtime/**'],
    ignores: ['runtime/faults.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/faults'],
              message:
                'the worker composes fault injection in (worker/create.ts withFaults); the runtime does not load it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['runtime/drivers/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/faults',
                '**/host-runtime',
                '**/host-records',
                '**/linux-runtime',
                '**/simulated-runtime',
                '**/select',
              ],
              message:
                'a driver does the system work below the runtime: it loads neither the runtime nor fault injection.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**', 'common/**', 'metrics/names.ts', 'metrics/workflow.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: SANDBOX_FORBIDDEN }],
    },
  },
);
