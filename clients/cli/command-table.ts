// SPDX-License-Identifier: Apache-2.0
/**
 * The shape of the CLI's command table: groups (`record`, `claim`, …) of commands, each with its
 * arguments, options and handler. `main.ts` turns the table into commander commands.
 */
import type { CliContext } from './context';
import { UsageError } from './errors';

/** An option: commander flags (`--purpose <purpose>`), description, whether required, default. */
export interface OptionSpec {
    readonly flags: string;
    readonly description: string;
    readonly required?: boolean;
    readonly defaultValue?: string;
}

/** What a handler receives: positional arguments and option values by camelCase name. */
export interface CommandInput {
    readonly args: readonly string[];
    readonly options: Readonly<Record<string, unknown>>;
}

/** One command. */
export interface CommandSpec {
    readonly description: string;
    /** Positional arguments in commander syntax, e.g. `<recordId>`. */
    readonly args?: readonly string[];
    readonly options?: readonly OptionSpec[];
    /** Usage examples shown by `--help`. */
    readonly examples?: readonly string[];
    readonly run: (context: CliContext, input: CommandInput) => Promise<void>;
}

/** A group of commands. */
export interface CommandGroup {
    readonly description: string;
    readonly commands: Readonly<Record<string, CommandSpec>>;
}

/**
 * A string option's value.
 * @param input - the command input
 * @param name - camelCase option name
 * @throws UsageError when missing
 */
export function requireOption(input: CommandInput, name: string): string {
    const value = input.options[name];
    if (typeof value !== 'string' || value === '') {
        throw new UsageError(`--${toFlag(name)} is required`);
    }
    return value;
}

/**
 * An optional string option's value.
 * @param input - the command input
 * @param name - camelCase option name
 */
export function optionalOption(input: CommandInput, name: string): string | undefined {
    const value = input.options[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A comma-separated list option.
 * @param input - the command input
 * @param name - camelCase option name
 */
export function listOption(input: CommandInput, name: string): string[] | undefined {
    const value = optionalOption(input, name);
    return value
        ?.split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
}

/**
 * The n-th positional argument.
 * @param input - the command input
 * @param index - position
 * @param name - its name for the error
 */
export function argument(input: CommandInput, index: number, name: string): string {
    const value = input.args[index];
    if (value === undefined || value === '') {
        throw new UsageError(`<${name}> is required`);
    }
    return value;
}

function toFlag(name: string): string {
    return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Options shared by list commands. */
export const pageOptions: readonly OptionSpec[] = [
    { flags: '--limit <n>', description: 'items per page (1–500, default 50)' },
    { flags: '--cursor <cursor>', description: 'the nextCursor of the previous page' },
];
