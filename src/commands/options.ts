// Command-line parsing shared by every command: node:util parseArgs with linkback's common options.
import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  jobs: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

/** Parse `args` for a command, turning parseArgs' errors into a UsageError that names the command. */
export function parseCommand<T extends OptionSpec>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`linkback ${command}: ${(error as Error).message} (see linkback ${command} --help)`);
  }
}
