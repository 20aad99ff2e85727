// scheduleJob: due or not, when, overdue, and the state shown — a table of cases in Europe/Berlin, across DST,
// plus the order `due` runs jobs in. No disk, no clock.
process.env.TZ = "Europe/Berlin";

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseCycle, type Cycle } from "../../../src/time/cycle.ts";
import { type Schedule, type ScheduleInput, ageText, dueOrder, scheduleJob } from "../../../src/schedule/schedule.ts";
import type { Snapshot } from "../../../src/store/inventory.ts";
import { snapshotFromName } from "../../../src/store/names.ts";

const cycle = (text: string) => parseCycle(text) as Cycle;
const NOW = new Date(2026, 10, 22, 3, 0); // 2026-11-22 03:00 local
const minutes = (n: number) => n * 60_000;
const ago = (ms: number, from = NOW) => new Date(from.getTime() - ms).toISOString();
const snap = (name: string): Snapshot => snapshotFromName("laptop", name)!;

function input(overrides: Partial<ScheduleInput> = {}): ScheduleInput {
  const every = overrides.cycle ?? cycle("1d");
  return {
    name: "laptop", cycle: every, alertCycle: cycle("3d"), enabled: true, snapshots: [],
    firstSeen: ago(minutes(60 * 24 * 30)), failures: 0, running: false, ...overrides,
  };
}
const local = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min);

describe("daily jobs (every 1d, alertAfter 3d): calendar days, whatever the time of day", () => {
  test("never backed up, first seen an hour ago: due now, not overdue", () => {
    const s = scheduleJob(input({ firstSeen: ago(minutes(60)) }), NOW);
    assert.deepEqual([s.state, s.due, s.overdue], ["ok", true, false]);
    assert.equal(s.dueAt?.toISOString(), ago(minutes(60)));
    assert.match(s.why, /^due: no complete snapshot yet/);
  });
  test("never backed up, first seen 3 days ago: overdue", () => {
    const s = scheduleJob(input({ firstSeen: local(2026, 11, 19, 12).toISOString() }), NOW);
    assert.deepEqual([s.state, s.due, s.overdue], ["overdue", true, true]);
  });
  test("a snapshot from today: not due until local midnight", () => {
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-11-21"), snap("laptop-2026-11-22")] }), NOW);
    assert.deepEqual([s.state, s.due, s.overdue], ["ok", false, false]);
    assert.equal(s.dueAt?.getTime(), local(2026, 11, 23).getTime());
    assert.equal(s.newest?.name, "laptop-2026-11-22");
    assert.equal(ageText(s, NOW), "today");
  });
  test("yesterday's snapshot: due since midnight (made at 23:59 or 00:01, all the same)", () => {
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-11-21")] }), local(2026, 11, 22, 0, 5));
    assert.deepEqual([s.due, s.overdue], [true, false]);
    assert.equal(s.dueAt?.getTime(), local(2026, 11, 22).getTime());
    assert.equal(ageText(s, NOW), "1 day");
  });
  test("two days without a snapshot: due, not overdue; three: overdue", () => {
    assert.equal(scheduleJob(input({ snapshots: [snap("laptop-2026-11-20")] }), NOW).overdue, false);
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-11-19")] }), NOW);
    assert.deepEqual([s.state, s.due, s.overdue], ["overdue", true, true]);
    assert.equal(ageText(s, NOW), "3 days");
  });
  test("the snapshots' order in the input does not matter", () => {
    const list = ["laptop-2026-11-18", "laptop-2026-11-21", "laptop-2026-11-20"].map(snap);
    for (const order of [list, [...list].reverse(), [list[1]!, list[0]!, list[2]!]]) {
      assert.equal(scheduleJob(input({ snapshots: order }), NOW).newest?.name, "laptop-2026-11-21");
    }
  });
  test("DST: a snapshot on the 23-hour day is due at the next local midnight (spring) ...", () => {
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-03-29")] }), local(2026, 3, 30, 0, 1));
    assert.equal(s.due, true);
    assert.equal(s.dueAt?.getTime(), local(2026, 3, 30).getTime());
    assert.equal(scheduleJob(input({ snapshots: [snap("laptop-2026-03-29")] }), local(2026, 3, 29, 23, 59)).due, false);
  });
  test("... and on the 25-hour day (autumn)", () => {
    assert.equal(scheduleJob(input({ snapshots: [snap("laptop-2026-10-25")] }), local(2026, 10, 25, 23, 59)).due, false);
    assert.equal(scheduleJob(input({ snapshots: [snap("laptop-2026-10-25")] }), local(2026, 10, 26, 0, 0)).due, true);
  });
});

describe("other cycles", () => {
  test("weekly (1w): six days old is not due, seven is", () => {
    const weekly = { cycle: cycle("1w"), alertCycle: cycle("3w") };
    assert.equal(scheduleJob(input({ ...weekly, snapshots: [snap("laptop-2026-11-16")] }), NOW).due, false);
    assert.equal(scheduleJob(input({ ...weekly, snapshots: [snap("laptop-2026-11-15")] }), NOW).due, true);
  });
  test("every 6h: exact time from the snapshot's minute", () => {
    const sixHours = { cycle: cycle("6h"), alertCycle: cycle("18h") };
    const made = new Date(NOW.getTime() - minutes(6 * 60));
    const name = `laptop-${made.toISOString().slice(0, 10)}T${made.toISOString().slice(11, 13)}${made.toISOString().slice(14, 16)}Z`;
    assert.equal(scheduleJob(input({ ...sixHours, snapshots: [snap(name)] }), NOW).due, true);
    assert.equal(scheduleJob(input({ ...sixHours, snapshots: [snap(name)] }), new Date(NOW.getTime() - 1000)).due, false);
    assert.equal(scheduleJob(input({ ...sixHours, snapshots: [snap(name)] }), new Date(made.getTime() + minutes(18 * 60))).overdue, true);
    assert.equal(scheduleJob(input({ ...sixHours, snapshots: [snap(name)] }), NOW).dueAt?.getTime(), NOW.getTime());
  });
  test("hourly across the autumn DST change: one real hour, though the clock shows the same 02:30", () => {
    const hourly = { cycle: cycle("1h"), alertCycle: cycle("3h") };
    const s = scheduleJob(input({ ...hourly, snapshots: [snap("laptop-2026-10-25T0030Z")] }), new Date("2026-10-25T01:30:00Z"));
    assert.equal(s.due, true);
    assert.equal(ageText(s, new Date("2026-10-25T01:30:00Z")), "1h");
    assert.equal(scheduleJob(input({ ...hourly, snapshots: [snap("laptop-2026-10-25T0030Z")] }), new Date("2026-10-25T01:29:00Z")).due, false);
  });
  test("a daily job with a timed snapshot (its cycle changed from 6h): counted by the snapshot's local day", () => {
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-11-21T2330Z")] }), NOW); // 00:30 on the 22nd in Berlin
    assert.equal(s.due, false);
  });
});

describe("failures, offline, running, disabled, broken", () => {
  const yesterday = [snap("laptop-2026-11-21")];
  test("after a failed attempt the job waits 5, 10, 20 … minutes before the next", () => {
    const cases: [number, number][] = [[1, 5], [2, 10], [3, 20], [4, 40], [5, 80], [6, 160], [7, 240], [30, 240]];
    for (const [failures, wait] of cases) {
      const last = { at: ago(minutes(wait) - 1000), result: "failed" as const, error: "rsync 23" };
      const s = scheduleJob(input({ snapshots: yesterday, failures, lastAttempt: last }), NOW);
      assert.deepEqual([s.due, s.state], [false, "failed"], `${failures} failures: waits ${wait} min`);
      assert.equal(scheduleJob(input({ snapshots: yesterday, failures, lastAttempt: { ...last, at: ago(minutes(wait)) } }), NOW).due, true);
    }
  });
  test("the wait is never longer than the cycle", () => {
    const last = { at: ago(minutes(60)), result: "failed" as const };
    const s = scheduleJob(input({ cycle: cycle("1h"), alertCycle: cycle("3h"), snapshots: [], failures: 10, lastAttempt: last, firstSeen: ago(minutes(90)) }), NOW);
    assert.equal(s.due, true);
  });
  test("a failed attempt does not reset the clock: still overdue when the gap passes alertAfter", () => {
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-11-18")], failures: 1, lastAttempt: { at: ago(minutes(1)), result: "failed" } }), NOW);
    assert.deepEqual([s.state, s.overdue, s.due], ["overdue", true, false]);
  });
  test("offline: shown as offline, tried again at once (no waiting)", () => {
    const s = scheduleJob(input({ snapshots: yesterday, lastAttempt: { at: ago(1000), result: "offline", error: "Connection refused" } }), NOW);
    assert.deepEqual([s.state, s.due, s.overdue], ["offline", true, false]);
  });
  test("offline for longer than alertAfter: overdue", () => {
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-11-19")], lastAttempt: { at: ago(1000), result: "offline" } }), NOW);
    assert.equal(s.state, "overdue");
  });
  test("an interrupted attempt shows as failed but is retried at once", () => {
    const s = scheduleJob(input({ snapshots: yesterday, failures: 1, lastAttempt: { at: ago(1000), result: "interrupted" } }), NOW);
    assert.deepEqual([s.state, s.due], ["failed", true]);
  });
  test("a locked attempt (another run held the job) is not a problem", () => {
    assert.equal(scheduleJob(input({ snapshots: yesterday, lastAttempt: { at: ago(1000), result: "locked" } }), NOW).state, "ok");
  });
  test("running: never due, shown running even when overdue", () => {
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-11-10")], running: true }), NOW);
    assert.deepEqual([s.state, s.due, s.overdue], ["running", false, true]);
  });
  test("disabled: never due, never overdue", () => {
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-11-10")], enabled: false }), NOW);
    assert.deepEqual([s.state, s.due, s.overdue, s.dueAt], ["disabled", false, false, undefined]);
  });
  test("a broken job file: failed, not due", () => {
    const s = scheduleJob(input({ configError: "`prefix`: is required" }), NOW);
    assert.deepEqual([s.state, s.due, s.dueAt], ["failed", false, undefined]);
  });
});

describe("the clock moved back", () => {
  test("snapshots dated after now are reported, never the newest; the job is still due on its own days", () => {
    const s = scheduleJob(input({ snapshots: ["laptop-2026-11-21", "laptop-2026-12-20", "laptop-2026-12-21T0300Z"].map(snap) }), NOW);
    assert.equal(s.newest?.name, "laptop-2026-11-21");
    assert.deepEqual(s.future.map((f) => f.name), ["laptop-2026-12-20", "laptop-2026-12-21T0300Z"]);
    assert.equal(s.due, true);
  });
  test("only future snapshots: counted from when the job was first seen", () => {
    const s = scheduleJob(input({ snapshots: [snap("laptop-2026-12-20")], firstSeen: ago(minutes(10)) }), NOW);
    assert.deepEqual([s.newest, s.due, s.overdue], [undefined, true, false]);
  });
});

describe("dueOrder: most overdue first", () => {
  test("earliest due time first, then by name; jobs that cannot run last", () => {
    const make = (name: string, snapshots: string[], extra: Partial<ScheduleInput> = {}): Schedule =>
      scheduleJob(input({ name, snapshots: snapshots.map(snap), ...extra }), NOW);
    const list = [
      make("b-today", ["laptop-2026-11-22"]),
      make("disabled", ["laptop-2026-11-01"], { enabled: false }),
      make("c-yesterday", ["laptop-2026-11-21"]),
      make("a-yesterday", ["laptop-2026-11-21"]),
      make("d-week", ["laptop-2026-11-15"]),
      make("never", [], { firstSeen: ago(minutes(60 * 24 * 10)) }),
    ];
    assert.deepEqual([...list].sort(dueOrder).map((s) => s.name), ["never", "d-week", "a-yesterday", "c-yesterday", "b-today", "disabled"]);
    assert.deepEqual([...list].reverse().sort(dueOrder).map((s) => s.name), [...list].sort(dueOrder).map((s) => s.name));
  });
});
