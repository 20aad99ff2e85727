// keepDays N keeps the snapshots of the last N calendar days, today included (keepDays 10 on the 22nd keeps the
// 13th–22nd), whatever DST does to the length of a day. The snapshot just made and snapshots dated in the future
// are never deleted. Every snapshot gets exactly one decision with a reason.
process.env.TZ = "Europe/Berlin"; // a DST zone: 2026-03-29 has 23 hours, 2026-10-25 has 25

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { applyRetention, type RetentionDecision } from "../../../src/retention/policy.ts";
import type { Snapshot } from "../../../src/store/inventory.ts";
import { prng } from "../../helpers/prng.ts";
import { snapshotFromName } from "../../../src/store/names.ts";

/** The keepDays rule alone (minKeep 0: nothing else keeps a snapshot), on `today` at noon. */
function decideKeepDays(snapshots: readonly Snapshot[], keepDays: number | undefined, today: string, protect?: string): RetentionDecision[] {
  const [y, m, d] = today.split("-").map(Number) as [number, number, number];
  const adding = protect === undefined ? undefined : snapshots.find((s) => s.name === protect);
  return applyRetention(snapshots, { keepDays, minKeep: 0 }, new Date(y, m - 1, d, 12), { adding }).decisions;
}

const PREFIX = "laptop";
const snap = (day: string): Snapshot => snapshotFromName(PREFIX, `${PREFIX}-${day}`)!;

/** `YYYY-MM-DD` plus `n` calendar days, computed in UTC (no DST there): an oracle independent of the code. */
function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
function ageOf(day: string, today: string): number {
  const ms = (text: string) => Date.parse(`${text}T00:00:00Z`);
  return Math.round((ms(today) - ms(day)) / 86_400_000);
}
/** Every day from `first` to `last`, inclusive. */
function daysFrom(first: string, last: string): string[] {
  const days: string[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}
const kept = (decisions: RetentionDecision[]) => decisions.filter((d) => d.action === "keep").map((d) => d.snapshot.day);
const deleted = (decisions: RetentionDecision[]) => decisions.filter((d) => d.action === "delete").map((d) => d.snapshot.day);

function checkWellFormed(input: readonly Snapshot[], decisions: RetentionDecision[]): void {
  assert.equal(decisions.length, input.length, "one decision per snapshot");
  for (const snapshot of input) {
    assert.equal(decisions.filter((d) => d.snapshot.name === snapshot.name).length, 1, `${snapshot.name} decided exactly once`);
  }
  for (const decision of decisions) {
    assert.ok(decision.action === "keep" || decision.action === "delete");
    assert.equal(typeof decision.reason, "string");
    assert.ok(decision.reason.trim().length > 0, `a reason for ${decision.snapshot.name}`);
  }
}

test("the oracle agrees with the calendar (and TZ is a DST zone)", () => {
  assert.equal(addDays("2026-03-28", 2), "2026-03-30");
  assert.equal(addDays("2028-02-28", 1), "2028-02-29");
  assert.equal(addDays("2026-12-31", 1), "2027-01-01");
  assert.equal(new Date(2026, 2, 30).getTime() - new Date(2026, 2, 29).getTime(), 23 * 3_600_000);
  assert.equal(new Date(2026, 9, 26).getTime() - new Date(2026, 9, 25).getTime(), 25 * 3_600_000);
});

describe("the blog script's rule", () => {
  const november = daysFrom("2026-11-01", "2026-11-22").map(snap);

  test("keepDays 10 on the 22nd keeps exactly the 13th–22nd", () => {
    const decisions = decideKeepDays(november, 10, "2026-11-22", "laptop-2026-11-22");
    checkWellFormed(november, decisions);
    assert.deepEqual(kept(decisions), daysFrom("2026-11-13", "2026-11-22"));
    assert.deepEqual(deleted(decisions), daysFrom("2026-11-01", "2026-11-12"));
  });

  test("keepDays 1 keeps today only", () => {
    const decisions = decideKeepDays(november, 1, "2026-11-22", "laptop-2026-11-22");
    checkWellFormed(november, decisions);
    assert.deepEqual(kept(decisions), ["2026-11-22"]);
    assert.equal(deleted(decisions).length, 21);
  });

  test("keepDays 30 keeps the last 30 calendar days, across a month boundary", () => {
    const history = daysFrom("2026-10-01", "2026-11-22").map(snap);
    const decisions = decideKeepDays(history, 30, "2026-11-22", "laptop-2026-11-22");
    checkWellFormed(history, decisions);
    assert.deepEqual(kept(decisions), daysFrom("2026-10-24", "2026-11-22"));
    assert.deepEqual(deleted(decisions), daysFrom("2026-10-01", "2026-10-23"));
  });

  test("keepDays undefined keeps everything, with a reason", () => {
    const history = daysFrom("2020-01-01", "2026-11-22").filter((_, i) => i % 17 === 0).map(snap);
    const decisions = decideKeepDays(history, undefined, "2026-11-22");
    checkWellFormed(history, decisions);
    assert.deepEqual(deleted(decisions), []);
  });

  test("gaps in the history do not shift the window (days, not snapshot counts)", () => {
    const sparse = ["2026-11-01", "2026-11-12", "2026-11-13", "2026-11-20"].map(snap);
    const decisions = decideKeepDays(sparse, 10, "2026-11-22");
    assert.deepEqual(kept(decisions), ["2026-11-13", "2026-11-20"]);
    assert.deepEqual(deleted(decisions), ["2026-11-01", "2026-11-12"]);
  });

  test("a day without a snapshot today still counts as today", () => {
    const history = daysFrom("2026-11-10", "2026-11-21").map(snap);
    const decisions = decideKeepDays(history, 3, "2026-11-22");
    assert.deepEqual(kept(decisions), ["2026-11-20", "2026-11-21"]);
  });

  test("the reason of a delete and of a keep tells the age and the rule", () => {
    const [old, recent] = decideKeepDays([snap("2026-11-01"), snap("2026-11-20")], 10, "2026-11-22");
    assert.equal(old!.action, "delete");
    assert.match(old!.reason, /21/);
    assert.match(old!.reason, /10/);
    assert.equal(recent!.action, "keep");
    assert.match(recent!.reason, /2/);
  });
});

describe("calendar days, not hours", () => {
  // In Berlin 2026-03-29 is 23 hours long: naive (ms / 24 h) arithmetic puts the 28th and 30th 47 hours apart.
  test("spring forward: keepDays 1 on 2026-03-30 deletes the 29th", () => {
    const history = ["2026-03-28", "2026-03-29", "2026-03-30"].map(snap);
    assert.deepEqual(kept(decideKeepDays(history, 1, "2026-03-30")), ["2026-03-30"]);
  });
  test("spring forward: keepDays 2 on 2026-03-30 keeps the 29th and deletes the 28th", () => {
    const history = ["2026-03-28", "2026-03-29", "2026-03-30"].map(snap);
    const decisions = decideKeepDays(history, 2, "2026-03-30");
    assert.deepEqual(kept(decisions), ["2026-03-29", "2026-03-30"]);
    assert.deepEqual(deleted(decisions), ["2026-03-28"]);
  });
  test("fall back: keepDays 1 and 2 on 2026-10-26 (the 25th has 25 hours)", () => {
    const history = ["2026-10-24", "2026-10-25", "2026-10-26"].map(snap);
    assert.deepEqual(kept(decideKeepDays(history, 1, "2026-10-26")), ["2026-10-26"]);
    assert.deepEqual(kept(decideKeepDays(history, 2, "2026-10-26")), ["2026-10-25", "2026-10-26"]);
    assert.deepEqual(deleted(decideKeepDays(history, 2, "2026-10-26")), ["2026-10-24"]);
  });
  test("a window spanning a DST change keeps exactly N days", () => {
    for (const today of ["2026-04-05", "2026-03-30", "2026-03-29", "2026-11-01", "2026-10-26", "2026-10-25", "2026-11-03"]) {
      const history = daysFrom(addDays(today, -40), today).map(snap);
      for (const keepDays of [1, 2, 3, 7, 10, 30]) {
        const decisions = decideKeepDays(history, keepDays, today);
        assert.deepEqual(kept(decisions), daysFrom(addDays(today, -(keepDays - 1)), today), `keepDays ${keepDays} on ${today}`);
      }
    }
  });
  test("US DST dates (labels are compared as calendar days, whatever the zone)", () => {
    const history = daysFrom("2026-10-28", "2026-11-05").map(snap);
    assert.deepEqual(kept(decideKeepDays(history, 5, "2026-11-05")), daysFrom("2026-11-01", "2026-11-05"));
    const march = daysFrom("2026-03-01", "2026-03-10").map(snap);
    assert.deepEqual(kept(decideKeepDays(march, 3, "2026-03-09")), ["2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]);
  });
});

describe("month, year and leap-day boundaries", () => {
  test("year boundary: keepDays 5 on 2027-01-03 keeps 2026-12-30 … 2027-01-03", () => {
    const history = daysFrom("2026-12-20", "2027-01-03").map(snap);
    const decisions = decideKeepDays(history, 5, "2027-01-03");
    assert.deepEqual(kept(decisions), ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02", "2027-01-03"]);
    assert.deepEqual(deleted(decisions), daysFrom("2026-12-20", "2026-12-29"));
  });
  test("leap year: keepDays 2 on 2028-03-01 keeps Feb 29 and Mar 1", () => {
    const history = daysFrom("2028-02-26", "2028-03-01").map(snap);
    assert.deepEqual(kept(decideKeepDays(history, 2, "2028-03-01")), ["2028-02-29", "2028-03-01"]);
  });
  test("common year: keepDays 2 on 2027-03-01 keeps Feb 28 and Mar 1", () => {
    const history = daysFrom("2027-02-25", "2027-03-01").map(snap);
    assert.deepEqual(kept(decideKeepDays(history, 2, "2027-03-01")), ["2027-02-28", "2027-03-01"]);
  });
  test("keepDays 366 across a leap year", () => {
    const history = ["2027-03-01", "2027-02-28", "2028-02-29", "2028-03-01"].map(snap);
    // 2027-03-01 → 2028-03-01 is 366 days: age 366, so keepDays 366 deletes it and keepDays 367 keeps it
    assert.deepEqual(deleted(decideKeepDays(history, 366, "2028-03-01")), ["2027-02-28", "2027-03-01"], "oldest first, whatever the input order");
    assert.deepEqual(deleted(decideKeepDays(history, 367, "2028-03-01")), ["2027-02-28"]);
  });
});

describe("never deleted", () => {
  test("the protected (just-made) snapshot, even when it is old by the calendar", () => {
    const history = ["2026-01-01", "2026-06-01", "2026-11-22"].map(snap);
    const decisions = decideKeepDays(history, 1, "2026-11-22", "laptop-2026-01-01");
    checkWellFormed(history, decisions);
    const protectedOne = decisions.find((d) => d.snapshot.name === "laptop-2026-01-01")!;
    assert.equal(protectedOne.action, "keep");
    assert.ok(protectedOne.reason.length > 0);
    assert.deepEqual(deleted(decisions), ["2026-06-01"]);
  });
  test("the protected snapshot, even with keepDays 0 (which validation rejects anyway)", () => {
    const history = ["2026-11-21", "2026-11-22"].map(snap);
    const decisions = decideKeepDays(history, 0, "2026-11-22", "laptop-2026-11-22");
    assert.deepEqual(kept(decisions), ["2026-11-22"]);
  });
  test("future-dated snapshots (the clock moved back), with a reason that mentions the clock", () => {
    const history = ["2026-11-01", "2026-11-22", "2026-11-23", "2027-05-01"].map(snap);
    const decisions = decideKeepDays(history, 1, "2026-11-22", "laptop-2026-11-22");
    checkWellFormed(history, decisions);
    assert.deepEqual(kept(decisions), ["2026-11-22", "2026-11-23", "2027-05-01"]);
    for (const decision of decisions.filter((d) => d.snapshot.day > "2026-11-22")) {
      assert.match(decision.reason, /clock/);
    }
  });
  test("future-dated snapshots are kept without keepDays too", () => {
    const decisions = decideKeepDays([snap("2030-01-01")], undefined, "2026-11-22");
    assert.deepEqual(kept(decisions), ["2030-01-01"]);
    assert.match(decisions[0]!.reason, /clock/);
  });
});

describe("shape of the result", () => {
  test("covers every input snapshot exactly once, whatever the input order, and refers to the input objects", () => {
    const history = ["2026-11-20", "2026-11-01", "2026-11-22", "2026-11-10", "2026-11-15"].map(snap);
    const decisions = decideKeepDays(history, 7, "2026-11-22");
    checkWellFormed(history, decisions);
    for (const snapshot of history) assert.ok(decisions.some((d) => d.snapshot === snapshot));
  });
  test("an empty history gives no decisions", () => {
    assert.deepEqual(decideKeepDays([], 10, "2026-11-22", "laptop-2026-11-22"), []);
  });
  test("the input is not mutated", () => {
    const history = Object.freeze(["2026-11-22", "2026-11-01", "2026-11-15"].map((day) => Object.freeze(snap(day))));
    const copy = structuredClone([...history]);
    decideKeepDays(history, 3, "2026-11-22", "laptop-2026-11-22");
    assert.deepEqual([...history], copy);
  });
});

describe("property: random histories", () => {

  test("never deletes the protected one or anything younger than keepDays; keep + delete = input", () => {
    for (let seed = 1; seed <= 400; seed++) {
      const random = prng(seed);
      const int = (n: number) => Math.floor(random() * n);
      const today = addDays("2020-01-01", int(4000)); // 2020 … 2030: many DST changes and leap days
      const keepDays = random() < 0.15 ? undefined : 1 + int(45);
      const days = new Set<string>();
      const count = int(60);
      for (let i = 0; i < count; i++) days.add(addDays(today, -int(120) + (random() < 0.05 ? 1 + int(10) + 120 : 0)));
      if (random() < 0.7) days.add(today);
      const history = [...days].sort(() => random() - 0.5).map(snap);
      const protect = history.length > 0 && random() < 0.8 ? history[int(history.length)]!.name : undefined;
      const context = `seed ${seed}: today ${today}, keepDays ${keepDays}, protect ${protect}`;

      const decisions = decideKeepDays(history, keepDays, today, protect);
      checkWellFormed(history, decisions);
      const names = (action: "keep" | "delete") => decisions.filter((d) => d.action === action).map((d) => d.snapshot.name);
      assert.deepEqual([...names("keep"), ...names("delete")].sort(), history.map((s) => s.name).sort(), context);
      for (const decision of decisions) {
        const age = ageOf(decision.snapshot.day, today);
        const mustKeep = decision.snapshot.name === protect || age < 0 || keepDays === undefined || age < keepDays;
        assert.equal(decision.action, mustKeep ? "keep" : "delete", `${decision.snapshot.name} (age ${age}): ${context}`);
      }
    }
  });
});
