// SPDX-License-Identifier: Apache-2.0
/** `npm run token`: the gateway's admin script that makes a staff token (docs/api.md "Staff tokens"). */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStaffToken, parseTokenArgs } from '../../../gateway/src/admin/token-cli';
import { TokenStore, createToken } from '../../../gateway/src/auth/tokens';

describe('gateway admin: token', () => {
    let dir: string;

    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'token-cli-'));
    });

    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('makes a token the gateway accepts, storing only its hash', () => {
        const tokensFile = join(dir, 'tokens.json');
        const request = parseTokenArgs(
            ['--org', 'HospitalAMSP', '--role', 'clinician', '--label', 'ward 3', '--tokens-file', tokensFile],
            dir,
        );
        const created = createStaffToken(request);
        assert.equal(created.org, 'HospitalAMSP');
        const entry = new TokenStore(tokensFile).authenticate(created.token);
        assert.equal(entry?.role, 'clinician');
        assert.equal(entry.id, created.id);
        assert.equal(entry.label, 'ward 3');
    });

    it('accepts nothing while the token file is missing, and reads it once it is written', () => {
        const tokensFile = join(dir, 'later.json');
        const store = new TokenStore(tokensFile);
        const absent = 'hct_' + 'A'.repeat(43);
        assert.equal(store.authenticate(absent), undefined);
        const created = createToken(tokensFile, 'auditor');
        assert.equal(store.authenticate(created.token)?.role, 'auditor');
    });

    it('refuses an unknown role, a missing organisation and a data folder without its gateway', () => {
        assert.throws(() => parseTokenArgs(['--org', 'HospitalAMSP', '--role', 'nurse'], dir), /--role/);
        assert.throws(() => parseTokenArgs(['--role', 'admin'], dir), /--org/);
        assert.throws(
            () => parseTokenArgs(['--org', 'HospitalAMSP', '--role', 'admin', '--data', dir], dir),
            /gateway\.json/,
        );
    });
});
