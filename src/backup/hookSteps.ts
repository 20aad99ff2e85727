// The job's hooks as plan steps: pre (its failure skips the backup, except notify()), after and fail (their
// failures are logged and change nothing). A notification nobody could see is said at info level.
import type { Hook, HookContext } from "../config/types.ts";
import { type HookResult, runHook } from "../hooks/run.ts";
import type { AfterHook, FailHook, PreHook } from "../plan/steps.ts";
import { type Execution, OK, type StepResult, failed, hookContext } from "./execution.ts";

export async function preHook(step: PreHook, run: Execution): Promise<StepResult> {
  const result = await runPhase(run, "pre", hookContext(run, "pending"), step.stopsBackup ? "" : "; backing up anyway");
  if (result.ok || !step.stopsBackup) return OK;
  return failed(`job ${run.job.name}: pre hook failed (${result.error}); backup skipped, nothing pruned`);
}

/** The after hook; after a partial snapshot, the fail hook instead (with the files that failed). */
export async function afterHook(_step: AfterHook, run: Execution): Promise<StepResult> {
  if (run.partial === undefined) await runPhase(run, "after", hookContext(run, "ok", { exitCode: run.rsync?.exitCode }));
  else await runPhase(run, "fail", hookContext(run, "partial", { exitCode: run.rsync?.exitCode, error: partialMessage(run), failedFiles: run.partial.files }));
  return OK;
}

/** One line for a partial snapshot: how many files failed, the first of them. */
export function partialMessage(run: Execution): string {
  const partial = run.partial!;
  const shown = partial.files.slice(0, 3).join(", ");
  return `job ${run.job.name}: ${run.snapshot} is partial: rsync could not transfer ${partial.count} file(s) (${shown}${partial.count > 3 ? ", …" : ""}); everything else is in it`;
}

export async function failHook(_step: FailHook, run: Execution, error: string): Promise<StepResult> {
  await runPhase(run, "fail", hookContext(run, "failed", { error, exitCode: run.rsync?.exitCode }));
  return OK;
}

async function runPhase(run: Execution, phase: "pre" | "after" | "fail", context: HookContext, failing = ""): Promise<HookResult> {
  const hook: Hook | undefined = run.job.hooks[phase];
  if (hook === undefined) return { ok: true };
  run.log.debug({ phase }, `running ${phase} hook`);
  const result = await runHook(hook, run.job, context, run.session.signal);
  if (!result.ok) run.log.warn({ phase }, `${phase} hook failed: ${result.error}${failing}`);
  else if (result.skipped !== undefined) run.log.info({ phase }, result.skipped);
  return result;
}
