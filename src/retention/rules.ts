// The calendar rules of retention as data (borg's PruningRule): each names its period of a snapshot. Finest
// first: the order the rules are applied in. Pure.
import { getISOWeek } from "date-fns/getISOWeek";
import { getISOWeekYear } from "date-fns/getISOWeekYear";
import { parseISO } from "date-fns/parseISO";
import type { KeepRules } from "../config/types.ts";
import type { Snapshot } from "../store/inventory.ts";
import { wallClock } from "../time/zone.ts";

export type PeriodName = keyof KeepRules;

export interface PeriodRule {
  name: PeriodName;
  /** The period in words: "day" for daily. */
  unit: string;
  /** The period a snapshot falls in, e.g. `2026-W47`; the time zone only matters for timed names. */
  periodOf(snapshot: Snapshot, timeZone?: string): string;
}

export const PERIOD_RULES: readonly PeriodRule[] = [
  {
    name: "hourly",
    unit: "hour",
    // A daily name has no hour: it is an hour of its own.
    periodOf: (s, zone) => (s.at === undefined ? `${s.day} (no time)` : `${s.day} ${String(wallClock(new Date(s.at), zone).hour).padStart(2, "0")}h`),
  },
  { name: "daily", unit: "day", periodOf: (s) => s.day },
  {
    name: "weekly",
    unit: "week",
    // ISO week-year and week of the local calendar date (a week across New Year is one week).
    periodOf: (s) => {
      const date = parseISO(s.day);
      return `${getISOWeekYear(date)}-W${String(getISOWeek(date)).padStart(2, "0")}`;
    },
  },
  { name: "monthly", unit: "month", periodOf: (s) => s.day.slice(0, 7) },
  { name: "yearly", unit: "year", periodOf: (s) => s.day.slice(0, 4) },
];
