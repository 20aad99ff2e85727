// `prune`'s work for one job: its plan (recovery of an interrupted replacement, retention with nothing added,
// the trash) carried out with the run's own step effects — under the job's lock, doomed snapshots leave the
// namespace (one rename each); after the lock, their trees are deleted.
import { performance } from "node:perf_hooks";
import { ExitCode, LockedError, messageOf } from "../errors.ts";
import type { Job } from "../config/types.ts";
import { acquireLock } from "../lock/lock.ts";
import { planPrune } from "../plan/plan.ts";
import type { Step } from "../plan/steps.ts";
import type { Execution } from "./execution.ts";
import { gatherFacts } from "./facts.ts";
import type { JobOutcome } from "./outcome.ts";
import { logStep, performStep } from "./perform.ts";
import { checkBackupDir } from "./preflight.ts";
import type { Session } from "./session.ts";

/** The steps `prune` would carry out now (nothing locked, nothing changed). */
export async function prunePlan(job: Job, now: Date): Promise<Step[]> {
  await checkBackupDir(job);
  return planPrune(job, await gatherFacts(job), now);
}

export async function pruneJob(job: Job, session: Session, now: Date): Promise<JobOutcome> {
  const log = session.logger.child({ job: job.name });
  const started = performance.now();
  const outcome = (status: JobOutcome["status"], exitCode: number, extra: Partial<JobOutcome> = {}): JobOutcome => ({
    job: job.name, status, exitCode, pruned: [], durationMs: performance.now() - started, ...extra,
  });
  let lock;
  try {
    await checkBackupDir(job);
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
  let run: Execution;
  let steps: Step[];
  try {
    steps = planPrune(job, await gatherFacts(job), now);
    run = { job, session, log, now, lock, started, snapshot: "", rsync: undefined, trashed: [], pruned: [], removed: [], published: false, done: [] };
    for (const step of steps.filter((s) => s.kind !== "empty-trash")) {
      if (session.signal.aborted) break;
      logStep(run, step);
      const result = await performStep(step, run);
      run.done.push(step.kind);
      if (!result.ok) throw new Error(result.message);
    }
  } catch (error) {
    const text = messageOf(error);
    const message = `${text.startsWith(`job ${job.name}: `) ? text : `job ${job.name}: ${text}`}; nothing more pruned`;
    log.error(message);
    return outcome("failed", ExitCode.failed, { message });
  } finally {
    await lock.release();
  }
  const emptyTrash = steps.find((step) => step.kind === "empty-trash");
  if (!session.signal.aborted && emptyTrash !== undefined) {
    logStep(run, emptyTrash);
    await performStep(emptyTrash, run);
    run.done.push("empty-trash");
  }
  if (session.signal.aborted) return outcome("interrupted", ExitCode.sigterm, { pruned: run.pruned, message: "interrupted by a signal while pruning", steps: run.done });
  return outcome("ok", ExitCode.ok, { pruned: run.pruned, steps: run.done });
}
