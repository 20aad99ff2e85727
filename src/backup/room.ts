// minFreeSpace's effect: the plan lists which snapshots may go, in order, and the space needed; here the
// space is measured, and while short the next candidate leaves the namespace and is deleted, measuring again
// after each. Still short after the last: the run fails before rsync, with the numbers, instead of halfway
// through with rsync's exit 11.
import { formatBytes } from "../bytes.ts";
import { diskSpace } from "../disk/space.ts";
import type { MakeRoom } from "../plan/steps.ts";
import { moveToTrash } from "../store/trash.ts";
import { deleteTree } from "../store/tree.ts";
import { type Execution, OK, type StepResult, failed } from "./execution.ts";

export async function makeRoom(step: MakeRoom, run: Execution): Promise<StepResult> {
  const { backupDir } = run.job;
  let space = await diskSpace(backupDir);
  if (space.freeBytes >= step.needBytes) return OK;
  const short = (free: number) => `${formatBytes(free)} free of ${formatBytes(space.totalBytes)}, minFreeSpace ${step.need} (${formatBytes(step.needBytes)})`;
  run.log.warn(`backup disk short of space: ${short(space.freeBytes)}; deleting the oldest snapshots (minKeep ${run.job.minKeepCount})`);
  for (const candidate of step.candidates) {
    run.log.warn({ reason: `minFreeSpace: ${short(space.freeBytes)}; ${candidate.why}` }, `deleting ${candidate.name}`);
    // Out of the namespace first, then gone: the space is needed now, not after the lock.
    await deleteTree(await moveToTrash(backupDir, candidate.name, run.now));
    run.removed.push(candidate.name);
    space = await diskSpace(backupDir);
    if (space.freeBytes >= step.needBytes) return OK;
  }
  return failed(`job ${run.job.name}: backup disk full: ${short(space.freeBytes)}; minKeep ${run.job.minKeepCount} keeps the remaining ${step.leaves} snapshot(s); nothing written`);
}
