// Retention as one pure function: (snapshots, policy, now) → keep or delete, with a reason, for each snapshot,
// and the order in which snapshots may go to make room on a full disk. The one entry point for a run's plan,
// `list`, `prune` and minFreeSpace.
//
// Rules: keepDays (the blog script's: the last N calendar days), then hourly, daily, weekly, monthly, yearly —
// calendar periods in the job's time zone, the newest snapshot of each period kept, finest rule first; a
// period whose newest snapshot a finer rule already keeps does not count toward the coarser one (borg's
// prune), so { daily: 7, weekly: 4 } covers seven days and then four more weeks. A rule that cannot fill its
// count keeps the oldest snapshot too (borg ≥ 1.2's `[oldest]`, each rule as in prune_split). Whatever the
// rules say: never fewer than minKeep survive, a snapshot dated after now (a clock that moved back) is never
// deleted, and the snapshot a run is adding is kept.
import type { KeepRules } from "../config/types.ts";
import { type Snapshot, byAge } from "../store/inventory.ts";
import { dayIn, daysBetween } from "../time/zone.ts";
import { PERIOD_RULES, type PeriodName } from "./rules.ts";

export interface RetentionPolicy {
  keep?: KeepRules | undefined;
  keepDays?: number | undefined;
  /** Never fewer complete snapshots than this (validation makes it at least 1). */
  minKeep: number;
  /** Where the calendar periods are (undefined: the system's time zone). */
  timeZone?: string | undefined;
}

/** "being read": not a rule of retention's own — the plan spares a snapshot a restore is reading (plan/guards.ts). */
export type RetentionRule = "protected" | "future" | "clock" | "no rule" | "keepDays" | PeriodName | "complete" | "minKeep" | "being read";

export interface RetentionDecision {
  snapshot: Snapshot;
  action: "keep" | "delete";
  /** The rule that keeps it (undefined for a delete). */
  rule?: RetentionRule;
  /** Kept as the oldest snapshot, by a rule that could not fill its count. */
  oldest?: boolean;
  reason: string;
}

/** A snapshot that may be deleted to make room, and why that one. */
export interface RoomCandidate {
  snapshot: Snapshot;
  why: string;
}

export interface Retention {
  /** Every snapshot (and the one being added), oldest first. */
  decisions: RetentionDecision[];
  /**
   * The existing snapshots minFreeSpace may delete, in the order it should: first those retention prunes
   * anyway, then the oldest kept ones; never one dated after now, never the one being added or replaced,
   * never the newest, never the newest complete one behind partial ones, and never so many that fewer than
   * minKeep would remain.
   */
  room: RoomCandidate[];
  /** How many complete snapshots stay when every room candidate is gone (minKeep, or fewer if there are fewer). */
  roomLeaves: number;
}

export interface RetentionOptions {
  /** The snapshot a run is making: decided with the others (it takes its period) and always kept. */
  adding?: Snapshot | undefined;
  /** Why nothing may be pruned by age now (the clock looks wrong): every snapshot is kept, with this reason. */
  frozen?: string | undefined;
  /**
   * Partial snapshots (some files failed): while any is newer than the newest complete one, that complete
   * one is kept — it holds the last good copy of the files that fail.
   */
  partial?: ReadonlySet<string> | undefined;
}

/** Decide every snapshot's fate. Pure: the input is not changed, decisions refer to the input objects. */
export function applyRetention(snapshots: readonly Snapshot[], policy: RetentionPolicy, now: Date, options: RetentionOptions = {}): Retention {
  const zone = policy.timeZone;
  const today = dayIn(now, zone);
  const adding = options.adding;
  const existing = adding === undefined ? snapshots : snapshots.filter((s) => s.name !== adding.name);
  const all = [...existing, ...(adding === undefined ? [] : [adding])].sort(byAge);
  const isFuture = (s: Snapshot) => s !== adding && (s.at === undefined ? s.day > today : s.madeAt > now.getTime());
  const newestFirst = [...all].reverse().filter((s) => !isFuture(s));
  const kept = new Map<Snapshot, Omit<RetentionDecision, "snapshot" | "action">>();
  const keep = (s: Snapshot, rule: RetentionRule, reason: string, oldest = false) => {
    if (!kept.has(s)) kept.set(s, { rule, reason, ...(oldest ? { oldest } : {}) });
  };

  for (const s of all) if (isFuture(s)) keep(s, "future", `dated after now (${today}): the clock may have moved back; never pruned`);
  if (options.frozen !== undefined) for (const s of newestFirst) if (s !== adding) keep(s, "clock", options.frozen);
  const hasRule = policy.keepDays !== undefined || PERIOD_RULES.some((rule) => policy.keep?.[rule.name] !== undefined);
  if (!hasRule) for (const s of newestFirst) keep(s, "no rule", "no retention rule (keep, keepDays) is set: every snapshot is kept");
  if (policy.keepDays !== undefined) {
    for (const s of newestFirst) {
      const age = daysBetween(s.day, today);
      if (age < policy.keepDays) keep(s, "keepDays", `${age} day(s) old, within keepDays ${policy.keepDays}`);
    }
  }
  for (const rule of PERIOD_RULES) applyPeriodRule(rule, policy.keep?.[rule.name], newestFirst, zone, kept, keep);
  if (adding !== undefined) {
    // Kept whatever the rules say; where a rule keeps it too, it still counted for that rule (daily #1 …).
    const byRule = kept.get(adding);
    kept.set(adding, byRule?.rule === undefined
      ? { rule: "protected", reason: "the snapshot this run makes" }
      : { ...byRule, reason: `the snapshot this run makes (and ${byRule.reason})` });
  }
  keepLastComplete(newestFirst, options.partial, keep);
  let survivors = newestFirst.filter((s) => kept.has(s)).length;
  for (const s of newestFirst) {
    if (survivors >= policy.minKeep) break;
    if (kept.has(s)) continue;
    keep(s, "minKeep", `minKeep ${policy.minKeep}: never fewer complete snapshots than that`);
    survivors++;
  }
  const policyText = describePolicy(policy);
  const decisions = all.map((snapshot): RetentionDecision => {
    const decision = kept.get(snapshot);
    if (decision !== undefined) return { snapshot, action: "keep", ...decision };
    return { snapshot, action: "delete", reason: `${daysBetween(snapshot.day, today)} day(s) old, kept by no rule (${policyText})` };
  });
  const room = roomOrder(decisions, policy.minKeep, adding, isFuture);
  const present = decisions.filter((d) => d.snapshot !== adding && !isFuture(d.snapshot)).length;
  return { decisions, room, roomLeaves: present - room.length };
}

/** One calendar rule: the newest of each of its newest `wanted` periods, then the oldest if it fell short. */
function applyPeriodRule(
  rule: (typeof PERIOD_RULES)[number],
  wanted: number | "all" | undefined,
  newestFirst: readonly Snapshot[],
  zone: string | undefined,
  kept: ReadonlyMap<Snapshot, unknown>,
  keep: (s: Snapshot, rule: RetentionRule, reason: string, oldest?: boolean) => void,
): void {
  if (wanted === undefined) return;
  const limit = wanted === "all" ? Infinity : wanted;
  let last: string | undefined;
  let counted = 0;
  for (const s of newestFirst) {
    if (counted >= limit) break;
    const key = rule.periodOf(s, zone);
    if (key === last) continue; // not the newest of its period
    last = key;
    if (kept.has(s)) continue; // a finer rule keeps it: this period does not count here
    counted++;
    keep(s, rule.name, `the newest of ${rule.unit} ${key}, ${rule.name} #${counted}${wanted === "all" ? "" : ` of ${wanted}`}`);
  }
  const oldest = newestFirst.at(-1);
  if (wanted !== "all" && counted < wanted && oldest !== undefined && !kept.has(oldest)) {
    keep(oldest, rule.name, `the oldest snapshot: ${rule.name} ${wanted} found only ${counted} ${rule.unit}(s) to keep (borg's [oldest])`, true);
  }
}

/** The newest complete snapshot, when a newer one is partial. */
function keepLastComplete(newestFirst: readonly Snapshot[], partial: ReadonlySet<string> | undefined, keep: (s: Snapshot, rule: RetentionRule, reason: string) => void): void {
  if (partial === undefined || partial.size === 0) return;
  const complete = newestFirst.find((s) => !partial.has(s.name));
  const newer = complete === undefined ? [] : newestFirst.slice(0, newestFirst.indexOf(complete));
  if (complete !== undefined && newer.length > 0) {
    keep(complete, "complete", `the newest complete snapshot: ${newer.map((s) => s.name).join(", ")} ${newer.length === 1 ? "is" : "are"} partial and lack files it holds`);
  }
}

/** minFreeSpace's order: doomed ones first, then kept ones, oldest first, stopping at minKeep. */
function roomOrder(decisions: readonly RetentionDecision[], minKeep: number, adding: Snapshot | undefined, isFuture: (s: Snapshot) => boolean): RoomCandidate[] {
  const present = decisions.filter((d) => d.snapshot !== adding && !isFuture(d.snapshot));
  // The newest snapshot is never deleted to make room: it is the run's main link target (without it, rsync
  // would send and store again everything it holds) and what the shrink guard compares with.
  const newest = present.at(-1)?.snapshot;
  const doomed = present.filter((d) => d.action === "delete" && d.snapshot !== newest).map((d) => ({ snapshot: d.snapshot, why: "retention prunes it after this run anyway" }));
  // The newest complete snapshot behind partial ones holds the only good copy of what fails: it stays.
  const keptOnes = present.filter((d) => d.action === "keep" && d.rule !== "complete" && d.snapshot !== newest).map((d) => ({ snapshot: d.snapshot, why: `the oldest beyond minKeep ${minKeep}` }));
  return [...doomed, ...keptOnes].slice(0, Math.max(0, present.length - minKeep));
}

/** The policy in words: `keepDays 10, daily 7, weekly 4, minKeep 1`. */
export function describePolicy(policy: RetentionPolicy): string {
  const parts = policy.keepDays === undefined ? [] : [`keepDays ${policy.keepDays}`];
  for (const rule of PERIOD_RULES) if (policy.keep?.[rule.name] !== undefined) parts.push(`${rule.name} ${policy.keep[rule.name]}`);
  if (parts.length === 0) return "no rule: every snapshot is kept";
  return [...parts, `minKeep ${policy.minKeep}`].join(", ");
}

/** A job's retention policy. */
export function policyOf(job: { keep?: KeepRules | undefined; keepDays?: number | undefined; minKeepCount: number; timeZone?: string | undefined }): RetentionPolicy {
  return { keep: job.keep, keepDays: job.keepDays, minKeep: job.minKeepCount, timeZone: job.timeZone };
}
