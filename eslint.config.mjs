// Lint: typescript-eslint's recommended rules, plus the module boundary rule:
// a business module imports another module only through its `*.messages.ts`.
import js from '@eslint/js';
import globals from 'globals';
import { existsSync, readdirSync } from 'node:fs';
import tseslint from 'typescript-eslint';

// A business module is a folder of src/ with a public face, `<name>/<name>.messages.ts`: found
// here rather than listed, so a new module is under the rule from its first file.
const SRC = new URL('./src/', import.meta.url);
const modules = readdirSync(SRC, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(new URL(`${entry.name}/${entry.name}.messages.ts`, SRC)))
  .map((entry) => entry.name);

/** For files in `module`: every other module is off-limits except its messages file. */
function boundary(module) {
  const others = modules.filter((m) => m !== module);
  return {
    files: [`src/${module}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: others.map((other) => ({
            // Any path into the other module, except its messages file (and, for saga, the engine).
            regex: `(^|/)${other}/(?!${other}\\.messages\\.js$${other === 'saga' ? '|engine/' : ''})`,
            message: `Modules talk through messages: import only ${other}.messages.ts${other === 'saga' ? ' or saga/engine' : ''}.`,
          })),
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', '**/node_modules/', '.data/', 'test-artifacts/', 'src/dashboard/*.html'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/dashboard/*.js'], languageOptions: { globals: globals.browser, sourceType: 'script' } },
  ...modules.map(boundary),
  {
    // The engine is business-free: it may not reach into any business module.
    files: ['src/saga/engine/**/*.ts', 'src/messaging/**/*.ts', 'src/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: `(^|/)(${modules.filter((m) => m !== 'saga').join('|')})/`, message: 'Business-free code imports no business module.' }] }],
    },
  },
);
