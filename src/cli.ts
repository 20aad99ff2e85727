// linkback's command line: dispatch to one file per command, map errors to exit codes in one place.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, LinkbackError, UsageError } from "./errors.ts";
import { PACKAGE_ROOT } from "./paths.ts";
import { closest } from "./config/closest.ts";
import { stuckJobFiles } from "./config/stuckThreads.ts";
import type { Command } from "./cli/options.ts";

export const HELP = `linkback — rsync hard-link snapshot backups, one TypeScript job file per machine

Usage:
  linkback run <job>... | --all [--dry-run] [--jobs DIR]   back up jobs now (see linkback run --help)
  linkback due [--parallel N] [--dry-run] [--jobs DIR]    back up the jobs that are due (cron, every 10 min)
  linkback status [--json] [--jobs DIR]                   every job's state; exit 1 if one needs attention
  linkback list <job> [--size] [--json]                   a job's snapshots and the rule that keeps each
  linkback prune <job>... | --all [--dry-run]             apply retention now, without a backup
  linkback restore <job> [--date D] <path> <target>       copy a file or tree back out of a snapshot
  linkback diff <job> [A] [B]                             what changed between two snapshots
  linkback check [<job>...] [--jobs DIR]                  validate jobs, print their rsync commands
  linkback help [command]                                 this help, or a command's
  linkback --version

Jobs are DIR/<name>.ts (default DIR: $LINKBACK_JOBS, else this clone's jobs/). Status files go to
$LINKBACK_STATUS_DIR, else this clone's status/.
LINKBACK_NOW=<ISO 8601> replaces the clock (for tests and trials).`;

/** One file per command, loaded only when used: a router starts faster. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: () => import("./cli/run.ts").then((m) => m.command),
  due: () => import("./cli/due.ts").then((m) => m.command),
  status: () => import("./cli/status.ts").then((m) => m.command),
  list: () => import("./cli/list.ts").then((m) => m.command),
  prune: () => import("./cli/prune.ts").then((m) => m.command),
  restore: () => import("./cli/restore.ts").then((m) => m.command),
  diff: () => import("./cli/diff.ts").then((m) => m.command),
  check: () => import("./cli/check.ts").then((m) => m.command),
};

export function version(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
}

/** Run the CLI with `argv` (without node and script) and return the exit status. */
export async function main(argv: string[], signal: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      const topic = command === "help" && rest[0] !== undefined ? await COMMANDS[rest[0]]?.() : undefined;
      process.stdout.write(`${topic?.help ?? HELP}\n`);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
    }
    if (command === "--version" || command === "-V" || command === "version") {
      process.stdout.write(`linkback ${version()}\n`);
      return ExitCode.ok;
    }
    const load = COMMANDS[command];
    if (load === undefined) {
      const guess = closest(command, Object.keys(COMMANDS));
      throw new UsageError(`unknown command ${JSON.stringify(command)}${guess === undefined ? "" : ` — did you mean ${guess}?`} (see linkback --help)`);
    }
    return await (await load()).run(rest, signal);
  } catch (error) {
    if (error instanceof LinkbackError) {
      process.stderr.write(`linkback: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

/** Entry point for bin/linkback.js: signals stop the run cleanly, then the process exits with the status. */
export async function start(): Promise<void> {
  const controller = new AbortController();
  let signalCode: number | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    // A second signal changes nothing: rsync and hooks are already being stopped (SIGKILL after a grace
    // period), and exiting before the lock is released or a rename has finished would leave a mess.
    if (signalCode !== undefined) return;
    signalCode = name === "SIGINT" ? ExitCode.sigint : name === "SIGHUP" ? ExitCode.sighup : ExitCode.sigterm;
    controller.abort(new Error(`received ${name}`));
  };
  // `linkback run x --dry-run | head`: a reader that went away is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") return;
      throw error;
    });
  }
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  let code: number;
  try {
    code = await main(process.argv.slice(2), controller.signal);
  } catch (error) {
    process.stderr.write(`linkback: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    code = 70;
  }
  // Exit explicitly once stdout and stderr are flushed: a function hook that outlived its timeout must not
  // keep a cron-started process alive until the next night.
  // A job file's thread stuck in a system call holds the exit back until the call returns: say so.
  for (const { file } of stuckJobFiles()) {
    process.stderr.write(`linkback: cannot exit before ${file} returns from a system call (pid ${process.pid}; kill -KILL ${process.pid} stops it now)\n`);
  }
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write("", resolve))));
  process.exit(signalCode ?? code);
}
