// SPDX-License-Identifier: Apache-2.0
/**
 * `npm start`: runs a region on this machine until SIGINT or SIGTERM (see `launcher.ts`), optionally loading
 * the demo. Exit codes: 0 after a clean stop, 1 when the region could not start or a child stopped by itself,
 * 64 on a usage error.
 */
import { loadDemo } from './demo';
import { launchRegion, type RunningRegion } from './launcher';
import { readLaunchOptions, USAGE, type LaunchOptions } from './launch-options';
import { REGION_READY_PREFIX, type RegionFile } from '../../../clients/shared/region-file';

function describe(error: unknown): string {
    if (!(error instanceof Error)) {
        return String(error);
    }
    // A failed ledger call reaches here as the facade's ApiError; its cause says what the ledger said.
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function printRegion(region: RegionFile, regionFile: string): void {
    const lines = region.organizations.map(
        (org) =>
            `  ${org.mspId.padEnd(16)} ${org.type.padEnd(11)} api ${org.apiUrl}  p2p ${org.p2pUrl}` +
            (org.hl7Url === undefined ? '' : `  hl7 ${org.hl7Url}`),
    );
    process.stdout.write(
        [
            `${region.ledger.kind === 'fabric' ? 'Fabric orderer' : 'Ledger node   '}   ${region.ledger.url}`,
            ...lines,
            `Staff tokens are in <data>/orgs/<msp>/tokens/<role>.token; try:`,
            `  node clients/cli/healthchain --region ${regionFile} org list`,
            '',
        ].join('\n'),
    );
}

/** Stops on the first SIGINT/SIGTERM (after start-up finishes); a second one exits at once. */
class Shutdown {
    #running: RunningRegion | undefined;
    #requested = false;

    constructor() {
        const onSignal = (): void => {
            if (this.#requested) {
                process.exit(130);
            }
            this.#requested = true;
            process.stdout.write('Stopping the region…\n');
            if (this.#running) {
                void this.#finish(0);
            }
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
    }

    get requested(): boolean {
        return this.#requested;
    }

    /** The region is up: a signal received meanwhile stops it now. */
    attach(running: RunningRegion): void {
        this.#running = running;
        if (this.#requested) {
            void this.#finish(0);
        }
    }

    async fail(message: string): Promise<void> {
        process.stderr.write(`region: ${message}\nStopping the region.\n`);
        await this.#finish(1);
    }

    async #finish(code: number): Promise<void> {
        await this.#running?.stop();
        process.stdout.write('Region stopped.\n');
        process.exit(code);
    }
}

async function run(options: LaunchOptions): Promise<void> {
    const shutdown = new Shutdown();
    const running = await launchRegion(options, {
        progress: (line) => process.stdout.write(line + '\n'),
        failure: (message) => void shutdown.fail(message),
        warning: (message) => process.stderr.write(`region: warning: ${message}\n`),
    });
    shutdown.attach(running);
    if (shutdown.requested) {
        return;
    }
    printRegion(running.region, running.layout.regionFile);
    if (options.demo) {
        try {
            await loadDemo(running.region, running.layout, (line) => process.stdout.write(line + '\n'));
        } catch (error) {
            await shutdown.fail(`the demo could not be loaded: ${describe(error)}`);
            return;
        }
    }
    process.stdout.write(`${REGION_READY_PREFIX}${running.layout.regionFile}\nPress Ctrl-C to stop.\n`);
}

function main(): void {
    let options: LaunchOptions;
    try {
        options = readLaunchOptions(process.argv.slice(2), process.env);
    } catch (error) {
        process.stderr.write(`region: ${describe(error)}\n\n${USAGE}\n`);
        process.exit(64);
    }
    if (options.help) {
        process.stdout.write(USAGE + '\n');
        return;
    }
    run(options).catch((error: unknown) => {
        process.stderr.write(`region: could not start: ${describe(error)}\n`);
        process.exit(1);
    });
}

main();
