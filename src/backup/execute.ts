// Execute one job: attach the disk, take the lock, read the facts, make the plan, carry out its steps one by
// one. Every decision is the plan's (plan/plan.ts); this file only does what a step says, in order, and stops
// at the first that fails (then the plan's failure steps run) or at a signal.
import { performance } from "node:perf_hooks";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { TRASH_DIR } from "../store/names.ts";
import { ConfigError, ExitCode, LockedError, messageOf } from "../errors.ts";
import type { Job } from "../config/types.ts";
import { describeSource } from "../config/source.ts";
import { attachDisk, detachDisk } from "../disk/attach.ts";
import { type Lock, acquireLock } from "../lock/lock.ts";
import { claimPrefix } from "../lock/owner.ts";
import { clearProgress, progressFor } from "../log/terminal.ts";
import { type Plan, planRun } from "../plan/plan.ts";
import type { Step } from "../plan/steps.ts";
import { snapshotNameAt } from "../store/names.ts";
import { putBackRecord } from "../store/records.ts";
import { isTimed } from "../time/cycle.ts";
import type { Execution, StepResult } from "./execution.ts";
import { gatherFacts } from "./facts.ts";
import type { JobOutcome, JobStatus } from "./outcome.ts";
import { logStep, performStep } from "./perform.ts";
import { backupDirChanged, backupDirIdentity, checkBackupDir } from "./preflight.ts";
import { probeDisk } from "../disk/probe.ts";
import { hardLinkRefusal } from "../plan/guards.ts";
import { failHook, partialMessage } from "./hookSteps.ts";
import type { Session } from "./session.ts";

export interface ExecuteOptions {
  now: Date;
  /** Called once the job's lock is held, before the first step (the status shows it running). */
  onLocked?: (() => Promise<void>) | undefined;
  /** `run --accept-shrink`, `run --trust-clock`. */
  acceptShrink?: boolean;
  trustClock?: boolean;
}

/**
 * Run one job to completion and say how it went. Throws only for bugs; every expected failure is an outcome.
 * What the run put in the trash is deleted after its lock is released.
 */
export async function executeJob(job: Job, session: Session, options: ExecuteOptions): Promise<JobOutcome> {
  const log = session.logger.child({ job: job.name });
  const disk = await attachDisk(job);
  if (!disk.ready) {
    const message = `job ${job.name}: ${disk.reason}; nothing written`;
    if (session.quietWhenOffline) log.info(message);
    else log.error(message);
    return { job: job.name, status: "offline", exitCode: ExitCode.failed, message, pruned: [], durationMs: 0 };
  }
  if (disk.mountedByUs) log.info(`mounted ${job.mount}`);
  try {
    return await lockedRun(job, session, options);
  } finally {
    clearProgress();
    const problem = await detachDisk(job, disk);
    if (problem !== undefined) log.warn(problem);
    else if (disk.mountedByUs) log.info(`unmounted ${job.mount}`);
  }
}

/** Take the locks, plan from the facts, carry out the steps; the trash is emptied after the locks. */
async function lockedRun(job: Job, session: Session, options: ExecuteOptions): Promise<JobOutcome> {
  const log = session.logger.child({ job: job.name });
  const started = performance.now();
  const early = (status: JobStatus, exitCode: number, message: string): JobOutcome => ({ job: job.name, status, exitCode, message, pruned: [], durationMs: performance.now() - started });
  const failEarly = async (message: string) => {
    log.error(message);
    await failHookWithoutPlan(job, session, options.now, message);
    return early("failed", ExitCode.failed, message);
  };
  try {
    await checkBackupDir(job);
  } catch (error) {
    return failEarly(messageOf(error));
  }
  // Before the lock, which is itself a hard link: a disk that cannot make one is refused in those words.
  const disk = await probeDisk(job.backupDir).catch(() => undefined);
  const links = hardLinkRefusal(disk);
  if (links !== undefined) return failEarly(`job ${job.name}: ${links}; nothing written`);
  const locks = await takeLocks(job, log);
  if ("outcome" in locks) {
    if (locks.outcome.status === "failed") return failEarly(locks.outcome.message);
    return early(locks.outcome.status, locks.outcome.exitCode, locks.outcome.message);
  }
  let plan: Plan;
  let run: Execution;
  let outcome: JobOutcome;
  try {
    try {
      plan = planRun(job, await gatherFacts(job, disk === undefined ? {} : { disk }), options.now, {
        progress: progressFor(job.name, session.progress) !== undefined,
        ownDirs: session.ownDirs ?? [{ path: session.logDir, what: "the log directory" }],
        acceptShrink: options.acceptShrink === true,
        trustClock: options.trustClock === true,
      });
    } catch (error) {
      return await failEarly(`job ${job.name}: ${messageOf(error)}`);
    }
    run = { job, snapshot: plan.snapshot.name, session, log, now: options.now, lock: locks.lock, started, rsync: undefined, trashed: [], pruned: [], removed: [], published: false, done: [], backupDirId: await backupDirIdentity(job) };
    await options.onLocked?.();
    log.info({ source: describeSource(job.source), backupDir: job.backupDir }, `backup started: ${plan.snapshot.name}`);
    outcome = await carryOut(run, plan, plan.steps.filter((step) => step.kind !== "empty-trash"));
  } finally {
    for (const lock of [...locks.others, locks.lock]) await lock.release();
  }
  const emptyTrash = plan.steps.find((step) => step.kind === "empty-trash");
  const moved = run.backupDirId === undefined ? undefined : await backupDirChanged(job, run.backupDirId);
  if (emptyTrash !== undefined && !session.signal.aborted && moved === undefined) {
    logStep(run, emptyTrash);
    await performStep(emptyTrash, run);
    run.done.push("empty-trash");
  }
  return { ...outcome, steps: run.done, durationMs: performance.now() - started };
}

/** The job's lock, its prefix claimed, and for a copy job the lock of the job it copies (so it cannot prune it). */
async function takeLocks(job: Job, log: Execution["log"]): Promise<{ lock: Lock; others: Lock[] } | { outcome: { status: JobStatus; exitCode: number; message: string } }> {
  let lock: Lock;
  try {
    lock = await acquireLock(job.backupDir, job.prefix, job.name);
  } catch (error) {
    if (!(error instanceof LockedError)) return { outcome: { status: "failed", exitCode: ExitCode.failed, message: `job ${job.name}: cannot take the lock in ${job.backupDir}: ${messageOf(error)}` } };
    log.warn(error.message);
    return { outcome: { status: "locked", exitCode: ExitCode.locked, message: error.message } };
  }
  if (lock.tookOver !== undefined) log.warn({ stale: lock.tookOver }, `took over a stale lock of pid ${lock.tookOver.pid} (no longer running)`);
  const refuse = async (status: JobStatus, exitCode: number, message: string) => {
    await lock.release();
    return { outcome: { status, exitCode, message } };
  };
  try {
    await claimPrefix(job.backupDir, job.prefix, job);
    // The trash folder exists before it is needed: a disk out of inodes can still move a snapshot into it.
    await mkdir(join(job.backupDir, TRASH_DIR), { recursive: true, mode: 0o700 }).catch(() => {});
  } catch (error) {
    if (!(error instanceof ConfigError)) return refuse("failed", ExitCode.failed, `job ${job.name}: ${messageOf(error)}`);
    log.error(error.message);
    return refuse("config", ExitCode.config, error.message);
  }
  if (job.copyOf === undefined) return { lock, others: [] };
  try {
    return { lock, others: [await acquireLock(job.copyOf.backupDir, job.copyOf.prefix, `${job.name} (copying ${job.copyOf.name})`)] };
  } catch (error) {
    const message = `job ${job.name} copies a snapshot of job ${job.copyOf.name}, which is running now: ${messageOf(error)}; try again later`;
    if (!(error instanceof LockedError)) return refuse("failed", ExitCode.failed, message);
    log.warn(message);
    return refuse("locked", ExitCode.locked, message);
  }
}

/** The steps in order; the first failure runs the plan's failure steps; a signal ends the run as interrupted. */
async function carryOut(run: Execution, plan: Plan, steps: readonly Step[]): Promise<JobOutcome> {
  const { job } = run;
  const outcome = (status: JobStatus, exitCode: number, message?: string): JobOutcome => ({
    job: job.name, status, exitCode, ...(message === undefined ? {} : { message }), pruned: run.pruned, durationMs: 0,
    ...(run.rsync === undefined ? {} : { rsync: run.rsync }),
  });
  const ended = await stepsUntilEnd(run, plan, steps, outcome);
  if (ended !== undefined) {
    await keepEarlierRecord(run, plan);
    return ended;
  }
  const done = { snapshot: plan.snapshot.name, snapshots: snapshotsAfter(run, plan), warnings: warningsOf(run, plan), ...(run.record?.newBytes === undefined ? {} : { newBytes: run.record.newBytes }) };
  if (run.partial !== undefined) return { ...outcome("partial", ExitCode.partial, partialMessage(run)), ...done };
  return { ...outcome("ok", ExitCode.ok), ...done };
}

/**
 * A run that wrote its record and then did not publish (a failure, a signal, a reader of today's snapshot):
 * today's earlier snapshot, which stays, gets its own record back. (A crash in between leaves the new one.)
 */
async function keepEarlierRecord(run: Execution, plan: Plan): Promise<void> {
  const publish = plan.steps.find((step) => step.kind === "publish");
  if (run.record === undefined || run.published || publish?.kind !== "publish" || publish.replaces === undefined) return;
  try {
    await putBackRecord(run.job.backupDir, run.job.prefix, publish.replaces, publish.recordBefore);
  } catch (error) {
    run.log.warn(`the record of ${publish.replaces} could not be put back (it describes the run that did not replace it): ${messageOf(error)}`);
  }
}

/** The steps until one fails or a signal comes (its outcome), or all are done (undefined). */
async function stepsUntilEnd(run: Execution, plan: Plan, steps: readonly Step[], outcome: (status: JobStatus, exitCode: number, message?: string) => JobOutcome): Promise<JobOutcome | undefined> {
  const { job, log } = run;
  for (const step of steps) {
    if (run.session.signal.aborted) {
      // Between two steps (or before the first): nothing more is started.
      const message = `interrupted by a signal before ${step.kind}${run.published ? `; ${run.snapshot} was completed, nothing pruned` : "; nothing renamed, nothing pruned"}`;
      log.error(`backup ${message}`);
      return outcome("interrupted", ExitCode.sigterm, message);
    }
    const moved = run.backupDirId === undefined ? undefined : await backupDirChanged(job, run.backupDirId);
    let result: StepResult = { ok: false, message: moved ?? "" };
    if (moved === undefined) {
      logStep(run, step);
      try {
        result = await performStep(step, run);
      } catch (error) {
        result = { ok: false, message: `job ${job.name}: ${step.kind} failed: ${messageOf(error)}` };
      }
      run.done.push(step.kind);
    }
    if (run.session.signal.aborted) {
      const message = `interrupted by a signal ${interruptedWhere(step, run)}`;
      log.error(`backup ${message}`);
      return outcome("interrupted", ExitCode.sigterm, message);
    }
    if (!result.ok) {
      log.error(result.message);
      for (const failure of plan.onFailure.filter((step) => step.kind !== "empty-trash")) {
        logStep(run, failure);
        await performStep(failure, run, result.message);
        run.done.push(failure.kind);
      }
      return outcome(run.shrunk === true ? "shrunk" : "failed", ExitCode.failed, result.message);
    }
  }
  return undefined;
}

function interruptedWhere(step: Step, run: Execution): string {
  if (run.published) return step.kind === "prune" ? `after ${run.snapshot} was completed, while pruning` : `after ${run.snapshot} was completed; nothing pruned`;
  if (step.kind === "rsync") return "during rsync; staging kept, nothing renamed, nothing pruned";
  if (step.kind === "pre-hook") return "in the pre hook; nothing renamed, nothing pruned";
  return `during ${step.kind}; nothing renamed, nothing pruned`;
}

/** What needs attention although the run succeeded: the clock looked wrong (nothing pruned by age), nothing was linked. */
function warningsOf(run: Execution, plan: Plan): string[] {
  const warnings: string[] = [];
  const prune = plan.steps.find((step) => step.kind === "prune");
  if (run.record?.clockSuspect === true && prune !== undefined) warnings.push(prune.why);
  if (run.record?.fullCopy === true) warnings.push(`nothing was linked: ${run.snapshot} is a full copy although earlier snapshots were link targets (an rsyncArgs like --ignore-times? rsync no longer linking?)`);
  return warnings;
}

/** The job's snapshots after a successful run: the plan's retention minus what was pruned, oldest first. */
function snapshotsAfter(run: Execution, plan: Plan): JobOutcome["snapshots"] {
  return plan.retention.map((d) => d.snapshot).filter((s) => !run.pruned.includes(s.name) && !run.removed.includes(s.name));
}

/** A failure before a plan exists (no backup directory, no lock): the fail hook runs all the same. */
async function failHookWithoutPlan(job: Job, session: Session, now: Date, error: string): Promise<void> {
  const snapshot = snapshotNameAt(job.prefix, now, isTimed(job.cycle), job.timeZone);
  const run: Execution = { job, snapshot, session, log: session.logger.child({ job: job.name }), now, lock: undefined, started: performance.now(), rsync: undefined, trashed: [], pruned: [], removed: [], published: false, done: [] };
  await failHook({ kind: "fail-hook", hook: "", why: "" }, run, error);
}

