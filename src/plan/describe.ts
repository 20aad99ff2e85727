// The plan as text: what `run --dry-run` and `check` print.
import type { Hook } from "../config/types.ts";
import { describeHook } from "../hooks/run.ts";
import type { Plan } from "./plan.ts";
import { quoteArgv } from "../process/shellWords.ts";

/** A readable, complete account of what a run would do. */
export function describePlan(plan: Plan): string {
  const { job } = plan;
  const copied = job.copyOf === undefined ? "" : ` (the newest complete snapshot of job ${job.copyOf.name})`;
  const lines = [
    `job ${job.name} (${job.file})`,
    `  source:      ${plan.source}${copied}`,
    `  snapshot:    ${plan.snapshotPath}`,
    `  staging:     ${plan.stagingPath}`,
  ];
  if (plan.discard !== undefined) lines.push(`  discard:     ${plan.discard} (an older failed attempt)`);
  if (plan.resume !== undefined) lines.push(`  resume:      ${plan.resume.from} → ${plan.resume.to} (first link target)`);
  if (plan.replaces !== undefined) lines.push(`  replaces:    ${plan.replaces} (made earlier today) once the new one is complete`);
  lines.push(`  link-dest:   ${plan.linkDests.length === 0 ? "none (first backup: a full copy)" : `${plan.linkDests.length}, newest first`}`);
  for (const dir of plan.linkDests) lines.push(`               ${dir}`);
  lines.push(`  pre hook:    ${hookText(plan.job.hooks.pre, plan)}`);
  lines.push(`  rsync:       ${quoteArgv(plan.rsyncArgv)}`);
  lines.push(`  after hook:  ${hookText(plan.job.hooks.after, plan)}`);
  lines.push(`  fail hook:   ${hookText(plan.job.hooks.fail, plan)}`);
  lines.push("  after a successful rsync:");
  for (const decision of plan.retention) {
    lines.push(`    ${decision.action === "keep" ? "keep  " : "delete"} ${decision.snapshot.name}: ${decision.reason}`);
  }
  return `${lines.join("\n")}\n`;
}

function hookText(hook: Hook | undefined, plan: Plan): string {
  return hook === undefined ? "none" : describeHook(hook, plan.job);
}
