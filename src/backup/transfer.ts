// The steps around the transfer itself: the source must be there; rsync into staging, its exit status judged
// (0 and 24 complete, 23 with files transferred partial, anything else a failure), never its log text alone;
// and a source that lost its content refused.
import { access } from "node:fs/promises";
import { constants } from "node:fs";
import { basename, join } from "node:path";
import { messageOf } from "../errors.ts";
import { describeSource, isShellSource } from "../config/source.ts";
import type { CheckShrink, CheckSource, Fallback, Rsync } from "../plan/steps.ts";
import { isSuccess, rsyncMeaning, signalWords } from "../rsync/exitCodes.ts";
import { type RsyncOutcome, failedPaths, runRsync } from "../rsync/run.ts";
import { isEmptyDirectory } from "../store/tree.ts";
import { progressFor } from "../log/terminal.ts";
import { formatBytes } from "../bytes.ts";
import { diskSpace } from "../disk/space.ts";
import { type Execution, OK, type StepResult, failed } from "./execution.ts";

export async function checkSource(step: CheckSource, run: Execution): Promise<StepResult> {
  try {
    await access(step.path, constants.R_OK);
    return OK;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return failed(`job ${run.job.name}: source ${step.path} ${code === "ENOENT" ? "does not exist" : `cannot be read (${messageOf(error)})`}`);
  }
}

export async function transfer(step: Rsync, run: Execution): Promise<StepResult> {
  const { job, log, session } = run;
  for (const excluded of step.excluded) log.info(`not backed up: /${excluded.path} (${excluded.why})`);
  for (const note of step.notes) log.info(note);
  // Link targets that make-room deleted are left out (the plan says so); a missing one would make a full copy.
  const removed = new Set(run.removed.map((name) => `--link-dest=${join(job.backupDir, name)}`));
  const withoutRemoved = (argv: readonly string[]) => argv.filter((word) => !removed.has(word));
  let rsync = await rsyncOnce(withoutRemoved(step.argv), run);
  const fallback = rsync.canceled ? undefined : fallbackFor(step.fallbacks, rsync);
  if (fallback !== undefined && (await isEmptyDirectory(step.staging))) {
    log.warn(`${fallback.why}: ${lastLine(rsync)}`);
    rsync = await rsyncOnce(withoutRemoved(fallback.argv), run);
  }
  if (rsync.logProblem !== undefined) log.warn(`rsync's output is not logged: ${rsync.logProblem}`);
  if (rsync.canceled || session.signal.aborted) {
    log.warn({ staging: step.staging }, "stopped by a signal: rsync stopped, staging kept for the next run");
    return OK; // the executor sees the signal and ends the run as interrupted
  }
  if (rsync.exitCode === 23 && step.partialOk && transferredSomething(rsync)) {
    run.partial = { count: rsync.errorCount, files: failedPaths(rsync.errors) };
    log.warn({ failed: run.partial.files.slice(0, 20) }, `rsync could not transfer ${rsync.errorCount} file(s) (exit 23): the snapshot is published marked partial, with everything else`);
    return OK;
  }
  if (!isSuccess(rsync.exitCode)) return failed(await rsyncFailure(run, rsync));
  if (rsync.exitCode === 24 && !step.vanishedOk) {
    return failed(`job ${job.name}: files vanished from ${step.source} while it was copied (rsync 24); staging kept, nothing pruned`);
  }
  if (rsync.exitCode === 24) log.warn("some source files vanished during the transfer (rsync 24): the snapshot is complete otherwise");
  return OK;
}

async function rsyncOnce(argv: readonly string[], run: Execution): Promise<RsyncOutcome> {
  const { job, session, log } = run;
  const rsync = await runRsync(argv, {
    logFile: join(session.logDir, `${job.name}.rsync.log`),
    cancelSignal: session.signal,
    progress: progressFor(job.name, session.progress),
    onSpawn: (pid) => run.lock?.holdFor(pid) ?? Promise.resolve(),
  });
  run.rsync = rsync;
  if (rsync.signal !== undefined) log.info({ exitCode: rsync.exitCode, signal: rsync.signal, argv }, `rsync was ${signalWords(rsync.signal)}`);
  else if (!rsync.canceled) log.info({ exitCode: rsync.exitCode, argv }, `rsync exited ${rsync.exitCode}: ${rsyncMeaning(rsync.exitCode)}`);
  return rsync;
}

/** The planned fallback for this failure, if there is one: ACLs/xattrs that rsync on the other side cannot keep. */
function fallbackFor(fallbacks: readonly Fallback[], rsync: RsyncOutcome): Fallback | undefined {
  if (isSuccess(rsync.exitCode)) return undefined;
  const unsupported = /(ACLs|xattrs|--acls|--xattrs|-A|-X)[^\n]*(not supported|unknown option|does not support)|does not support (ACLs|xattrs|--acls|--xattrs)/i.test(rsync.stderrTail);
  return unsupported ? fallbacks.find((f) => f.when === "metadata") : undefined;
}

/**
 * A 23 is a partial snapshot when files on the source could not be read. It is a failure when the transfer's
 * root failed (nothing transferred), or when the backup disk could not take what was sent (full, out of
 * inodes, read-only, I/O errors): then the snapshot would lack files for no reason of the source's.
 */
function transferredSomething(rsync: RsyncOutcome): boolean {
  const rootFailed = rsync.errors.some((line) => /change_dir .* failed/.test(line));
  const diskFailed = DISK_TROUBLE.test(rsync.stderrTail) || rsync.errors.some((line) => DISK_TROUBLE.test(line));
  return !rootFailed && !diskFailed && (rsync.stats.files ?? 0) > 1;
}

const DISK_TROUBLE = /No space left on device|Disk quota exceeded|Read-only file system|Input\/output error/i;

/**
 * The source must not have lost its content. Without the previous snapshot's counts: an empty result while
 * it is not empty is refused; with them: more than `limit` of its files or bytes gone (from 10 files or 1 MB
 * up: small trees change by whole fractions).
 */
export async function checkShrink(step: CheckShrink, run: Execution): Promise<StepResult> {
  const stats = run.rsync?.stats ?? {};
  const files = stats.files === undefined ? undefined : (stats.regularFiles ?? 0);
  const bytes = stats.totalBytes;
  const empty = await isEmptyDirectory(step.staging);
  const wasEmpty = await isEmptyDirectory(step.against);
  const previous = step.previous;
  const keep = 1 - step.limit;
  let why: string | undefined;
  if (empty && !wasEmpty) why = `source ${describeSource(run.job.source)} is empty but ${basename(step.against)} is not (is the source disk mounted?)`;
  else if (previous !== undefined && files !== undefined && bytes !== undefined) {
    if (previous.regularFiles >= 10 && files < previous.regularFiles * keep) why = `source ${describeSource(run.job.source)} has ${files} files where ${basename(step.against)} has ${previous.regularFiles} (more than maxShrink ${Math.round(step.limit * 100)}% gone: is a disk below it not mounted?)`;
    else if (previous.totalBytes >= 1e6 && bytes < previous.totalBytes * keep) why = `source ${describeSource(run.job.source)} holds ${formatBytes(bytes)} where ${basename(step.against)} holds ${formatBytes(previous.totalBytes)} (more than maxShrink ${Math.round(step.limit * 100)}% gone: is a disk below it not mounted?)`;
  }
  if (why === undefined) return OK;
  if (step.accepted) {
    run.log.warn(`${why}; published anyway (--accept-shrink)`);
    return OK;
  }
  run.shrunk = true;
  return failed(`job ${run.job.name}: ${why}; nothing published, nothing pruned — if that is right: linkback run ${run.job.name} --accept-shrink (once), or set maxShrink (allowEmptySource: true turns the guard off)`);
}

/** ENOSPC with bytes free: out of inodes, said plainly. */
async function inodesNote(backupDir: string): Promise<string> {
  const space = await diskSpace(backupDir).catch(() => undefined);
  if (space === undefined || space.totalInodes === 0 || space.freeInodes > space.totalInodes / 100) return "";
  return ` — out of inodes (${space.freeInodes} of ${space.totalInodes} free: \`df -i\`; minFreeInodes makes room for them)`;
}

function lastLine(rsync: RsyncOutcome): string {
  return rsync.stderrTail.split("\n").map((line) => line.trim()).filter((line) => line !== "").at(-1) ?? `exit ${rsync.exitCode}`;
}

/** One line: what rsync said and what its status means, with a hint where there is one. */
async function rsyncFailure(run: Execution, rsync: RsyncOutcome): Promise<string> {
  const { job } = run;
  if (rsync.startError !== undefined || rsync.exitCode === 127) {
    return `job ${job.name}: could not start rsync: ${rsync.startError ?? "not found"} (is rsync installed and on PATH?)`;
  }
  if (rsync.signal !== undefined) return `job ${job.name}: rsync was ${signalWords(rsync.signal)}; staging kept, nothing pruned`;
  const lines = rsync.stderrTail.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  // Over ssh, the remote shell's own last line ("ssh: connect to host … refused", "Host key verification
  // failed.") says why; rsync's last lines only say the connection closed (and rsync reports 12 or 255
  // depending on a race with ssh's exit).
  const shell = isShellSource(job.source) ? lines.filter((line) => !/^rsync[: ]/.test(line)).slice(-1) : [];
  // rsync's first error line says why ("change_dir … failed"); its last ones may only be what followed
  // (the summary "rsync error: … (code 23)", "write error: Broken pipe").
  const reason = lines.filter((line) => line.startsWith("rsync: ")).slice(0, 1);
  const said = [...new Set([...shell, ...reason, ...lines.slice(-2)])].join(" | ");
  const disk = /No space left on device|Disk quota exceeded/i.test(rsync.stderrTail) ? ` — backup disk full${await inodesNote(run.job.backupDir)}` : "";
  const links = /Too many links/.test(rsync.stderrTail) ? " — a file in the link targets has reached the backup filesystem's limit of hard links per inode (ext4: 65,000)" : "";
  return `job ${job.name}: rsync failed with exit ${rsync.exitCode} (${rsyncMeaning(rsync.exitCode)})${disk}${links}${said === "" ? "" : `: ${said}`}; staging kept, nothing pruned`;
}
