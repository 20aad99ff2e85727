// Helpers job files import from "linkback": they only add types; the runner accepts plain objects too.
import type { JobConfig, RemoteHook, SnapshotOf } from "./types.ts";

/** Declare a job with type checking. Returns its argument unchanged. */
export function defineJob(job: JobConfig): JobConfig {
  return job;
}

/**
 * The newest complete snapshot of another job as this job's source: `source: snapshotOf("laptop")` makes a
 * weekly from the daily. Copied with --link-dest against that snapshot: almost no space, no network, and the
 * daily's files are never altered.
 */
export function snapshotOf(job: string): SnapshotOf {
  return { kind: "snapshotOf", job };
}

/** A hook that runs `command` on the source host through the job's SSH settings. */
export function remote(command: string, options: { timeout?: number } = {}): RemoteHook {
  return { kind: "remote", command, ...(options.timeout === undefined ? {} : { timeout: options.timeout }) };
}

/** A desktop notification on the backed-up machine: `DISPLAY=… sudo -u USER notify-send "…"` over SSH. */
export function notify(message: string, target: { user: string; display?: string; timeout?: number }): RemoteHook {
  const display = target.display ?? ":0";
  const command = `DISPLAY=${shellQuote(display)} sudo -u ${shellQuote(target.user)} notify-send ${shellQuote(message)}`;
  return remote(command, target.timeout === undefined ? {} : { timeout: target.timeout });
}

/** Quote a word for a POSIX shell: single quotes, with embedded ones closed and escaped. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
