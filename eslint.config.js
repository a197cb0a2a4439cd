import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', 'data/**', '**/*.tsbuildinfo'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../*/src/*', '**/packages/*/src/**', '*/internal/*'], message: 'Import other packages through their public @argus/* entry.' }] },
      ],
    },
  },
  {
    // Repository tools may read a package's internals (e.g. the error-doc generator).
    files: ['scripts/**'],
    rules: { 'no-restricted-imports': 'off', 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'bench/**', 'examples/**', '**/cli/**', '**/bin/**', 'vitest.config.ts'],
    rules: { 'no-console': 'off' },
  },
);
