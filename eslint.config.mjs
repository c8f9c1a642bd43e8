// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'out/', 'test-output/', 'media/', 'test/fixtures/', 'bench/results/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        fetch: 'readonly',
        window: 'readonly',
        document: 'readonly',
        __dirname: 'readonly',
        require: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine must stay free of the editor: it runs in plain Node and the CLI.
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['vscode'] }] },
  },
  {
    // Front ends reach the engine only through its public API (src/core/index.ts), so the engine can be
    // reorganised behind it (docs/architecture.md).
    files: ['src/cli/**/*.ts', 'src/extension/**/*.ts', 'src/webview/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // core/version is a constant `ubp version` prints without loading the engine (every command
              // that imports the index loads all of it).
              regex: '^(\\.\\./)+core/(?!index$|version$).+',
              message: "Import the engine from 'src/core' (its index), not from its inner files.",
            },
          ],
        },
      ],
    },
  },
);
