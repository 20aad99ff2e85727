// Retention's effects: each keep and delete logged with its reason; a doomed snapshot leaves the namespace in
// one rename (into the trash) while the job's lock is held, and its tree is deleted after the lock is
// released — deleting is the slow part (rsnapshot #259: hours), and nothing needs the lock for it.
import { performance } from "node:perf_hooks";
import { join } from "node:path";
import { messageOf } from "../errors.ts";
import type { EmptyTrash, Prune } from "../plan/steps.ts";
import { describeReaders, trashUnlessRead } from "../store/readers.ts";
import { TRASH_DIR } from "../store/names.ts";
import { syncDirectory } from "../disk/flush.ts";
import { deleteTrees, isRealDirectory } from "../store/tree.ts";
import { type Execution, OK, type StepResult } from "./execution.ts";

/** Under the lock. Stops moving when the session's signal is aborted (the next run prunes the rest). */
export async function prune(step: Prune, run: Execution): Promise<StepResult> {
  if (step.frozen !== undefined) run.log.warn(step.frozen);
  for (const decision of run.partial === undefined ? step.decisions : step.ifPartial) {
    const name = decision.snapshot.name;
    if (decision.action === "keep") {
      if (decision.rule === "being read") run.log.warn(`keeping ${name}: ${decision.reason}`);
      else run.log.info({ reason: decision.reason }, `keeping ${name}`);
      continue;
    }
    if (run.session.signal.aborted) {
      run.log.warn(`not deleting ${name}: stopped by a signal (the next run prunes it)`);
      continue;
    }
    if (!(await isRealDirectory(join(run.job.backupDir, name)))) {
      run.log.info(`${name} is gone already (deleted to make room)`);
      continue;
    }
    try {
      const moved = await trashUnlessRead(run.job.backupDir, run.job.prefix, name, run.now);
      if ("readers" in moved) {
        run.log.warn(`keeping ${name} this time: it is being read by ${describeReaders(moved.readers)}; the next run prunes it`);
        continue;
      }
      run.trashed.push(moved.trashed);
      run.log.info({ reason: decision.reason }, `deleting ${name}`);
      run.pruned.push(name);
    } catch (error) {
      run.log.error(`could not delete ${name}: ${messageOf(error)}`);
    }
  }
  return OK;
}

/** After the lock: delete the trees this run put in the trash, and those a dead run of this job left there. */
export async function emptyTrash(step: EmptyTrash, run: Execution): Promise<StepResult> {
  for (const leftover of step.leftovers) run.log.info({ path: leftover }, "deleting a tree left in the trash by an earlier run");
  const all = [...run.trashed, ...step.leftovers.filter((path) => !run.trashed.includes(path))];
  if (all.length === 0) return OK;
  // The renames into the trash are on the disk before their trees go: a crash mid-deletion never finds a
  // half-deleted tree under a snapshot's name.
  for (const dir of [run.job.backupDir, join(run.job.backupDir, TRASH_DIR)]) await syncDirectory(dir).catch(() => {});
  const started = performance.now();
  for (const path of all) {
    try {
      await deleteTrees([path], { nice: run.job.niceDelete === true });
    } catch (error) {
      run.log.error(`could not delete ${path} (the next run tries again): ${messageOf(error)}`);
    }
  }
  run.log.debug({ trees: all.length, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) }, "trash emptied");
  return OK;
}
