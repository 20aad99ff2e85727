// `linkback prune`: apply each job's retention now, without a backup.
import { ConfigError, ExitCode, LinkbackError, UsageError, messageOf } from "../errors.ts";
import { now as clock } from "../clock.ts";
import { loadJob } from "../config/load.ts";
import { jobsDir } from "../paths.ts";
import type { JobOutcome } from "../backup/outcome.ts";
import { worstExitCode } from "../backup/outcome.ts";
import { pruneJob, prunePlan } from "../backup/pruneJob.ts";
import { decisionLine, describeSteps } from "../plan/describe.ts";
import type { Step } from "../plan/steps.ts";
import { BACKUP_OPTIONS, backupLog, parseCommand, type Command } from "./options.ts";
import { selectJobs } from "./jobs.ts";

export const PRUNE_HELP = `Usage: linkback prune <job>... | --all [--dry-run] [--jobs DIR] [--log-dir DIR] [-v|-q]

Apply each job's retention (keep, keepDays, minKeep) now, without running a backup: the same decisions a
successful run makes, each logged with its reason. A doomed snapshot is first renamed into
BACKUPDIR/.linkback-trash/ (one atomic rename: a crash never leaves a half-deleted snapshot under its name),
then deleted after the job's lock is released (under nice/ionice with niceDelete: true).

Options:
  --all            every job in the jobs directory
  --dry-run        print each snapshot's keep/delete decision and its reason; change nothing
  --json           with --dry-run: the plan's steps as JSON
  --jobs DIR       jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  --log-dir DIR    log directory (default: $LINKBACK_LOG_DIR, else the log/ folder of this clone)
  -v, --verbose    print debug lines too
  -q, --quiet      print errors only
  -h, --help       this help

Exit status: 0 pruned (or nothing to prune); 1 a backup directory cannot be read; 2 usage error; 3 a job
file is invalid; 4 a job is running (its lock is held): nothing pruned for it.`;

export async function pruneCommand(args: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand("prune", args, { ...BACKUP_OPTIONS, all: { type: "boolean" }, json: { type: "boolean" } });
  if (values.help === true) {
    process.stdout.write(`${PRUNE_HELP}\n`);
    return ExitCode.ok;
  }
  const files = await selectJobs("prune", positionals, values.all === true, jobsDir(values.jobs));
  const run = backupLog(values);
  const dryRun = values["dry-run"] === true;
  if (values.json === true && !dryRun) throw new UsageError("linkback prune: --json goes with --dry-run (it prints the plan as JSON)");
  const plans: unknown[] = [];
  const session = { logger: run.logger, logDir: "", signal, progress: false, quietWhenOffline: false };
  const outcomes: JobOutcome[] = [];
  try {
    for (const file of files) {
      if (signal.aborted) break;
      try {
        const job = await loadJob(file);
        if (dryRun) {
          const steps = await prunePlan(job, clock());
          if (values.json === true) plans.push({ job: job.name, file: job.file, steps, onFailure: [] });
          else process.stdout.write(pruneDryRun(job.name, steps));
          continue;
        }
        const outcome = await pruneJob(job, session, clock());
        outcomes.push(outcome);
        if (process.stdout.isTTY === true && outcome.status === "ok") {
          process.stdout.write(`${job.name}: pruned ${outcome.pruned.length}${outcome.pruned.length > 0 ? ` (${outcome.pruned.join(", ")})` : ""}\n`);
        }
      } catch (error) {
        if (!(error instanceof LinkbackError)) throw error;
        run.logger.error({ job: file.name }, messageOf(error));
        outcomes.push({ job: file.name, status: error instanceof ConfigError ? "config" : "failed", exitCode: error.exitCode, message: messageOf(error), pruned: [], durationMs: 0 });
      }
    }
    if (values.json === true) process.stdout.write(`${JSON.stringify(plans.length === 1 ? plans[0] : plans, null, 2)}\n`);
  } finally {
    await run.close();
  }
  return worstExitCode(outcomes);
}

/** `laptop: delete laptop-2026-01-31: 40 day(s) old, kept by no rule (…)`, one line per decision and per other step. */
function pruneDryRun(job: string, steps: readonly Step[]): string {
  const lines: string[] = [];
  for (const step of steps) {
    if (step.kind === "prune") {
      for (const d of step.decisions) lines.push(`${job}: ${decisionLine(d)}`);
    } else if (step.kind === "empty-trash") {
      for (const path of step.leftovers) lines.push(`${job}: delete ${path}: left in the trash by a run that died`);
    } else {
      lines.push(...describeSteps([step], `${job}:`).map((line) => line.trim()));
    }
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

export const command: Command = { help: PRUNE_HELP, run: pruneCommand };
