// The pure core of unattended operation: (a job's cycle, its snapshots, what happened last, now) → its
// state, whether it is due, when, and whether it is overdue. `due` acts on it; the status files show it.
import { type Snapshot, byAge } from "../store/inventory.ts";
import { addDaysTo, dayIn, daysBetween, startOfDayIn } from "../time/zone.ts";
import { type Cycle, cycleDays, cycleMs, formatDuration, isTimed } from "../time/cycle.ts";

/** What the status shows for a job. */
export type JobState = "ok" | "running" | "partial" | "shrunk" | "failed" | "offline" | "overdue" | "disabled";

/** How the last attempt ended. */
export type AttemptResult = "ok" | "partial" | "shrunk" | "failed" | "offline" | "locked" | "interrupted";

export interface Attempt {
  /** When it started (ISO 8601). */
  at: string;
  result: AttemptResult;
  /** Why, in a few words, when not ok. */
  error?: string;
}

export interface ScheduleInput {
  name: string;
  cycle: Cycle;
  alertCycle: Cycle;
  enabled: boolean;
  /** Complete snapshots, any order. */
  snapshots: readonly Snapshot[];
  /** When linkback first saw the job: the clock for `overdue` before there is any snapshot (ISO 8601). */
  firstSeen: string;
  lastAttempt?: Attempt | undefined;
  /** Failed attempts in a row (0 after a success). */
  failures: number;
  /** A live process holds the job's lock. */
  running: boolean;
  /** The job file does not load or validate. */
  configError?: string | undefined;
  /** The job's time zone (undefined: the system's): where its days begin. */
  timeZone?: string | undefined;
}

export interface Schedule {
  name: string;
  state: JobState;
  /** Should `due` run it now? */
  due: boolean;
  /** When it is (or was) due; undefined for jobs that cannot run (disabled, broken job file). */
  dueAt: Date | undefined;
  /** No complete snapshot for `alertAfter` (or never, since first seen that long ago). */
  overdue: boolean;
  /** The newest complete snapshot not dated after now. */
  newest: Snapshot | undefined;
  /** Snapshots dated after now: the clock moved back. Never used as "the newest". */
  future: Snapshot[];
  /** One line: why it is or is not due. */
  why: string;
}

/** After failed attempts, wait 5, 10, 20, 40 … minutes (at most a cycle, at most 4 h) before the next. */
export const RETRY_BASE_MS = 5 * 60_000;
export const RETRY_CAP_MS = 4 * 60 * 60_000;

/**
 * The newest snapshot not dated after `now`, and those dated after it (a clock that moved back): a daily
 * name is in the future from the day after its own, a timed one from the minute after its own.
 */
export function newestAndFuture(snapshots: readonly Snapshot[], now: Date, timeZone?: string): { newest: Snapshot | undefined; future: Snapshot[] } {
  const today = dayIn(now, timeZone);
  const isFuture = (s: Snapshot) => (s.at === undefined ? s.day > today : s.madeAt > now.getTime());
  const newest = snapshots.filter((s) => !isFuture(s)).reduce<Snapshot | undefined>((best, s) => (best === undefined || byAge(s, best) > 0 ? s : best), undefined);
  return { newest, future: snapshots.filter(isFuture) };
}

/** Decide one job's state and due time. Pure. */
export function scheduleJob(input: ScheduleInput, now: Date): Schedule {
  const zone = input.timeZone;
  const { newest, future } = newestAndFuture(input.snapshots, now, zone);
  const base = { name: input.name, newest, future };

  if (input.configError !== undefined) return { ...base, state: "failed", due: false, dueAt: undefined, overdue: false, why: "the job file is broken" };
  if (!input.enabled) return { ...base, state: "disabled", due: false, dueAt: undefined, overdue: false, why: "disabled (enabled: false)" };

  // Since when the job has been without a backup: its newest snapshot, or when it was first seen.
  const since = newest ?? { name: "", day: dayIn(new Date(input.firstSeen), zone), at: input.firstSeen, madeAt: Date.parse(input.firstSeen) };
  const overdueAt = after(since, input.alertCycle, input.cycle, zone);
  const overdue = now.getTime() >= overdueAt.getTime();

  let dueAt = newest === undefined ? new Date(input.firstSeen) : after(newest, input.cycle, input.cycle, zone);
  let why = newest === undefined ? "no complete snapshot yet" : `newest ${newest.name}, every ${input.cycle.text}`;
  const last = input.lastAttempt;
  if ((last?.result === "failed" || last?.result === "shrunk") && input.failures > 0) {
    const wait = Math.min(RETRY_BASE_MS * 2 ** Math.min(input.failures - 1, 20), cycleMs(input.cycle), RETRY_CAP_MS);
    const retryAt = new Date(new Date(last.at).getTime() + wait);
    if (retryAt.getTime() > dueAt.getTime()) {
      dueAt = retryAt;
      why += `; ${input.failures} failed attempt(s) in a row, next try after ${formatDuration(wait)}`;
    }
  }
  const due = !input.running && now.getTime() >= dueAt.getTime();
  const state: JobState = input.running
    ? "running"
    : overdue
      ? "overdue"
      : last?.result === "failed" || last?.result === "interrupted"
        ? "failed"
        : last?.result === "shrunk" || last?.result === "partial"
          ? last.result
          : last?.result === "offline"
            ? "offline"
            : "ok";
  return { ...base, state, due, dueAt, overdue, why: `${due ? "due" : "not due"}: ${why}` };
}

/**
 * When `length` has passed since `snapshot`. Day and week lengths of a daily (or slower) job count calendar
 * days from the snapshot's local day, so a daily is due once a day whatever its time of day, and DST days
 * (23 or 25 hours) change nothing; sub-daily jobs count exact time from the snapshot's minute.
 */
function after(snapshot: Snapshot, length: Cycle, cycle: Cycle, timeZone: string | undefined): Date {
  if (!isTimed(cycle)) return startOfDayIn(addDaysTo(snapshot.day, cycleDays(length)), timeZone);
  return new Date(snapshot.madeAt + cycleMs(length));
}

/** Most overdue first (earliest due time), then by name; jobs that cannot run last. */
export function dueOrder(a: Schedule, b: Schedule): number {
  const x = a.dueAt?.getTime() ?? Infinity;
  const y = b.dueAt?.getTime() ?? Infinity;
  if (x !== y) return x - y;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** How old the newest snapshot is, for people: "3h 20m" (timed), "today", "1 day", "12 days". */
export function ageText(schedule: Schedule, now: Date, timeZone?: string): string {
  const newest = schedule.newest;
  if (newest === undefined) return "-";
  if (newest.at !== undefined) return formatDuration(now.getTime() - new Date(newest.at).getTime());
  const days = daysBetween(newest.day, dayIn(now, timeZone));
  return days === 0 ? "today" : days === 1 ? "1 day" : `${days} days`;
}
