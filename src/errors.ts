// Exit codes and the error classes that carry them. The CLI maps an error to its code in one place (cli.ts).

/** Documented exit codes of `linkback` (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  /** A backup was attempted and failed (rsync, the pre hook, the backup directory). */
  failed: 1,
  /** The command line was wrong. */
  usage: 2,
  /** A job file is broken or invalid; nothing was attempted for it. */
  config: 3,
  /** Another run of the job holds its lock; nothing was done. */
  locked: 4,
  /** A snapshot was made, but rsync could not transfer some files (exit 23): it is published marked partial. */
  partial: 5,
  /** Stopped by SIGHUP (129), SIGINT (130) or SIGTERM (143). */
  sighup: 129,
  sigint: 130,
  sigterm: 143,
} as const;

/** An error the user can act on: its message is the whole story, no stack trace is printed. */
export class LinkbackError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = ExitCode.failed) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** A job file that cannot be loaded or does not validate. */
export class ConfigError extends LinkbackError {
  constructor(message: string) {
    super(message, ExitCode.config);
  }
}

/** Wrong command line. */
export class UsageError extends LinkbackError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** Another process holds the job's lock. */
export class LockedError extends LinkbackError {
  constructor(message: string) {
    super(message, ExitCode.locked);
  }
}

/** The message of anything thrown, without a stack trace. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
