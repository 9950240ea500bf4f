// SPDX-License-Identifier: Apache-2.0
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const spdx = {
    meta: { type: 'problem', schema: [] },
    create(context) {
        return {
            Program(node) {
                const first = context.sourceCode.getText().split('\n', 1)[0];
                if (first !== '// SPDX-License-Identifier: Apache-2.0') {
                    context.report({ node, message: 'File must start with "// SPDX-License-Identifier: Apache-2.0"' });
                }
            },
        };
    },
};

export default tseslint.config(
    {
        ignores: [
            'node_modules/**',
            'dist/**',
            'chaincode/dist/**',
            'data/**',
            'test-output/**',
            'clients/web/dist/**',
        ],
    },
    eslint.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    {
        languageOptions: {
            parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
        },
        plugins: { local: { rules: { spdx } } },
        rules: {
            'local/spdx': 'error',
            complexity: ['error', 10],
            curly: 'error',
            eqeqeq: 'error',
            '@typescript-eslint/explicit-function-return-type': ['error', { allowExpressions: true }],
            '@typescript-eslint/no-floating-promises': 'error',
            '@typescript-eslint/switch-exhaustiveness-check': 'error',
            '@typescript-eslint/consistent-type-imports': 'error',
            '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
            '@typescript-eslint/no-extraneous-class': 'off',
        },
    },
    {
        // The web portal runs in browsers: its own project (DOM library, ES modules), not the Node one.
        files: ['clients/web/**/*.ts'],
        languageOptions: {
            parserOptions: { project: './clients/web/tsconfig.json', tsconfigRootDir: import.meta.dirname },
        },
    },
    {
        files: ['test/**/*.ts', 'bench/**/*.ts'],
        rules: {
            '@typescript-eslint/no-unused-expressions': 'off',
            'no-restricted-properties': [
                'error',
                { object: 'it', property: 'only' },
                { object: 'describe', property: 'only' },
            ],
        },
    },
    {
        files: ['chaincode/**/*.ts'],
        rules: {
            'no-restricted-properties': [
                'error',
                {
                    object: 'Date',
                    property: 'now',
                    message: 'Chaincode must be deterministic: use the transaction timestamp.',
                },
                { object: 'Math', property: 'random', message: 'Chaincode must be deterministic.' },
                { object: 'crypto', property: 'randomBytes', message: 'Chaincode must be deterministic.' },
                { object: 'crypto', property: 'randomUUID', message: 'Chaincode must be deterministic.' },
                { object: 'process', property: 'env', message: 'Chaincode reads no environment.' },
            ],
            'no-restricted-syntax': [
                'error',
                {
                    selector: "NewExpression[callee.name='Date'][arguments.length=0]",
                    message: 'Chaincode must use the transaction timestamp.',
                },
                {
                    selector: 'CallExpression[callee.name=/^(setTimeout|setInterval|setImmediate)$/]',
                    message: 'No timers in chaincode.',
                },
            ],
            'no-restricted-imports': [
                'error',
                {
                    paths: [
                        'fs',
                        'node:fs',
                        'net',
                        'node:net',
                        'http',
                        'node:http',
                        'https',
                        'node:https',
                        'child_process',
                        'node:child_process',
                    ],
                },
            ],
        },
    },
    {
        // The protocol module is compiled for the browser too (clients/web/build.mjs): nothing of Node's, no
        // packages. test/layering.test.ts checks its imports as well.
        files: ['chaincode/src/protocol/**/*.ts'],
        rules: {
            'no-restricted-globals': [
                'error',
                ...['Buffer', 'process', 'require', 'module', '__dirname', '__filename', 'global'].map((name) => ({
                    name,
                    message: 'The protocol module runs in browsers too: use Uint8Array, TextEncoder and plain code.',
                })),
            ],
            'no-restricted-imports': [
                'error',
                {
                    patterns: [
                        {
                            regex: '^(?!\\./)',
                            message: 'The protocol module imports only its own files (./name.js).',
                        },
                    ],
                },
            ],
        },
    },
    {
        files: ['**/*.mjs', '**/*.js'],
        ...tseslint.configs.disableTypeChecked,
    },
);
