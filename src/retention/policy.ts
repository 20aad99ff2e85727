// Retention as one pure function: (snapshots, policy, now) → keep or delete, with a reason, for each snapshot.
// Rules: keepDays (the blog script's), then hourly, daily, weekly, monthly, yearly — calendar periods in the
// job's time zone, the newest snapshot of each period kept, finest rule first; a period whose newest snapshot
// a finer rule already keeps does not count toward the coarser one (as borg's prune), so { daily: 7,
// weekly: 4 } covers seven days and then four more weeks. A snapshot survives if any rule keeps it; never
// fewer than minKeep survive; snapshots dated after now (a clock that moved back) are never deleted.
import { getISOWeek } from "date-fns/getISOWeek";
import { getISOWeekYear } from "date-fns/getISOWeekYear";
import { parseISO } from "date-fns/parseISO";
import type { KeepRules } from "../config/types.ts";
import type { Snapshot } from "../store/inventory.ts";
import { snapshotInstant } from "../schedule/schedule.ts";
import { dayIn, daysBetween, wallClock } from "../time/zone.ts";

export interface RetentionPolicy {
  keep?: KeepRules | undefined;
  keepDays?: number | undefined;
  /** Never fewer complete snapshots than this (validation makes it at least 1). */
  minKeep: number;
  /** Where the calendar periods are (undefined: the system's time zone). */
  timeZone?: string | undefined;
}

export type RetentionRule = "protected" | "future" | "no rule" | "keepDays" | keyof KeepRules | "minKeep";

export interface RetentionDecision {
  snapshot: Snapshot;
  action: "keep" | "delete";
  /** The rule that keeps it (undefined for a delete). */
  rule?: RetentionRule;
  reason: string;
}

/** Finest first: the order rules are applied in. */
export const PERIODS = ["hourly", "daily", "weekly", "monthly", "yearly"] as const;

/** The calendar period of a snapshot for a rule, e.g. `2026-W47`; the time zone only matters for timed names. */
export function periodOf(rule: (typeof PERIODS)[number], snapshot: Snapshot, timeZone?: string): string {
  const day = snapshot.day;
  switch (rule) {
    case "hourly": {
      if (snapshot.at === undefined) return `${day} (no time)`; // a daily name is an hour of its own
      return `${day} ${String(wallClock(new Date(snapshot.at), timeZone).hour).padStart(2, "0")}h`;
    }
    case "daily":
      return day;
    case "weekly": {
      const date = parseISO(day); // local midnight of the label: ISO week-year and week of that calendar date
      return `${getISOWeekYear(date)}-W${String(getISOWeek(date)).padStart(2, "0")}`;
    }
    case "monthly":
      return day.slice(0, 7);
    case "yearly":
      return day.slice(0, 4);
  }
}

/** The policy in words: `keepDays 10, daily 7, weekly 4, minKeep 1`. */
export function describePolicy(policy: RetentionPolicy): string {
  const parts = policy.keepDays === undefined ? [] : [`keepDays ${policy.keepDays}`];
  for (const period of PERIODS) if (policy.keep?.[period] !== undefined) parts.push(`${period} ${policy.keep[period]}`);
  if (parts.length === 0) return "no rule: every snapshot is kept";
  return [...parts, `minKeep ${policy.minKeep}`].join(", ");
}

/**
 * Decide every snapshot's fate. `protect` (the snapshot a run just made) is always kept. Decisions come oldest
 * first whatever the input order, and refer to the input objects. Pure.
 */
export function applyRetention(snapshots: readonly Snapshot[], policy: RetentionPolicy, now: Date, protect?: string): RetentionDecision[] {
  const zone = policy.timeZone;
  const today = dayIn(now, zone);
  const instant = (s: Snapshot) => snapshotInstant(s, zone).getTime();
  const isFuture = (s: Snapshot) => (s.at === undefined ? s.day > today : instant(s) > now.getTime());
  const oldestFirst = [...snapshots].sort((a, b) => instant(a) - instant(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const newestFirst = [...oldestFirst].reverse().filter((s) => !isFuture(s));
  const kept = new Map<Snapshot, { rule: RetentionRule; reason: string }>();
  const keep = (s: Snapshot, rule: RetentionRule, reason: string) => {
    if (!kept.has(s)) kept.set(s, { rule, reason });
  };

  for (const s of oldestFirst) if (isFuture(s)) keep(s, "future", `dated after now (${today}): the clock may have moved back; never pruned`);
  const hasRule = policy.keepDays !== undefined || PERIODS.some((period) => policy.keep?.[period] !== undefined);
  if (!hasRule) for (const s of newestFirst) keep(s, "no rule", "no retention rule (keep, keepDays) is set: every snapshot is kept");

  if (policy.keepDays !== undefined) {
    for (const s of newestFirst) {
      const age = daysBetween(s.day, today);
      if (age < policy.keepDays) keep(s, "keepDays", `${age} day(s) old, within keepDays ${policy.keepDays}`);
    }
  }
  for (const period of PERIODS) {
    const wanted = policy.keep?.[period];
    if (wanted === undefined) continue;
    const limit = wanted === "all" ? Infinity : wanted;
    let last: string | undefined;
    let counted = 0;
    for (const s of newestFirst) {
      if (counted >= limit) break;
      const key = periodOf(period, s, zone);
      if (key === last) continue; // not the newest of its period
      last = key;
      if (kept.has(s)) continue; // a finer rule keeps it: this period does not count here
      counted++;
      keep(s, period, `the newest of ${period === "daily" ? "day" : period.replace(/ly$/, "")} ${key}, ${period} #${counted}${wanted === "all" ? "" : ` of ${wanted}`}`);
    }
  }
  const protectedOne = protect === undefined ? undefined : newestFirst.find((s) => s.name === protect);
  if (protectedOne !== undefined) {
    // Kept whatever the rules say; where a rule keeps it too, it still counted for that rule (daily #1 …).
    const byRule = kept.get(protectedOne);
    kept.set(protectedOne, byRule === undefined
      ? { rule: "protected", reason: "the snapshot this run made" }
      : { rule: byRule.rule, reason: `the snapshot this run made (and ${byRule.reason})` });
  }
  let survivors = newestFirst.filter((s) => kept.has(s)).length;
  for (const s of newestFirst) {
    if (survivors >= policy.minKeep) break;
    if (kept.has(s)) continue;
    keep(s, "minKeep", `minKeep ${policy.minKeep}: never fewer complete snapshots than that`);
    survivors++;
  }

  const policyText = describePolicy(policy);
  return oldestFirst.map((snapshot): RetentionDecision => {
    const decision = kept.get(snapshot);
    if (decision !== undefined) return { snapshot, action: "keep", ...decision };
    const age = daysBetween(snapshot.day, today);
    return { snapshot, action: "delete", reason: `${age} day(s) old, kept by no rule (${policyText})` };
  });
}

/** A job's retention policy. */
export function policyOf(job: { keep?: KeepRules | undefined; keepDays?: number | undefined; minKeepCount: number; timeZone?: string | undefined }): RetentionPolicy {
  return { keep: job.keep, keepDays: job.keepDays, minKeep: job.minKeepCount, timeZone: job.timeZone };
}
