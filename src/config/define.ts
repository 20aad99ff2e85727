// Helpers job files import from "linkback": they only add types; the runner accepts plain objects too.
import type { HookContext, JobConfig, NotifyHook, NotifyOptions, RemoteHook, SnapshotOf } from "./types.ts";

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

/**
 * A desktop notification on the backed-up machine: notify-send runs there as `options.user`, on that user's
 * own session bus (found at `/run/user/UID/bus`, or in the user's processes), through the job's ssh (for a
 * local source: on this machine). With nobody logged in, the hook logs "no desktop session … notification
 * skipped". A notify hook never fails a backup. The message is data: quotes, `$(…)` and newlines arrive as
 * written.
 */
export function notify(message: string | ((context: HookContext) => string), options: NotifyOptions = {}): NotifyHook {
  return { kind: "notify", message, ...options };
}
