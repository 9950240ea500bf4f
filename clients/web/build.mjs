// SPDX-License-Identifier: Apache-2.0
/**
 * Builds the web portal into dist/web: compiles clients/web/*.ts to native ES modules (no bundler), copies
 * clients/web/static/* and the vendored QR encoder (qrcode-generator's ES module), so that every gateway
 * serves the portal with nothing fetched from elsewhere.
 */
import { execFileSync } from 'node:child_process';
import process from 'node:process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'dist', 'web');
const require = createRequire(import.meta.url);

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(here, 'tsconfig.json')], {
    stdio: 'inherit',
});
mkdirSync(join(out, 'vendor'), { recursive: true });
for (const name of readdirSync(join(here, 'static'))) {
    copyFileSync(join(here, 'static', name), join(out, name));
}
const qrcode = join(dirname(require.resolve('qrcode-generator')), 'qrcode.mjs');
copyFileSync(qrcode, join(out, 'vendor', 'qrcode.js'));
