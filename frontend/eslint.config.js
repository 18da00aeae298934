// ESLint (flat config) holds two conventions the compiler cannot:
// - src/core/ is the pure TypeScript core: no React, no React Flow, no module of the React layer,
//   so every part of it runs (and is unit-tested) without a browser or a renderer;
// - hooks are called unconditionally, at the top of components and hooks (React's rules of hooks).
// Types are tsc's job (`tsc --noEmit`), so no type-aware rules are loaded here.
import tsParser from '@typescript-eslint/parser'
import reactHooks from 'eslint-plugin-react-hooks'

const REACT_LAYER = ['editor', 'workflow', 'interop', 'pages', 'components', 'workspace']

export default [
  { ignores: ['dist/', 'node_modules/', 'src/api/schema.d.ts'] },
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { parser: tsParser, ecmaVersion: 2022, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'react', message: 'src/core/ is pure TypeScript: keep React in the components and hooks.' },
            { name: 'react-dom', message: 'src/core/ is pure TypeScript: keep React in the components and hooks.' },
            { name: '@xyflow/react', message: 'src/core/ is pure TypeScript: React Flow belongs to the editor components.' },
          ],
          patterns: [
            { group: ['react/*', 'react-dom/*', '@xyflow/react/*'], message: 'src/core/ is pure TypeScript: no React or React Flow.' },
            {
              group: REACT_LAYER.map((folder) => `../${folder}/*`),
              message: 'src/core/ must not import the React layer (it imports React).',
            },
            { group: ['*.tsx'], message: 'src/core/ must not import a component.' },
          ],
        },
      ],
    },
  },
]
