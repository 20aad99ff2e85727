// Look at every job of a jobs directory: load its file, read its snapshots, refresh its record. What `due`
// decides from and what `status` shows.
import { ConfigError, LinkbackError, messageOf } from "../errors.ts";
import type { JobFile } from "../config/load.ts";
import { loadJob } from "../config/load.ts";
import { stuckJobFiles } from "../config/stuckThreads.ts";
import { type StuckEntry, heldUpFiles, heldUpMessage } from "./stuck.ts";
import { checkSshFiles } from "../backup/preflight.ts";
import type { Job } from "../config/types.ts";
import { isHeldBy } from "../lock/lock.ts";
import type { Schedule } from "../schedule/schedule.ts";
import { type JobRecord, readRecord } from "./record.ts";
import type { StatusRecorder } from "./recorder.ts";
import { scheduleOf } from "./report.ts";

export interface SurveyedJob {
  name: string;
  file: string;
  /** Undefined when the job file does not load or validate. */
  job: Job | undefined;
  /** Why it does not load; `newError` says whether that is news since the last look. */
  error?: string;
  newError: boolean;
  record: JobRecord;
}

/** Load each job file and refresh its record (written unless the recorder is read-only). */
export async function surveyJobs(files: readonly JobFile[], recorder: StatusRecorder, now: Date): Promise<SurveyedJob[]> {
  const surveyed: SurveyedJob[] = [];
  const heldUp = await heldUpFiles(recorder.dir);
  for (const file of files) {
    try {
      const job = await loadUnlessHeldUp(file, heldUp);
      await checkSshFiles(job);
      surveyed.push({ name: file.name, file: file.file, job, newError: false, record: await recorder.seen(job, now) });
    } catch (error) {
      if (!(error instanceof LinkbackError)) throw error;
      const message = messageOf(error);
      const before = (await readRecord(recorder.dir, file.name, now)).view?.configError;
      const record = await recorder.broken(file.name, file.file, message, now);
      surveyed.push({ name: file.name, file: file.file, job: undefined, error: message, newError: before !== message, record });
    }
  }
  await recorder.stuck(stuckJobFiles(), now);
  return surveyed;
}

/**
 * Load a job file, unless an earlier linkback is still stuck in it (loading it again would hang this
 * process too): then it is broken, with the process named.
 */
export async function loadUnlessHeldUp(file: JobFile, heldUp: ReadonlyMap<string, StuckEntry>): Promise<Job> {
  const entry = heldUp.get(file.file);
  if (entry !== undefined) throw new ConfigError(heldUpMessage(entry));
  return loadJob(file);
}

/** The schedule of a surveyed job now. */
export async function scheduleNow(entry: SurveyedJob, now: Date): Promise<Schedule> {
  const job = entry.job;
  return scheduleOf(entry.record, job !== undefined && (await isHeldBy(job.backupDir, job.prefix, job.name)), now);
}
