// One backup of a loaded job with the status kept up to date: shown running once its lock is held, then
// its outcome recorded. Shared by `run` and `due`.
import { now as clock } from "../clock.ts";
import type { Job } from "../config/types.ts";
import { executeJob } from "../backup/execute.ts";
import type { JobOutcome } from "../backup/outcome.ts";
import type { Session } from "../backup/session.ts";
import type { StatusRecorder } from "../status/recorder.ts";

/** The job's record must exist already (`recorder.seen`), so that the status can show it running. */
export async function attemptJob(job: Job, session: Session, recorder: StatusRecorder, now: Date, flags: { acceptShrink?: boolean; trustClock?: boolean } = {}): Promise<JobOutcome> {
  const outcome = await executeJob(job, session, { now, onLocked: () => recorder.publish(clock()), ...flags });
  const ended = clock();
  await recorder.attempted(job, now, ended, { outcome });
  await recorder.publish(ended);
  return outcome;
}
