// Names in the backup directory: `PREFIX-YYYY-MM-DD` snapshots, the staging directory, the trash.
// Only a name that parses exactly as this job's snapshot is ever treated as one.
import { format, isValid, parse } from "date-fns";

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The local calendar day of an instant, as used in snapshot names. */
export function dayOf(instant: Date): string {
  return format(instant, "yyyy-MM-dd");
}

/** `laptop` + `2026-11-22` → `laptop-2026-11-22`. */
export function snapshotName(prefix: string, day: string): string {
  return `${prefix}-${day}`;
}

/** The day of `name` if it is exactly one of this prefix's snapshots, else undefined. */
export function parseSnapshotName(prefix: string, name: string): string | undefined {
  if (!name.startsWith(`${prefix}-`)) return undefined;
  const day = name.slice(prefix.length + 1);
  return isCalendarDay(day) ? day : undefined;
}

/** True for a real calendar date written `YYYY-MM-DD` (not 2026-02-30). */
export function isCalendarDay(text: string): boolean {
  if (!DAY.test(text)) return false;
  const date = parse(text, "yyyy-MM-dd", new Date(2000, 0, 1));
  return isValid(date) && format(date, "yyyy-MM-dd") === text;
}

/** Where rsync writes: never parses as a snapshot, so no listing or pruning counts it. */
export function stagingName(prefix: string): string {
  return `${prefix}-incomplete`;
}

/** The previous failed attempt, kept as the first link target so a new attempt resumes from it. */
export function resumeName(prefix: string): string {
  return `${prefix}-incomplete.prev`;
}

/** A same-day snapshot set aside while its replacement is renamed into place (restored if a crash intervenes). */
export function replacedName(snapshot: string): string {
  return `${snapshot}.replaced`;
}

/** The snapshot name a `.replaced` entry stands for, if it is one of this prefix's. */
export function parseReplacedName(prefix: string, name: string): string | undefined {
  if (!name.endsWith(".replaced")) return undefined;
  const snapshot = name.slice(0, -".replaced".length);
  return parseSnapshotName(prefix, snapshot) === undefined ? undefined : snapshot;
}

/** Folder inside the backup directory where doomed trees are renamed before they are deleted. */
export const TRASH_DIR = ".linkback-trash";

/** The trash entry for `name`: unique per call, and traceable to the job by its original name. */
export function trashName(name: string, instant: Date, pid: number, sequence = 0): string {
  return `${name}~${format(instant, "yyyyMMdd'T'HHmmss")}.${pid}${sequence === 0 ? "" : `-${sequence}`}`;
}

/** The original name of a trash entry. */
export function trashOrigin(entry: string): string {
  const cut = entry.lastIndexOf("~");
  return cut < 0 ? entry : entry.slice(0, cut);
}

/** The lock file of a job, beside its snapshots. */
export function lockName(prefix: string): string {
  return `.linkback-${prefix}.lock`;
}
