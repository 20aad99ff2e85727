// `linkback due`: for cron every ten minutes. Runs the jobs that are due, writes the status files, and
// otherwise stays quiet.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode, LockedError, UsageError, messageOf } from "../errors.ts";
import { now as clock } from "../clock.ts";
import { discoverJobs } from "../config/load.ts";
import { stuckJobFiles } from "../config/stuckThreads.ts";
import { type Lock, acquireLockFile } from "../lock/lock.ts";
import { jobsDir, logDir, statusDir } from "../paths.ts";
import type { Logger } from "../log/logger.ts";
import { dueJobs, runDue } from "../due/due.ts";
import type { JobOutcome } from "../backup/outcome.ts";
import { worstExitCode } from "../backup/outcome.ts";
import { forgetRecords } from "../status/record.ts";
import { StatusRecorder } from "../status/recorder.ts";
import { surveyJobs } from "../status/survey.ts";
import { BACKUP_OPTIONS, backupLog, ownDirs, parseCommand, type Command } from "./options.ts";

export const DUE_HELP = `Usage: linkback due [options]

Run every job that is due — its newest complete snapshot is older than its \`every\` (default 1d) — and
write the status files. Meant for cron every ten minutes:  */10 * * * * /opt/linkback/bin/linkback.js due

- Most overdue first, one job at a time (--parallel N for more).
- A failed attempt does not count: the job stays due, and is tried again after 5, 10, 20 … minutes
  (at most one cycle, at most 4 h).
- A remote job whose host does not answer ssh (asleep, away) is "offline": no fail hook, no alarm, tried
  again next time. A snapshotOf() job whose source job has no snapshot yet is offline too.
- A job with no complete snapshot for \`alertAfter\` (default 3 × every) is "overdue": an error line and
  its fail hook, once until it has a snapshot again.
- Jobs with enabled: false are skipped. When nothing is due, nothing is printed. When another \`due\` is
  still running (a long backup), this one does nothing.

Options:
  --parallel N       run up to N jobs at once (default 1: a small router must not run five rsyncs)
  --dry-run          list every job, due or not and why, in the order they would run; change nothing
  --jobs DIR         jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  --log-dir DIR      log directory (default: $LINKBACK_LOG_DIR, else the log/ folder of this clone)
  --status-dir DIR   status directory (default: $LINKBACK_STATUS_DIR, else the status/ folder of this clone)
  -v, --verbose      print debug lines too
  -q, --quiet        print errors only
  -h, --help         this help

Exit status: 0 nothing failed (offline is not a failure; nothing due is success); 1 a backup failed;
2 usage error; 3 a job file is invalid; 129/130/143 stopped by SIGHUP/SIGINT/SIGTERM.`;

export async function dueCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand("due", args, { ...BACKUP_OPTIONS, parallel: { type: "string" } });
  if (values.help === true) {
    process.stdout.write(`${DUE_HELP}\n`);
    return ExitCode.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(`linkback due takes no job names: it decides which jobs are due (to back up ${positionals[0]} now: linkback run ${positionals[0]})`);
  }
  const parallel = Number(values.parallel ?? "1");
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError(`linkback due: --parallel must be a whole number, 1 or more (got ${JSON.stringify(values.parallel)})`);
  const dryRun = values["dry-run"] === true;
  const quiet = values.quiet === true;
  const dir = jobsDir(values.jobs);
  const files = await discoverJobs(dir);
  const run = backupLog(values);
  const status = statusDir(values["status-dir"]);
  const recorder = new StatusRecorder(status, run.logger, { readOnly: dryRun });
  let lock: Lock | undefined;
  try {
    if (!dryRun) {
      lock = await takeDueLock(recorder, run.logger);
      if (lock === undefined) return ExitCode.ok;
    }
    const surveyed = await surveyJobs(files, recorder, clock());
    for (const entry of surveyed) {
      if (entry.error === undefined) continue;
      // A broken job file is an error once; after that it stays red in the status, not in every cron mail.
      if (entry.newError) run.logger.error({ job: entry.name }, entry.error);
      else run.logger.trace({ job: entry.name }, `still broken: ${entry.error}`);
    }
    if (dryRun) {
      for (const { entry, schedule } of await dueJobs(surveyed, clock())) {
        process.stdout.write(`${schedule.due ? "run " : "    "} ${entry.name} (${schedule.state}): ${entry.error ?? schedule.why}\n`);
      }
      return surveyed.some((entry) => entry.error !== undefined) ? ExitCode.config : ExitCode.ok;
    }
    await forgetRecords(status, dir, new Set(files.map((file) => file.name))).catch((error: unknown) => run.logger.warn(`cannot tidy ${status}: ${messageOf(error)}`));
    await recorder.publish(clock());
    const session = { logger: run.logger, logDir: logDir(values["log-dir"]), signal, progress: !quiet && parallel === 1, quietWhenOffline: true, ownDirs: ownDirs(values) };
    const outcomes: JobOutcome[] = await runDue(surveyed, session, recorder, parallel);
    await recorder.stuck(stuckJobFiles(), clock()); // a function hook's thread, stuck
    await recorder.publish(clock());
    // A job another `run` holds is simply not due this time; a broken job file is exit 3.
    const counted: JobOutcome[] = outcomes.filter((outcome) => outcome.status !== "locked" && outcome.status !== "offline");
    for (const entry of surveyed) {
      if (entry.error !== undefined) counted.push({ job: entry.name, status: "config", exitCode: ExitCode.config, pruned: [], durationMs: 0 });
    }
    if (signal.aborted) counted.push({ job: "", status: "interrupted", exitCode: ExitCode.sigterm, pruned: [], durationMs: 0 });
    return worstExitCode(counted);
  } finally {
    await lock?.release();
    await run.close();
  }
}

/** One `due` at a time: the status directory's `.due.lock`, or undefined when another `due` holds it (nothing to do). */
async function takeDueLock(recorder: StatusRecorder, logger: Logger): Promise<Lock | undefined> {
  const status = recorder.dir;
  let lock: Lock;
  try {
    await mkdir(status, { recursive: true, mode: 0o755 });
    lock = await acquireLockFile(join(status, ".due.lock"), "due");
  } catch (error) {
    if (!(error instanceof LockedError)) {
      // A status directory that is full, read-only or in the way never stops the backups: each job's own
      // lock still keeps two runs of one job apart.
      recorder.problem(error, "the backups go on without the due lock (choose another directory with --status-dir or LINKBACK_STATUS_DIR)");
      return { tookOver: undefined, async holdFor() {}, async release() {} };
    }
    logger.trace(`another linkback due is still running; nothing to do (${error.message})`);
    return undefined;
  }
  if (lock.tookOver !== undefined) logger.warn({ stale: lock.tookOver }, `took over the lock of a due run that is gone (pid ${lock.tookOver.pid})`);
  return lock;
}

export const command: Command = { help: DUE_HELP, run: dueCommand };
