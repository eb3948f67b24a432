// Lint rules that guard the architecture: only src/vscode (and the composition
// root src/extension.ts) may import 'vscode'. The build runs this (npm test).
import tseslint from 'typescript-eslint';

const noVscode = {
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'vscode', message: "Only src/vscode and src/extension.ts may import 'vscode': keep the core, runtime, shared and webview layers free of it." }],
    },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']",
      message: "Only src/vscode and src/extension.ts may require 'vscode'.",
    },
    {
      selector: "ImportExpression[source.value='vscode']",
      message: "Only src/vscode and src/extension.ts may import 'vscode'.",
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', 'test/integration/runner/dist/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['src/core/**/*.ts', 'src/runtime/**/*.ts', 'src/shared/**/*.ts', 'webview/**/*.ts'], rules: noVscode },
);
