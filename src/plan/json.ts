// The plan as data for `run --dry-run --json`: the job by name, the steps as they are.
import type { Plan } from "./plan.ts";

export function planJson(plan: Plan): Record<string, unknown> {
  return {
    job: plan.job.name,
    file: plan.job.file,
    snapshot: plan.snapshot.name,
    source: plan.source,
    linkDests: plan.linkDests,
    steps: plan.steps,
    onFailure: plan.onFailure,
  };
}
