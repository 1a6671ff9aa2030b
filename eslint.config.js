// Lint rules that hold the architecture: terminal libraries stay in src/ui, oclif stays in the
// command layer, and the supervisor and services never see either.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const uiOnly = ['chalk', '@inquirer/prompts', 'listr2'];
const restrict = (names, message, extraPaths = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [...names.map((name) => ({ name, message })), ...extraPaths],
      patterns: [{ group: names.map((n) => `${n}/*`), message }],
    },
  ],
});
// oclif's index loads all of oclif; commands import the parts they use, which keeps start-up short.
const oclifIndex = {
  name: '@oclif/core',
  message:
    'Import from a subpath (@oclif/core/command, /flags, /args, /errors): the index loads all of oclif at start-up.',
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'schema/',
      '**/node_modules/',
      'examples/**/dist/',
      'oclif.manifest.json',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        Buffer: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // A kind's index before its first registration: `server` is used once mcpx inserts one, and an
    // inline disable comment would linger in users' files.
    files: ['templates/primitives/*-index.ts'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/ui/**'],
    rules: restrict(uiOnly, 'Only src/ui/ talks to the terminal: import from src/ui instead.', [
      oclifIndex,
    ]),
  },
  {
    files: [
      'src/services/**/*.ts',
      'src/manifest/**/*.ts',
      'src/scaffold/**/*.ts',
      'src/supervisor/**/*.ts',
      'src/logs/**/*.ts',
      'src/control/**/*.ts',
      'src/gateway/**/*.ts',
    ],
    rules: restrict(
      [...uiOnly, '@oclif/core'],
      'Services, the manifest and the supervisor know nothing of oclif or the terminal: take options, return data.',
    ),
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
          message: 'No process.exit outside bin/: throw McpxError and let the command exit.',
        },
      ],
    },
  },
);
