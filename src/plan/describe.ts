// The plan as text: what `run --dry-run` and `prune --dry-run` print, step by step, each with its reason.
import { basename } from "node:path";
import { quoteArgv } from "../process/shellWords.ts";
import type { Plan } from "./plan.ts";
import type { Step } from "./steps.ts";
import type { RetentionDecision } from "../retention/policy.ts";

/** A readable, complete account of what a run would do. */
export function describePlan(plan: Plan): string {
  const { job } = plan;
  const copied = job.copyOf === undefined ? "" : ` (the newest complete snapshot of job ${job.copyOf.name})`;
  const lines = [
    `job ${job.name} (${job.file})`,
    `  source:      ${plan.source === "" ? "-" : plan.source}${copied}`,
    `  snapshot:    ${plan.snapshotPath}`,
    `  steps:`,
    ...describeSteps(plan.steps),
  ];
  if (plan.onFailure.length > 0) lines.push("  when a step fails:", ...describeSteps(plan.onFailure, "  -"));
  return `${lines.join("\n")}\n`;
}

/** Numbered steps (or bulleted with `bullet`), each a line with its reason and the lines of its details. */
export function describeSteps(steps: readonly Step[], bullet?: string): string[] {
  return steps.flatMap((step, index) => {
    const [head, ...details] = stepLines(step);
    return [`  ${bullet ?? `${String(index + 1).padStart(2)}.`} ${head}`, ...details.map((line) => `       ${line}`)];
  });
}

/** `keep   laptop-2026-11-21: 1 day(s) old, within keepDays 7`. */
export function decisionLine(d: RetentionDecision): string {
  return `${d.action === "keep" ? "keep  " : "delete"} ${d.snapshot.name}: ${d.reason}`;
}

function stepLines(step: Step): string[] {
  switch (step.kind) {
    case "restore-replaced":
      return [`restore ${basename(step.to)}: rename ${step.from} → ${step.to}`, step.why];
    case "discard-replaced":
      return [`trash ${step.path}`, step.why];
    case "refuse":
      return [`fail: ${step.why}`];
    case "pre-hook":
      return [`pre hook:   ${step.hook}`, step.why];
    case "check-source":
      return [`check that source ${step.path} exists and can be read`, step.why];
    case "make-room":
      return [`make room: ${step.why}`, ...step.candidates.map((c, i) => `candidate ${i + 1}: ${c.name}: ${c.why}`)];
    case "clear-empty-staging":
      return [`remove the empty ${step.path}`, step.why];
    case "discard-attempt":
      return [`discard ${step.path}`, step.why];
    case "resume":
      return [`resume: rename ${step.from} → ${step.to}`, step.why];
    case "make-staging":
      return [`make staging ${step.path}`, step.why, ...step.linkDests.map((dir) => `link-dest ${dir}`)];
    case "rsync":
      return [
        `rsync:      ${quoteArgv(step.argv)}`, step.why,
        ...step.excluded.map((e) => `not backed up: /${e.path} (${e.why})`),
        ...step.fallbacks.map((f) => `${f.why}: ${quoteArgv(f.argv)}`),
      ];
    case "check-shrink":
      return [`check that the source did not lose its content (against ${basename(step.against)})`, step.why];
    case "record":
      return [`record the snapshot in ${step.path}`, step.why];
    case "flush":
      return [`flush the backup filesystem (${step.path})`, step.why];
    case "publish":
      return [`publish: rename ${step.from} → ${step.to}${step.setAside === undefined ? "" : `, after setting ${basename(step.to)} aside as ${basename(step.setAside)}`}`, step.why];
    case "clean-up":
      return ["clean up:", ...step.paths.map((p) => `trash ${p.path}: ${p.why}`)];
    case "after-hook":
      return [`after hook: ${step.hook ?? "none"}${step.ifPartial === undefined ? "" : ` (if partial: fail hook ${step.ifPartial})`}`, step.why];
    case "prune":
      return [`prune: ${step.why}`, ...step.decisions.map(decisionLine)];
    case "empty-trash":
      return ["empty the trash", step.why, ...step.leftovers.map((path) => `left by a dead run: ${path}`)];
    case "fail-hook":
      return [`fail hook:  ${step.hook}`];
  }
}
