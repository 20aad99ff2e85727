// A job as the status sees it: its settings and its newest snapshots, taken from the job file and the disk.
import { describeSource } from "../config/source.ts";
import type { Job } from "../config/types.ts";
import type { Snapshot } from "../store/inventory.ts";
import { newestAndFuture } from "../schedule/schedule.ts";
import type { JobView } from "./record.ts";

/** The view of a loaded job with its complete snapshots (any order). */
export function viewOf(job: Job, snapshots: readonly Snapshot[], now: Date): JobView {
  const { newest, future } = newestAndFuture(snapshots, now, job.timeZone);
  return {
    file: job.file,
    enabled: job.enabled,
    cycle: job.cycle,
    alertCycle: job.alertCycle,
    source: describeSource(job.source),
    backupDir: job.backupDir,
    prefix: job.prefix,
    ...(job.timeZone === undefined ? {} : { timeZone: job.timeZone }),
    count: snapshots.length,
    snapshots: [...(newest === undefined ? [] : [newest]), ...future],
  };
}

/** The view of a job file that does not load or validate. */
export function brokenView(file: string, error: string): JobView {
  return { file, configError: error };
}
