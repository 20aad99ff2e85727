// Apply retention decisions: each keep and delete logged with its reason; a doomed snapshot leaves the
// namespace in one rename (into the trash) while the job's lock is held, and its tree is deleted after the
// lock is released — deleting is the slow part (rsnapshot #259: hours), and nothing needs the lock for it.
import { performance } from "node:perf_hooks";
import { messageOf } from "../errors.ts";
import type { Job } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import type { RetentionDecision } from "../retention/policy.ts";
import { deleteTrees, leftoverTrash, moveToTrash } from "../store/store.ts";

/** Under the lock: log every decision and move each doomed snapshot to the trash. Stops moving when `signal` is aborted. */
export async function trashDoomed(
  decisions: readonly RetentionDecision[],
  backupDir: string,
  now: Date,
  log: Logger,
  signal: AbortSignal,
): Promise<{ pruned: string[]; trashed: string[] }> {
  const pruned: string[] = [];
  const trashed: string[] = [];
  for (const decision of decisions) {
    if (decision.action === "keep") {
      log.info({ reason: decision.reason }, `keeping ${decision.snapshot.name}`);
      continue;
    }
    if (signal.aborted) {
      log.warn(`not deleting ${decision.snapshot.name}: stopped by a signal (the next run prunes it)`);
      continue;
    }
    try {
      trashed.push(await moveToTrash(backupDir, decision.snapshot.name, now));
      log.info({ reason: decision.reason }, `deleting ${decision.snapshot.name}`);
      pruned.push(decision.snapshot.name);
    } catch (error) {
      log.error(`could not delete ${decision.snapshot.name}: ${messageOf(error)}`);
    }
  }
  return { pruned, trashed };
}

/** After the lock: delete the trees this run put in the trash, and any a dead run of this job left there. */
export async function emptyTrash(job: Job, trashed: readonly string[], log: Logger): Promise<void> {
  const leftovers = await leftoverTrash(job.backupDir, job.prefix);
  for (const leftover of leftovers) log.info({ path: leftover }, "deleting a tree left in the trash by an earlier run");
  const all = [...trashed, ...leftovers.filter((path) => !trashed.includes(path))];
  if (all.length === 0) return;
  const started = performance.now();
  for (const path of all) {
    try {
      await deleteTrees([path], { nice: job.niceDelete === true });
    } catch (error) {
      log.error(`could not delete ${path} (the next run tries again): ${messageOf(error)}`);
    }
  }
  log.debug({ trees: all.length, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) }, "trash emptied");
}
