// How a job's run ended, for the status, the exit code and the summary line; and many outcomes → one exit
// status.
import { formatBytes } from "../bytes.ts";
import { ExitCode } from "../errors.ts";
import type { StepKind } from "../plan/steps.ts";
import type { RsyncOutcome } from "../rsync/run.ts";
import type { Snapshot } from "../store/inventory.ts";

export type JobStatus = "ok" | "partial" | "shrunk" | "failed" | "locked" | "config" | "interrupted" | "offline";

export interface JobOutcome {
  job: string;
  status: JobStatus;
  exitCode: number;
  /** The one line that says why, when not ok. */
  message?: string;
  snapshot?: string;
  pruned: string[];
  durationMs: number;
  rsync?: RsyncOutcome;
  /** The plan's steps that were carried out, in order (the fail hook included when it ran). */
  steps?: StepKind[];
  /** What needs attention although the run went on: the clock looks wrong, nothing was linked. */
  warnings?: string[];
  /** Bytes the new snapshot stored anew (rsync's transferred file size). */
  newBytes?: number;
  /** The job's complete snapshots after the run, oldest first, when the run knows them (the status needs no second look). */
  snapshots?: Snapshot[];
}

/** Precedence: interrupted, then failed, then invalid config, then locked; 0 only if every job is ok. */
export function worstExitCode(outcomes: readonly JobOutcome[]): number {
  const order = [ExitCode.sighup, ExitCode.sigint, ExitCode.sigterm, ExitCode.failed, ExitCode.config, ExitCode.partial, ExitCode.locked, ExitCode.usage];
  for (const code of order) if (outcomes.some((outcome) => outcome.exitCode === code)) return code;
  return outcomes.find((outcome) => outcome.exitCode !== ExitCode.ok)?.exitCode ?? ExitCode.ok;
}

/** `ok — laptop-2026-11-22, 12 files transferred, 3.4 MB received, 1.2 kB sent, 2.1 s, pruned 1`. */
export function summaryLine(outcome: JobOutcome): string {
  if (outcome.status !== "ok" && outcome.status !== "partial") return `${outcome.status} — ${outcome.message ?? ""}`;
  const parts = [outcome.snapshot ?? "dry run"];
  const stats = outcome.rsync?.stats;
  if (stats?.filesTransferred !== undefined) parts.push(`${stats.filesTransferred} files transferred`);
  if (stats?.bytesReceived !== undefined) parts.push(`${formatBytes(stats.bytesReceived)} received`);
  if (stats?.bytesSent !== undefined) parts.push(`${formatBytes(stats.bytesSent)} sent`);
  parts.push(`${(outcome.durationMs / 1000).toFixed(1)} s`);
  if (outcome.pruned.length > 0) parts.push(`pruned ${outcome.pruned.length}`);
  return outcome.status === "partial" ? `partial — ${parts.join(", ")}: ${outcome.message ?? ""}` : `ok — ${parts.join(", ")}`;
}
