import js from '@eslint/js'
import boundaries from 'eslint-plugin-boundaries'
import tseslint from 'typescript-eslint'

/**
 * The layers of src/ (docs/architecture.md), bottom to top: a file may import its own layer and the ones
 * below, never one above. Each file takes the first pattern it matches, so the narrow ones come first.
 */
const LAYERS = [
  'core',
  'storage',
  'directory',
  'adapters',
  'partners',
  'events',
  'context',
  'domain',
  'http',
  'root',
]
const LAYER_OF_FILES = [
  ['core', 'src/core/**'],
  ['storage', 'src/{config,storage}/**'],
  ['directory', 'src/{directory/**,delivery/outbox.ts}'],
  // The edge hooks of the older versions' scopes are Fastify hooks: HTTP, like the transport.
  ['http', 'src/version-adapters/inbound.ts'],
  ['adapters', 'src/{version-adapters/**,modules/*/*.schema.ts,modules/canonical.ts}'],
  ['adapters', 'src/pricing/**'],
  ['partners', 'src/partners/**'],
  ['events', 'src/events/**'],
  // What every domain service is handed: built from the layers below it.
  ['context', 'src/hub-context.ts'],
  ['http', 'src/{transport,admin,operations,message-log}/**'],
  // Serving a built front end; it imports nothing of the hub, so the marketplace shares it.
  ['http', 'src/front-end-serving/**'],
  // The inbound side of the bridges to other protocols (docs/bridges/): their admin routes and sync.
  ['http', 'src/bridges/**'],
  ['http', 'src/modules/{*/*.routes.ts,catalogue.ts}'],
  ['domain', 'src/{routing,delivery,modules,webhooks,clearing,peering}/**'],
  ['root', 'src/*.ts'],
]

export default tseslint.config(
  // web/*/public/ is copied as is by Vite (the driver app's service worker, plain JavaScript outside any tsconfig).
  { ignores: ['node_modules/**', 'data/**', '.tmp/**', 'dist/**', 'web/*/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Fastify plugins, hooks and handlers are async by contract, whether or not they await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Lower layers never import higher ones (docs/architecture.md).
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/files-single-match': true,
      'boundaries/files': LAYER_OF_FILES.map(([category, pattern]) => ({ category, pattern })),
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'allow',
          message: 'A {{from.file.categories}} file must not import {{to.file.categories}} (a higher layer)',
          policies: [
            ...LAYERS.map((layer, index) => ({
              from: { file: { categories: layer } },
              disallow: { to: { file: { categories: { anyOf: LAYERS.slice(index + 1) } } } },
            })),
          ],
        },
      ],
    },
  },
  {
    // The front ends (web/, built by Vite) run in the browser: they reach the hub over HTTP only, and the
    // shared set (web/shared/) serves every app, so it never imports one of them.
    files: ['web/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src/**'], message: 'The front ends call the hub over HTTP, not its code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['web/shared/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src/**'], message: 'The front ends call the hub over HTTP, not its code.' },
            {
              group: ['**/console/**'],
              message: 'web/shared/ serves every front end: it imports none of them.',
            },
          ],
        },
      ],
    },
  },
  {
    // The marketplace (marketplace/, docs/marketplace.md) is an OCPI platform of its own: it reaches the hub
    // over OCPI only. It may import its own code, the hub's plain helpers of src/core/ (no I/O), its tariff
    // engine src/pricing/ (pure, docs/decisions/0027 and 0028), the generic PGlite dialect of src/storage/ (no hub
    // tables) and the serving of a built front end (src/front-end-serving/, no hub code): nothing of the hub's
    // domain or store.
    files: ['marketplace/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)src/(?!core/|pricing/|storage/pglite-dialect\\.ts$|front-end-serving/)',
              message:
                'The marketplace talks to the hub over OCPI: it imports only src/core/, src/pricing/, src/storage/pglite-dialect.ts and src/front-end-serving/ (docs/decisions/0022, 0027, 0028).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
)
