// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

/**
 * The layers of src/ (docs/layers.md draws them). Each entry: the element, and what it may import
 * besides itself and the base (BASE_FILES). `types:` what it may import as types only —
 * a shape it is handed, never code it runs. Data flows one way: http → services → repositories /
 * channels; the workers (watch, dispatch) call the same services as the routes; the composition
 * root and the entry points wire everything.
 */
const LAYERS = {
  domain: { values: [], types: [] },
  db: { values: ['domain'], types: [] },
  workers: { values: [], types: [] },
  signing: { values: ['domain'], types: [] },
  documents: { values: ['domain'], types: ['db'] },
  import: { values: ['domain'], types: ['db'] },
  // The Zalo channel keeps its grant and delivery receipts in the database itself.
  channels: { values: ['domain', 'db', 'documents'], types: [] },
  services: { values: ['domain', 'db', 'documents', 'channels', 'import', 'signing'], types: [] },
  dispatch: { values: ['domain', 'db', 'channels', 'workers'], types: [] },
  watch: { values: ['domain', 'db', 'services', 'workers'], types: [] },
  // The routes are handed the composed Services and read the watcher's list: types only.
  http: { values: ['domain', 'services', 'documents'], types: ['db', 'watch', 'compose'] },
  // Each lower module owns its settings; config.ts reads them from the environment and composes them.
  config: { values: ['channels', 'db'], types: [] },
  // The province-year replay drives the whole service from outside, as an operator would: it may
  // use every layer below the routes, the settings and the composition root; and the demo's
  // catalogue, names and seeded randomness, which the synthetic province reuses.
  replay: {
    values: ['domain', 'db', 'services', 'watch', 'dispatch', 'channels', 'documents', 'import', 'signing', 'workers', 'config', 'compose', 'demo'],
    types: [],
  },
  // The base imports nothing of ours but the base.
  base: { values: [], types: [] },
};
/** The base: usable by every layer but the domain. A new file at the top of src/ must be classified here or below. */
const BASE_FILES = ['src/errors.ts', 'src/logger.ts', 'src/clock.ts', 'src/request-context.ts'];
/** The composition root and the entry points wire everything together. */
const ROOT = ['compose', 'app', 'server', 'main', 'demo'];

// Folders are elements; the files at the top of src/ are one element ('top') told apart by their
// file category, since element patterns name folders.
const elements = [
  ...[...Object.keys(LAYERS).filter((t) => !['config', 'base'].includes(t)), 'demo'].map((t) => ({
    type: t,
    pattern: `src/${t}/**`,
    partialMatch: false,
  })),
  // Last: the first descriptor that matches wins.
  { type: 'top', pattern: 'src', partialMatch: false },
];
const files = [
  { category: 'base', pattern: BASE_FILES },
  ...['config', 'compose', 'app', 'server', 'main'].map((c) => ({ category: c, pattern: `src/${c}.ts` })),
];
const TOP = new Set(['base', 'config', 'compose', 'app', 'server', 'main']);
/** Selects a layer, whether a folder element or a file at the top. */
const layer = (name) => (TOP.has(name) ? { element: { type: 'top' }, file: { categories: name } } : { element: { type: name } });

const policies = [
  { from: { element: { type: '!domain' } }, allow: { to: layer('base') } },
  ...ROOT.map((name) => ({ from: layer(name), allow: { to: { element: { type: '*' } } } })),
  ...Object.entries(LAYERS).flatMap(([name, { values, types }]) => [
    ...[name, ...values].map((to) => ({ from: layer(name), allow: { to: layer(to) } })),
    ...types.map((to) => ({ from: layer(name), allow: { to: layer(to), dependency: { kind: 'type' } } })),
  ]),
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'test-artifacts/', 'data/', '.scratch/', 'src/bin.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Cheap type-aware rules that catch real mistakes in async code: a promise nobody waits for.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Slow modules loaded on first use rather than at every start of the service (`require`
      // keeps the call synchronous and typed): exceljs, juice, the XLSX reader.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^exceljs$', '^juice$', '/import/xlsx$'] }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      'boundaries/files': files,
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', policies }],
      'boundaries/no-unknown-files': 'error',
    },
  },
  {
    // One place says which database this is, so a third one would be one change.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/db/connection.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[property.name='client'][object.type='MemberExpression'][object.property.name='config']",
          message: 'Ask isPostgres(db) (src/db/connection.ts) which database this is.',
        },
      ],
    },
  },
  {
    // Tool configuration read by Node as CommonJS (mocha's).
    files: ['*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', process: 'readonly', require: 'readonly' },
    },
  },
  {
    // The pages' one script runs in the browser.
    files: ['templates/static/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['window', 'document', 'fetch', 'FormData', 'URLSearchParams', 'setTimeout', 'clearTimeout'].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    // Imports between the files at the top of src/ are inside one element, which the plugin does
    // not check: the base must stay at the bottom.
    files: BASE_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', './*', ...BASE_FILES.map((f) => `!./${f.slice(4, -3)}`)], message: 'The base imports nothing of ours but the base.' }] },
      ],
    },
  },
);
