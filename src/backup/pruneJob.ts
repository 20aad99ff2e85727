// `prune`'s work for one job: apply its retention without a backup — under the job's lock, doomed snapshots
// leave the namespace (one rename each); after the lock, their trees are deleted.
import { ExitCode, LockedError, messageOf } from "../errors.ts";
import { checkBackupDir } from "./preflight.ts";
import type { Job } from "../config/types.ts";
import { acquireLock } from "../lock/lock.ts";
import type { Logger } from "../log/logger.ts";
import { applyRetention, policyOf } from "../retention/policy.ts";
import { readInventory } from "../store/store.ts";
import type { JobOutcome } from "./execute.ts";
import { emptyTrash, trashDoomed } from "./trash.ts";

export async function pruneJob(job: Job, context: { logger: Logger; now: Date; signal: AbortSignal; dryRun: boolean }): Promise<JobOutcome> {
  const log = context.logger.child({ job: job.name });
  const started = Date.now();
  const outcome = (status: JobOutcome["status"], exitCode: number, extra: Partial<JobOutcome> = {}): JobOutcome => ({
    job: job.name, status, exitCode, pruned: [], durationMs: Date.now() - started, ...extra,
  });
  try {
    await checkBackupDir(job);
  } catch (error) {
    log.error(messageOf(error));
    return outcome("failed", ExitCode.failed, { message: messageOf(error) });
  }
  if (context.dryRun) {
    const decisions = applyRetention((await readInventory(job.backupDir, job.prefix, job.timeZone)).snapshots, policyOf(job), context.now);
    for (const d of decisions) process.stdout.write(`${job.name}: ${d.action === "keep" ? "keep  " : "delete"} ${d.snapshot.name}: ${d.reason}\n`);
    return outcome("ok", ExitCode.ok, { pruned: decisions.filter((d) => d.action === "delete").map((d) => d.snapshot.name) });
  }
  let lock;
  try {
    lock = await acquireLock(job.backupDir, job.prefix, job.name);
  } catch (error) {
    const message = messageOf(error);
    if (error instanceof LockedError) {
      log.warn(`${message}; nothing pruned`);
      return outcome("locked", ExitCode.locked, { message });
    }
    log.error(message);
    return outcome("failed", ExitCode.failed, { message });
  }
  let result: { pruned: string[]; trashed: string[] };
  try {
    const decisions = applyRetention((await readInventory(job.backupDir, job.prefix, job.timeZone)).snapshots, policyOf(job), context.now);
    result = await trashDoomed(decisions, job.backupDir, context.now, log, context.signal);
  } finally {
    await lock.release();
  }
  if (!context.signal.aborted) await emptyTrash(job, result.trashed, log);
  if (context.signal.aborted) return outcome("interrupted", ExitCode.sigterm, { pruned: result.pruned, message: "interrupted by a signal while pruning" });
  return outcome("ok", ExitCode.ok, { pruned: result.pruned });
}
