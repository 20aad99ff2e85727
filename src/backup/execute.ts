// Execute one job: lock → pre hook → plan → rsync into staging → rename into place → after hook → prune.
// Nothing that exists as a snapshot is written into; nothing is deleted unless rsync succeeded.
import { basename, join } from "node:path";
import { performance } from "node:perf_hooks";
import { ConfigError, ExitCode, LockedError, messageOf } from "../errors.ts";
import type { HookContext, Job } from "../config/types.ts";
import { checkBackupDir, checkLocalSource } from "./preflight.ts";
import { describeSource, isShellSource } from "../config/source.ts";
import { type HookResult, canStopBackup, runHook } from "../hooks/run.ts";
import type { Logger } from "../log/logger.ts";
import { type Lock, acquireLock } from "../lock/lock.ts";
import { claimPrefix } from "../lock/owner.ts";
import { type Plan, planRun } from "../plan/plan.ts";
import { isSuccess, rsyncMeaning } from "../rsync/exitCodes.ts";
import { type RsyncOutcome, runRsync } from "../rsync/run.ts";
import { isEmptyDirectory, readInventory } from "../store/store.ts";
import { cleanUpAfterPublish, prepareStaging, publish, recoverInterruptedReplace } from "./staging.ts";
import { emptyTrash, trashDoomed } from "./trash.ts";
import { attachDisk, detachDisk } from "../disk/attach.ts";
import { makeRoom } from "./room.ts";
import { applyRetention, policyOf } from "../retention/policy.ts";
import { snapshotNameAt } from "../store/names.ts";
import { newestSnapshotOf } from "../store/copySource.ts";
import { isTimed } from "../time/cycle.ts";

export type JobStatus = "ok" | "failed" | "locked" | "config" | "interrupted" | "offline";

export interface JobOutcome {
  job: string;
  status: JobStatus;
  exitCode: number;
  /** The one line that says why, when not ok. */
  message?: string;
  snapshot?: string;
  pruned: string[];
  durationMs: number;
  rsync?: RsyncOutcome;
}

export interface RunContext {
  logger: Logger;
  now: Date;
  /** rsync's per-job log goes to `<logDir>/<job>.rsync.log`. */
  logDir: string;
  signal: AbortSignal;
  /** Show rsync's progress here (a terminal), or undefined. */
  progress?: ((text: string) => void) | undefined;
  /** Called once the job's lock is held, before the pre hook (the status shows it running). */
  onLocked?: (() => Promise<void>) | undefined;
  /** `due`: a backup disk that is not there is said at info level (the overdue alarm speaks for it later). */
  quietWhenOffline?: boolean;
}

/**
 * Run one job to completion and say how it went. Throws only for bugs; every expected failure is an outcome.
 * What the run pruned is deleted after its lock is released.
 */
export async function executeJob(job: Job, context: RunContext): Promise<JobOutcome> {
  const log = context.logger.child({ job: job.name });
  const disk = await attachDisk(job);
  if (!disk.ready) {
    const message = `job ${job.name}: ${disk.reason}; nothing written`;
    if (context.quietWhenOffline === true) log.info(message);
    else log.error(message);
    return { job: job.name, status: "offline", exitCode: ExitCode.failed, message, pruned: [], durationMs: 0 };
  }
  if (disk.mountedByUs) log.info(`mounted ${job.mount}`);
  try {
    const trash: string[] = [];
    const outcome = await executeLocked(job, context, trash);
    if (!context.signal.aborted && (trash.length > 0 || outcome.status === "ok")) await emptyTrash(job, trash, log);
    return outcome;
  } finally {
    const problem = await detachDisk(job, disk);
    if (problem !== undefined) log.warn(problem);
    else if (disk.mountedByUs) log.info(`unmounted ${job.mount}`);
  }
}

async function executeLocked(job: Job, context: RunContext, trash: string[]): Promise<JobOutcome> {
  const log = context.logger.child({ job: job.name });
  const started = performance.now();
  const snapshot = snapshotNameAt(job.prefix, context.now, isTimed(job.cycle), job.timeZone);
  const elapsed = () => performance.now() - started;
  const outcome = (status: JobStatus, exitCode: number, extra: Partial<JobOutcome> = {}): JobOutcome => ({
    job: job.name, status, exitCode, pruned: [], durationMs: elapsed(), ...extra,
  });
  const hookContext = (status: HookContext["status"], extra: Partial<HookContext> = {}): HookContext => ({
    job: job.name, snapshot, status, durationMs: elapsed(), ...extra,
  });
  const runPhase = async (phase: "pre" | "after" | "fail", ctx: HookContext): Promise<HookResult> => {
    const hook = job.hooks[phase];
    if (hook === undefined) return { ok: true };
    log.debug({ phase }, `running ${phase} hook`);
    const result = await runHook(hook, job, ctx, context.signal);
    if (!result.ok) log.warn({ phase }, `${phase} hook failed: ${result.error}${phase === "pre" && !canStopBackup(hook) ? "; backing up anyway" : ""}`);
    else if (result.skipped !== undefined) log.info({ phase }, result.skipped);
    return result.ok || canStopBackup(hook) ? result : { ok: true };
  };
  const fail = async (message: string, extra: Partial<JobOutcome> = {}) => {
    log.error(message);
    await runPhase("fail", hookContext("failed", { error: message, exitCode: extra.rsync?.exitCode }));
    return outcome("failed", ExitCode.failed, { message, ...extra });
  };
  const interrupted = (where: string) => {
    log.error(`backup interrupted by a signal ${where}`);
    return outcome("interrupted", ExitCode.sigterm, { message: `interrupted by a signal ${where}` });
  };

  try {
    await checkBackupDir(job);
  } catch (error) {
    return fail(messageOf(error));
  }

  let lock;
  try {
    lock = await acquireLock(job.backupDir, job.prefix, job.name);
  } catch (error) {
    if (error instanceof LockedError) {
      log.warn(error.message);
      return outcome("locked", ExitCode.locked, { message: error.message });
    }
    return fail(`job ${job.name}: cannot take the lock in ${job.backupDir}: ${messageOf(error)}`);
  }
  if (lock.tookOver !== undefined) {
    log.warn({ stale: lock.tookOver }, `took over a stale lock of pid ${lock.tookOver.pid} (no longer running)`);
  }

  let sourceLock: Lock | undefined;
  try {
    try {
      await claimPrefix(job.backupDir, job.prefix, job);
    } catch (error) {
      if (!(error instanceof ConfigError)) return fail(`job ${job.name}: ${messageOf(error)}`);
      log.error(error.message);
      return outcome("config", ExitCode.config, { message: error.message });
    }
    if (job.copyOf !== undefined) {
      // The job whose snapshot is copied must not prune or replace it meanwhile: hold its lock too.
      try {
        sourceLock = await acquireLock(job.copyOf.backupDir, job.copyOf.prefix, `${job.name} (copying ${job.copyOf.name})`);
      } catch (error) {
        const message = `job ${job.name} copies a snapshot of job ${job.copyOf.name}, which is running now: ${messageOf(error)}; try again later`;
        if (!(error instanceof LockedError)) return fail(message);
        log.warn(message);
        return outcome("locked", ExitCode.locked, { message });
      }
    }
    await context.onLocked?.();
    log.info({ source: describeSource(job.source), backupDir: job.backupDir }, `backup started: ${snapshot}`);
    const pre = await runPhase("pre", hookContext("pending"));
    if (context.signal.aborted) return interrupted("in the pre hook; nothing renamed, nothing pruned");
    if (!pre.ok) return fail(`job ${job.name}: pre hook failed (${pre.error}); backup skipped, nothing pruned`);
    let copyFrom: string | undefined;
    try {
      if (job.copyOf !== undefined) {
        copyFrom = await newestSnapshotOf(job.copyOf);
        if (copyFrom === undefined) return fail(`job ${job.name}: job ${job.copyOf.name} has no complete snapshot in ${job.copyOf.backupDir} yet; nothing to copy`);
      }
      await checkLocalSource(job, copyFrom ?? (job.source as string));
    } catch (error) {
      return fail(messageOf(error));
    }
    if (job.freeSpace !== undefined) {
      try {
        const existing = await readInventory(job.backupDir, job.prefix, job.timeZone);
        const decisions = applyRetention(existing.snapshots, policyOf(job), context.now);
        const problem = await makeRoom(job.backupDir, job.freeSpace, decisions, job.minKeepCount, log, context.now);
        if (problem !== undefined) return fail(`job ${job.name}: ${problem}`);
      } catch (error) {
        return fail(`job ${job.name}: cannot make room on the backup disk: ${messageOf(error)}`);
      }
    }

    let plan: Plan;
    try {
      let inventory = await readInventory(job.backupDir, job.prefix, job.timeZone);
      if (await recoverInterruptedReplace(inventory, job.prefix, context.now, log)) inventory = await readInventory(job.backupDir, job.prefix, job.timeZone);
      plan = planRun(job, inventory, context.now, { progress: context.progress !== undefined, ...(copyFrom === undefined ? {} : { copyFrom }) });
      await prepareStaging(plan, context.now, log);
    } catch (error) {
      return fail(`job ${job.name}: cannot prepare the staging directory in ${job.backupDir}: ${messageOf(error)}`);
    }
    const rsync = await runRsync(plan.rsyncArgv, {
      logFile: join(context.logDir, `${job.name}.rsync.log`),
      cancelSignal: context.signal,
      progress: context.progress,
      onSpawn: (pid) => lock.holdFor(pid),
    });
    if (rsync.logProblem !== undefined) log.warn(`rsync's output is not logged: ${rsync.logProblem}`);
    if (rsync.canceled || context.signal.aborted) {
      log.warn({ staging: plan.stagingPath }, "stopped by a signal: rsync stopped, staging kept for the next run");
      return interrupted("during rsync; staging kept, nothing renamed, nothing pruned");
    }
    log.info({ exitCode: rsync.exitCode, argv: plan.rsyncArgv }, `rsync exited ${rsync.exitCode}: ${rsyncMeaning(rsync.exitCode)}`);
    if (!isSuccess(rsync.exitCode)) return fail(rsyncFailure(job, rsync), { rsync });
    if (rsync.exitCode === 24 && copyFrom !== undefined) {
      // Files vanishing from a snapshot (which nothing should change) mean it was being deleted: not a copy.
      return fail(`job ${job.name}: files vanished from ${copyFrom} while it was copied (rsync 24); staging kept, nothing pruned`, { rsync });
    }
    if (rsync.exitCode === 24) log.warn("some source files vanished during the transfer (rsync 24): the snapshot is complete otherwise");
    const empty = await emptySourceProblem(job, plan);
    if (empty !== undefined) return fail(empty, { rsync });

    try {
      await publish(plan);
    } catch (error) {
      const replacing = plan.replaces === undefined ? "" : `, setting today's earlier ${plan.replaces} aside`;
      return fail(`job ${job.name}: rsync succeeded but the snapshot could not be put in place (${plan.stagingPath} → ${plan.snapshot}${replacing}): ${messageOf(error)}; staging kept`, { rsync });
    }
    log.info({ snapshot: plan.snapshotPath, ...rsync.stats }, `backup finished: ${plan.snapshot}`);
    trash.push(...(await cleanUpAfterPublish(plan, context.now, log)));
    if (context.signal.aborted) return interrupted(`after ${plan.snapshot} was completed; nothing pruned`);
    await runPhase("after", hookContext("ok", { exitCode: rsync.exitCode }));
    const { pruned, trashed } = await trashDoomed(plan.retention, job.backupDir, context.now, log, context.signal);
    trash.push(...trashed);
    if (context.signal.aborted) return interrupted(`after ${plan.snapshot} was completed, while pruning`);
    return outcome("ok", ExitCode.ok, { snapshot: plan.snapshot, pruned, rsync });
  } finally {
    await sourceLock?.release();
    await lock.release();
  }
}

/**
 * An empty source (an unmounted disk, a dead NFS mount) gives rsync nothing to complain about; published,
 * it would be a "complete" snapshot, and pruning would then remove the real ones. Refuse it when the newest
 * snapshot is not empty, unless the job says `allowEmptySource: true`.
 */
async function emptySourceProblem(job: Job, plan: Plan): Promise<string | undefined> {
  if (job.allowEmptySource === true || !(await isEmptyDirectory(plan.stagingPath))) return undefined;
  const newest = plan.linkDests.find((dir) => basename(dir) !== basename(plan.resumeBase ?? ""));
  if (newest === undefined || (await isEmptyDirectory(newest))) return undefined;
  return `job ${job.name}: source ${job.source} is empty but ${basename(newest)} is not (is the source disk mounted?); nothing published, nothing pruned — set allowEmptySource: true if empty is right`;
}

/** One line: what rsync said and what its status means, with a hint where there is one. */
function rsyncFailure(job: Job, rsync: RsyncOutcome): string {
  if (rsync.startError !== undefined || rsync.exitCode === 127) {
    return `job ${job.name}: could not start rsync: ${rsync.startError ?? "not found"} (is rsync installed and on PATH?)`;
  }
  const lines = rsync.stderrTail.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  // Over ssh, the remote shell's own last line ("ssh: connect to host … refused", "Host key verification
  // failed.") says why; rsync's last lines only say the connection closed (and rsync reports 12 or 255
  // depending on a race with ssh's exit).
  const shell = isShellSource(job.source) ? lines.filter((line) => !/^rsync[: ]/.test(line)).slice(-1) : [];
  const said = [...new Set([...shell, ...lines.slice(-2)])].join(" | ");
  const disk = /No space left on device|Disk quota exceeded/i.test(rsync.stderrTail) ? " — backup disk full" : "";
  return `job ${job.name}: rsync failed with exit ${rsync.exitCode} (${rsyncMeaning(rsync.exitCode)})${disk}${said === "" ? "" : `: ${said}`}; staging kept, nothing pruned`;
}
