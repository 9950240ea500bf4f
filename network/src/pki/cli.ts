// SPDX-License-Identifier: Apache-2.0
/**
 * The region PKI tool: `node dist/network/src/pki/cli.js [--region file] [--out dir]` issues a region's
 * crypto material, keeping whatever already exists, and lists each file as made or kept.
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRegionFile, readRegionConfig } from '../config/region';
import { issueRegion, type FileOutcome } from './region';

/** Crypto folder used when `--out` is not given. */
export const DEFAULT_OUT = './data/crypto';

const USAGE = `Usage: node dist/network/src/pki/cli.js [--region <file>] [--out <dir>]

Issues a region's CAs, MSP folders and TLS certificates. Existing files are kept.
  --region <file>  region configuration (default: network/region.json)
  --out <dir>      output folder (default: ${DEFAULT_OUT})
  --help           show this text`;

/** Where the tool writes its text; tests pass their own. */
export interface CliOutput {
    log(line: string): void;
    error(line: string): void;
}

/** Parsed command line. */
export interface CliOptions {
    readonly regionFile: string;
    readonly outDir: string;
    readonly help: boolean;
}

/**
 * Parses the command line.
 * @param args - arguments after the script name
 * @throws Error on an unknown option, a missing value or a positional argument
 */
export function parseCliArgs(args: readonly string[]): CliOptions {
    const { values } = parseArgs({
        args: [...args],
        options: {
            region: { type: 'string' },
            out: { type: 'string' },
            help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
    });
    for (const name of ['region', 'out'] as const) {
        if (values[name]?.trim() === '') {
            throw new Error(`--${name} must not be empty`);
        }
    }
    return {
        regionFile: values.region ?? defaultRegionFile,
        outDir: values.out ?? DEFAULT_OUT,
        help: values.help ?? false,
    };
}

/**
 * Runs the tool.
 * @param args - arguments after the script name
 * @param output - where lines go (the console by default)
 * @returns the process exit code: 0 on success, 1 on any error
 */
export async function main(args: readonly string[], output: CliOutput = console): Promise<number> {
    let options: CliOptions;
    try {
        options = parseCliArgs(args);
    } catch (error) {
        output.error(`pki: ${describe(error)}\n\n${USAGE}`);
        return 1;
    }
    try {
        if (options.help) {
            output.log(USAGE);
            return 0;
        }
        const region = readRegionConfig(options.regionFile);
        const outDir = resolve(options.outDir);
        const counts = { made: 0, kept: 0 };
        const onFile = (file: FileOutcome): void => {
            counts[file.outcome] += 1;
            output.log(`${file.outcome} ${relative(outDir, file.path)}`);
        };
        await issueRegion(region, outDir, onFile);
        output.log(
            `Region "${region.name}": ${region.organizations.length + 1} organisations in ${outDir} ` +
                `(${counts.made} files made, ${counts.kept} kept)`,
        );
        return 0;
    } catch (error) {
        output.error(`pki: ${describe(error)}`);
        return 1;
    }
}

function describe(error: unknown): string {
    if (!(error instanceof Error)) {
        return String(error);
    }
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
