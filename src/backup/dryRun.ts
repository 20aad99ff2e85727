// `run --dry-run`'s second half: rsync --dry-run of the plan's transfer, to show what it would copy. Nothing
// is renamed first, so it links against a failed attempt where it lies, and writes nowhere (a staging name
// that never exists).
import type { Plan } from "../plan/plan.ts";
import type { Resume, Rsync } from "../plan/steps.ts";
import { rsyncArgv } from "../rsync/args.ts";
import { type RsyncOutcome, runRsync } from "../rsync/run.ts";

/** The argv rsync --dry-run gets for the plan's transfer. */
export function dryRunArgv(plan: Plan): string[] {
  const resume = plan.steps.find((step): step is Resume => step.kind === "resume");
  const linkDests = plan.linkDests.map((dir) => (dir === resume?.to ? resume.from : dir));
  return rsyncArgv(plan.job, { source: plan.source, linkDests, destination: `${plan.stagingPath}.dry-run`, dryRun: true });
}

/** rsync --dry-run with its output on our stdout/stderr; undefined when the plan has no transfer (it refuses). */
export async function dryRunTransfer(plan: Plan): Promise<RsyncOutcome | undefined> {
  if (!plan.steps.some((step): step is Rsync => step.kind === "rsync")) return undefined;
  return runRsync(dryRunArgv(plan), { logFile: undefined, cancelSignal: undefined });
}
