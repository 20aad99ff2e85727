// The steps around rsync that touch the backup directory: put a failed attempt aside as the resume base,
// rename a finished staging directory into place, and recover from a crash between two renames.
import { mkdir, rename, rmdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Logger } from "../log/logger.ts";
import type { Plan } from "../plan/plan.ts";
import type { Inventory } from "../store/inventory.ts";
import { parseReplacedName, replacedName } from "../store/names.ts";
import { deleteTree, isRealDirectory, moveToTrash } from "../store/store.ts";
import { LinkbackError } from "../errors.ts";

/**
 * A `PREFIX-DAY.replaced` tree means a same-day replacement stopped between its renames: if the day's
 * snapshot is missing, the set-aside tree is put back (the new one is still in staging and will be resumed
 * from); if both exist, the set-aside one is trashed. Returns true if anything changed.
 */
export async function recoverInterruptedReplace(inventory: Inventory, prefix: string, now: Date, log: Logger): Promise<boolean> {
  for (const name of inventory.replaced) {
    const snapshot = parseReplacedName(prefix, name)!;
    if (inventory.snapshots.some((s) => s.name === snapshot)) {
      log.info(`deleting ${name}: it was replaced by ${snapshot} in an interrupted run`);
      await deleteTree(await moveToTrash(inventory.backupDir, name, now));
    } else {
      await rename(join(inventory.backupDir, name), join(inventory.backupDir, snapshot));
      log.warn(`restored ${snapshot} from ${name}: a run was interrupted while replacing it`);
    }
  }
  return inventory.replaced.length > 0;
}

/**
 * A failed attempt becomes the resume base, and rsync gets a fresh, empty staging directory. If the attempt
 * fails before rsync writes anything, the empty staging is simply removed next time and the resume base kept.
 */
export async function prepareStaging(plan: Plan, now: Date, log: Logger): Promise<void> {
  const backupDir = plan.job.backupDir;
  if (plan.clearEmptyStaging) await rmdir(plan.stagingPath); // an attempt that wrote nothing: keep .prev
  if (plan.discard !== undefined) {
    const trashed = await moveToTrash(backupDir, basename(plan.discard), now);
    log.info({ trash: trashed }, "discarding an older failed attempt");
    await deleteTree(trashed);
  }
  if (plan.resume !== undefined) {
    await rename(plan.resume.from, plan.resume.to);
    log.info({ from: plan.resume.to }, "resuming: the previous failed attempt is the first link target");
  }
  for (const dir of plan.linkDests) {
    if (!(await isRealDirectory(dir))) throw new LinkbackError(`link target ${dir} vanished while the lock was held`);
  }
  await mkdir(plan.stagingPath);
}

/**
 * The one critical step: staging takes the snapshot's name. A same-day snapshot is first renamed to
 * `PREFIX-DAY.replaced` beside it (so a crash in between loses nothing: see recoverInterruptedReplace).
 */
export async function publish(plan: Plan): Promise<void> {
  const backupDir = plan.job.backupDir;
  if (plan.replaces !== undefined) await rename(plan.snapshotPath, join(backupDir, replacedName(plan.replaces)));
  await rename(plan.stagingPath, plan.snapshotPath);
}

/**
 * After publishing: move the replaced tree and the resume base to the trash (deleted after the lock is
 * released). Returns their trash paths. Failures are logged, never fatal.
 */
export async function cleanUpAfterPublish(plan: Plan, now: Date, log: Logger): Promise<string[]> {
  const trashed: string[] = [];
  const backupDir = plan.job.backupDir;
  const leftovers = [
    ...(plan.replaces === undefined ? [] : [{ name: replacedName(plan.replaces), why: `replaced today's earlier snapshot ${plan.replaces}` }]),
    ...(plan.resumeBase === undefined ? [] : [{ name: basename(plan.resumeBase), why: "the resumed failed attempt is no longer needed" }]),
  ];
  for (const { name, why } of leftovers) {
    if (!(await isRealDirectory(join(backupDir, name)))) continue;
    try {
      log.info(`deleting ${name}: ${why}`);
      trashed.push(await moveToTrash(backupDir, name, now));
    } catch (error) {
      log.error(`could not delete ${name} (it will be retried next run): ${(error as Error).message}`);
    }
  }
  return trashed;
}
