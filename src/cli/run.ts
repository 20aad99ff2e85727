// `linkback run`: back up the named jobs (or all), one after another; or print the plan with --dry-run.
import { ExitCode, LinkbackError, messageOf } from "../errors.ts";
import { now } from "../clock.ts";
import { checkSshFiles } from "../backup/preflight.ts";
import { loadJob } from "../config/load.ts";
import type { RunLog } from "../log/logger.ts";
import { jobsDir, logDir, statusDir } from "../paths.ts";
import type { JobOutcome } from "../backup/execute.ts";
import { attemptJob } from "../due/attempt.ts";
import { dryRunJob } from "../backup/dryRun.ts";
import { StatusRecorder } from "../status/recorder.ts";
import { BACKUP_OPTIONS, backupLog, parseCommand, type Command } from "./options.ts";
import { selectJobs } from "./jobs.ts";
import { summaryLine, worstExitCode } from "../backup/outcome.ts";

export const RUN_HELP = `Usage: linkback run <job>... | --all [options]

Back up each job now, whether it is due or not: rsync into a staging directory with --link-dest against
earlier snapshots, rename it to PREFIX-YYYY-MM-DD when rsync succeeds (exit 0, or 24 for vanished files),
then prune by keepDays. On a terminal, shows rsync's progress and a summary line per job.

Options:
  --all              every job in the jobs directory (files starting with _ and jobs with
                     enabled: false are skipped; a disabled job named on the command line runs)
  --dry-run          print the plan (hooks, rsync argv, link targets, prune decisions) and run
                     rsync --dry-run; changes nothing on disk
  --jobs DIR         jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  --log-dir DIR      log directory (default: $LINKBACK_LOG_DIR, else the log/ folder of this clone)
  --status-dir DIR   status directory (default: $LINKBACK_STATUS_DIR, else the status/ folder of this clone)
  -v, --verbose      print debug lines too
  -q, --quiet        print errors only (no progress, no summary)
  -h, --help         this help

Exit status: 0 all jobs backed up; 1 a backup failed; 2 usage error; 3 a job file is invalid;
4 another run of a job holds its lock; 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM.`;

export async function runCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand("run", args, { ...BACKUP_OPTIONS, all: { type: "boolean" } });
  if (values.help === true) {
    process.stdout.write(`${RUN_HELP}\n`);
    return ExitCode.ok;
  }
  const dryRun = values["dry-run"] === true;
  const quiet = values.quiet === true;
  const all = values.all === true;
  const files = await selectJobs("run", positionals, all, jobsDir(values.jobs));
  const run = backupLog(values);
  const recorder = new StatusRecorder(statusDir(values["status-dir"]), run.logger);
  const outcomes: JobOutcome[] = [];
  try {
    for (const file of files) {
      if (signal.aborted) break;
      const outcome = await runOne(file, { run, recorder, signal, dryRun, all, progress: !quiet, logDir: logDir(values["log-dir"]) });
      if (outcome !== undefined) outcomes.push(outcome);
    }
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

interface RunOptions {
  run: RunLog;
  recorder: StatusRecorder;
  signal: AbortSignal;
  dryRun: boolean;
  all: boolean;
  progress: boolean;
  logDir: string;
}

async function runOne(file: { name: string; file: string }, options: RunOptions): Promise<JobOutcome | undefined> {
  const { run, recorder } = options;
  const started = Date.now();
  try {
    const job = await loadJob(file);
    if (options.all && !job.enabled) {
      run.logger.info({ job: job.name }, "skipped: disabled (enabled: false in its job file)");
      if (!options.dryRun) {
        await recorder.seen(job, now());
        await recorder.publish(now());
      }
      return undefined;
    }
    await checkSshFiles(job);
    if (options.dryRun) return await dryRunJob(job, { now: now(), logger: run.logger });
    await recorder.seen(job, now()); // `due` has looked at every job already; `run` looks at its own
    return await attemptJob(job, { logger: run.logger, now: now(), logDir: options.logDir, signal: options.signal, recorder, progress: options.progress });
  } catch (error) {
    if (!(error instanceof LinkbackError)) throw error;
    run.logger.error({ job: file.name }, messageOf(error));
    if (!options.dryRun && error.exitCode === ExitCode.config) {
      await recorder.broken(file.name, file.file, messageOf(error), now());
      await recorder.publish(now());
    }
    const status = error.exitCode === ExitCode.config ? "config" : "failed";
    return { job: file.name, status, exitCode: error.exitCode, message: messageOf(error), pruned: [], durationMs: Date.now() - started };
  }
}

function interruptedMarker(): JobOutcome {
  return { job: "", status: "interrupted", exitCode: ExitCode.sigterm, pruned: [], durationMs: 0 };
}

export const command: Command = { help: RUN_HELP, run: runCommand };
