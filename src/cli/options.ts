// Command-line parsing shared by every command: node:util parseArgs with linkback's common options.
import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import { type RunLog, createRunLog } from "../log/logger.ts";
import { logDir, statusDir } from "../paths.ts";

/** What a command file exports: its help text and what it does (each handles its own --help too). */
export interface Command {
  help: string;
  run: (args: string[], signal: AbortSignal) => Promise<number>;
}

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string }>;

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  jobs: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

/** Options of the commands that back up (`run`, `due`). */
export const BACKUP_OPTIONS = {
  "dry-run": { type: "boolean" },
  "log-dir": { type: "string" },
  "status-dir": { type: "string" },
  verbose: { type: "boolean", short: "v" },
  quiet: { type: "boolean", short: "q" },
} as const satisfies OptionSpec;

/** The log of a backing-up command (trace: what an idle `due` tick says, kept out of linkback.log unless -v): errors only with -q, everything with -v, info on a terminal or in a dry run, else (cron) warnings. */
export function backupLog(values: { "dry-run"?: boolean; "log-dir"?: string; quiet?: boolean; verbose?: boolean }): RunLog {
  const dryRun = values["dry-run"] === true;
  return createRunLog({
    logDir: dryRun ? undefined : logDir(values["log-dir"]),
    fileLevel: values.verbose === true ? "trace" : "debug",
    consoleLevel: values.quiet === true ? "error" : values.verbose === true ? "trace" : dryRun || process.stderr.isTTY ? "info" : "warn",
    syslog: !dryRun,
  });
}

/** linkback's own directories for this invocation: never backed up into themselves. */
export function ownDirs(values: { "log-dir"?: string; "status-dir"?: string }): { path: string; what: string }[] {
  return [
    { path: logDir(values["log-dir"]), what: "the log directory" },
    { path: statusDir(values["status-dir"]), what: "the status directory" },
  ];
}

/** Parse `args` for a command, turning parseArgs' errors into a UsageError that names the command. */
export function parseCommand<T extends OptionSpec>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`linkback ${command}: ${(error as Error).message} (see linkback ${command} --help)`);
  }
}
