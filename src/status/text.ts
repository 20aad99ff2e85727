// status.txt and `linkback status`: plain ASCII, one line per job, readable with `cat` or a phone's browser.
import { localStamp } from "../time/zone.ts";
import { formatBytes } from "../bytes.ts";
import { type FilesystemUsage, type JobStatus, type StatusReport, needsAttention } from "./report.ts";

/** A time for people, in the box's local time: `2026-11-24 10:20`. */
export function localTime(iso: string): string {
  return localStamp(new Date(iso)).slice(0, 16);
}

/** Next due as shown: "now", a local time, or "-" for jobs that cannot run. */
export function nextDueText(job: JobStatus): string {
  if (job.nextDue === null) return "-";
  return job.dueNow ? "now" : localTime(job.nextDue);
}

/** `/mnt/usb: 931.5 GB total, 402.1 GB used, 529.4 GB free (43% used)`. */
export function diskText(disk: FilesystemUsage): string {
  const percent = disk.totalBytes === 0 ? 0 : Math.round((disk.usedBytes / disk.totalBytes) * 100);
  return `${disk.path}: ${formatBytes(disk.totalBytes)} total, ${formatBytes(disk.usedBytes)} used, ${formatBytes(disk.freeBytes)} free (${percent}% used)`;
}

/** An error cut to a few words for a table cell. */
export function shortError(text: string | null, max = 70): string {
  if (text === null) return "-";
  const line = text.replaceAll(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

/** The whole status as ASCII text (anything else in names or messages becomes `?`). */
export function renderText(report: StatusReport): string {
  const problems = report.jobs.filter(needsAttention).length;
  const lines = [
    `linkback status ${localTime(report.generatedAt)} on ${report.host}: ${report.jobs.length} job(s), ${problems === 0 ? "no problems" : `${problems} need(s) attention`}`,
    ...report.filesystems.map((disk) => `disk ${diskText(disk)}`),
    "",
  ];
  const header = ["JOB", "STATE", "LAST SNAPSHOT", "AGE", "NEW", "CYCLE", "NEXT DUE", "LAST ERROR"];
  const rows = report.jobs.map((job) => [
    job.name,
    job.state,
    job.lastSnapshot?.name ?? "none",
    job.lastSnapshot?.age ?? "-",
    job.newBytes === null ? "-" : formatBytes(job.newBytes),
    job.every ?? "-",
    nextDueText(job),
    shortError(job.lastError),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) {
    lines.push(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  ").trimEnd());
  }
  if (report.jobs.length === 0) lines.push("(no jobs yet: `linkback due` or `linkback run` writes them here)");
  for (const job of report.jobs) for (const warning of job.warnings) lines.push(`warning: ${job.name}: ${warning}`);
  for (const job of report.jobs.filter((j) => j.futureSnapshots.length > 0)) {
    lines.push(`warning: ${job.name} has snapshots dated after now (${job.futureSnapshots.join(", ")}): has the clock moved back?`);
  }
  return `${lines.join("\n").replaceAll(/[^\x20-\x7e\n]/g, "?")}\n`;
}
