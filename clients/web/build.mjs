// SPDX-License-Identifier: Apache-2.0
/**
 * Builds the web portal into dist/web: compiles clients/web/*.ts and the protocol module it shares with the
 * chaincode and the CLI (chaincode/src/protocol/*.ts) to native ES modules (no bundler), keeping their places
 * in the repository (dist/web/clients/web/…, dist/web/chaincode/src/protocol/…) so that their relative
 * imports hold in the browser; copies clients/web/static/* to dist/web, and the vendored QR encoder
 * (qrcode-generator's ES module) beside the portal's modules, so that every gateway serves the portal with
 * nothing fetched from elsewhere. dist/web is emptied first: a module left from an earlier layout must not be
 * served, nor hide a broken path.
 */
import { execFileSync } from 'node:child_process';
import process from 'node:process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'dist', 'web');
const require = createRequire(import.meta.url);

rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(here, 'tsconfig.json')], {
    stdio: 'inherit',
});
for (const name of readdirSync(join(here, 'static'))) {
    copyFileSync(join(here, 'static', name), join(out, name));
}
const vendor = join(out, 'clients', 'web', 'vendor');
mkdirSync(vendor, { recursive: true });
const qrcode = join(dirname(require.resolve('qrcode-generator')), 'qrcode.mjs');
copyFileSync(qrcode, join(vendor, 'qrcode.js'));
