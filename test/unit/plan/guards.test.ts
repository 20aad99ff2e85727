// The plan's judgements, pure: when the clock looks wrong, what metadata is kept where, which of linkback's
// own directories lie inside a source, the shrink guard's step, and retention with a frozen clock and partial
// snapshots; snapshots a restore or diff is reading spared from retention's deletes.
process.env.TZ = "UTC";

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { clockProblem, metadataKept, ownDirsInSource, shrinkStep, spareReadSnapshots } from "../../../src/plan/guards.ts";
import { applyRetention } from "../../../src/retention/policy.ts";
import type { Facts } from "../../../src/plan/facts.ts";
import type { Job } from "../../../src/config/types.ts";
import type { SnapshotRecord } from "../../../src/store/records.ts";
import { snapshotFromName } from "../../../src/store/names.ts";
import { DAILY, parseCycle, threeTimes, type Cycle } from "../../../src/time/cycle.ts";
import { capabilitiesOf } from "../../../src/rsync/capabilities.ts";
import { failedPaths } from "../../../src/rsync/run.ts";

const job = (overrides: Partial<Job> = {}): Job => ({
  name: "p", file: "/jobs/p.ts", prefix: "p", backupDir: "/mnt/usb/backups", source: "/srv", excludes: [], rsyncArgs: [], hooks: {},
  cycle: DAILY, alertCycle: threeTimes(DAILY), enabled: true, minKeepCount: 1, shrinkLimit: 0.5, ...overrides,
});
const snap = (day: string) => snapshotFromName("p", `p-${day}`)!;
function facts(days: string[], records: Record<string, Partial<SnapshotRecord>> = {}, extra: Partial<Facts> = {}): Facts {
  const snapshots = days.map(snap);
  const map = new Map(Object.entries(records).map(([name, r]) => [name, { snapshot: name, startedAt: "", finishedAt: "", exitCode: 0, ...r } as SnapshotRecord]));
  return { inventory: { backupDir: "/mnt/usb/backups", snapshots, staging: false, stagingEmpty: false, previous: false, replaced: [], trash: [] }, space: undefined, records: map, ...extra };
}

describe("the clock", () => {
  const days = ["2026-11-01", "2026-11-02"];
  test("plausible within 30 days of the newest snapshot, implausible beyond", () => {
    assert.equal(clockProblem(job(), facts(days), new Date("2026-12-01T12:00:00Z")), undefined);
    assert.match(clockProblem(job(), facts(days), new Date("2026-12-03T12:00:00Z"))!, /the clock looks wrong: now \(2026-12-03T12:00Z\) is 31 days after the newest snapshot p-2026-11-02, more than 30 days/);
  });
  test("the limit grows with every (10 ×) and alertAfter", () => {
    const weekly = parseCycle("1w") as Cycle;
    assert.equal(clockProblem(job({ cycle: weekly, alertCycle: threeTimes(weekly) }), facts(days), new Date("2027-01-05T00:00:00Z")), undefined, "64 days < 70");
    assert.ok(clockProblem(job({ cycle: weekly, alertCycle: threeTimes(weekly) }), facts(days), new Date("2027-01-20T00:00:00Z")) !== undefined);
    const alert = parseCycle("60d") as Cycle;
    assert.equal(clockProblem(job({ alertCycle: alert }), facts(days), new Date("2026-12-20T00:00:00Z")), undefined);
  });
  test("snapshots made under a suspect clock are no anchor; future ones neither; none at all: no judgement", () => {
    const jumped = facts([...days, "2031-11-06"], { "p-2031-11-06": { clockSuspect: true } });
    assert.match(clockProblem(job(), jumped, new Date("2031-11-07T03:00:00Z"))!, /after the newest snapshot p-2026-11-02/);
    assert.equal(clockProblem(job(), facts([...days, "2031-11-06"]), new Date("2026-11-05T03:00:00Z")), undefined, "a clock back again measures from the real newest");
    assert.equal(clockProblem(job(), facts([]), new Date("2031-01-01T00:00:00Z")), undefined);
  });
});

describe("retention with a frozen clock and partial snapshots", () => {
  const history = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"].map(snap);
  test("frozen: every snapshot kept with the reason; nothing deleted by age", () => {
    const { decisions } = applyRetention(history, { keepDays: 1, minKeep: 1 }, new Date("2031-11-06T03:00:00Z"), { frozen: "the clock looks wrong" });
    assert.ok(decisions.every((d) => d.action === "keep" && d.rule === "clock" && d.reason === "the clock looks wrong"));
  });
  test("the newest complete snapshot behind partial ones stays, and is no room candidate", () => {
    const partial = new Set(["p-2026-11-03", "p-2026-11-04"]);
    const { decisions, room } = applyRetention(history, { keepDays: 1, minKeep: 1 }, new Date("2026-11-04T12:00:00Z"), { partial });
    const kept = decisions.filter((d) => d.action === "keep").map((d) => [d.snapshot.name, d.rule]);
    assert.deepEqual(kept, [["p-2026-11-02", "complete"], ["p-2026-11-04", "keepDays"]]);
    assert.match(decisions[1]!.reason, /the newest complete snapshot: p-2026-11-04, p-2026-11-03 are partial and lack files it holds/);
    assert.ok(!room.some((c) => c.snapshot.name === "p-2026-11-02"));
  });
  test("no partial one newer: nothing extra is kept", () => {
    const { decisions } = applyRetention(history, { keepDays: 1, minKeep: 1 }, new Date("2026-11-04T12:00:00Z"), { partial: new Set(["p-2026-11-01"]) });
    assert.deepEqual(decisions.filter((d) => d.action === "keep").map((d) => d.snapshot.name), ["p-2026-11-04"]);
  });
});

describe("metadata kept", () => {
  const caps = { acls: true, xattrs: true };
  test("ext4 with an rsync that has them: ACLs, xattrs, holes", () => {
    const { keeps, why } = metadataKept(job(), facts([], {}, { disk: { type: "ext4", mountPoint: "/mnt/usb", hardLinks: true }, rsync: caps }));
    assert.deepEqual(keeps, { acls: true, xattrs: true, sparse: true });
    assert.equal(why, "kept beyond rsync -a: ACLs, xattrs (file capabilities among them), holes of sparse files");
  });
  test("vfat: none of them, each with why", () => {
    const { keeps, why } = metadataKept(job(), facts([], {}, { disk: { type: "vfat", mountPoint: "/mnt/usb", hardLinks: false }, rsync: caps }));
    assert.deepEqual(keeps, { acls: false, xattrs: false, sparse: false });
    assert.match(why, /not kept: ACLs \(the backup filesystem \(vfat\) cannot store them\), xattrs .*, holes of sparse files \(vfat has no holes\)/);
  });
  test("an rsync built without them; the job's own word wins", () => {
    assert.match(metadataKept(job(), facts([], {}, { disk: { type: "ext4", mountPoint: "/", hardLinks: true }, rsync: { acls: false, xattrs: false } })).why, /this machine's rsync was built without them/);
    assert.deepEqual(metadataKept(job({ metadata: { xattrs: false, sparse: false } }), facts([], {}, { disk: { type: "ext4", mountPoint: "/", hardLinks: true }, rsync: caps })).keeps, { acls: true, xattrs: false, sparse: false });
  });
  test("rsync --version's capability list", () => {
    assert.deepEqual(capabilitiesOf("Capabilities:\n    64-bit files, inplace, append, ACLs,\n    ACL-at, xattrs, optional secluded-args"), { acls: true, xattrs: true });
    assert.deepEqual(capabilitiesOf("    64-bit files, no ACLs, no xattrs, iconv"), { acls: false, xattrs: false });
  });
});

describe("linkback's own directories inside a local source", () => {
  test("backupDir, logs and status inside /srv are excluded, anchored; outside ones and remote sources are not", () => {
    const dirs = [{ path: "/srv/backups", what: "backupDir" }, { path: "/srv/var/log/linkback", what: "the log directory" }, { path: "/var/lib/linkback", what: "the status directory" }];
    assert.deepEqual(ownDirsInSource(job(), "/srv", dirs).map((e) => e.path), ["backups", "var/log/linkback"]);
    assert.deepEqual(ownDirsInSource(job({ source: "root@host:/srv" }), "root@host:/srv", dirs), []);
    assert.deepEqual(ownDirsInSource(job(), "/", [{ path: "/mnt/usb/backups", what: "backupDir" }]).map((e) => e.path), ["mnt/usb/backups"]);
  });
  test("a directory inside one already excluded is not listed twice", () => {
    assert.deepEqual(ownDirsInSource(job(), "/srv", [{ path: "/srv/b", what: "backupDir" }, { path: "/srv/b/logs", what: "logs" }]).map((e) => e.path), ["b"]);
  });
});

describe("the shrink guard's step", () => {
  test("with the newest snapshot's record: its counts; without: emptiness only; off with allowEmptySource or maxShrink 100%", () => {
    const f = facts(["2026-11-01"], { "p-2026-11-01": { regularFiles: 100, totalBytes: 5e6 } });
    const against = { path: "/mnt/usb/backups/p-2026-11-01", snapshot: snap("2026-11-01") };
    assert.deepEqual(shrinkStep(job(), f, "/s", against, false)!.previous, { regularFiles: 100, totalBytes: 5e6 });
    assert.match(shrinkStep(job(), f, "/s", against, false)!.why, /more than 50% of its 100 files or 5\.0 MB gone/);
    assert.equal(shrinkStep(job(), facts(["2026-11-01"]), "/s", against, false)!.previous, undefined);
    assert.equal(shrinkStep(job({ allowEmptySource: true }), f, "/s", against, false), undefined);
    assert.equal(shrinkStep(job({ shrinkLimit: 1 }), f, "/s", against, false), undefined);
    assert.equal(shrinkStep(job(), f, "/s", against, true)!.accepted, true);
  });
});

test("rsync's failure lines → the paths they name", () => {
  assert.deepEqual(failedPaths([
    'rsync: [sender] send_files failed to open "/srv/secret": Permission denied (13)',
    'symlink has no referent: "/srv/broken"',
    "filename overflows max-path len by 171: /srv/xxx/deep.txt",
  ]), ["/srv/secret", "/srv/broken", "/srv/xxx/deep.txt"]);
});

describe("snapshots being read are spared from retention's deletes", () => {
  const history = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"].map(snap);
  const decisions = () => applyRetention(history, { keepDays: 1, minKeep: 1 }, new Date("2026-11-04T12:00:00Z")).decisions;
  const reading = (entries: [string, string][]) => facts([], {}, { readers: new Map(entries) });
  test("a delete of a read snapshot becomes a keep, rule 'being read', naming the reader and the delete's reason", () => {
    const before = decisions();
    assert.deepEqual(before.map((d) => d.action), ["delete", "delete", "delete", "keep"], "(keepDays 1 deletes three)");
    const after = spareReadSnapshots(before, reading([["p-2026-11-02", "linkback restore (pid 4242)"]]));
    const spared = after[1]!;
    assert.equal(spared.snapshot.name, "p-2026-11-02");
    assert.equal(spared.action, "keep");
    assert.equal(spared.rule, "being read");
    assert.equal(spared.reason, `being read by linkback restore (pid 4242): kept this time, the next run prunes it (${before[1]!.reason})`);
    assert.deepEqual(after.map((d) => [d.snapshot.name, d.action]), [["p-2026-11-01", "delete"], ["p-2026-11-02", "keep"], ["p-2026-11-03", "delete"], ["p-2026-11-04", "keep"]]);
  });
  test("the others are untouched: deletes stay deletes, a read snapshot already kept keeps its own rule; the input is not changed", () => {
    const before = decisions();
    const copy = structuredClone(before);
    const after = spareReadSnapshots(before, reading([["p-2026-11-01", "linkback diff (pid 7)"], ["p-2026-11-04", "linkback diff (pid 7)"], ["p-2025-01-01", "linkback restore (pid 8)"]]));
    assert.deepEqual(before, copy, "input unchanged");
    assert.equal(after[0]!.rule, "being read");
    for (const i of [1, 2, 3]) assert.equal(after[i], before[i], `decision ${i} is the same object`);
    assert.equal(after[3]!.rule, "keepDays");
    assert.equal(after.length, before.length, "a reader of a snapshot not in the list adds nothing");
  });
  test("no readers (none known, or none now): the decisions as they are", () => {
    const before = decisions();
    assert.equal(spareReadSnapshots(before, facts([])), before);
    assert.equal(spareReadSnapshots(before, reading([])), before);
  });
});
