// `linkback run`: back up the named jobs (or all), one after another; or print the plan with --dry-run.
import { ExitCode, LinkbackError, messageOf } from "../errors.ts";
import { now } from "../clock.ts";
import { checkSshFiles } from "../job/preflight.ts";
import { loadJob } from "../job/load.ts";
import { type RunLog, createRunLog } from "../log/logger.ts";
import { jobsDir, logDir } from "../paths.ts";
import { type JobOutcome, executeJob } from "../run/execute.ts";
import { dryRunJob } from "../run/dryRun.ts";
import { parseCommand } from "./options.ts";
import { selectJobs } from "./jobs.ts";
import { summaryLine, worstExitCode } from "../run/outcome.ts";

export const RUN_HELP = `Usage: linkback run <job>... | --all [options]

Back up each job: rsync into a staging directory with --link-dest against earlier snapshots, rename it to
PREFIX-YYYY-MM-DD when rsync succeeds (exit 0, or 24 for vanished files), then prune by keepDays.

Options:
  --all            every job in the jobs directory (files starting with _ are skipped)
  --dry-run        print the plan (hooks, rsync argv, link targets, prune decisions) and run
                   rsync --dry-run; changes nothing on disk
  --jobs DIR       jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  --log-dir DIR    log directory (default: $LINKBACK_LOG_DIR, else the log/ folder of this clone)
  -v, --verbose    print debug lines too
  -q, --quiet      print errors only
  -h, --help       this help

Exit status: 0 all jobs backed up; 1 a backup failed; 2 usage error; 3 a job file is invalid;
4 another run of a job holds its lock; 130/143 stopped by SIGINT/SIGTERM.`;

export async function runCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand("run", args, {
    all: { type: "boolean" },
    "dry-run": { type: "boolean" },
    "log-dir": { type: "string" },
    verbose: { type: "boolean", short: "v" },
    quiet: { type: "boolean", short: "q" },
  });
  if (values.help === true) {
    process.stdout.write(`${RUN_HELP}\n`);
    return ExitCode.ok;
  }
  const dryRun = values["dry-run"] === true;
  const files = await selectJobs("run", positionals, values.all === true, jobsDir(values.jobs));
  const run = createRunLog({
    logDir: dryRun ? undefined : logDir(values["log-dir"]),
    consoleLevel: values.quiet === true ? "error" : values.verbose === true ? "debug" : dryRun || process.stderr.isTTY ? "info" : "warn",
    syslog: !dryRun,
  });
  const outcomes: JobOutcome[] = [];
  try {
    for (const file of files) {
      if (signal.aborted) break;
      outcomes.push(await runOne(file, run, signal, dryRun, values["log-dir"]));
    }
    for (const outcome of outcomes) {
      const line = summaryLine(outcome);
      if (outcome.status === "ok") run.logger.info({ job: outcome.job }, line);
      else run.logger.debug({ job: outcome.job }, line);
    }
  } finally {
    await run.close();
  }
  return signal.aborted ? worstExitCode([...outcomes, interruptedMarker()]) : worstExitCode(outcomes);
}

async function runOne(file: { name: string; file: string }, run: RunLog, signal: AbortSignal, dryRun: boolean, logDirFlag: string | undefined): Promise<JobOutcome> {
  const started = Date.now();
  try {
    const job = await loadJob(file);
    await checkSshFiles(job);
    if (dryRun) return await dryRunJob(job, { now: now(), logger: run.logger });
    return await executeJob(job, { logger: run.logger, now: now(), logDir: logDir(logDirFlag), signal });
  } catch (error) {
    if (!(error instanceof LinkbackError)) throw error;
    run.logger.error({ job: file.name }, messageOf(error));
    const status = error.exitCode === ExitCode.config ? "config" : "failed";
    return { job: file.name, status, exitCode: error.exitCode, message: messageOf(error), pruned: [], durationMs: Date.now() - started };
  }
}

function interruptedMarker(): JobOutcome {
  return { job: "", status: "interrupted", exitCode: ExitCode.sigterm, pruned: [], durationMs: 0 };
}
