// Execute one job: lock → pre hook → plan → rsync into staging → rename into place → after hook → prune.
// Nothing that exists as a snapshot is written into; nothing is deleted unless rsync succeeded.
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ExitCode, LinkbackError, LockedError, messageOf } from "../errors.ts";
import type { HookContext, Job } from "../job/types.ts";
import { checkBackupDir, checkLocalSource } from "../job/preflight.ts";
import { isShellSource } from "../job/source.ts";
import { runHook } from "../hooks/run.ts";
import type { Logger } from "../log/logger.ts";
import { acquireLock } from "../lock/lock.ts";
import { type Plan, planRun } from "../plan/plan.ts";
import { isSuccess, rsyncMeaning } from "../rsync/exitCodes.ts";
import { type RsyncOutcome, runRsync } from "../rsync/run.ts";
import { deleteTree, isRealDirectory, leftoverTrash, moveToTrash, readInventory } from "../snapshot/store.ts";
import { dayOf, snapshotName } from "../snapshot/name.ts";

export type JobStatus = "ok" | "failed" | "locked" | "config" | "interrupted";

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
}

/** Run one job to completion and say how it went. Throws only for bugs; every expected failure is an outcome. */
export async function executeJob(job: Job, context: RunContext): Promise<JobOutcome> {
  const log = context.logger.child({ job: job.name });
  const started = performance.now();
  const snapshot = snapshotName(job.prefix, dayOf(context.now));
  const elapsed = () => performance.now() - started;
  const outcome = (status: JobStatus, exitCode: number, extra: Partial<JobOutcome> = {}): JobOutcome => ({
    job: job.name, status, exitCode, pruned: [], durationMs: elapsed(), ...extra,
  });
  const hookContext = (status: HookContext["status"], extra: Partial<HookContext> = {}): HookContext => ({
    job: job.name, snapshot, status, durationMs: elapsed(), ...extra,
  });
  const runPhase = async (phase: "pre" | "after" | "fail", ctx: HookContext) => {
    const hook = job.hooks[phase];
    if (hook === undefined) return true;
    log.debug({ phase }, `running ${phase} hook`);
    const result = await runHook(hook, job, ctx, phase === "pre" ? context.signal : undefined);
    if (!result.ok) log.warn({ phase }, `${phase} hook failed: ${result.error}`);
    return result.ok;
  };
  const fail = async (message: string, extra: Partial<JobOutcome> = {}) => {
    log.error(message);
    await runPhase("fail", hookContext("failed", { error: message, exitCode: extra.rsync?.exitCode }));
    return outcome("failed", ExitCode.failed, { message, ...extra });
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

  try {
    log.info({ source: job.source, backupDir: job.backupDir }, `backup started: ${snapshot}`);
    if (!(await runPhase("pre", hookContext("pending")))) {
      if (context.signal.aborted) return interrupted(log, outcome);
      return fail(`job ${job.name}: pre hook failed; backup skipped, nothing pruned`);
    }
    try {
      await checkLocalSource(job);
    } catch (error) {
      return fail(messageOf(error));
    }
    if (context.signal.aborted) return interrupted(log, outcome);

    let plan: Plan;
    try {
      plan = planRun(job, await readInventory(job.backupDir, job.prefix), context.now);
      await prepareStaging(plan, context.now, log);
    } catch (error) {
      return fail(`job ${job.name}: cannot prepare the staging directory in ${job.backupDir}: ${messageOf(error)}`);
    }
    const rsync = await runRsync(plan.rsyncArgv, { logFile: join(context.logDir, `${job.name}.rsync.log`), cancelSignal: context.signal });
    if (rsync.logProblem !== undefined) log.warn(`rsync's output is not logged: ${rsync.logProblem}`);
    if (rsync.canceled || context.signal.aborted) {
      log.warn({ staging: plan.stagingPath }, "stopped by a signal: rsync stopped, staging kept for the next run");
      return interrupted(log, outcome);
    }
    log.info({ exitCode: rsync.exitCode, argv: plan.rsyncArgv }, `rsync exited ${rsync.exitCode}: ${rsyncMeaning(rsync.exitCode)}`);
    if (!isSuccess(rsync.exitCode)) {
      return fail(rsyncFailure(job, rsync), { rsync });
    }
    if (rsync.exitCode === 24) log.warn("some source files vanished during the transfer (rsync 24): the snapshot is complete otherwise");

    try {
      await publish(plan, context.now, log);
    } catch (error) {
      const replacing = plan.replaces === undefined ? "" : ", replacing today's earlier snapshot";
      return fail(`job ${job.name}: rsync succeeded but the snapshot could not be put in place (${plan.stagingPath} → ${plan.snapshot}${replacing}): ${messageOf(error)}; staging kept`, { rsync });
    }
    log.info({ snapshot: plan.snapshotPath, ...rsync.stats }, `backup finished: ${plan.snapshot}`);
    await runPhase("after", hookContext("ok", { exitCode: rsync.exitCode }));
    const pruned = await prune(plan, context.now, log);
    return outcome("ok", ExitCode.ok, { snapshot: plan.snapshot, pruned, rsync });
  } finally {
    await lock.release();
  }
}

function interrupted(log: Logger, outcome: (status: JobStatus, code: number, extra?: Partial<JobOutcome>) => JobOutcome): JobOutcome {
  log.error("backup interrupted by a signal; nothing renamed, nothing pruned");
  return outcome("interrupted", ExitCode.sigterm, { message: "interrupted by a signal" });
}

/** A failed attempt becomes the resume base; rsync always writes into a fresh staging directory. */
async function prepareStaging(plan: Plan, now: Date, log: Logger): Promise<void> {
  const backupDir = plan.job.backupDir;
  if (plan.discard !== undefined) {
    const trashed = await moveToTrash(backupDir, relative(plan, plan.discard), now);
    log.info({ trash: trashed }, "discarding an older failed attempt");
    await deleteTree(trashed);
  }
  if (plan.resume !== undefined) {
    await rename(plan.resume.from, plan.resume.to);
    log.info({ from: plan.resume.to }, "resuming: the previous failed attempt is the first link target");
  }
  for (const dir of plan.linkDests) {
    if (!(await isRealDirectory(dir))) throw new LinkbackError(`link target ${dir} vanished while the lock was held`);
  }
  await mkdir(plan.stagingPath);
}

/** Rename staging to the snapshot's name (replacing a same-day snapshot) and drop the resume base. */
async function publish(plan: Plan, now: Date, log: Logger): Promise<void> {
  const backupDir = plan.job.backupDir;
  let replaced: string | undefined;
  if (plan.replaces !== undefined) replaced = await moveToTrash(backupDir, plan.replaces, now);
  await rename(plan.stagingPath, plan.snapshotPath);
  if (replaced !== undefined) {
    log.info({ replaced: plan.replaces }, `replaced today's earlier snapshot ${plan.replaces}`);
    await deleteTree(replaced);
  }
  if (plan.resumeBase !== undefined && (await isRealDirectory(plan.resumeBase))) {
    await deleteTree(await moveToTrash(backupDir, relative(plan, plan.resumeBase), now));
  }
}

/** Delete what retention rejects, each logged with its reason; keeps are logged too. */
async function prune(plan: Plan, now: Date, log: Logger): Promise<string[]> {
  const pruned: string[] = [];
  for (const decision of plan.retention) {
    if (decision.action === "keep") {
      log.info({ reason: decision.reason }, `keeping ${decision.snapshot.name}`);
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
  for (const leftover of await leftoverTrash(plan.job.backupDir, plan.job.prefix)) {
    log.info({ path: leftover }, "deleting a tree left in the trash by an earlier run");
    await deleteTree(leftover).catch((error: unknown) => log.error(`could not delete ${leftover}: ${messageOf(error)}`));
  }
  return pruned;
}

function relative(plan: Plan, path: string): string {
  return path.slice(plan.job.backupDir.replace(/\/+$/, "").length + 1);
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
  const disk = rsync.exitCode === 11 && /No space left/i.test(rsync.stderrTail) ? " — backup disk full" : "";
  return `job ${job.name}: rsync failed with exit ${rsync.exitCode} (${rsyncMeaning(rsync.exitCode)})${disk}${said === "" ? "" : `: ${said}`}; staging kept, nothing pruned`;
}
