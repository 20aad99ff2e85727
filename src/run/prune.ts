// Apply the plan's retention decisions after a successful backup: each keep and delete logged with its
// reason; a doomed snapshot leaves the namespace in one rename before its tree is deleted.
import { messageOf } from "../errors.ts";
import type { Logger } from "../log/logger.ts";
import type { Plan } from "../plan/plan.ts";
import { deleteTree, leftoverTrash, moveToTrash } from "../snapshot/store.ts";

/** Returns the names deleted. Stops early (keeping the rest) when `signal` is aborted. */
export async function prune(plan: Plan, now: Date, log: Logger, signal: AbortSignal): Promise<string[]> {
  const pruned: string[] = [];
  for (const decision of plan.retention) {
    if (decision.action === "keep") {
      log.info({ reason: decision.reason }, `keeping ${decision.snapshot.name}`);
      continue;
    }
    if (signal.aborted) {
      log.warn(`not deleting ${decision.snapshot.name}: stopped by a signal (the next run prunes it)`);
      continue;
    }
    try {
      const trashed = await moveToTrash(plan.job.backupDir, decision.snapshot.name, now);
      log.info({ reason: decision.reason }, `deleting ${decision.snapshot.name}`);
      await deleteTree(trashed);
      pruned.push(decision.snapshot.name);
    } catch (error) {
      log.error(`could not delete ${decision.snapshot.name}: ${messageOf(error)}`);
    }
  }
  if (signal.aborted) return pruned;
  for (const leftover of await leftoverTrash(plan.job.backupDir, plan.job.prefix)) {
    log.info({ path: leftover }, "deleting a tree left in the trash by an earlier run");
    await deleteTree(leftover).catch((error: unknown) => log.error(`could not delete ${leftover}: ${messageOf(error)}`));
  }
  return pruned;
}
