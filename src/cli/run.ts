// `linkback run`: back up the named jobs (or all), one after another; or print the plan with --dry-run.
import { ExitCode, LinkbackError, UsageError, messageOf } from "../errors.ts";
import { now } from "../clock.ts";
import { checkSshFiles } from "../backup/preflight.ts";
import { releaseJob } from "../config/load.ts";
import { stuckJobFiles } from "../config/stuckThreads.ts";
import { loadUnlessHeldUp } from "../status/survey.ts";
import { type StuckEntry, heldUpFiles } from "../status/stuck.ts";
import { jobsDir, logDir, statusDir } from "../paths.ts";
import type { JobOutcome } from "../backup/outcome.ts";
import { attemptJob } from "../due/attempt.ts";
import { dryRunArgv, dryRunTransfer } from "../backup/dryRun.ts";
import { planNow } from "../backup/facts.ts";
import type { Session } from "../backup/session.ts";
import type { Job } from "../config/types.ts";
import { diskWouldMount } from "../disk/attach.ts";
import { describePlan } from "../plan/describe.ts";
import { progressFor } from "../log/terminal.ts";
import { planJson } from "../plan/json.ts";
import { quoteArgv } from "../process/shellWords.ts";
import { isSuccess, rsyncMeaning } from "../rsync/exitCodes.ts";
import { StatusRecorder } from "../status/recorder.ts";
import { BACKUP_OPTIONS, backupLog, ownDirs, parseCommand, type Command } from "./options.ts";
import { selectJobs } from "./jobs.ts";
import { summaryLine, worstExitCode } from "../backup/outcome.ts";

export const RUN_HELP = `Usage: linkback run <job>... | --all [options]

Back up each job now, whether it is due or not: rsync into a staging directory with --link-dest against
earlier snapshots, rename it to PREFIX-YYYY-MM-DD when rsync succeeds (exit 0, or 24 for vanished files),
then apply the job's retention (keep, keepDays, minKeep). On a terminal, shows rsync's progress and a
summary line per job.

Options:
  --all              every job in the jobs directory (files starting with _ and jobs with
                     enabled: false are skipped; a disabled job named on the command line runs)
  --dry-run          print the plan — every step the run would take, in order, each with its reason:
                     recovery of leftovers, hooks, making room, staging, the rsync argv and link
                     targets, publishing, what retention keeps and deletes — then run rsync --dry-run;
                     changes nothing on disk
  --json             with --dry-run: the plan as JSON (no rsync --dry-run)
  --jobs DIR         jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  --log-dir DIR      log directory (default: $LINKBACK_LOG_DIR, else the log/ folder of this clone)
  --status-dir DIR   status directory (default: $LINKBACK_STATUS_DIR, else the status/ folder of this clone)
  -v, --verbose      print debug lines too
  -q, --quiet        print errors only (no progress, no summary)
  --accept-shrink    publish even when the source lost more than maxShrink of its files or bytes (the
                     shrink guard refuses it otherwise: an unmounted disk below the source looks like that)
  --trust-clock      the clock is right, although it is far past the newest snapshot (otherwise such a run
                     prunes nothing by age)
  -h, --help         this help

Exit status: 0 all jobs backed up; 1 a backup failed (or was refused: the source shrank); 5 a snapshot is
partial (rsync could not read some files; everything else is in it); 2 usage error; 3 a job file is invalid;
4 another run of a job holds its lock; 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM.`;

export async function runCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand("run", args, {
    ...BACKUP_OPTIONS, all: { type: "boolean" }, json: { type: "boolean" }, "accept-shrink": { type: "boolean" }, "trust-clock": { type: "boolean" },
  });
  if (values.help === true) {
    process.stdout.write(`${RUN_HELP}\n`);
    return ExitCode.ok;
  }
  const dryRun = values["dry-run"] === true;
  if (values.json === true && !dryRun) throw new UsageError("linkback run: --json goes with --dry-run (it prints the plan as JSON)");
  const quiet = values.quiet === true;
  const all = values.all === true;
  const files = await selectJobs("run", positionals, all, jobsDir(values.jobs));
  const run = backupLog(values);
  const recorder = new StatusRecorder(statusDir(values["status-dir"]), run.logger);
  const session: Session = { logger: run.logger, logDir: logDir(values["log-dir"]), signal, progress: !quiet, quietWhenOffline: false, ownDirs: ownDirs(values) };
  const outcomes: JobOutcome[] = [];
  const plans: unknown[] = [];
  const heldUp = await heldUpFiles(recorder.dir);
  try {
    for (const file of files) {
      if (signal.aborted) break;
      const flags = { acceptShrink: values["accept-shrink"] === true, trustClock: values["trust-clock"] === true };
      const outcome = await runOne(file, { session, recorder, dryRun, all, json: values.json === true, plans, flags, heldUp });
      if (outcome !== undefined) outcomes.push(outcome);
    }
    if (values.json === true) process.stdout.write(`${JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2)}\n`);
    for (const outcome of outcomes) {
      const line = summaryLine(outcome);
      run.logger.debug({ job: outcome.job }, line);
      // On a terminal, one line per job at the end; under cron, stdout stays empty (the log has it).
      if (!quiet && !dryRun && process.stdout.isTTY === true) process.stdout.write(`${outcome.job}: ${line}\n`);
    }
  } finally {
    await run.close();
  }
  return signal.aborted ? worstExitCode([...outcomes, interruptedMarker()]) : worstExitCode(outcomes);
}

/** What `run` was asked for, for each job. */
interface RunFlags {
  session: Session;
  recorder: StatusRecorder;
  dryRun: boolean;
  all: boolean;
  json: boolean;
  /** `--dry-run --json`: each job's plan, printed at the end. */
  plans: unknown[];
  flags: { acceptShrink: boolean; trustClock: boolean };
  /** Job files an earlier linkback is stuck in: not loaded again. */
  heldUp: ReadonlyMap<string, StuckEntry>;
}

async function runOne(file: { name: string; file: string }, options: RunFlags): Promise<JobOutcome | undefined> {
  const { session, recorder } = options;
  const started = Date.now();
  try {
    const job = await loadUnlessHeldUp(file, options.heldUp);
    if (options.all && !job.enabled) {
      session.logger.info({ job: job.name }, "skipped: disabled (enabled: false in its job file)");
      if (!options.dryRun) {
        await recorder.seen(job, now());
        await recorder.publish(now());
      }
      return undefined;
    }
    await checkSshFiles(job);
    if (options.dryRun) return await dryRunOne(job, options);
    // `due` has looked at every job already; `run` records its own (the disk is read once, under the lock).
    await recorder.seen(job, now(), { lookAtDisk: false });
    return await attemptJob(job, session, recorder, now(), options.flags);
  } catch (error) {
    if (!(error instanceof LinkbackError)) throw error;
    session.logger.error({ job: file.name }, messageOf(error));
    if (!options.dryRun && error.exitCode === ExitCode.config) {
      await recorder.broken(file.name, file.file, messageOf(error), now());
      await recorder.publish(now());
    }
    const status = error.exitCode === ExitCode.config ? "config" : "failed";
    return { job: file.name, status, exitCode: error.exitCode, message: messageOf(error), pruned: [], durationMs: Date.now() - started };
  } finally {
    releaseJob(file.file); // its thread, when its function hooks kept one
    if (!options.dryRun) await recorder.stuck(stuckJobFiles(), now());
  }
}

/** Print the plan (text, or JSON at the end), then let rsync --dry-run show what it would transfer. Changes nothing. */
async function dryRunOne(job: Job, options: RunFlags): Promise<JobOutcome> {
  const started = Date.now();
  const outcome = (ok: boolean, message?: string): JobOutcome => ({
    job: job.name, status: ok ? "ok" : "failed", exitCode: ok ? ExitCode.ok : ExitCode.failed, ...(message === undefined ? {} : { message }), pruned: [], durationMs: Date.now() - started,
  });
  const disk = await diskWouldMount(job);
  if (disk !== undefined) {
    process.stdout.write(`job ${job.name}: ${disk}\n`);
    return outcome(true);
  }
  const plan = await planNow(job, now(), { ownDirs: options.session.ownDirs ?? [], progress: progressFor(job.name, options.session.progress) !== undefined, ...options.flags });
  const refusal = plan.steps.find((step) => step.kind === "refuse");
  if (options.json) {
    options.plans.push(planJson(plan));
    return outcome(refusal === undefined, refusal?.why);
  }
  process.stdout.write(describePlan(plan));
  if (refusal !== undefined) return outcome(false, `job ${job.name}: ${refusal.why}`);
  process.stdout.write(`--- rsync --dry-run: ${quoteArgv(dryRunArgv(plan))}\n`);
  const rsync = await dryRunTransfer(plan);
  const code = rsync?.exitCode ?? 0;
  const message = `rsync --dry-run exited ${code}: ${rsyncMeaning(code)}`;
  if (isSuccess(code)) options.session.logger.info({ job: job.name }, message);
  else options.session.logger.error({ job: job.name }, message);
  return outcome(isSuccess(code), isSuccess(code) ? undefined : message);
}

function interruptedMarker(): JobOutcome {
  return { job: "", status: "interrupted", exitCode: ExitCode.sigterm, pruned: [], durationMs: 0 };
}

export const command: Command = { help: RUN_HELP, run: runCommand };
