// The blog script's retention rule as a pure function: keep the snapshots of the last N calendar days.
import { differenceInCalendarDays, parseISO } from "date-fns";
import type { Snapshot } from "../snapshot/inventory.ts";

export interface RetentionDecision {
  snapshot: Snapshot;
  action: "keep" | "delete";
  reason: string;
}

/**
 * Decide each snapshot's fate on `today` (YYYY-MM-DD) under `keepDays` (undefined: keep all).
 * A snapshot is kept if it is fewer than `keepDays` calendar days old: keepDays 10 on the 22nd keeps the
 * 13th–22nd. `protect` (the snapshot just made) and snapshots dated after today are always kept.
 * Days are compared as calendar labels, so DST (23- and 25-hour days) cannot shift the boundary.
 */
export function decideKeepDays(
  snapshots: readonly Snapshot[],
  keepDays: number | undefined,
  today: string,
  protect?: string,
): RetentionDecision[] {
  const todayDate = parseISO(today);
  return snapshots.map((snapshot): RetentionDecision => {
    const age = differenceInCalendarDays(todayDate, parseISO(snapshot.day));
    if (snapshot.name === protect) return { snapshot, action: "keep", reason: "the snapshot this run made" };
    if (age < 0) {
      return { snapshot, action: "keep", reason: `dated ${-age} day(s) after today (${today}): the clock may have moved back; never pruned` };
    }
    if (keepDays === undefined) return { snapshot, action: "keep", reason: "no keepDays set: every snapshot is kept" };
    if (age < keepDays) return { snapshot, action: "keep", reason: `${age} day(s) old, within keepDays ${keepDays}` };
    return { snapshot, action: "delete", reason: `${age} day(s) old, keepDays ${keepDays} keeps only the last ${keepDays} day(s)` };
  });
}
