// Read what the planner decides from, once: the job's inventory, the backup filesystem's space, and for a
// snapshotOf() job the snapshot it copies. A run reads them under the job's lock; `check` and dry runs
// read them without one.
import { join } from "node:path";
import type { CopySource, Job } from "../config/types.ts";
import { diskSpace } from "../disk/space.ts";
import type { Facts } from "../plan/facts.ts";
import { type Plan, planRun } from "../plan/plan.ts";
import { checkBackupDir } from "./preflight.ts";
import { readInventory } from "../store/read.ts";

export async function gatherFacts(job: Job): Promise<Facts> {
  const inventory = await readInventory(job.backupDir, job.prefix, job.timeZone);
  const space = await diskSpace(job.backupDir).catch(() => undefined);
  if (job.copyOf === undefined) return { inventory, space };
  return { inventory, space, copy: await newestSnapshotOf(job.copyOf) };
}

/** The other job's newest complete snapshot (name and absolute path), or undefined when it has none yet. */
export async function newestSnapshotOf(copy: CopySource): Promise<{ name: string; path: string } | undefined> {
  const newest = (await readInventory(copy.backupDir, copy.prefix, copy.timeZone)).snapshots.at(-1);
  return newest === undefined ? undefined : { name: newest.name, path: join(copy.backupDir, newest.name) };
}

/** The plan a run would follow now, from the disk as it is, without the lock (`check`, `run --dry-run`). */
export async function planNow(job: Job, now: Date): Promise<Plan> {
  await checkBackupDir(job);
  return planRun(job, await gatherFacts(job), now);
}
