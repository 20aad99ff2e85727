// Many job outcomes → one exit status and readable summary lines.
import { ExitCode } from "../errors.ts";
import type { JobOutcome } from "./execute.ts";

/** Precedence: interrupted, then failed, then invalid config, then locked; 0 only if every job is ok. */
export function worstExitCode(outcomes: readonly JobOutcome[]): number {
  const order = [ExitCode.sighup, ExitCode.sigint, ExitCode.sigterm, ExitCode.failed, ExitCode.config, ExitCode.locked, ExitCode.usage];
  for (const code of order) if (outcomes.some((outcome) => outcome.exitCode === code)) return code;
  return outcomes.find((outcome) => outcome.exitCode !== ExitCode.ok)?.exitCode ?? ExitCode.ok;
}

/** `ok — laptop-2026-11-22, 12 files transferred, 3.4 MB received, 1.2 kB sent, 2.1 s, pruned 1`. */
export function summaryLine(outcome: JobOutcome): string {
  if (outcome.status !== "ok") return `${outcome.status} — ${outcome.message ?? ""}`;
  const parts = [outcome.snapshot ?? "dry run"];
  const stats = outcome.rsync?.stats;
  if (stats?.filesTransferred !== undefined) parts.push(`${stats.filesTransferred} files transferred`);
  if (stats?.bytesReceived !== undefined) parts.push(`${formatBytes(stats.bytesReceived)} received`);
  if (stats?.bytesSent !== undefined) parts.push(`${formatBytes(stats.bytesSent)} sent`);
  parts.push(`${(outcome.durationMs / 1000).toFixed(1)} s`);
  if (outcome.pruned.length > 0) parts.push(`pruned ${outcome.pruned.length}`);
  return `ok — ${parts.join(", ")}`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) { // 999,999 B is "1.0 MB", not "1000.0 kB"
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
