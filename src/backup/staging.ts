// The steps that rename and create trees in the backup directory: recovery from an interrupted same-day
// replacement, the staging directory and the resume base, publishing, and what publishing made unnecessary.
// Each is one rename (or mkdir/rmdir): nothing that exists as a snapshot is ever written into.
import { mkdir, rename, rmdir } from "node:fs/promises";
import { basename } from "node:path";
import { messageOf } from "../errors.ts";
import type { CleanUp, ClearEmptyStaging, DiscardAttempt, DiscardReplaced, MakeStaging, Publish, RestoreReplaced, Resume } from "../plan/steps.ts";
import { describeReaders, unlessRead } from "../store/readers.ts";
import { moveToTrash } from "../store/trash.ts";
import { isRealDirectory } from "../store/tree.ts";
import { syncDirectory } from "../disk/flush.ts";
import { type Execution, OK, type StepResult, failed } from "./execution.ts";

export async function restoreReplaced(step: RestoreReplaced, run: Execution): Promise<StepResult> {
  await rename(step.from, step.to);
  run.log.warn(`restored ${basename(step.to)} from ${basename(step.from)}: a run was interrupted while replacing it`);
  return OK;
}

/** Into the trash (deleted after the lock): a set-aside snapshot, or an older failed attempt. */
export async function toTrash(step: DiscardReplaced | DiscardAttempt, run: Execution): Promise<StepResult> {
  const trashed = await moveToTrash(run.job.backupDir, basename(step.path), run.now);
  run.trashed.push(trashed);
  run.log.info({ trash: trashed }, `deleting ${basename(step.path)}: ${step.why}`);
  return OK;
}

export async function clearEmptyStaging(step: ClearEmptyStaging): Promise<StepResult> {
  await rmdir(step.path);
  return OK;
}

export async function resume(step: Resume, run: Execution): Promise<StepResult> {
  await rename(step.from, step.to);
  run.log.info({ from: step.to }, "resuming: the previous failed attempt is the first link target");
  return OK;
}

export async function makeStaging(step: MakeStaging, run: Execution): Promise<StepResult> {
  for (const dir of step.linkDests) {
    if (run.removed.includes(basename(dir))) continue; // make-room deleted it: left out of rsync's command
    // A missing --link-dest is only a warning to rsync: the result would silently be a full copy.
    if (!(await isRealDirectory(dir))) return failed(`link target ${dir} vanished while the lock was held`);
  }
  await mkdir(step.path);
  return OK;
}

/**
 * The one critical step: staging takes the snapshot's name. A same-day snapshot is first renamed aside
 * (`PREFIX-DAY.replaced`), so a crash in between loses nothing: the next run's plan puts it back.
 */
export async function publish(step: Publish, run: Execution): Promise<StepResult> {
  const { backupDir, prefix } = run.job;
  const put = async () => {
    if (step.setAside !== undefined) await rename(step.to, step.setAside);
    await rename(step.from, step.to);
  };
  try {
    // Today's earlier snapshot is set aside under the readers mutex: a restore or diff that marked it since
    // the plan was made keeps it (its reader would otherwise see the new tree, or none, mid-way).
    const placed = step.replaces === undefined ? { done: await put() } : await unlessRead(backupDir, prefix, step.replaces, put);
    if ("readers" in placed) {
      return failed(`job ${run.job.name}: today's ${step.replaces} came to be read by ${describeReaders(placed.readers)} during the run: not replaced; the new snapshot stays in staging (the next run resumes from it)`);
    }
    await syncDirectory(backupDir); // the new name is on the disk before anything older goes
  } catch (error) {
    const replacing = step.replaces === undefined ? "" : `, setting today's earlier ${step.replaces} aside`;
    return failed(`job ${run.job.name}: rsync succeeded but the snapshot could not be put in place (${step.from} → ${basename(step.to)}${replacing}): ${messageOf(error)}; staging kept`);
  }
  run.published = true;
  run.log.info({ snapshot: step.to, ...run.rsync?.stats }, `backup finished: ${basename(step.to)}`);
  return OK;
}

/** Failures here are logged and never fatal: the snapshot is in place; the next run tries again. */
export async function cleanUp(step: CleanUp, run: Execution): Promise<StepResult> {
  for (const { path, why } of step.paths) {
    if (!(await isRealDirectory(path))) continue;
    try {
      run.log.info(`deleting ${basename(path)}: ${why}`);
      run.trashed.push(await moveToTrash(run.job.backupDir, basename(path), run.now));
    } catch (error) {
      run.log.error(`could not delete ${basename(path)} (it will be retried next run): ${messageOf(error)}`);
    }
  }
  return OK;
}
