// The plan a job would follow now, read from the disk without changing it (for `check` and `--dry-run`).
import type { Job } from "../job/types.ts";
import { checkBackupDir } from "../job/preflight.ts";
import { type Plan, planRun } from "../plan/plan.ts";
import { readInventory } from "../snapshot/store.ts";

export async function currentPlan(job: Job, now: Date, options: { dryRun?: boolean } = {}): Promise<Plan> {
  await checkBackupDir(job);
  return planRun(job, await readInventory(job.backupDir, job.prefix), now, options);
}
