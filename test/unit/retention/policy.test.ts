// applyRetention: GFS rules (hourly … yearly) over calendar periods in the job's time zone, the newest of each
// period kept, finer rules first and not counted again by coarser ones (borg's prune), the oldest kept by a
// rule that cannot fill its count (borg ≥ 1.2's [oldest]); combined with keepDays; minKeep; clocks that moved
// back; the order minFreeSpace may delete in. A hand-written table, then a property test over random histories.
process.env.TZ = "Europe/Berlin";

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type RetentionDecision, type RetentionOptions, type RetentionPolicy, applyRetention as retain } from "../../../src/retention/policy.ts";
import { PERIOD_RULES, type PeriodName } from "../../../src/retention/rules.ts";
import type { Snapshot } from "../../../src/store/inventory.ts";
import { prng } from "../../helpers/prng.ts";
import { snapshotFromName } from "../../../src/store/names.ts";
import type { KeepRules } from "../../../src/config/types.ts";

const snap = (name: string, timeZone?: string): Snapshot => snapshotFromName("laptop", name, timeZone)!;
const PERIODS = PERIOD_RULES.map((rule) => rule.name);
const periodOf = (name: PeriodName, s: Snapshot, zone?: string) => PERIOD_RULES.find((rule) => rule.name === name)!.periodOf(s, zone);
/** The decisions alone (most tests); `protect`: the snapshot a run is adding, by name. */
function applyRetention(history: readonly Snapshot[], p: RetentionPolicy, now: Date, protect?: string): RetentionDecision[] {
  const options: RetentionOptions = protect === undefined ? {} : { adding: history.find((s) => s.name === protect) };
  return retain(history, p, now, options).decisions;
}
function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
function daysFrom(first: string, last: string): string[] {
  const days: string[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}
const dailies = (first: string, last: string) => daysFrom(first, last).map((day) => snap(`laptop-${day}`));
const NOW = new Date(2026, 10, 22, 12, 0); // Sunday 2026-11-22, noon, Berlin
const policy = (keep: KeepRules | undefined, extra: Partial<RetentionPolicy> = {}): RetentionPolicy => ({ keep, minKeep: 1, ...extra });
const keptDays = (decisions: RetentionDecision[]) => decisions.filter((d) => d.action === "keep").map((d) => d.snapshot.name.slice("laptop-".length));
const ruleOf = (decisions: RetentionDecision[], name: string) => decisions.find((d) => d.snapshot.name === `laptop-${name}`)?.rule;

describe("the table: a year of dailies (2025-11-01 … 2026-11-22), now Sunday 2026-11-22 noon", () => {
  const year = dailies("2025-11-01", "2026-11-22");
  const cases: [string, KeepRules | undefined, Partial<RetentionPolicy>, string[]][] = [
    ["daily 7", { daily: 7 }, {}, daysFrom("2026-11-16", "2026-11-22")],
    ["daily 7, weekly 4: seven days, then four more weeks (their Sundays)", { daily: 7, weekly: 4 }, {},
      ["2026-10-25", "2026-11-01", "2026-11-08", "2026-11-15", ...daysFrom("2026-11-16", "2026-11-22")]],
    ["daily 7, weekly 4, monthly 12", { daily: 7, weekly: 4, monthly: 12 }, {},
      ["2025-11-30", "2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30", "2026-07-31",
        "2026-08-31", "2026-09-30", "2026-10-25", "2026-10-31", "2026-11-01", "2026-11-08", "2026-11-15", ...daysFrom("2026-11-16", "2026-11-22")]],
    ["yearly all", { yearly: "all" }, {}, ["2025-12-31", "2026-11-22"]],
    ["monthly 3", { monthly: 3 }, {}, ["2026-09-30", "2026-10-31", "2026-11-22"]],
    ["weekly 2", { weekly: 2 }, {}, ["2026-11-15", "2026-11-22"]],
    ["keepDays 3, daily 2: keepDays first, then two more days", { daily: 2 }, { keepDays: 3 }, daysFrom("2026-11-18", "2026-11-22")],
    ["keepDays 10 alone: the blog script's rule", undefined, { keepDays: 10 }, daysFrom("2026-11-13", "2026-11-22")],
    ["minKeep 9 with daily 2", { daily: 2 }, { minKeep: 9 }, daysFrom("2026-11-14", "2026-11-22")],
    ["no rule: everything", undefined, {}, year.map((s) => s.day)],
  ];
  for (const [label, keep, extra, expected] of cases) {
    test(label, () => {
      const decisions = applyRetention(year, policy(keep, extra), NOW);
      assert.deepEqual(keptDays(decisions), expected);
      assert.equal(decisions.length, year.length);
    });
  }
  test("reasons name the rule and the period", () => {
    const decisions = applyRetention(year, policy({ daily: 7, weekly: 4, monthly: 12 }), NOW);
    assert.equal(ruleOf(decisions, "2026-11-20"), "daily");
    assert.equal(ruleOf(decisions, "2026-11-08"), "weekly");
    assert.equal(ruleOf(decisions, "2026-06-30"), "monthly");
    const weekly = decisions.find((d) => d.snapshot.name === "laptop-2026-11-08")!;
    assert.equal(weekly.reason, "the newest of week 2026-W45, weekly #2 of 4");
    const gone = decisions.find((d) => d.snapshot.name === "laptop-2026-11-07")!;
    assert.equal(gone.action, "delete");
    assert.equal(gone.reason, "15 day(s) old, kept by no rule (daily 7, weekly 4, monthly 12, minKeep 1)");
  });
});

describe("periods", () => {
  test("a week across New Year is one ISO week (2026-W53: Mon 2026-12-28 … Sun 2027-01-03): its newest is kept", () => {
    const history = ["2026-12-27", "2026-12-29", "2027-01-02"].map((day) => snap(`laptop-${day}`));
    assert.equal(periodOf("weekly", history[1]!), "2026-W53");
    assert.equal(periodOf("weekly", history[2]!), "2026-W53");
    const decisions = applyRetention(history, policy({ weekly: 2 }), new Date(2027, 0, 3, 12));
    assert.deepEqual(keptDays(decisions), ["2026-12-27", "2027-01-02"]);
  });
  test("the newest of a day is kept, not the first (rotate-backups keeps the oldest and deletes today's second run)", () => {
    const history = [snap("laptop-2026-11-22T0600Z"), snap("laptop-2026-11-22T1000Z"), snap("laptop-2026-11-21T2000Z")];
    const decisions = applyRetention(history, policy({ daily: 2 }), NOW);
    assert.deepEqual(keptDays(decisions), ["2026-11-21T2000Z", "2026-11-22T1000Z"]);
  });
  test("hourly 24 over timed snapshots every 30 minutes: the newest of each of the last 24 hours", () => {
    const history = Array.from({ length: 96 }, (_, i) => {
      const at = new Date(Date.UTC(2026, 10, 20, 12) + i * 30 * 60_000);
      return snap(`laptop-${at.toISOString().slice(0, 10)}T${at.toISOString().slice(11, 13)}${at.toISOString().slice(14, 16)}Z`);
    });
    const now = new Date(Date.UTC(2026, 10, 22, 11, 45));
    const decisions = applyRetention(history, policy({ hourly: 24 }), now);
    const kept = decisions.filter((d) => d.action === "keep").map((d) => d.snapshot.at!);
    assert.equal(kept.length, 24);
    assert.ok(kept.every((at) => at.slice(14, 16) === "30"), "the :30 snapshot is the newest of its hour");
    assert.equal(kept.at(-1), "2026-11-22T11:30:00.000Z");
  });
  test("periods are the job's time zone's: 23:30 UTC is the next day in Berlin, the same day in UTC", () => {
    const names = ["laptop-2026-11-21T2200Z", "laptop-2026-11-21T2330Z"];
    const now = new Date(Date.UTC(2026, 10, 22, 12));
    const inBerlin = applyRetention(names.map((n) => snap(n, "Europe/Berlin")), policy({ daily: 1 }, { timeZone: "Europe/Berlin" }), now);
    assert.deepEqual(keptDays(inBerlin), ["2026-11-21T2330Z"], "23:30Z is 00:30 on the 22nd in Berlin: the only snapshot of today");
    // daily 1 (filled by one day): a daily 2 would keep the older one too, as the oldest of a rule that falls short.
    const inUtc = applyRetention(names.map((n) => snap(n, "UTC")), policy({ daily: 1 }, { timeZone: "UTC" }), now);
    assert.deepEqual(keptDays(inUtc), ["2026-11-21T2330Z"], "in UTC both are the 21st: one day, its newest");
    const inTokyo = applyRetention(names.map((n) => snap(n, "Asia/Tokyo")), policy({ daily: 1 }, { timeZone: "Asia/Tokyo" }), now);
    assert.deepEqual(keptDays(inTokyo), ["2026-11-21T2330Z"], "07:00 and 08:30 on the 22nd in Tokyo: one day, its newest");
    const inBerlinTwo = applyRetention(names.map((n) => snap(n, "Europe/Berlin")), policy({ daily: 2 }, { timeZone: "Europe/Berlin" }), now);
    assert.deepEqual(keptDays(inBerlinTwo), names.map((n) => n.slice("laptop-".length)), "two days in Berlin: both kept");
  });
});

describe("safety", () => {
  test("a clock moved back a month: nothing is pruned, the future ones are reported", () => {
    const history = dailies("2026-11-01", "2026-11-30");
    const now = new Date(2026, 9, 30, 12); // a month earlier
    const decisions = applyRetention(history, policy({ daily: 2 }, { keepDays: 1 }), now);
    assert.deepEqual(decisions.filter((d) => d.action === "delete"), []);
    assert.ok(decisions.every((d) => d.rule === "future" && /clock/.test(d.reason)));
  });
  test("future snapshots do not count: the past ones are decided as if they were not there", () => {
    const history = [...dailies("2026-11-10", "2026-11-22"), snap("laptop-2026-12-25")];
    const decisions = applyRetention(history, policy({ daily: 3 }), NOW);
    assert.deepEqual(keptDays(decisions), ["2026-11-20", "2026-11-21", "2026-11-22", "2026-12-25"]);
  });
  test("the protected (just made) snapshot is kept even when no rule would", () => {
    const history = dailies("2026-11-01", "2026-11-22");
    const decisions = applyRetention(history, policy({ daily: 1 }), NOW, "laptop-2026-11-05");
    assert.equal(ruleOf(decisions, "2026-11-05"), "protected");
  });
  test("minKeep holds when every snapshot is old", () => {
    const history = dailies("2026-01-01", "2026-01-10");
    const decisions = applyRetention(history, policy(undefined, { keepDays: 3, minKeep: 4 }), NOW);
    assert.deepEqual(keptDays(decisions), ["2026-01-07", "2026-01-08", "2026-01-09", "2026-01-10"]);
    assert.ok(decisions.filter((d) => d.action === "keep").every((d) => d.rule === "minKeep"));
  });
  test("an empty history", () => assert.deepEqual(applyRetention([], policy({ daily: 7 }), NOW), []));
});

describe("a rule that cannot fill its count keeps the oldest too (borg ≥ 1.2, restic ≥ 0.16)", () => {
  test("yearly 3 over 2018-01-01, 2018-12-30, 2018-12-31, 2019-12-31 at 2020-01-01 keeps 2018-01-01, 2018-12-31, 2019-12-31", () => {
    const history = ["2018-01-01", "2018-12-30", "2018-12-31", "2019-12-31"].map((day) => snap(`laptop-${day}`));
    const decisions = applyRetention(history, policy({ yearly: 3 }), new Date(2020, 0, 1, 12));
    assert.deepEqual(keptDays(decisions), ["2018-01-01", "2018-12-31", "2019-12-31"]);
    const oldest = decisions.find((d) => d.snapshot.name === "laptop-2018-01-01")!;
    assert.equal(oldest.rule, "yearly");
    assert.equal(oldest.oldest, true);
    assert.equal(oldest.reason, "the oldest snapshot: yearly 3 found only 2 year(s) to keep (borg's [oldest])");
  });
  test("a rule that fills its count does not: monthly 2 over three months", () => {
    const history = ["2026-09-01", "2026-10-01", "2026-10-15", "2026-11-15"].map((day) => snap(`laptop-${day}`));
    assert.deepEqual(keptDays(applyRetention(history, policy({ monthly: 2 }), NOW)), ["2026-10-15", "2026-11-15"]);
  });
  test("\"all\" never falls short: no oldest", () => {
    const history = ["2026-10-01", "2026-10-15"].map((day) => snap(`laptop-${day}`));
    assert.deepEqual(keptDays(applyRetention(history, policy({ monthly: "all" }), NOW)), ["2026-10-15"]);
  });
  test("the oldest is the oldest not dated in the future", () => {
    const history = ["2026-11-01", "2026-11-02", "2027-01-01"].map((day) => snap(`laptop-${day}`));
    const decisions = applyRetention(history, policy({ weekly: 3 }), NOW);
    assert.deepEqual(keptDays(decisions), ["2026-11-01", "2026-11-02", "2027-01-01"]);
    assert.equal(decisions[0]!.oldest, undefined, "11-01 and 11-02 are two weeks (W44, W45): both are kept as the newest of their weeks");
    const sameWeek = applyRetention(["2026-11-02", "2026-11-03", "2027-01-01"].map((day) => snap(`laptop-${day}`)), policy({ weekly: 3 }), NOW);
    assert.deepEqual(sameWeek.map((d) => [d.snapshot.day, d.action, d.oldest ?? false]), [["2026-11-02", "keep", true], ["2026-11-03", "keep", false], ["2027-01-01", "keep", false]]);
  });
});

describe("a snapshot made later is never ranked older", () => {
  test("a daily made at 15:00 after that morning's timed ones is the day's newest (every changed from 1h to 1d)", () => {
    const timed = ["laptop-2026-11-22T0300Z", "laptop-2026-11-22T0400Z"].map((name) => snap(name));
    const daily = { ...snap("laptop-2026-11-22"), madeAt: Date.UTC(2026, 10, 22, 14) }; // what the inventory reads from its directory
    const decisions = applyRetention([...timed, daily, snap("laptop-2026-11-21")], policy({ daily: 1 }, { minKeep: 1 }), NOW);
    assert.deepEqual(keptDays(decisions), ["2026-11-22"], "the daily is the newest of 2026-11-22, the timed ones go");
    assert.deepEqual(decisions.map((d) => d.snapshot.name).slice(-2), ["laptop-2026-11-22T0400Z", "laptop-2026-11-22"], "decisions oldest first: the daily last");
  });
});

describe("the order minFreeSpace may delete in", () => {
  const history = dailies("2026-11-10", "2026-11-21");
  test("doomed ones first (oldest first), then kept ones oldest first, never below minKeep, never the one being added", () => {
    const adding = snap("laptop-2026-11-22");
    const { decisions, room, roomLeaves } = retain(history, policy({ daily: 5 }, { minKeep: 3 }), NOW, { adding });
    const doomed = decisions.filter((d) => d.action === "delete").map((d) => d.snapshot.name);
    assert.deepEqual(room.slice(0, doomed.length).map((c) => c.snapshot.name), doomed);
    assert.ok(room.slice(0, doomed.length).every((c) => /prunes it/.test(c.why)));
    assert.deepEqual(room.slice(doomed.length).map((c) => c.snapshot.day), ["2026-11-18"], "then the oldest kept ones, down to minKeep 3 of the 12 there are");
    assert.equal(room.length, history.length - 3);
    assert.equal(roomLeaves, 3);
    assert.ok(!room.some((c) => c.snapshot === adding));
  });
  test("a snapshot dated in the future is never a candidate (mutation found: nothing checked this)", () => {
    const future = snap("laptop-2027-01-01");
    const { room } = retain([...history, future], policy({ daily: 2 }, { minKeep: 1 }), NOW);
    assert.ok(!room.some((c) => c.snapshot === future));
    assert.equal(room.length, history.length - 1, "every past one but the newest");
  });
  test("the snapshot a same-day rerun replaces is not a candidate: it is today's and a link target", () => {
    const today = snap("laptop-2026-11-22");
    const { room } = retain([...history, today], policy(undefined, { minKeep: 1 }), NOW, { adding: { ...today, madeAt: NOW.getTime() } });
    assert.ok(!room.some((c) => c.snapshot.name === today.name));
  });
});

describe("property: random histories and policies", () => {
  const ZONES = [undefined, "UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"];

  test("the newest survives; the input order changes nothing; every rule keeps the newest of its newest periods", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const int = (n: number) => Math.floor(random() * n);
      const zone = ZONES[int(ZONES.length)];
      const now = new Date(Date.UTC(2020, 0, 1) + int(3650) * 86_400_000 + int(86_400_000));
      const names = new Set<string>();
      for (let i = int(120); i > 0; i--) {
        const at = new Date(now.getTime() - int(400 * 86_400_000) + (random() < 0.03 ? 40 * 86_400_000 : 0));
        const iso = at.toISOString();
        names.add(random() < 0.5 ? `laptop-${iso.slice(0, 10)}` : `laptop-${iso.slice(0, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`);
      }
      const history = [...names].map((name) => snap(name, zone));
      const keep: KeepRules = {};
      for (const period of PERIODS) if (random() < 0.4) keep[period] = random() < 0.1 ? "all" : 1 + int(12);
      const p: RetentionPolicy = {
        keep: Object.keys(keep).length > 0 ? keep : undefined,
        keepDays: random() < 0.3 ? 1 + int(30) : undefined,
        minKeep: 1 + int(4),
        timeZone: zone,
      };
      const context = `seed ${seed}: ${JSON.stringify(p)} at ${now.toISOString()}`;
      const decisions = applyRetention(history, p, now);
      const shuffled = applyRetention([...history].sort(() => random() - 0.5), p, now);
      assert.deepEqual(shuffled.map((d) => [d.snapshot.name, d.action, d.reason]), decisions.map((d) => [d.snapshot.name, d.action, d.reason]), context);
      assert.equal(decisions.length, history.length, context);
      const kept = new Set(decisions.filter((d) => d.action === "keep").map((d) => d.snapshot.name));
      const byName = new Map(history.map((s) => [s.name, s]));
      const past = decisions.filter((d) => d.rule !== "future").map((d) => d.snapshot);
      const pastNewestFirst = [...past].sort((a, b) => b.madeAt - a.madeAt || (a.name < b.name ? 1 : -1));
      if (pastNewestFirst.length > 0) assert.ok(kept.has(pastNewestFirst[0]!.name), `the newest survives: ${context}`);
      assert.ok(past.filter((s) => kept.has(s.name)).length >= Math.min(p.minKeep, past.length), `minKeep: ${context}`);
      for (const d of decisions) if (d.action === "delete") assert.ok(!d.rule, context);
      // Oracle: for each rule, the newest snapshot of each of its N newest periods is kept (by it or a finer rule).
      for (const period of PERIODS) {
        const wanted = p.keep?.[period];
        if (wanted === undefined) continue;
        const periods: string[] = [];
        for (const s of pastNewestFirst) {
          const key = periodOf(period, s, zone);
          if (periods.includes(key)) continue;
          periods.push(key);
          if (wanted !== "all" && periods.length > wanted) break;
          assert.ok(kept.has(s.name), `${s.name} is the newest of ${period} ${key}: ${context}`);
        }
      }
      // Oracle for [oldest]: a rule whose count exceeds the periods there are cannot fill it: the oldest stays.
      const oldest = pastNewestFirst.at(-1);
      for (const period of PERIODS) {
        const wanted = p.keep?.[period];
        if (typeof wanted !== "number" || oldest === undefined) continue;
        const periods = new Set(past.map((s) => periodOf(period, s, zone))).size;
        if (periods < wanted) assert.ok(kept.has(oldest.name), `${period} ${wanted} with ${periods} period(s) keeps the oldest ${oldest.name}: ${context}`);
      }
      if (p.keepDays !== undefined) {
        for (const s of past) {
          const age = Math.round((Date.UTC(...(dayParts(decisionsToday(now, zone)))) - Date.UTC(...dayParts(s.day))) / 86_400_000);
          if (age < p.keepDays) assert.ok(kept.has(s.name), `${s.name} is within keepDays: ${context}`);
        }
      }
      for (const d of decisions) if (d.rule === "future") assert.ok(byName.has(d.snapshot.name) && d.action === "keep");
    }
  });
});

function dayParts(day: string): [number, number, number] {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return [y, m - 1, d];
}
function decisionsToday(now: Date, zone: string | undefined): string {
  return zone === undefined
    ? `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`
    : new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}
