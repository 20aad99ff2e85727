// `run --dry-run`: print the plan and let rsync show what it would transfer. Takes no lock, renames,
// deletes and runs no hook, writes no log file.
import { ExitCode } from "../errors.ts";
import type { Job } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import { describePlan } from "../plan/describe.ts";
import { isSuccess, rsyncMeaning } from "../rsync/exitCodes.ts";
import { runRsync } from "../rsync/run.ts";
import { currentPlan } from "./facts.ts";
import type { JobOutcome } from "./execute.ts";

export async function dryRunJob(job: Job, context: { now: Date; logger: Logger }): Promise<JobOutcome> {
  const started = Date.now();
  const plan = await currentPlan(job, context.now, { dryRun: true });
  process.stdout.write(describePlan(plan));
  process.stdout.write("--- rsync --dry-run output ---\n");
  const rsync = await runRsync(plan.rsyncArgv, { logFile: undefined, cancelSignal: undefined });
  const ok = isSuccess(rsync.exitCode);
  const message = `rsync --dry-run exited ${rsync.exitCode}: ${rsyncMeaning(rsync.exitCode)}`;
  if (ok) context.logger.info({ job: job.name }, message);
  else context.logger.error({ job: job.name }, message);
  return {
    job: job.name,
    status: ok ? "ok" : "failed",
    exitCode: ok ? ExitCode.ok : ExitCode.failed,
    ...(ok ? {} : { message }),
    pruned: [],
    durationMs: Date.now() - started,
    rsync,
  };
}
