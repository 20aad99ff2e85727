// The plan a job would follow now, read from the disk without changing it (for `check` and `--dry-run`).
import { LinkbackError } from "../errors.ts";
import type { Job } from "../config/types.ts";
import { checkBackupDir } from "./preflight.ts";
import { type Plan, planRun } from "../plan/plan.ts";
import { newestSnapshotOf } from "../store/copySource.ts";
import { readInventory } from "../store/store.ts";

export async function currentPlan(job: Job, now: Date, options: { dryRun?: boolean } = {}): Promise<Plan> {
  await checkBackupDir(job);
  let copyFrom: string | undefined;
  if (job.copyOf !== undefined) {
    copyFrom = await newestSnapshotOf(job.copyOf);
    if (copyFrom === undefined) throw new LinkbackError(`job ${job.name}: job ${job.copyOf.name} has no complete snapshot in ${job.copyOf.backupDir} yet; nothing to copy`);
  }
  return planRun(job, await readInventory(job.backupDir, job.prefix, job.timeZone), now, { ...options, ...(copyFrom === undefined ? {} : { copyFrom }) });
}
