// The steps around the transfer itself: the source must be there, rsync into staging (its exit status
// judged, never its log text), and an empty result refused when the last snapshot was not empty.
import { access } from "node:fs/promises";
import { constants } from "node:fs";
import { basename, join } from "node:path";
import { messageOf } from "../errors.ts";
import { isShellSource } from "../config/source.ts";
import type { CheckNotEmpty, CheckSource, Rsync } from "../plan/steps.ts";
import { isSuccess, rsyncMeaning } from "../rsync/exitCodes.ts";
import { type RsyncOutcome, runRsync } from "../rsync/run.ts";
import { isEmptyDirectory } from "../store/tree.ts";
import { progressFor } from "../log/terminal.ts";
import { describeSource } from "../config/source.ts";
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
  const rsync = await runRsync(step.argv, {
    logFile: join(session.logDir, `${job.name}.rsync.log`),
    cancelSignal: session.signal,
    progress: progressFor(job.name, session.progress),
    onSpawn: (pid) => run.lock?.holdFor(pid) ?? Promise.resolve(),
  });
  run.rsync = rsync;
  if (rsync.logProblem !== undefined) log.warn(`rsync's output is not logged: ${rsync.logProblem}`);
  if (rsync.canceled || session.signal.aborted) {
    log.warn({ staging: step.staging }, "stopped by a signal: rsync stopped, staging kept for the next run");
    return OK; // the executor sees the signal and ends the run as interrupted
  }
  log.info({ exitCode: rsync.exitCode, argv: step.argv }, `rsync exited ${rsync.exitCode}: ${rsyncMeaning(rsync.exitCode)}`);
  if (!isSuccess(rsync.exitCode)) return failed(rsyncFailure(run, rsync));
  if (rsync.exitCode === 24 && !step.vanishedOk) {
    return failed(`job ${job.name}: files vanished from ${step.source} while it was copied (rsync 24); staging kept, nothing pruned`);
  }
  if (rsync.exitCode === 24) log.warn("some source files vanished during the transfer (rsync 24): the snapshot is complete otherwise");
  return OK;
}

/**
 * An empty source (an unmounted disk, a dead NFS mount) gives rsync nothing to complain about; published,
 * it would be a "complete" snapshot, and pruning would then remove the real ones.
 */
export async function checkNotEmpty(step: CheckNotEmpty, run: Execution): Promise<StepResult> {
  if (!(await isEmptyDirectory(step.staging)) || (await isEmptyDirectory(step.against))) return OK;
  return failed(`job ${run.job.name}: source ${describeSource(run.job.source)} is empty but ${basename(step.against)} is not (is the source disk mounted?); nothing published, nothing pruned — set allowEmptySource: true if empty is right`);
}

/** One line: what rsync said and what its status means, with a hint where there is one. */
function rsyncFailure(run: Execution, rsync: RsyncOutcome): string {
  const { job } = run;
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
