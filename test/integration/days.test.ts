// Living through weeks with real rsync on real directories: LINKBACK_NOW moves the clock (Europe/Berlin,
// across the end of summer time), the source changes between days, and every snapshot is checked against
// the source it was taken from, by content, mode, symlink target and inode.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { chmod, link, lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { listNames, writeTree } from "../helpers/cli.ts";
import {
  type Manifest,
  type Workspace,
  allNames,
  filesTransferred,
  fullListing,
  hasProgram,
  inodes,
  lastRsyncArgv,
  manifest,
  readLog,
  rsyncLog,
  touch,
  workspace,
} from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;

/** Calendar day `offset` days after `start` (YYYY-MM-DD), computed in UTC so the test's own TZ does not matter. */
function dayAfter(start: string, offset: number): string {
  const [y, m, d] = start.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + offset)).toISOString().slice(0, 10);
}

/** A distinct instant for file mtimes on a simulated day. */
function mtimeOf(day: string, hour = 1): Date {
  return new Date(`${day}T${String(hour).padStart(2, "0")}:00:00Z`);
}

async function put(src: string, rel: string, content: string, when: Date, mode?: number): Promise<void> {
  const path = join(src, rel);
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, content);
  if (mode !== undefined) await chmod(path, mode);
  await touch(path, when);
}

/** Names that look like a `laptop` snapshot but are not one (see the setup): never counted, never touched. */
const LOOKALIKES = new Set(["laptop-2026-01-01", "laptop-2026-10-02", "laptop-2026-13-45"]);

function snapshotsOf(names: string[], prefix: string): string[] {
  return names.filter((name) => new RegExp(`^${prefix}-\\d{4}-\\d{2}-\\d{2}$`).test(name) && !LOOKALIKES.has(name));
}

describe("26 days of real backups (TZ=Europe/Berlin, through the end of summer time)", { skip }, () => {
  let ws: Workspace;
  const START = "2026-10-20";
  const DAYS = 26;
  /** LINKBACK_NOW per day: mostly 03:00 local; around the DST change, UTC instants whose UTC date is the day before. */
  const nowOf = (day: string): string =>
    ({
      "2026-10-25": "2026-10-24T22:30:00Z", // 00:30 CEST on the 25th (the night clocks go back)
      "2026-10-26": "2026-10-25T23:30:00Z", // 00:30 CET on the 26th
      "2026-11-01": "2026-10-31T23:05:00Z", // 00:05 CET
    })[day] ?? `${day}T03:00:00`;

  /** Source manifest at the time of each day's snapshot. */
  const taken = new Map<string, Manifest>();
  let foreignBefore: Record<string, string[]> = {};
  let elsewhereBefore: string[] = [];

  before(async () => {
    ws = await workspace("days");
    // Names a `laptop` job must never touch: another series, a hand-made folder, an invalid date, a file and a
    // symlink named exactly like old snapshots (the symlink points outside the backup directory).
    await writeTree(join(ws.backup, "laptop-weekly-2026-10-01"), { "w.txt": "weekly" });
    await writeTree(join(ws.backup, "laptop-old"), { "old.txt": "hand-made" });
    await writeTree(join(ws.backup, "laptop-2026-13-45"), { "x.txt": "not a date" });
    await writeFile(join(ws.backup, "laptop-2026-10-02"), "a file, not a snapshot");
    await writeTree(join(ws.root, "elsewhere"), { "precious.txt": "must survive", "sub/deep.txt": "deep" });
    await symlink(join(ws.root, "elsewhere"), join(ws.backup, "laptop-2026-01-01"));
    foreignBefore = {};
    for (const name of ["laptop-weekly-2026-10-01", "laptop-old", "laptop-2026-13-45", "laptop-2026-10-02"]) {
      foreignBefore[name] = await fullListing(join(ws.backup, name));
    }
    elsewhereBefore = await fullListing(join(ws.root, "elsewhere"));

    // Day 1's source.
    const t0 = mtimeOf(START, 0);
    await put(ws.src, "stable/readme.txt", "this file never changes\n", t0);
    await put(ws.src, "stable/deep/a/b/c.txt", "deep and unchanged\n", t0);
    await put(ws.src, "bin/tool.sh", "#!/bin/sh\necho tool\n", t0, 0o755);
    await put(ws.src, "secret/key", "s3cret\n", t0, 0o600);
    for (const n of [1, 2, 3]) await put(ws.src, `notes/n${n}.txt`, `note ${n}\n`, t0);
    await put(ws.src, "hl/one", "one inode, two names\n", t0);
    await link(join(ws.src, "hl/one"), join(ws.src, "hl/two"));
    await symlink("stable/readme.txt", join(ws.src, "link-to-readme"));
  });
  after(async () => {
    await ws?.cleanup();
  });

  /** What changes in the source before day `k` (1-based). */
  async function changeSource(k: number, day: string): Promise<void> {
    const when = mtimeOf(day);
    await put(ws.src, "daily/counter.txt", `day ${k} (${day})\n`, when);
    await put(ws.src, `added/day-${String(k).padStart(2, "0")}.txt`, `added on ${day}\n`, when);
    if (k % 3 === 0) await rm(join(ws.src, `added/day-${String(k - 2).padStart(2, "0")}.txt`));
    if (k === 5) await chmod(join(ws.src, "bin/tool.sh"), 0o700); // attribute-only change
    if (k === 7) {
      await rm(join(ws.src, "link-to-readme"));
      await symlink("notes/n1.txt", join(ws.src, "link-to-readme"));
    }
    if (k === 9) await rm(join(ws.src, "notes/n2.txt"));
    if (k === 12) await put(ws.src, "notes/n3.txt", "NOTE 3\n", when); // same size, new content and mtime
  }

  test("each day: snapshot = source, unchanged files hard-linked, ≤20 link targets, exact keepDays pruning, foreign names untouched", async () => {
    const started = Date.now();
    let keepDays = 22;
    const days = Array.from({ length: DAYS }, (_, i) => dayAfter(START, i));
    let previousManifest: Manifest | undefined;
    let previousInodes: Record<string, { ino: number; nlink: number }> | undefined;
    let daysBeyond20 = 0;

    for (let i = 0; i < DAYS; i++) {
      const k = i + 1;
      const day = days[i]!;
      if (k === 25) keepDays = 10; // the owner shortens retention: the next run prunes down to 10 days
      await ws.job("laptop", { keepDays });
      await changeSource(k, day);
      const sourceManifest = await manifest(ws.src);
      const sourceInodes = await inodes(ws.src);

      const before = snapshotsOf(await allNames(ws.backup), "laptop");
      const result = await ws.run(["laptop"], nowOf(day));
      assert.equal(result.exitCode, 0, `day ${k} (${day}): exit ${result.exitCode}\n${result.stderr}`);

      const snapshot = join(ws.backup, `laptop-${day}`);
      assert.ok(existsSync(snapshot), `day ${k}: laptop-${day} exists (local date of ${nowOf(day)} in Europe/Berlin)`);
      const got = await manifest(snapshot);
      assert.deepEqual(got, sourceManifest, `day ${k}: the snapshot equals the source`);
      taken.set(day, sourceManifest);

      // Exactly the last keepDays calendar days (or all so far), nothing else of ours, no staging left.
      const expected = days.slice(Math.max(0, i - keepDays + 1), i + 1).map((d) => `laptop-${d}`);
      const names = await allNames(ws.backup);
      assert.deepEqual(snapshotsOf(names, "laptop"), expected, `day ${k}: snapshots present with keepDays ${keepDays}`);
      assert.deepEqual(names.filter((n) => n.includes("incomplete")), [], `day ${k}: no staging left`);

      // Link targets: this job's complete snapshots, newest first, absolute, at most 20.
      const argv = await lastRsyncArgv(ws.logs);
      const linkDests = argv.filter((a) => a.startsWith("--link-dest=")).map((a) => a.slice("--link-dest=".length));
      const expectedDests = [...before].sort().reverse().slice(0, 20).map((n) => join(ws.backup, n));
      assert.deepEqual(linkDests, expectedDests, `day ${k}: --link-dest = the newest ≤20 earlier snapshots`);
      if (before.length > 20) {
        assert.equal(linkDests.length, 20, `day ${k}: ${before.length} earlier snapshots exist, 20 are passed`);
        daysBeyond20++;
      }
      const rsyncOutput = await rsyncLog(ws.logs, "laptop");
      assert.doesNotMatch(rsyncOutput, /at most 20 --link-dest/);

      // Hard links: unchanged files share the previous day's inode; changed ones are new inodes.
      const snapInodes = await inodes(snapshot);
      assert.equal(snapInodes["hl/one"]!.ino, snapInodes["hl/two"]!.ino, `day ${k}: hard links inside the source stay hard links`);
      if (previousManifest !== undefined && previousInodes !== undefined) {
        const sentInodes = new Set<number>();
        let modeOnly = 0;
        for (const [rel, entry] of Object.entries(got)) {
          if (!entry.startsWith("file ")) continue;
          const earlier = previousManifest[rel];
          if (earlier === entry) {
            assert.equal(snapInodes[rel]!.ino, previousInodes[rel]!.ino, `day ${k}: unchanged ${rel} shares the inode of the day before`);
            continue;
          }
          assert.ok(previousInodes[rel] === undefined || snapInodes[rel]!.ino !== previousInodes[rel]!.ino, `day ${k}: changed ${rel} is a new inode`);
          // "file MODE SIZE HASH mtime=…": a change of MODE only is copied from the link target, not sent.
          if (earlier !== undefined && earlier.split(" ").slice(2).join(" ") === entry.split(" ").slice(2).join(" ")) modeOnly++;
          else sentInodes.add(sourceInodes[rel]!.ino);
        }
        if (k === 5) assert.equal(modeOnly, 1, "day 5: bin/tool.sh changed mode only");
        // rsync sent exactly the files whose content changed or that are new; everything else came from links.
        assert.equal(filesTransferred(rsyncOutput), sentInodes.size, `day ${k}: files rsync transferred`);
      } else {
        const distinct = new Set(Object.values(sourceInodes).map((i) => i.ino)).size;
        assert.equal(filesTransferred(rsyncOutput), distinct, "day 1: a full copy (hard-linked names sent once)");
      }
      // A file never changed has one link per snapshot holding it: every snapshot present.
      const present = snapshotsOf(names, "laptop").length;
      assert.equal(snapInodes["stable/readme.txt"]!.nlink, present, `day ${k}: stable/readme.txt has ${present} links`);
      assert.equal(snapInodes["hl/one"]!.nlink, 2 * present, `day ${k}: hl/one+hl/two share one inode across ${present} snapshots`);

      previousManifest = got;
      previousInodes = snapInodes;
    }

    assert.ok(daysBeyond20 >= 4, `${daysBeyond20} runs had more than 20 earlier snapshots`);
    // Later runs altered nothing in the snapshots that survive.
    for (const name of await listNames(ws.backup)) {
      const day = /^laptop-(\d{4}-\d{2}-\d{2})$/.exec(name)?.[1];
      if (day === undefined || !taken.has(day)) continue;
      assert.deepEqual(await manifest(join(ws.backup, name)), taken.get(day), `${name} still equals the source of its day`);
    }
    // Foreign names: never pruned, never linked against, never changed; the symlink's target is untouched.
    for (const [name, listing] of Object.entries(foreignBefore)) {
      assert.deepEqual(await fullListing(join(ws.backup, name)), listing, `${name} untouched`);
    }
    assert.equal(await readlink(join(ws.backup, "laptop-2026-01-01")), join(ws.root, "elsewhere"));
    assert.deepEqual(await fullListing(join(ws.root, "elsewhere")), elsewhereBefore, "the symlink's target is untouched");
    const log = await readLog(ws.logs);
    assert.ok(!log.some((e) => (e.argv ?? []).some((a) => a.includes("laptop-2026-01-01") || a.includes("laptop-weekly") || a.includes("laptop-old"))), "foreign names never passed to rsync");
    const deletions = log.filter((e) => e.msg.startsWith("deleting ")).map((e) => e.msg);
    assert.equal(deletions.length, DAYS - 10, "every snapshot but the last 10 was deleted, each delete logged");
    assert.ok(log.filter((e) => e.msg.startsWith("deleting ")).every((e) => typeof e.reason === "string" && /keepDays/.test(e.reason as string)), "each delete logged with its reason");
    assert.ok(log.some((e) => e.msg.startsWith("keeping ") && typeof e.reason === "string"), "keeps logged with their reason");
    const trash = join(ws.backup, ".linkback-trash");
    if (existsSync(trash)) assert.deepEqual(await allNames(trash), [], "nothing left in the trash");
    process.stderr.write(`# days: ${DAYS} runs in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });
});

describe("same-day rerun, hard links, dry run", { skip }, () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace("sameday");
  });
  after(async () => {
    await ws?.cleanup();
  });

  test("a second run on the same day replaces that day's snapshot and alters no file of earlier snapshots", async () => {
    await ws.job("laptop", { keepDays: 30 });
    const t0 = mtimeOf("2026-11-01", 0);
    await put(ws.src, "shared.txt", "shared by every day\n", t0);
    await put(ws.src, "secret/key", "s3cret\n", t0, 0o600);
    await put(ws.src, "day.txt", "day 1\n", t0);
    await writeFile(join(ws.src, "hl-a"), "hard-linked pair\n");
    await link(join(ws.src, "hl-a"), join(ws.src, "hl-b"));
    assert.equal((await ws.run(["laptop"], "2026-11-01T03:00:00")).exitCode, 0);
    await put(ws.src, "day.txt", "day 2 morning\n", mtimeOf("2026-11-02"));
    const first = await ws.run(["laptop"], "2026-11-02T03:00:00");
    assert.equal(first.exitCode, 0, first.stderr);

    const earlier = join(ws.backup, "laptop-2026-11-01");
    const earlierBefore = await fullListing(earlier, { nlink: false });
    const morning = join(ws.backup, "laptop-2026-11-02");
    const morningInodes = await inodes(morning);
    assert.equal(morningInodes["shared.txt"]!.ino, (await inodes(earlier))["shared.txt"]!.ino);

    // Evening: content change, an attribute-only change on a file whose inode older snapshots share, a new file.
    await put(ws.src, "day.txt", "day 2 evening\n", mtimeOf("2026-11-02", 17));
    await chmod(join(ws.src, "secret/key"), 0o640);
    await put(ws.src, "evening.txt", "new in the evening\n", mtimeOf("2026-11-02", 17));
    const second = await ws.run(["laptop"], "2026-11-02T18:00:00");
    assert.equal(second.exitCode, 0, second.stderr);

    assert.deepEqual(await listNames(ws.backup), ["laptop-2026-11-01", "laptop-2026-11-02"], "one snapshot per day, no staging");
    assert.deepEqual(await manifest(morning), await manifest(ws.src), "today's snapshot is the evening's source");
    assert.deepEqual(await fullListing(earlier, { nlink: false }), earlierBefore, "the earlier snapshot: same inodes, modes, contents");
    assert.equal(((await lstat(join(earlier, "secret/key"))).mode & 0o777), 0o600, "the chmod did not reach the earlier snapshot");
    const evening = await inodes(morning);
    assert.equal(evening["shared.txt"]!.ino, morningInodes["shared.txt"]!.ino, "unchanged files still linked");
    assert.equal(evening["shared.txt"]!.nlink, 2, "the replaced morning tree is gone: 2 links (day 1 + day 2)");
    assert.notEqual(evening["day.txt"]!.ino, morningInodes["day.txt"]!.ino);
    assert.equal(evening["hl-a"]!.ino, evening["hl-b"]!.ino, "hard links inside the source are preserved");
    assert.equal(evening["hl-a"]!.nlink, 4, "hl-a/hl-b: one inode, two names, two snapshots");
    const log = await readLog(ws.logs);
    assert.ok(log.some((e) => /replaced today's earlier snapshot laptop-2026-11-02/.test(e.msg)), "the replacement is logged");
    const trash = join(ws.backup, ".linkback-trash");
    if (existsSync(trash)) assert.deepEqual(await allNames(trash), []);
  });

  test("run --dry-run changes nothing on disk and prints the plan: rsync argv with --dry-run, link targets, prune decisions", async () => {
    const dry = await workspace("dryrun");
    try {
      const hookLog = join(dry.root, "hooks.log");
      await dry.job("laptop", { keepDays: 2, hooks: { pre: `echo pre-hook >> '${hookLog}'`, after: ["/bin/sh", "-c", `echo after >> '${hookLog}'`] } });
      for (const [n, day] of ["2026-11-01", "2026-11-02", "2026-11-03"].entries()) {
        await put(dry.src, "f.txt", `day ${n}\n`, mtimeOf(day));
        assert.equal((await dry.run(["laptop"], `${day}T03:00:00`)).exitCode, 0);
      }
      // A failed attempt lying around (the dry run must not rename it).
      await writeTree(join(dry.backup, "laptop-incomplete"), { "half.txt": "from a failed run" });
      await put(dry.src, "f.txt", "day 5 changed\n", mtimeOf("2026-11-05"));
      await put(dry.src, "new.txt", "brand new\n", mtimeOf("2026-11-05"));

      const hooksBefore = await readFile(hookLog, "utf8");
      const backupBefore = await fullListing(dry.backup);
      const sourceBefore = await fullListing(dry.src);
      const freshLogs = join(dry.root, "dry-logs");
      const result = await dry.run(["laptop", "--dry-run"], "2026-11-05T03:00:00", { LINKBACK_LOG_DIR: freshLogs });
      assert.equal(result.exitCode, 0, result.stderr);

      assert.deepEqual(await fullListing(dry.backup), backupBefore, "backupDir identical: no rename, delete, lock or staging");
      assert.deepEqual(await fullListing(dry.src), sourceBefore);
      assert.ok(!existsSync(freshLogs), "no log directory created");
      assert.ok(!existsSync(join(dry.backup, ".linkback-laptop.lock")));

      const out = result.stdout;
      const lineOf = (pattern: RegExp) => out.split("\n").find((line) => pattern.test(line));
      // The plan: the run would rename the failed attempt to .prev and link against it first.
      const planned = lineOf(/^ +\d+\. rsync: /);
      assert.ok(planned !== undefined, `plan has the rsync step:\n${out}`);
      assert.match(planned, /-aH --numeric-ids/);
      assert.doesNotMatch(planned, / --dry-run /, "the plan is the real run's");
      assert.ok(planned.includes(`--link-dest=${join(dry.backup, "laptop-incomplete.prev")} `), "the failed attempt (as .prev) is the first link target");
      assert.ok(planned.indexOf("laptop-incomplete.prev") < planned.indexOf("laptop-2026-11-03"), "resume base before the newest snapshot");
      assert.match(out, /resume: rename .*laptop-incomplete → .*laptop-incomplete\.prev/);
      assert.match(out, /pre hook: +sh -c "echo pre-hook >> /);
      assert.match(out, /after hook: +\/bin\/sh -c echo after >> /);
      assert.match(out, /delete laptop-2026-11-02: .*keepDays 2/);
      assert.match(out, /delete laptop-2026-11-03: .*keepDays 2/);
      assert.match(out, /keep +laptop-2026-11-05: the snapshot this run makes/);
      // rsync --dry-run of that plan: nothing renamed, so it links against the attempt where it lies.
      const rehearsal = lineOf(/^--- rsync --dry-run: /);
      assert.ok(rehearsal !== undefined, out);
      assert.match(rehearsal, / --dry-run /);
      assert.ok(rehearsal.includes(`--link-dest=${join(dry.backup, "laptop-incomplete")} `));
      assert.match(out, />f.* new\.txt/, "rsync's own dry-run itemization is shown");
      assert.equal(await readFile(hookLog, "utf8"), hooksBefore, "no hook ran");
    } finally {
      await dry.cleanup();
    }
  });
});
