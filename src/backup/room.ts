// minFreeSpace / minFreeInodes: the plan lists which snapshots may go, in order, and what is needed; here the
// disk is measured, and while short the next candidate leaves the namespace and is deleted, measuring again
// after each. Still short after the last: the run fails before rsync, with the numbers ("out of inodes" when
// that is what is short), instead of halfway through with rsync's exit 11.
import { formatBytes } from "../bytes.ts";
import { type DiskSpace, diskSpace } from "../disk/space.ts";
import type { MakeRoom } from "../plan/steps.ts";
import { describeReaders, trashUnlessRead } from "../store/readers.ts";
import { deleteTree } from "../store/tree.ts";
import { syncDirectory } from "../disk/flush.ts";
import { type Execution, OK, type StepResult, failed } from "./execution.ts";

export async function makeRoom(step: MakeRoom, run: Execution): Promise<StepResult> {
  const { backupDir } = run.job;
  let space = await diskSpace(backupDir);
  // A percentage is of the filesystem as measured now (the plan's figure may have been unknown).
  const needBytes = step.needPercent === undefined ? step.needBytes : Math.ceil((space.totalBytes * step.needPercent) / 100);
  const needInodes = step.needInodesPercent === undefined ? step.needInodes : Math.ceil((space.totalInodes * step.needInodesPercent) / 100);
  const shortOf = (now: DiskSpace) => [
    ...(now.freeBytes < needBytes ? [`${formatBytes(now.freeBytes)} free of ${formatBytes(now.totalBytes)}, minFreeSpace ${step.need} (${formatBytes(needBytes)})`] : []),
    ...(now.freeInodes < needInodes ? [`out of inodes: ${now.freeInodes} free of ${now.totalInodes}, minFreeInodes ${step.needInodesText} (${needInodes})`] : []),
  ].join("; ");
  if (shortOf(space) === "") return OK;
  const rule = step.need === "" ? "minFreeInodes" : "minFreeSpace";
  run.log.warn(`backup disk short of space: ${shortOf(space)}; deleting the oldest snapshots (minKeep ${run.job.minKeepCount})`);
  for (const candidate of step.candidates) {
    if (run.session.signal.aborted) return OK; // the executor ends the run as interrupted
    // Out of the namespace first (on the disk), then gone: the space is needed now, not after the lock.
    const moved = await trashUnlessRead(backupDir, run.job.prefix, candidate.name, run.now);
    if ("readers" in moved) {
      run.log.warn(`not deleting ${candidate.name} to make room: it is being read by ${describeReaders(moved.readers)}`);
      continue;
    }
    run.log.warn({ reason: `${rule}: ${shortOf(space)}; ${candidate.why}` }, `deleting ${candidate.name}`);
    await syncDirectory(backupDir);
    await deleteTree(moved.trashed);
    run.removed.push(candidate.name);
    space = await diskSpace(backupDir);
    if (shortOf(space) === "") return OK;
  }
  return failed(`job ${run.job.name}: backup disk full: ${shortOf(space)}; minKeep ${run.job.minKeepCount} keeps the remaining ${step.leaves} snapshot(s); nothing written`);
}
