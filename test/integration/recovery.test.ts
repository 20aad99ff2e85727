// Crash and mistake recovery with the real rsync: an interrupted same-day replacement, an attempt that
// failed before writing anything, two job files sharing a prefix, an empty source, a non-normal backupDir,
// and a function hook that never settles.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { linkback, writeJob, writeTree } from "../helpers/cli.ts";
import { allNames, filesTransferred, fullListing, hasProgram, inodes, manifest, rsyncLog, touch, workspace } from "../helpers/tree.ts";

const skip = !(await hasProgram("rsync")) && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;

describe("recovery", { skip }, () => {
  test("a run stopped between the two renames of a same-day replacement: the day's snapshot is put back", async () => {
    const ws = await workspace("replace-crash");
    try {
      await writeTree(ws.src, { "photo.jpg": "day 4\n" });
      await ws.job("p");
      assert.equal((await ws.run(["p"], "2026-11-04T03:00")).exitCode, 0);
      const before = await manifest(join(ws.backup, "p-2026-11-04"));
      // The crash window: the old tree set aside, the new one still in staging.
      await rename(join(ws.backup, "p-2026-11-04"), join(ws.backup, "p-2026-11-04.replaced"));
      await writeTree(join(ws.backup, "p-incomplete"), { "photo.jpg": "day 4, later\n" });
      await writeTree(ws.src, { "photo.jpg": "day 5\n" });
      // Same size as day 4's: give it another mtime, or rsync's quick check (size + mtime) would link day 4's.
      await touch(join(ws.src, "photo.jpg"), new Date("2026-11-05T02:00:00Z"));
      const result = await ws.run(["p"], "2026-11-05T03:00", {}, {});
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stderr, /restored p-2026-11-04 from p-2026-11-04\.replaced/);
      assert.deepEqual(await manifest(join(ws.backup, "p-2026-11-04")), before, "day 4 is back, unchanged");
      assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["p-2026-11-04", "p-2026-11-05"]);

      // Both names present (crash after the second rename): the set-aside tree is deleted, the new one kept.
      await writeTree(join(ws.backup, "p-2026-11-05.replaced"), { "photo.jpg": "stale\n" });
      const again = await ws.run(["p"], "2026-11-05T04:00");
      assert.equal(again.exitCode, 0, again.stderr);
      assert.ok(!existsSync(join(ws.backup, "p-2026-11-05.replaced")));
      assert.equal(await readFile(join(ws.backup, "p-2026-11-05", "photo.jpg"), "utf8"), "day 5\n");
    } finally {
      await ws.cleanup();
    }
  });

  test("an attempt that fails before rsync writes anything keeps the earlier failed attempt as the resume base", async () => {
    const ws = await workspace("two-failures");
    try {
      await writeTree(ws.src, { "a.bin": "a".repeat(50_000), "b.bin": "b".repeat(50_000), "c.bin": "c".repeat(50_000) });
      await ws.job("p");
      // Attempt 1 got a.bin and b.bin across, then failed (its staging is what is left).
      await writeTree(join(ws.backup, "p-incomplete"), { "a.bin": "a".repeat(50_000), "b.bin": "b".repeat(50_000) });
      // One fixed mtime on both sides: rsync compares whole seconds, and wall-clock writes may straddle one.
      const when = new Date("2026-11-01T12:00:00Z");
      for (const name of ["a.bin", "b.bin", "c.bin"]) await touch(join(ws.src, name), when);
      for (const name of ["a.bin", "b.bin"]) await touch(join(ws.backup, "p-incomplete", name), when);
      // Attempt 2 fails before rsync writes: rsync is not on PATH.
      const empty = join(ws.root, "empty-bin");
      await mkdir(empty);
      assert.equal((await ws.run(["p"], "2026-11-05T03:00", { PATH: empty })).exitCode, 1);
      assert.ok(existsSync(join(ws.backup, "p-incomplete.prev", "a.bin")), "attempt 1's files are the resume base");
      const prevInodes = await inodes(join(ws.backup, "p-incomplete.prev"));
      // Attempt 3 succeeds and sends only what attempt 1 had not.
      const result = await ws.run(["p"], "2026-11-05T04:00");
      assert.equal(result.exitCode, 0, result.stderr);
      assert.equal(filesTransferred(await rsyncLog(ws.logs, "p")), 1, "only c.bin was sent");
      const made = await inodes(join(ws.backup, "p-2026-11-05"));
      assert.equal(made["a.bin"]!.ino, prevInodes["a.bin"]!.ino, "a.bin linked from attempt 1");
      assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["p-2026-11-05"], "no -incomplete* left");
    } finally {
      await ws.cleanup();
    }
  });

  test("two job files with one prefix in one backupDir: the second is refused (exit 3), the first's snapshots untouched", async () => {
    const ws = await workspace("same-prefix");
    try {
      await writeTree(ws.src, { "laptop.txt": "laptop\n" });
      const desktopSrc = join(ws.root, "desktop-src");
      await writeTree(desktopSrc, { "desktop.txt": "desktop\n" });
      await ws.job("laptop", { prefix: "univac" });
      const desktopFile = await ws.job("desktop", { prefix: "univac", source: desktopSrc });
      const check = await linkback(["check", "--jobs", ws.jobs], ws.env("2026-11-05T03:00"));
      assert.equal(check.exitCode, 3, check.stderr);
      assert.match(check.stderr, /`prefix`: "univac" in .* is also job desktop's/);
      assert.equal((await ws.run(["laptop"], "2026-11-05T03:00")).exitCode, 0);
      const result = await ws.run(["desktop"], "2026-11-05T03:30");
      assert.equal(result.exitCode, 3, result.stderr);
      assert.ok(result.stderr.includes(`${desktopFile}: \`prefix\`: "univac" in ${ws.backup} belongs to job "laptop"`), result.stderr);
      assert.deepEqual(await manifest(join(ws.backup, "univac-2026-11-05")), await manifest(ws.src), "still laptop's snapshot");
      assert.equal((await readFile(join(ws.backup, ".linkback-univac.job"), "utf8")).trim(), "laptop");
    } finally {
      await ws.cleanup();
    }
  });

  test("an empty source (an unmounted disk) is not published and prunes nothing, unless allowEmptySource", async () => {
    const ws = await workspace("empty-source");
    try {
      await writeTree(ws.src, { "photos/one.jpg": "1\n" });
      await ws.job("p", { keepDays: 1 });
      assert.equal((await ws.run(["p"], "2026-11-05T03:00")).exitCode, 0);
      await rename(join(ws.src, "photos"), join(ws.root, "photos-elsewhere"));
      const result = await ws.run(["p"], "2026-11-06T03:00");
      assert.equal(result.exitCode, 1, result.stderr);
      assert.match(result.stderr, /source .* is empty but p-2026-11-05 is not \(is the source disk mounted\?\)/);
      assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["p-2026-11-05", "p-incomplete"]);
      await ws.job("p", { keepDays: 1, allowEmptySource: true });
      assert.equal((await ws.run(["p"], "2026-11-06T04:00")).exitCode, 0);
      assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["p-2026-11-06"]);
    } finally {
      await ws.cleanup();
    }
  });

  test("backupDir written with // and a trailing / works, resumes and prunes", async () => {
    const ws = await workspace("odd-backupdir");
    try {
      await writeTree(ws.src, { "a.txt": "a\n" });
      await ws.job("p", { backupDir: `${ws.backup.replace("/backup", "//backup")}/`, keepDays: 1 });
      await writeTree(join(ws.backup, "p-incomplete"), { "a.txt": "a\n" });
      assert.equal((await ws.run(["p"], "2026-11-05T03:00")).exitCode, 0);
      assert.equal((await ws.run(["p"], "2026-11-06T03:00")).exitCode, 0);
      assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["p-2026-11-06"]);
    } finally {
      await ws.cleanup();
    }
  });

  test("a function hook that never settles is abandoned after its timeout and the process exits", async () => {
    const ws = await workspace("hung-hook");
    try {
      await writeTree(ws.src, { "a.txt": "a\n" });
      await writeJob(
        ws.jobs,
        "p",
        `import { defineJob } from "linkback";
export default defineJob({ prefix: "p", backupDir: ${JSON.stringify(ws.backup)}, source: ${JSON.stringify(ws.src)},
  hooks: { timeout: 1, after: () => new Promise(() => setInterval(() => {}, 1000)) } });
`,
      );
      const started = Date.now();
      const result = await linkback(["run", "p", "--jobs", ws.jobs], ws.env("2026-11-05T03:00"), { timeoutMs: 20_000 });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stderr, /after hook failed: timed out after 1 s/);
      assert.ok(Date.now() - started < 15_000, "exited instead of waiting for the hook");
    } finally {
      await ws.cleanup();
    }
  });

  test("a job file whose top-level await never resolves is a config error after the load timeout; the others still run", async () => {
    const ws = await workspace("hung-load");
    try {
      await writeTree(ws.src, { "a.txt": "a\n" });
      await writeJob(ws.jobs, "hangs", `await new Promise(() => {});\nexport default { prefix: "h", backupDir: "/nowhere", source: "/nowhere" };\n`);
      await ws.job("works");
      const result = await linkback(["run", "--all", "--jobs", ws.jobs], ws.env("2026-11-05T03:00", { LINKBACK_LOAD_TIMEOUT: "2" }));
      assert.equal(result.exitCode, 3, result.stderr);
      assert.match(result.stderr, /hangs\.ts: did not finish loading within 2 s/);
      assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["works-2026-11-05"]);
    } finally {
      await ws.cleanup();
    }
  });

  test("pruning and same-day replacement never follow a symlink out of a snapshot", async () => {
    const ws = await workspace("symlink-out");
    try {
      const outside = join(ws.root, "outside");
      await writeTree(outside, { "precious.jpg": "only copy\n", "ro/f.txt": "f\n" });
      await chmod(join(outside, "ro"), 0o555);
      const before = await fullListing(outside);
      await writeTree(ws.src, { "a.txt": "a\n" });
      await symlink(outside, join(ws.src, "link-out"));
      await ws.job("p", { keepDays: 1 });
      assert.equal((await ws.run(["p"], "2026-11-05T03:00")).exitCode, 0);
      assert.equal((await ws.run(["p"], "2026-11-06T03:00")).exitCode, 0, "day 5 pruned");
      assert.equal((await ws.run(["p"], "2026-11-06T04:00")).exitCode, 0, "day 6 replaced");
      assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["p-2026-11-06"]);
      assert.deepEqual(await fullListing(outside), before, "the symlink's target is untouched");
    } finally {
      await chmod(join(ws.root, "outside", "ro"), 0o755).catch(() => {});
      await ws.cleanup();
    }
  });
});
