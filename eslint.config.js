// Lint rules that hold the architecture: terminal libraries stay in src/ui, oclif stays in the
// command layer, and the supervisor and services never see either.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const uiOnly = ['chalk', '@inquirer/prompts', 'listr2'];
const uiMessage = 'Only src/ui/ talks to the terminal: import from src/ui instead.';
const oclifMessage =
  'Only the command layer (src/commands, src/cli) knows oclif; everything else takes options and returns data.';
/** Bans each group's modules (and their subpaths) with the group's message. */
const restrict = (...groups) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: groups.flatMap(({ names = [], message, paths = [] }) => [
        ...names.map((name) => ({ name, message })),
        ...paths,
      ]),
      patterns: groups
        .filter(({ names = [] }) => names.length > 0)
        .map(({ names, message }) => ({ group: names.map((n) => `${n}/*`), message })),
    },
  ],
});
// oclif's index loads all of oclif; commands import the parts they use, which keeps start-up short.
const oclifIndex = {
  name: '@oclif/core',
  message:
    'Import from a subpath (@oclif/core/command, /flags, /args, /errors): the index loads all of oclif at start-up.',
};
// The folders allowed to import oclif: an allowlist, so that a new folder is banned by default.
const oclifFolders = ['src/commands/**', 'src/cli/**'];

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
    ignores: oclifFolders,
    rules: restrict(
      { names: uiOnly, message: uiMessage },
      { names: ['@oclif/core'], message: oclifMessage },
    ),
  },
  {
    files: ['src/ui/**/*.ts'],
    rules: restrict({ names: ['@oclif/core'], message: oclifMessage }),
  },
  {
    files: oclifFolders.map((folder) => `${folder}/*.ts`),
    rules: restrict({ names: uiOnly, message: uiMessage, paths: [oclifIndex] }),
  },
  {
    // Type-aware: a promise nobody awaits loses its errors (an unhandled rejection ends mcpx), and
    // an async callback where a void one is expected is a promise nobody awaits.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
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
