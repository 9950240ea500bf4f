// SPDX-License-Identifier: Apache-2.0
/**
 * `healthchain`: the command line of a health-chain region. Commands come from the table in
 * `commands/index.ts`; each talks to an organisation's gateway over HTTPS (docs/api.md) using `region.json`.
 * Exit codes: 0 success, 1 usage, 2 API error (`CODE: diagnostics` on stderr), 3 connection.
 */
import { Command, CommanderError, Option } from 'commander';
import { ApiCallError, ConnectionError } from '../shared/api-client';
import type { CommandGroup, CommandSpec } from './command-table';
import { commandGroups } from './commands';
import { CliContext, type GlobalOptions } from './context';
import { ExitCodes } from './errors';
import { consolePrinter, type Printer } from './output';

function addCommand(
    group: Command,
    name: string,
    spec: CommandSpec,
    run: (spec: CommandSpec, cmd: Command) => Promise<void>,
): void {
    const command = group.command(name).description(spec.description);
    for (const arg of spec.args ?? []) {
        command.argument(arg);
    }
    for (const option of spec.options ?? []) {
        const built = new Option(option.flags, option.description);
        if (option.defaultValue !== undefined) {
            built.default(option.defaultValue);
        }
        command.addOption(option.required === true ? built.makeOptionMandatory() : built);
    }
    if (spec.examples && spec.examples.length > 0) {
        command.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}`);
    }
    command.action(async (...params: unknown[]) => {
        await run(spec, params[params.length - 1] as Command);
    });
}

function addGroup(
    program: Command,
    name: string,
    group: CommandGroup,
    run: (spec: CommandSpec, cmd: Command) => Promise<void>,
): void {
    const command = program.command(name).description(group.description);
    for (const [commandName, spec] of Object.entries(group.commands)) {
        addCommand(command, commandName, spec, run);
    }
}

/**
 * Builds the program.
 * @param printer - where output goes
 */
export function newProgram(printer: Printer): Command {
    const program = new Command('healthchain')
        .description('Command line of a health-chain region (uses <data>/region.json written by npm start)')
        .option('--region <file>', 'region.json (default: $HEALTHCHAIN_DATA/region.json or ./data/region.json)')
        .option('--org <msp>', "the organisation whose gateway to call (default: the command's natural one)")
        .option('--role <role>', "use this role's token from region.json (admin, clinician, claims, auditor)")
        .option('--token-file <file>', 'read the staff token from this file')
        .option('--json', 'print JSON for scripts')
        .exitOverride()
        .configureOutput({
            writeOut: (text) => {
                printer.out(text);
            },
            writeErr: (text) => {
                printer.err(text);
            },
        })
        .showHelpAfterError();
    const run = async (spec: CommandSpec, cmd: Command): Promise<void> => {
        const context = new CliContext(cmd.optsWithGlobals<GlobalOptions>(), printer);
        await spec.run(context, { args: cmd.processedArgs as string[], options: cmd.opts() });
    };
    for (const [name, group] of Object.entries(commandGroups)) {
        addGroup(program, name, group, run);
    }
    program.commands.forEach((group) => group.exitOverride());
    program.commands.flatMap((group) => group.commands).forEach((command) => command.exitOverride());
    return program;
}

/** ` (reason NO_CONSENT, accessId …)` for a recorded denial, else nothing. */
function toDenialText(body: unknown): string {
    const { reason, accessId } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    return typeof reason === 'string' && typeof accessId === 'string'
        ? ` (reason ${reason}, accessId ${accessId})`
        : '';
}

/**
 * Turns an error into its exit code, telling the user on stderr.
 * @param error - what went wrong
 * @param printer - where the message goes
 */
export function toExitCode(error: unknown, printer: Printer): number {
    if (error instanceof CommanderError) {
        return error.exitCode === 0 ? ExitCodes.ok : ExitCodes.usage;
    }
    if (error instanceof ApiCallError) {
        printer.err(`${error.code}: ${error.message}${toDenialText(error.body)}`);
        return ExitCodes.api;
    }
    if (error instanceof ConnectionError) {
        printer.err(`CONNECTION: ${error.message}`);
        return ExitCodes.connection;
    }
    printer.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCodes.usage;
}

/**
 * Runs the CLI.
 * @param argv - arguments after the program name
 * @param printer - where output goes
 * @returns the exit code
 */
export async function runCli(argv: readonly string[], printer: Printer = consolePrinter): Promise<number> {
    const program = newProgram(printer);
    try {
        await program.parseAsync([...argv], { from: 'user' });
        return ExitCodes.ok;
    } catch (error) {
        return toExitCode(error, printer);
    }
}

/** Runs the CLI on this process's arguments and sets its exit code. */
export function main(): void {
    void runCli(process.argv.slice(2)).then((code) => {
        process.exitCode = process.exitCode ?? code;
    });
}

if (require.main === module) {
    main();
}
