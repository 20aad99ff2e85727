// One plan step → the effect that carries it out. The only switch over step kinds with side effects.
import type { Step } from "../plan/steps.ts";
import { type Execution, type StepResult, failed } from "./execution.ts";
import { afterHook, failHook, preHook } from "./hookSteps.ts";
import { emptyTrash, prune } from "./prune.ts";
import { makeRoom } from "./room.ts";
import { cleanUp, clearEmptyStaging, makeStaging, publish, restoreReplaced, resume, toTrash } from "./staging.ts";
import { checkShrink, checkSource, transfer } from "./transfer.ts";
import { flush, record } from "./durability.ts";

/** The log line of a step about to be carried out: its kind, and the whole step as planned (for the record). */
export function logStep(run: Execution, step: Step): void {
  run.log.debug({ step: step.kind, detail: step }, `step ${run.done.length + 1}: ${step.kind}`);
}

/** Carry out `step`. `error`: for the fail hook, why the run failed. Throws only for unexpected disk errors. */
export async function performStep(step: Step, run: Execution, error = ""): Promise<StepResult> {
  switch (step.kind) {
    case "restore-replaced":
      return restoreReplaced(step, run);
    case "discard-replaced":
    case "discard-attempt":
      return toTrash(step, run);
    case "refuse":
      return failed(`job ${run.job.name}: ${step.why}`);
    case "pre-hook":
      return preHook(step, run);
    case "check-source":
      return checkSource(step, run);
    case "make-room":
      return makeRoom(step, run);
    case "clear-empty-staging":
      return clearEmptyStaging(step);
    case "resume":
      return resume(step, run);
    case "make-staging":
      return makeStaging(step, run);
    case "rsync":
      return transfer(step, run);
    case "check-shrink":
      return checkShrink(step, run);
    case "record":
      return record(step, run);
    case "flush":
      return flush(step, run);
    case "publish":
      return publish(step, run);
    case "clean-up":
      return cleanUp(step, run);
    case "after-hook":
      return afterHook(step, run);
    case "prune":
      return prune(step, run);
    case "empty-trash":
      return emptyTrash(step, run);
    case "fail-hook":
      return failHook(step, run, error);
  }
}
