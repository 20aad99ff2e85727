// One backup of a loaded job with the status kept up to date: shown running once its lock is held, then
// its outcome recorded. Shared by `run` and `due`.
import { now as clock } from "../clock.ts";
import type { Job } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import { clearProgress, progressFor } from "../log/terminal.ts";
import type { StatusRecorder } from "../status/recorder.ts";
import { type JobOutcome, executeJob } from "../backup/execute.ts";

export interface AttemptContext {
  logger: Logger;
  now: Date;
  logDir: string;
  signal: AbortSignal;
  recorder: StatusRecorder;
  /** Show rsync's progress on stderr when it is a terminal. */
  progress: boolean;
  /** `due`: a missing backup disk is offline, said at info level. */
  quietWhenOffline?: boolean;
}

/** The job's record must exist already (`recorder.seen`), so that the status can show it running. */
export async function attemptJob(job: Job, context: AttemptContext): Promise<JobOutcome> {
  const { recorder, now } = context;
  let outcome: JobOutcome;
  try {
    outcome = await executeJob(job, {
      logger: context.logger,
      now,
      logDir: context.logDir,
      signal: context.signal,
      progress: progressFor(job.name, context.progress),
      onLocked: () => recorder.publish(clock()),
      quietWhenOffline: context.quietWhenOffline ?? false,
    });
  } finally {
    clearProgress();
  }
  const ended = clock();
  await recorder.attempted(job, now, ended, { outcome });
  await recorder.publish(ended);
  return outcome;
}
