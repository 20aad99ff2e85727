// How often a job is due (`every`) and when a missing backup becomes an alarm (`alertAfter`): "30m", "6h",
// "1d", "1w". Pure.

/** A parsed duration. Day and week cycles count calendar days (DST days have 23 or 25 hours). */
export interface Cycle {
  /** As written in the job file (normalised: "24h" is "1d"). */
  text: string;
  count: number;
  unit: "m" | "h" | "d" | "w";
}

const FORM = /^([1-9]\d{0,5})([mhdw])$/;
const MINUTE = 60_000;
const UNIT_MS = { m: MINUTE, h: 60 * MINUTE, d: 24 * 60 * MINUTE, w: 7 * 24 * 60 * MINUTE } as const;

/** The default `every`: one day. */
export const DAILY: Cycle = { text: "1d", count: 1, unit: "d" };

/** Parse "6h", "1d", "2w" …; returns the problem as a string when `text` is not one. */
export function parseCycle(text: unknown): Cycle | string {
  if (typeof text !== "string") return `must be a string like "6h", "1d" or "1w"`;
  const match = FORM.exec(text.trim());
  if (match === null) return `must be a number and a unit — m (minutes), h (hours), d (days) or w (weeks) — like "6h", "1d" or "1w"`;
  let count = Number(match[1]);
  let unit = match[2] as Cycle["unit"];
  // Whole days written in hours or minutes are days: "24h" is a daily job.
  if (unit === "h" && count >= 24) {
    if (count % 24 !== 0) return `${count} hours is more than a day but not whole days: write hours below 24, or days ("${Math.round(count / 24)}d")`;
    [count, unit] = [count / 24, "d"];
  }
  if (unit === "m" && count >= 1440) {
    if (count % 1440 !== 0) return `${count} minutes is more than a day but not whole days: write minutes below 1440, or days`;
    [count, unit] = [count / 1440, "d"];
  }
  return { text: `${count}${unit}`, count, unit };
}

/** True for cycles shorter than a day: their snapshots carry the time in their names. */
export function isTimed(cycle: Cycle): boolean {
  return cycle.unit === "m" || cycle.unit === "h";
}

/** The length in milliseconds (a day counted as 24 h). */
export function cycleMs(cycle: Cycle): number {
  return cycle.count * UNIT_MS[cycle.unit];
}

/** Whole calendar days of a day or week cycle. */
export function cycleDays(cycle: Cycle): number {
  return cycle.unit === "w" ? cycle.count * 7 : cycle.count;
}

/** `alertAfter`'s default: three cycles. */
export function threeTimes(cycle: Cycle): Cycle {
  return { text: `${cycle.count * 3}${cycle.unit}`, count: cycle.count * 3, unit: cycle.unit };
}

/** A duration for people: "45s", "12m", "3h 20m", "2d 4h". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}
