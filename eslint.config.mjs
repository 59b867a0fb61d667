// One lint setup for the whole repository (ESLint flat config + typescript-eslint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', '**/*.mjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Not '@typescript-eslint/consistent-type-imports': NestJS injects by the constructor's
      // parameter types (emitDecoratorMetadata), which need value imports; the rule's fix would
      // turn them into `import type` and break dependency injection at run time.
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.test.ts', '**/testing/**', 'bench/**', 'scripts/**', 'e2e/**'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
