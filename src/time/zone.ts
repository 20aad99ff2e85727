// Calendar days in a time zone: the system's (undefined), or a job's IANA `timeZone`. Days are labels
// (`YYYY-MM-DD`); arithmetic on labels is plain calendar arithmetic, so DST (23- and 25-hour days) and the
// offset of the box never enter it. Pure.
import { parseISO } from "date-fns/parseISO";

const formats = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formats.get(timeZone);
  if (found === undefined) {
    found = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    });
    formats.set(timeZone, found);
  }
  return found;
}

/** True when `name` is a time zone this Node knows (IANA names such as `Europe/Berlin`, or `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time of `instant` in `timeZone` (undefined: the system's). */
export function wallClock(instant: Date, timeZone?: string): { day: string; hour: number; minute: number } {
  if (timeZone === undefined) return { day: localStamp(instant).slice(0, 10), hour: instant.getHours(), minute: instant.getMinutes() };
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(instant).map((part) => [part.type, part.value]));
  return { day: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), minute: Number(parts.minute) };
}

/**
 * `YYYY-MM-DD HH:MM:SS` of `instant` in the system's time zone. (date-fns' `format` would do, but loading it
 * costs a router 6 MB of memory for this one pattern.)
 */
export function localStamp(instant: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(instant.getFullYear()).padStart(4, "0")}-${two(instant.getMonth() + 1)}-${two(instant.getDate())} ` +
    `${two(instant.getHours())}:${two(instant.getMinutes())}:${two(instant.getSeconds())}`;
}

/** The calendar day of `instant` in `timeZone`. */
export function dayIn(instant: Date, timeZone?: string): string {
  return wallClock(instant, timeZone).day;
}

/** `day` plus `days` calendar days. */
export function addDaysTo(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const utc = (day: string) => {
    const [y, m, d] = day.split("-").map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((utc(to) - utc(from)) / 86_400_000);
}

/** The first instant of `day` in `timeZone` (its local midnight, or the first minute after a skipped one). */
export function startOfDayIn(day: string, timeZone?: string): Date {
  if (timeZone === undefined) return parseISO(day);
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const wanted = Date.UTC(y, m - 1, d);
  let guess = wanted;
  for (let round = 0; round < 3; round++) {
    const wall = wallClock(new Date(guess), timeZone);
    const [wy, wm, wd] = wall.day.split("-").map(Number) as [number, number, number];
    const shownAsUtc = Date.UTC(wy, wm - 1, wd, wall.hour, wall.minute);
    guess = wanted - (shownAsUtc - guess);
  }
  return new Date(guess);
}
