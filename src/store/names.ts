// Names in the backup directory: `PREFIX-YYYY-MM-DD` snapshots (and `PREFIX-YYYY-MM-DDTHHMMZ` for jobs that
// run more often than daily), the staging directory, the trash. Only a name that parses exactly as this
// job's snapshot is ever treated as one.
import { dayIn, localStamp, startOfDayIn } from "../time/zone.ts";
import type { Snapshot } from "./inventory.ts";

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MINUTE = /^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})Z$/;

/** When a snapshot was made, as far as its name says. */
export interface SnapshotStamp {
  /** The local calendar day, `YYYY-MM-DD` (for a timed name: the local day of its instant). */
  day: string;
  /** Timed names only: the UTC minute it was started, as an ISO instant. */
  at?: string;
}

/**
 * The name of a snapshot started at `instant`: `PREFIX-YYYY-MM-DD` (local day) for daily and slower jobs;
 * `PREFIX-YYYY-MM-DDTHHMMZ` (UTC minute) for jobs that run more often than daily. UTC because local clock
 * times repeat when clocks go back (01:30 happens twice) and would sort wrongly; no `:` because vfat
 * forbids it and rsync reads `host:path` into it.
 */
export function snapshotNameAt(prefix: string, instant: Date, timed: boolean, timeZone?: string): string {
  return `${prefix}-${timed ? minuteStamp(instant) : dayIn(instant, timeZone)}`;
}

/** `2026-11-22T0300Z`: the UTC minute of `instant`. */
export function minuteStamp(instant: Date): string {
  const iso = instant.toISOString(); // 2026-11-22T03:00:59.999Z
  return `${iso.slice(0, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

/** The day of `name` if it is exactly one of this prefix's snapshots, else undefined. */
export function parseSnapshotName(prefix: string, name: string): string | undefined {
  return parseSnapshotStamp(prefix, name)?.day;
}

/** Day (and, for a timed name, instant and its day in `timeZone`) of `name` if it is exactly one of this prefix's snapshots. */
export function parseSnapshotStamp(prefix: string, name: string, timeZone?: string): SnapshotStamp | undefined {
  if (!name.startsWith(`${prefix}-`)) return undefined;
  const rest = name.slice(prefix.length + 1);
  if (isCalendarDay(rest)) return { day: rest };
  const timed = MINUTE.exec(rest);
  if (timed === null || !isCalendarDay(timed[1]!) || Number(timed[2]) > 23 || Number(timed[3]) > 59) return undefined;
  const at = new Date(`${timed[1]}T${timed[2]}:${timed[3]}:00Z`);
  return { day: dayIn(at, timeZone), at: at.toISOString() };
}

/**
 * `name` as one of this prefix's snapshots, or undefined. Its `madeAt` is what the name says: the minute of a
 * timed name, the start of the day (in `timeZone`) of a daily one; the inventory may know better.
 */
export function snapshotFromName(prefix: string, name: string, timeZone?: string): Snapshot | undefined {
  const stamp = parseSnapshotStamp(prefix, name, timeZone);
  return stamp === undefined ? undefined : { name, ...stamp, madeAt: stampInstant(stamp, timeZone) };
}

/** The instant a name stands for: a timed name's minute, a daily name's local midnight in `timeZone`. */
export function stampInstant(stamp: SnapshotStamp, timeZone?: string): number {
  return stamp.at === undefined ? startOfDayIn(stamp.day, timeZone).getTime() : Date.parse(stamp.at);
}

/** True for a real calendar date written `YYYY-MM-DD` (not 2026-02-30). */
export function isCalendarDay(text: string): boolean {
  if (!DAY.test(text)) return false;
  const [y, m, d] = text.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
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
  const stamp = localStamp(instant).replaceAll(/[-:]/g, "").replace(" ", "T"); // yyyyMMddTHHmmss
  return `${name}~${stamp}.${pid}${sequence === 0 ? "" : `-${sequence}`}`;
}

/** The pid of the process that put an entry in the trash (from its name). */
export function trashPid(entry: string): number | undefined {
  const match = /~\d{8}T\d{6}\.(\d+)(?:-\d+)?$/.exec(entry);
  return match === null ? undefined : Number(match[1]);
}

/** The original name of a trash entry. */
export function trashOrigin(entry: string): string {
  const cut = entry.lastIndexOf("~");
  return cut < 0 ? entry : entry.slice(0, cut);
}
