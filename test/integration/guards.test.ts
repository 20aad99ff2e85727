// What must never cost history, with real rsync on real directories: a clock that jumped five years ahead
// (LINKBACK_NOW), a source that lost most of its files, data disks not mounted below the source (real tmpfs
// mounts), backupDir inside the source, one file rsync cannot read (as user nobody) or whose path is over
// PATH_MAX (partial snapshots), and rsync that stops linking (--ignore-times). Each checks the exit, the
// words, the state in `status`, and that no older snapshot was lost.
import { strict as assert } from "node:assert";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { execa } from "execa";
import { BIN, linkback, listNames, writeJob } from "../helpers/cli.ts";
import { type Workspace, chownTree, hasProgram, manifest, readLog, standInPath, touch, workspace } from "../helpers/tree.ts";
import { skipUnlessCi } from "../helpers/sshd.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;
const rootMissing = process.getuid?.() !== 0 ? "needs root (tmpfs mounts, running linkback as nobody)" : undefined;
const skipRoot = skip !== false ? skip : skipUnlessCi(rootMissing);
const libraryPath: Record<string, string> = process.env.LD_LIBRARY_PATH ? { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH } : {};

interface Records {
  snapshots: Record<string, { partial?: { count: number; files: string[] }; clockSuspect?: boolean; fullCopy?: boolean; linkedFiles?: number; newBytes?: number }>;
}
const recordsOf = async (ws: Workspace, prefix = "p") => JSON.parse(await readFile(join(ws.backup, `.linkback-${prefix}.meta`, "snapshots.json"), "utf8")) as Records;
const snapshotsOf = async (ws: Workspace, prefix = "p") => (await listNames(ws.backup)).filter((n) => n.startsWith(`${prefix}-2`));

describe("history survives what households do to it", { skip }, () => {
  const spaces: Workspace[] = [];
  after(async () => {
    for (const ws of spaces) await ws.cleanup();
  });
  async function fresh(label: string, fields: Record<string, unknown> = {}, files = 20) {
    const ws = await workspace(label);
    spaces.push(ws);
    for (let i = 0; i < files; i++) await writeFile(join(ws.src, `f${i}.txt`), `file ${i}\n`);
    await ws.job("p", fields);
    return ws;
  }
  const days = async (ws: Workspace, list: string[]) => {
    for (const day of list) {
      await writeFile(join(ws.src, "today.txt"), `${day}\n`);
      await touch(join(ws.src, "today.txt"), new Date(`${day}T01:00:00Z`));
      const result = await ws.run(["p"], `${day}T03:00:00`);
      assert.equal(result.exitCode, 0, `${day}: ${result.stderr}`);
    }
  };

  test("a clock five years ahead prunes nothing by age, says so, and the status points at it; a right clock carries on", async () => {
    const ws = await fresh("clock", { keepDays: 7 });
    const real = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"];
    await days(ws, real);
    const jump = await ws.run(["p"], "2031-11-06T03:00:00");
    assert.equal(jump.exitCode, 0, jump.stderr);
    assert.deepEqual(await snapshotsOf(ws), [...real.map((d) => `p-${d}`), "p-2031-11-06"], "every real snapshot is still there");
    assert.match(jump.stderr, /the clock looks wrong: now \(2031-11-06T02:00Z\) is 1827 days after the newest snapshot p-2026-11-05/);
    assert.equal((await recordsOf(ws)).snapshots["p-2031-11-06"]!.clockSuspect, true);
    const status = await linkback(["status", "--jobs", ws.jobs], ws.env("2031-11-06T04:00:00"));
    assert.equal(status.exitCode, 1, "needs attention");
    assert.match(status.stdout, /^warning: p: the clock looks wrong/m);
    // Still wrong the next day: the suspect snapshot is no anchor, so still nothing is pruned.
    assert.equal((await ws.run(["p"], "2031-11-07T03:00:00")).exitCode, 0);
    assert.equal((await snapshotsOf(ws)).filter((n) => n.startsWith("p-2026")).length, 5);
    // The clock is right again: pruning by keepDays resumes from the real newest; the 2031 ones are "future".
    const back = await ws.run(["p"], "2026-11-10T03:00:00");
    assert.equal(back.exitCode, 0, back.stderr);
    assert.deepEqual(await snapshotsOf(ws), ["p-2026-11-04", "p-2026-11-05", "p-2026-11-10", "p-2031-11-06", "p-2031-11-07"]);
    const later = await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-10T04:00:00"));
    assert.doesNotMatch(later.stdout, /clock looks wrong/);
    assert.match(later.stdout, /dated after now \(p-2031-11-06, p-2031-11-07\)/);
  });

  test("--trust-clock: a long absence is real, and pruning by age goes ahead", async () => {
    const ws = await fresh("trust", { keepDays: 7 });
    await days(ws, ["2026-09-01", "2026-09-02"]);
    const back = await linkback(["run", "p", "--trust-clock", "--jobs", ws.jobs], ws.env("2026-11-20T03:00:00"));
    assert.equal(back.exitCode, 0, back.stderr);
    assert.doesNotMatch(back.stderr, /clock looks wrong/);
    assert.deepEqual(await snapshotsOf(ws), ["p-2026-11-20"]);
  });

  test("a source that lost most of its files: refused, nothing published or pruned, state shrunk; --accept-shrink publishes", async () => {
    const ws = await fresh("shrink", { keepDays: 1 });
    await days(ws, ["2026-11-01"]);
    for (let i = 0; i < 15; i++) await rm(join(ws.src, `f${i}.txt`));
    const refused = await ws.run(["p"], "2026-11-02T03:00:00");
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /job p: source .* has 6 files where p-2026-11-01 has 21 \(more than maxShrink 50% gone: is a disk below it not mounted\?\); nothing published, nothing pruned — if that is right: linkback run p --accept-shrink/);
    assert.deepEqual(await snapshotsOf(ws), ["p-2026-11-01"]);
    const status = await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-02T04:00:00"));
    assert.equal(status.exitCode, 1);
    assert.match(status.stdout, /^p\s+shrunk\s+p-2026-11-01\s/m);
    const accepted = await linkback(["run", "p", "--accept-shrink", "--jobs", ws.jobs], ws.env("2026-11-02T05:00:00"));
    assert.equal(accepted.exitCode, 0, accepted.stderr);
    assert.match(accepted.stderr, /published anyway \(--accept-shrink\)/);
    assert.deepEqual(await snapshotsOf(ws), ["p-2026-11-02"]);
  });

  test("backupDir (and the log directory) inside a local source are not backed up into themselves", async () => {
    const ws = await workspace("inside");
    spaces.push(ws);
    await writeFile(join(ws.src, "data.txt"), "data\n");
    const backup = join(ws.src, "backups");
    const logs = join(ws.src, "var", "log");
    await mkdir(backup);
    await ws.job("p", { backupDir: backup });
    const env = (now: string) => ws.env(now, { LINKBACK_LOG_DIR: logs });
    const check = await linkback(["check", "p", "--jobs", ws.jobs], env("2026-11-01T02:00:00"));
    assert.equal(check.exitCode, 0, check.stderr);
    assert.match(check.stdout, /not backed up: \/backups \(backupDir .* is inside the source: not backed up into itself\)/);
    for (const now of ["2026-11-01T03:00:00", "2026-11-02T03:00:00"]) assert.equal((await linkback(["run", "p", "--jobs", ws.jobs], env(now))).exitCode, 0);
    const second = await manifest(join(backup, "p-2026-11-02"));
    assert.deepEqual(Object.keys(second).filter((path) => path.startsWith("backups") || path.startsWith("var/log/")), [], "neither the snapshots nor the logs are in the snapshot");
    assert.ok(second["data.txt"] !== undefined);
    assert.ok((await readLog(logs)).some((e) => /not backed up: \/backups/.test(e.msg)), "the run says so");
  });

  test("rsync stops linking (--ignore-times): the run says loudly that nothing was linked; the status warns", async () => {
    const ws = await fresh("fullcopy", { rsyncArgs: ["--ignore-times"] });
    await days(ws, ["2026-11-01"]);
    const second = await ws.run(["p"], "2026-11-02T03:00:00");
    assert.equal(second.exitCode, 0, second.stderr);
    assert.match(second.stderr, /NOTHING WAS LINKED: p-2026-11-02 is a full copy \(21 files/);
    assert.equal((await recordsOf(ws)).snapshots["p-2026-11-02"]!.fullCopy, true);
    const status = await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-02T04:00:00"));
    assert.equal(status.exitCode, 1);
    assert.match(status.stdout, /^warning: p: nothing was linked: p-2026-11-02 is a full copy/m);
  });

  test("an ordinary day records what it cost: files linked and the bytes stored anew (list and status show them)", async () => {
    const ws = await fresh("cost");
    await days(ws, ["2026-11-01"]);
    await writeFile(join(ws.src, "new.bin"), Buffer.alloc(5000, 7));
    await days(ws, ["2026-11-02"]);
    const record = (await recordsOf(ws)).snapshots["p-2026-11-02"]!;
    assert.equal(record.linkedFiles, 20, "the 20 unchanged files are links");
    assert.equal(record.newBytes, 5000 + "2026-11-02\n".length);
    const list = await linkback(["list", "p", "--jobs", ws.jobs], ws.env("2026-11-02T04:00:00"));
    assert.match(list.stdout, /^p-2026-11-02\s+2026-11-02\s+complete\s+5\.0 kB\s/m);
    const status = await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-02T04:00:00"));
    assert.match(status.stdout, /^p\s+ok\s+p-2026-11-02\s+today\s+5\.0 kB\s/m);
  });

  test("a link target that vanishes after the plan (the pre hook deletes it): the run fails before rsync, saying so", async () => {
    const ws = await fresh("vanish");
    await days(ws, ["2026-11-01", "2026-11-02"]);
    await ws.job("p", { hooks: { pre: `rm -rf '${join(ws.backup, "p-2026-11-01")}'` } });
    const result = await ws.run(["p"], "2026-11-03T03:00:00");
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /link target .*p-2026-11-01 vanished while the lock was held/);
    assert.ok(!(await listNames(ws.backup)).includes("p-2026-11-03"));
  });

  test("a copy job whose source snapshot loses files while it is copied (rsync 24, stand-in): a failure, not a snapshot", async () => {
    const ws = await fresh("copy24");
    await days(ws, ["2026-11-01"]);
    await writeJob(ws.jobs, "weekly", `import { defineJob, snapshotOf } from "linkback";
export default defineJob({ prefix: "weekly", backupDir: ${JSON.stringify(ws.backup)}, source: snapshotOf("p") });
`);
    const result = await ws.run(["weekly"], "2026-11-01T04:00:00", { PATH: standInPath(), LINKBACK_STANDIN_RSYNC_EXIT: "24" });
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /files vanished from .*p-2026-11-01 while it was copied \(rsync 24\)/);
    assert.ok(!(await listNames(ws.backup)).some((n) => n.startsWith("weekly-2")));
  });

  test("a path over PATH_MAX: rsync 23, a partial snapshot with everything else; exit 5", async () => {
    const ws = await fresh("pathmax", { keepDays: 1 });
    await days(ws, ["2026-11-01"]);
    // 20 levels of 250-character names: made one level at a time (no single path may be that long).
    const deep = `const fs = require("fs"); process.chdir(process.argv[1]); for (let i = 0; i < 20; i++) { fs.mkdirSync("x".repeat(250)); process.chdir("x".repeat(250)); } fs.writeFileSync("deep.txt", "deep\\n");`;
    await execa(process.execPath, ["-e", deep, ws.src]);
    const partial = await ws.run(["p"], "2026-11-02T03:00:00");
    assert.equal(partial.exitCode, 5, partial.stderr);
    assert.match(partial.stderr, /rsync could not transfer \d+ file\(s\) \(exit 23\): the snapshot is published marked partial/);
    assert.deepEqual(await snapshotsOf(ws), ["p-2026-11-01", "p-2026-11-02"], "published; the complete one stays although keepDays 1");
    assert.equal((await readFile(join(ws.backup, "p-2026-11-02", "f3.txt"), "utf8")), "file 3\n");
    assert.ok((await recordsOf(ws)).snapshots["p-2026-11-02"]!.partial!.count >= 1);
    // Node's fs.rm cannot remove a tree that deep (ENAMETOOLONG); rm -rf walks it by relative names.
    await execa("rm", ["-rf", "--", ws.root]);
  });
});

describe("as root: data disks below the source, an unreadable file as user nobody", { skip: skipRoot }, () => {
  const spaces: Workspace[] = [];
  const mounts: string[] = [];
  after(async () => {
    for (const point of mounts) await execa("umount", [point], { reject: false });
    for (const ws of spaces) await ws.cleanup();
  });

  test("two data disks not mounted below the source: the empty mount points are refused; yesterday's snapshot stays", async () => {
    const ws = await workspace("mountpoints");
    spaces.push(ws);
    for (const disk of ["photos", "music"]) {
      const point = join(ws.src, disk);
      await mkdir(point);
      await execa("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", point]);
      mounts.push(point);
      for (let i = 0; i < 10; i++) await writeFile(join(point, `${disk}${i}.bin`), Buffer.alloc(50_000, i));
    }
    await ws.job("p", { keepDays: 1 });
    assert.equal((await ws.run(["p"], "2026-11-01T03:00:00")).exitCode, 0);
    for (const point of mounts.splice(0)) await execa("umount", [point]);
    const refused = await ws.run(["p"], "2026-11-02T03:00:00");
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, /source .* is empty but p-2026-11-01 is not|has 0 files where p-2026-11-01 has 20/);
    assert.deepEqual(await snapshotsOf(ws), ["p-2026-11-01"], "keepDays 1 pruned nothing");
    assert.equal(Object.keys(await manifest(join(ws.backup, "p-2026-11-01"))).filter((p) => p.endsWith(".bin")).length, 20);
  });

  test("a file the backup user cannot read (linkback as nobody): published partial, the file named; the fail hook gets it", async () => {
    const ws = await workspace("unreadable");
    spaces.push(ws);
    const hook = join(ws.root, "fail-hook.txt");
    await writeFile(join(ws.src, "ok.txt"), "ok\n");
    await writeFile(join(ws.src, "secret.txt"), "root only\n");
    await ws.job("p", { hooks: { fail: `printf '%s\\n%s\\n' "$LINKBACK_STATUS" "$LINKBACK_FAILED_FILES" > '${hook}'` } });
    await chownTree(ws.root, 65534, 65534);
    await execa("chown", ["root:root", join(ws.src, "secret.txt")]);
    await chmod(join(ws.src, "secret.txt"), 0o600);
    const env = { ...ws.env("2026-11-01T03:00:00"), HOME: "/nonexistent", ...libraryPath };
    const result = await execa("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", process.execPath, BIN, "run", "p", "--jobs", ws.jobs], { env, reject: false, cwd: "/" });
    assert.equal(result.exitCode, 5, result.stderr);
    assert.deepEqual(await listNames(join(ws.backup, "p-2026-11-01")), ["ok.txt"]);
    assert.equal(await readFile(hook, "utf8"), `partial\n${join(ws.src, "secret.txt")}\n`);
    const status = await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-01T04:00:00"));
    assert.match(status.stdout, /^p\s+partial\s+p-2026-11-01\s.*could not transfer 1 file/m);
  });
});
