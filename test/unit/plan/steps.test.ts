// planRun's steps: which appear, in which order, with what — recovery of an interrupted replacement, a copy
// job with nothing to copy, the pre hook (notify() never stops a backup), make-room and its candidates (no
// link targets when the disk is short), the empty-source check, same-day clean-up, the fail hook. And
// planPrune. Hand-built facts: no disk.
process.env.TZ = "Europe/Berlin";

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { planPrune, planRun, type Plan } from "../../../src/plan/plan.ts";
import type { Facts } from "../../../src/plan/facts.ts";
import type { Step, StepKind } from "../../../src/plan/steps.ts";
import { DAILY, threeTimes } from "../../../src/time/cycle.ts";
import type { Job } from "../../../src/config/types.ts";
import type { Inventory } from "../../../src/store/inventory.ts";
import { notify } from "../../../src/config/define.ts";
import { snapshotFromName } from "../../../src/store/names.ts";
import { describePlan } from "../../../src/plan/describe.ts";

const BACKUP = "/mnt/backups";
const NOW = new Date(2026, 10, 22, 3, 0, 0);
const GB = 1e9;

function job(overrides: Partial<Job> = {}): Job {
  return {
    name: "laptop", file: "/repo/jobs/laptop.ts", prefix: "laptop", backupDir: BACKUP, source: "/home/ben",
    excludes: [], rsyncArgs: [], hooks: {}, cycle: DAILY, alertCycle: threeTimes(DAILY), enabled: true, minKeepCount: 1, shrinkLimit: 0.5, ...overrides,
  };
}
function facts(days: string[], inventory: Partial<Inventory> = {}, extra: Partial<Facts> = {}): Facts {
  const snapshots = days.map((day) => snapshotFromName("laptop", `laptop-${day}`)!).sort((a, b) => a.madeAt - b.madeAt);
  return { inventory: { backupDir: BACKUP, snapshots, staging: false, stagingEmpty: false, previous: false, replaced: [], trash: [], ...inventory }, space: undefined, records: new Map(), ...extra };
}
const kinds = (plan: Plan | Step[]) => (Array.isArray(plan) ? plan : plan.steps).map((step) => step.kind);
const stepOf = <K extends StepKind>(plan: Plan, kind: K) => plan.steps.find((step): step is Extract<Step, { kind: K }> => step.kind === kind);
const space = (freeBytes: number, totalBytes = 10 * GB) => ({ totalBytes, usedBytes: totalBytes - freeBytes, freeBytes, totalInodes: 1000, freeInodes: 500 });

describe("the steps of an ordinary run", () => {
  test("in order: source check, staging, rsync, the empty-source check, publish, prune, the trash", () => {
    const plan = planRun(job(), facts(["2026-11-20", "2026-11-21"]), NOW);
    assert.deepEqual(kinds(plan), ["check-source", "make-staging", "rsync", "check-shrink", "record", "flush", "publish", "prune", "empty-trash"]);
    assert.deepEqual(kinds(plan.onFailure), ["empty-trash"], "a failed run empties the trash too (after the lock)");
    for (const step of plan.steps) assert.ok(step.why.length > 10, `${step.kind}: ${step.why}`);
    assert.equal(stepOf(plan, "check-shrink")!.against, `${BACKUP}/laptop-2026-11-21`);
    assert.ok(kinds(plan).indexOf("flush") < kinds(plan).indexOf("publish"), "flushed before it takes its name");
    assert.ok(kinds(plan).indexOf("record") < kinds(plan).indexOf("flush"), "the record is flushed with it");
  });
  test("the first backup: no shrink check (nothing to compare with), no link target", () => {
    const plan = planRun(job(), facts([]), NOW);
    assert.deepEqual(kinds(plan), ["check-source", "make-staging", "rsync", "record", "flush", "publish", "prune", "empty-trash"]);
    assert.match(stepOf(plan, "make-staging")!.why, /no link target: a full copy/);
  });
  test("allowEmptySource or maxShrink 100%: no shrink check; a remote source: no source check (rsync reaches it)", () => {
    assert.ok(!kinds(planRun(job({ allowEmptySource: true }), facts(["2026-11-21"]), NOW)).includes("check-shrink"));
    assert.ok(!kinds(planRun(job({ shrinkLimit: 1 }), facts(["2026-11-21"]), NOW)).includes("check-shrink"));
    assert.ok(!kinds(planRun(job({ source: "root@univac:/" }), facts(["2026-11-21"]), NOW)).includes("check-source"));
  });
  test("hooks: pre before the source check, after after publishing, fail only on failure", () => {
    const plan = planRun(job({ hooks: { pre: "mount /srv", after: ["true"], fail: "logger failed" } }), facts(["2026-11-21"]), NOW);
    assert.deepEqual(kinds(plan), ["pre-hook", "check-source", "make-staging", "rsync", "check-shrink", "record", "flush", "publish", "after-hook", "prune", "empty-trash"]);
    assert.equal(stepOf(plan, "pre-hook")!.stopsBackup, true);
    assert.deepEqual(kinds(plan.onFailure), ["fail-hook", "empty-trash"]);
  });
  test("a notify() pre hook never stops the backup, and the plan says so", () => {
    const plan = planRun(job({ source: "root@univac:/", hooks: { pre: notify("starting", { user: "ben" }) } }), facts([]), NOW);
    const pre = stepOf(plan, "pre-hook")!;
    assert.equal(pre.stopsBackup, false);
    assert.match(pre.why, /never stops the backup/);
  });
  test("leftover trash of a dead run is named in the last step", () => {
    const plan = planRun(job(), facts([], { trash: [`${BACKUP}/.linkback-trash/laptop-2026-10-01~20261101T030000.77`] }), NOW);
    const trash = stepOf(plan, "empty-trash")!;
    assert.equal(trash.leftovers.length, 1);
    assert.match(trash.why, /1 tree\(s\) a dead run left there/);
  });
});

describe("recovery of an interrupted same-day replacement", () => {
  test(".replaced without its snapshot: put back first, then it counts (a link target, in retention)", () => {
    const plan = planRun(job(), facts(["2026-11-20"], { replaced: ["laptop-2026-11-21.replaced"] }), NOW);
    assert.equal(plan.steps[0]!.kind, "restore-replaced");
    assert.deepEqual(plan.steps[0], { kind: "restore-replaced", from: `${BACKUP}/laptop-2026-11-21.replaced`, to: `${BACKUP}/laptop-2026-11-21`, why: plan.steps[0]!.why });
    assert.equal(plan.linkDests[0], `${BACKUP}/laptop-2026-11-21`);
    assert.ok(plan.retention.some((d) => d.snapshot.name === "laptop-2026-11-21"));
  });
  test(".replaced with its snapshot back in place: the leftover goes to the trash, nothing else changes", () => {
    const plan = planRun(job(), facts(["2026-11-20", "2026-11-21"], { replaced: ["laptop-2026-11-21.replaced"] }), NOW);
    assert.deepEqual(plan.steps[0], { kind: "discard-replaced", path: `${BACKUP}/laptop-2026-11-21.replaced`, why: "it was replaced by laptop-2026-11-21 in an interrupted run" });
    assert.ok(!plan.linkDests.some((dir) => dir.endsWith(".replaced")));
  });
  test("prune recovers first too", () => {
    const steps = planPrune(job({ keepDays: 1 }), facts(["2026-11-20"], { replaced: ["laptop-2026-11-21.replaced"] }), NOW);
    assert.deepEqual(kinds(steps), ["restore-replaced", "prune", "empty-trash"]);
    const prune = steps[1] as Extract<Step, { kind: "prune" }>;
    assert.deepEqual(prune.decisions.map((d) => [d.snapshot.name, d.action]), [["laptop-2026-11-20", "delete"], ["laptop-2026-11-21", "keep"]]);
  });
});

describe("a copy job", () => {
  const weekly = () => job({ name: "weekly", prefix: "laptop-weekly", source: { kind: "snapshotOf", job: "laptop" }, copyOf: { name: "laptop", file: "/repo/jobs/laptop.ts", prefix: "laptop", backupDir: BACKUP } });
  test("with nothing to copy: one refuse step, before any hook", () => {
    const plan = planRun({ ...weekly(), hooks: { pre: "echo", fail: "echo failed" } }, facts([]), NOW);
    assert.deepEqual(kinds(plan), ["refuse"]);
    assert.match(plan.steps[0]!.why, /job laptop has no complete snapshot in \/mnt\/backups yet; nothing to copy/);
    assert.deepEqual(kinds(plan.onFailure), ["fail-hook", "empty-trash"]);
  });
  test("the copied snapshot: the source, the first link target, what the empty-source check compares with; exit 24 is no success", () => {
    const copied = `${BACKUP}/laptop-2026-11-22`;
    const plan = planRun(weekly(), facts([], {}, { copy: { name: "laptop-2026-11-22", path: copied } }), NOW);
    assert.equal(plan.source, copied);
    assert.equal(plan.linkDests[0], copied);
    assert.equal(stepOf(plan, "check-shrink")!.against, copied);
    assert.equal(stepOf(plan, "rsync")!.vanishedOk, false);
    assert.equal(stepOf(plan, "check-source")!.path, copied);
  });
});

describe("make-room (minFreeSpace)", () => {
  const days = ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21"];
  test("enough space: the step says so, lists what it would delete if short, and every snapshot stays a link target", () => {
    const plan = planRun(job({ freeSpace: { text: "10%", percent: 10 }, keepDays: 2 }), facts(days, {}, { space: space(5 * GB) }), NOW);
    const room = stepOf(plan, "make-room")!;
    assert.equal(room.needBytes, 1 * GB);
    assert.match(room.why, /enough, nothing to delete/);
    assert.deepEqual(room.candidates.map((c) => c.name), ["laptop-2026-11-18", "laptop-2026-11-19", "laptop-2026-11-20"]);
    assert.equal(plan.linkDests.length, 4);
    assert.ok(kinds(plan).indexOf("make-room") < kinds(plan).indexOf("make-staging"), "room is made before staging");
  });
  test("short: the order and the stop, minKeep's count in the step; the candidates stay link targets until deleted", () => {
    const plan = planRun(job({ freeSpace: { text: "2GB", bytes: 2 * GB }, keepDays: 2, minKeepCount: 2 }), facts(days, {}, { space: space(1 * GB) }), NOW);
    const room = stepOf(plan, "make-room")!;
    assert.deepEqual(room.candidates.map((c) => c.name), ["laptop-2026-11-18", "laptop-2026-11-19"]);
    assert.deepEqual(room.candidates.map((c) => c.why), ["retention prunes it after this run anyway", "retention prunes it after this run anyway"]);
    assert.equal(room.leaves, 2);
    assert.match(room.why, /delete laptop-2026-11-18, then laptop-2026-11-19 until there is; still short after laptop-2026-11-19 → the run fails before rsync/);
    assert.equal(plan.linkDests.length, 4, "only what make-room really deletes is left out of rsync's command");
    assert.match(stepOf(plan, "make-staging")!.why, /those make-room deletes are left out of rsync's command/);
    assert.match(describePlan(plan), /candidate 2: laptop-2026-11-19: retention prunes it after this run anyway/);
  });
  test("the newest snapshot is never a candidate, even when retention would prune it (it is the main link target)", () => {
    // monthly 1: today's snapshot takes November's slot, so every existing one is doomed — the newest still stays.
    const plan = planRun(job({ freeSpace: { text: "9GB", bytes: 9 * GB }, keep: { monthly: 1 } }), facts(days, {}, { space: space(0) }), NOW);
    const names = stepOf(plan, "make-room")!.candidates.map((c) => c.name);
    assert.ok(!names.includes("laptop-2026-11-21"), names.join(", "));
    assert.deepEqual(names, ["laptop-2026-11-18", "laptop-2026-11-19", "laptop-2026-11-20"]);
  });
  test("space that could not be read: the step measures when it runs, and says so; a percentage is computed then", () => {
    const plan = planRun(job({ freeSpace: { text: "10%", percent: 10 } }), facts(days), NOW);
    const room = stepOf(plan, "make-room")!;
    assert.equal(room.freeBytes, undefined);
    assert.equal(room.needPercent, 10);
    assert.match(room.why, /free space could not be read now \(measured when the step runs\)/);
  });
  test("a future-dated snapshot is never a candidate, even when the disk is full", () => {
    const plan = planRun(job({ freeSpace: { text: "9GB", bytes: 9 * GB } }), facts([...days, "2027-03-01"], {}, { space: space(0) }), NOW);
    assert.ok(!stepOf(plan, "make-room")!.candidates.some((c) => c.name === "laptop-2027-03-01"));
    assert.equal(stepOf(plan, "make-room")!.candidates.length, 3, "all past ones but the newest (minKeep 1)");
  });
});

describe("a second run the same day", () => {
  test("publish sets today's aside first; clean-up trashes it and the resume base", () => {
    const plan = planRun(job(), facts(["2026-11-21", "2026-11-22"], { previous: true }), NOW);
    const publish = stepOf(plan, "publish")!;
    assert.equal(publish.replaces, "laptop-2026-11-22");
    assert.equal(publish.setAside, `${BACKUP}/laptop-2026-11-22.replaced`);
    assert.deepEqual(stepOf(plan, "clean-up")!.paths.map((p) => p.path), [`${BACKUP}/laptop-2026-11-22.replaced`, `${BACKUP}/laptop-incomplete.prev`]);
  });
});
