// SPDX-License-Identifier: Apache-2.0
import { strict as assert } from 'node:assert';
import type { LibraryLogger } from 'fabric-shim/lib/logger';
import { quietLogger } from '../../../network/src/embedded/chaincode-host';

/** A logger printing `error` and what `enabled` lists, recording what it was asked to log. */
function newLogger(enabled: readonly string[]): LibraryLogger & { readonly lines: string[] } {
    const lines: string[] = [];
    const log =
        (level: string) =>
        (...args: unknown[]): void => {
            lines.push(`${level} ${args.map(String).join(' ')}`);
        };
    return {
        lines,
        silent: false,
        isLevelEnabled: (level) => level === 'error' || enabled.includes(level),
        warn: log('warn'),
        info: log('info'),
        http: log('http'),
        verbose: log('verbose'),
        debug: log('debug'),
        silly: log('silly'),
    };
}

describe('fabric-shim loggers in the embedded ledger', () => {
    it('leaves out, unformatted, the levels the configured level does not print', () => {
        const logger = newLogger(['warn']);
        quietLogger(logger, 'WARNING');
        logger.debug('a debug line', { tx: 1 });
        logger.info('an info line');
        logger.warn('a warning');
        assert.deepEqual(logger.lines, ['warn a warning']);
        assert.equal(logger.silent, false);
    });

    it('makes the loggers silent at CRITICAL, a level winston never prints', () => {
        const logger = newLogger([]);
        quietLogger(logger, 'critical');
        assert.equal(logger.silent, true);
    });
});
