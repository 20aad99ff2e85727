// Restores that must not rewrite history or lose their source, with real rsync: a target that reaches a
// snapshot through a symlink or a bind mount, a backupDir that is itself a symlink, another job's backup
// directory, one of a job disabled since, a path
// that leaves the snapshot through a symlink stored in it; and a prune (by `prune` and by a run's own
// pruning) while a restore reads the snapshot it would delete — made certain by stopping the restore's
// rsync (SIGSTOP) once it has started, pruning, and letting it go on; and a second run on the day of the
// snapshot being read, with the restore there before the run and arriving during it (a pre hook holds the run).
import { strict as assert } from "node:assert";
import { existsSync, readdirSync, watch } from "node:fs";
import { mkdir, readFile, readdir, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { BIN, inodeOf, linkback, listNames, startLinkback, writeJob } from "../helpers/cli.ts";
import { type Workspace, hasProgram, manifest, processesMentioning, readLog, waitFor, workspace } from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;

describe("restore targets are judged by their real path", { skip }, () => {
  let ws: Workspace;
  let day1: Record<string, string>;
  before(async () => {
    ws = await workspace("restore-real");
    await mkdir(join(ws.src, "photos"), { recursive: true });
    await writeFile(join(ws.src, "photos", "cat.jpg"), "day 1\n");
    await symlink("/etc", join(ws.src, "etc-link"));
    await ws.job("laptop");
    assert.equal((await ws.run(["laptop"], "2026-06-01T03:00")).exitCode, 0);
    await writeFile(join(ws.src, "photos", "cat.jpg"), "day 2, longer\n");
    assert.equal((await ws.run(["laptop"], "2026-06-02T03:00")).exitCode, 0);
    day1 = await manifest(join(ws.backup, "laptop-2026-06-01"));
  });
  after(async () => ws.cleanup());
  const env = () => ws.env("2026-06-03T03:00");

  test("a target that reaches a snapshot through a symlink is refused, even with --force; the snapshot is unchanged", async () => {
    const sneaky = join(ws.root, "looks-harmless");
    await symlink(join(ws.backup, "laptop-2026-06-01", "photos"), sneaky);
    const result = await linkback(["restore", "laptop", "photos", join(sneaky, "sub"), "--force", "--jobs", ws.jobs], env());
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /is inside the backup directory; writing into a snapshot would change every snapshot that shares its files \(by its real path it is in .*backup, job laptop's\)/);
    assert.deepEqual(await manifest(join(ws.backup, "laptop-2026-06-01")), day1);
    assert.ok(!existsSync(join(ws.backup, "laptop-2026-06-01", "photos", "sub")));
  });

  test("a job whose backupDir is a symlink: its real directory is refused as a target too", async () => {
    const linked = join(ws.root, "backup-link");
    await symlink(ws.backup, linked);
    await writeJob(ws.jobs, "via-link", { prefix: "laptop", backupDir: linked, source: ws.src });
    const real = join(ws.backup, "laptop-2026-06-01", "photos");
    const result = await linkback(["restore", "via-link", "photos/cat.jpg", join(real, "cat.jpg"), "--force", "--jobs", ws.jobs], env());
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /is inside the backup directory/);
    assert.equal(await readFile(join(real, "cat.jpg"), "utf8"), "day 1\n");
  });

  test("another job's backup directory is refused, naming that job", async () => {
    const other = join(ws.root, "other-backups");
    await mkdir(other);
    await writeJob(ws.jobs, "desktop", { prefix: "desktop", backupDir: other, source: ws.src });
    const result = await linkback(["restore", "laptop", "photos", join(other, "desktop-2026-06-01"), "--jobs", ws.jobs], env());
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /job desktop's\)/);
    assert.deepEqual(await readdir(other), []);
  });

  test("the backup directory of a job disabled since (_old.ts) is refused: it holds linkback's entries", async () => {
    const old = join(ws.root, "old-backups");
    await mkdir(old);
    await writeJob(ws.jobs, "old", { prefix: "old", backupDir: old, source: ws.src });
    assert.equal((await ws.run(["old"], "2026-06-01T05:00")).exitCode, 0);
    await rename(join(ws.jobs, "old.ts"), join(ws.jobs, "_old.ts")); // disabled: no job has this backupDir now
    const before = await manifest(join(old, "old-2026-06-01"));
    const result = await linkback(["restore", "laptop", "photos", join(old, "old-2026-06-01", "photos"), "--force", "--jobs", ws.jobs], env());
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /is inside the backup directory; .*\(by its real path it is in .*old-backups, which holds linkback's own entries \(a job not given, disabled or broken\)\)/);
    assert.deepEqual(await manifest(join(old, "old-2026-06-01")), before);
  });

  for (const [what, inside] of [["a snapshot", ""], ["a directory in a snapshot", "photos"]] as const) {
    test(`a bind mount of ${what} is refused as a target (the mount table says where it is)`, { skip: process.getuid?.() === 0 ? false : "mount --bind needs root" }, async () => {
      const mountPoint = join(ws.root, `bound-${inside || "snapshot"}`);
      await mkdir(mountPoint);
      const snapshot = join(ws.backup, "laptop-2026-06-01");
      await execa("mount", ["--bind", join(snapshot, inside), mountPoint]);
      try {
        const target = join(mountPoint, inside === "" ? "photos" : "", "cat.jpg");
        const result = await linkback(["restore", "laptop", "--snapshot", "laptop-2026-06-02", "photos/cat.jpg", target, "--force", "--jobs", ws.jobs], env());
        assert.equal(result.exitCode, 2, result.stderr);
        assert.match(result.stderr, /is inside the backup directory; .*job laptop's/);
        assert.deepEqual(await manifest(snapshot), day1, "the bound snapshot is unchanged");
      } finally {
        await execa("umount", [mountPoint]);
      }
    });
  }

  test("--delete into a directory that holds the backup directory is refused (rsync would delete the backups)", async () => {
    // --dry-run: refused while planning, as a real restore is; were it not, nothing is deleted either.
    const result = await linkback(["restore", "laptop", "photos", ws.root, "--delete", "--force", "--dry-run", "--jobs", ws.jobs], env());
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /--delete into .* would delete job laptop's backup directory .*backup, which is inside it/);
    const plain = await linkback(["restore", "laptop", "photos", join(ws.root, "restored-photos"), "--delete", "--jobs", ws.jobs], env());
    assert.equal(plain.exitCode, 0, plain.stderr);
  });

  test("a target below a symlink that leads nowhere: exit 2 saying so, nothing made", async () => {
    const dangling = join(ws.root, "dangling");
    await symlink(join(ws.root, "no-such-dir"), dangling);
    const result = await linkback(["restore", "laptop", "photos/cat.jpg", join(dangling, "sub", "cat.jpg"), "--jobs", ws.jobs], env());
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /cannot make the target's directory .*dangling\/sub \(something on the way is not a directory — a file, or a symlink that leads nowhere\); nothing restored/);
    assert.ok(!existsSync(join(ws.root, "no-such-dir")));
  });

  test("a path that leaves the snapshot through a symlink stored in it is refused (it would read the live /etc)", async () => {
    const target = join(ws.root, "etc-copy");
    const result = await linkback(["restore", "laptop", "etc-link/hostname", target, "--jobs", ws.jobs], env());
    assert.equal(result.exitCode, 2, result.stderr);
    assert.match(result.stderr, /\/etc-link\/hostname leads out of laptop-2026-06-02 through a symlink in the snapshot/);
    assert.ok(!existsSync(target));
    // The link itself is restored as a link.
    const link = await linkback(["restore", "laptop", "etc-link", join(ws.root, "the-link"), "--jobs", ws.jobs], env());
    assert.equal(link.exitCode, 0, link.stderr);
  });
});

describe("a prune while a restore reads the snapshot", { skip }, () => {
  let ws: Workspace;
  const FILES = 500;
  before(async () => {
    ws = await workspace("restore-race");
    for (let i = 0; i < FILES; i++) await writeFile(join(ws.src, `photo-${String(i).padStart(3, "0")}.jpg`), `photo ${i}\n`.repeat(50));
    await ws.job("laptop", { keepDays: 2 });
    for (const day of ["2026-06-01", "2026-06-02"]) assert.equal((await ws.run(["laptop"], `${day}T03:00`, { LINKBACK_NOW: `${day}T03:00` })).exitCode, 0);
    await ws.job("laptop", { keepDays: 1 }); // from now on the older day is beyond retention
  });
  after(async () => {
    for (const { pid } of await processesMentioning(ws.root)) process.kill(pid, "SIGCONT");
    await ws.cleanup();
  });

  /**
   * Start a restore of `snapshot` and stop it (SIGSTOP) the moment it has marked the snapshot as being read
   * — before its rsync has read anything (inotify on the readers directory; execa is still loading then).
   */
  async function stoppedRestore(snapshot: string, target: string, now: string) {
    const meta = join(ws.backup, ".linkback-laptop.meta");
    const readers = join(meta, "readers");
    await mkdir(readers, { recursive: true });
    // Marked, and the short mutex around marking released (readers.lock gone): the restore goes on to rsync.
    const marked = new Promise<void>((resolve) => {
      const check = () => {
        if (readdirSync(readers).length === 0 || existsSync(join(meta, "readers.lock"))) return;
        watchers.forEach((w) => w.close());
        resolve();
      };
      const watchers = [watch(readers, check), watch(meta, check)];
    });
    const restore = execa(process.execPath, [BIN, "restore", "laptop", "--snapshot", snapshot, "/", target, "--jobs", ws.jobs], { env: ws.env(now), reject: false, stdin: "ignore" });
    const early = restore.then((done) => assert.fail(`the restore ended before marking: exit ${done.exitCode}\n${String(done.stderr)}`));
    await Promise.race([marked, early]);
    process.kill(restore.pid!, "SIGSTOP");
    const stopAll = async (signal: NodeJS.Signals) => {
      for (const { pid } of await processesMentioning(target)) process.kill(pid, signal);
    };
    await stopAll("SIGSTOP"); // an rsync already started is stopped too
    return { restore, resume: () => stopAll("SIGCONT") };
  }

  test("linkback prune keeps the snapshot being read, says so, and prunes it once the restore is done; every file restored", async () => {
    const target = join(ws.root, "restored-prune");
    const { restore, resume } = await stoppedRestore("laptop-2026-06-01", target, "2026-06-02T04:00");
    const dry = await linkback(["prune", "laptop", "--dry-run", "--jobs", ws.jobs], ws.env("2026-06-02T04:00"));
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.match(dry.stdout + dry.stderr, /laptop-2026-06-01.*being read by linkback restore \(pid \d+/);
    const pruned = await linkback(["prune", "laptop", "--jobs", ws.jobs], ws.env("2026-06-02T04:00"));
    assert.equal(pruned.exitCode, 0, pruned.stderr);
    assert.match(pruned.stderr + pruned.stdout, /laptop-2026-06-01.*being read by linkback restore/);
    assert.ok(existsSync(join(ws.backup, "laptop-2026-06-01")), "not deleted under the restore");
    await resume();
    const done = await restore;
    assert.equal(done.exitCode, 0, String(done.stderr));
    assert.equal((await readdir(target)).length, FILES, "every file restored");
    const later = await linkback(["prune", "laptop", "--jobs", ws.jobs], ws.env("2026-06-02T04:10"));
    assert.equal(later.exitCode, 0, later.stderr);
    assert.deepEqual((await listNames(ws.backup)).filter((n) => n.startsWith("laptop-")), ["laptop-2026-06-02"], "pruned once nobody reads it");
  });

  test("a run's own pruning keeps it too; the restore completes", async () => {
    assert.equal((await ws.run(["laptop"], "2026-06-03T03:00", { LINKBACK_NOW: "2026-06-03T03:00" })).exitCode, 0);
    // keepDays 1: the run on the 4th prunes the 3rd's snapshot, which is being restored.
    const target = join(ws.root, "restored-run");
    const { restore, resume } = await stoppedRestore("laptop-2026-06-03", target, "2026-06-04T02:00");
    const run = await ws.run(["laptop"], "2026-06-04T03:00", { LINKBACK_NOW: "2026-06-04T03:00" });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stderr, /laptop-2026-06-03.*being read by linkback restore/);
    assert.ok(existsSync(join(ws.backup, "laptop-2026-06-03")));
    await resume();
    const done = await restore;
    assert.equal(done.exitCode, 0, String(done.stderr));
    assert.equal((await readdir(target)).length, FILES);
  });

  test("a second run today while today's snapshot is read: refused before anything (--dry-run says why); replaced once the restore is done", async () => {
    const today = join(ws.backup, "laptop-2026-06-04");
    const before = { ...(await inodeOf(today)), files: await manifest(today) };
    const target = join(ws.root, "restored-today");
    const { restore, resume } = await stoppedRestore("laptop-2026-06-04", target, "2026-06-04T05:00");
    const dry = await linkback(["run", "laptop", "--dry-run", "--jobs", ws.jobs], ws.env("2026-06-04T05:00"));
    assert.match(dry.stdout, /today's laptop-2026-06-04 is being read by linkback restore \(pid \d+, since [^)]+\): a second run today would replace it under the reader; nothing is done/);
    assert.notEqual(dry.exitCode, 0);
    const run = await ws.run(["laptop"], "2026-06-04T05:00", { LINKBACK_NOW: "2026-06-04T05:00" });
    assert.equal(run.exitCode, 1, run.stderr);
    assert.match(run.stderr, /today's laptop-2026-06-04 is being read by linkback restore/);
    assert.deepEqual({ ...(await inodeOf(today)), files: await manifest(today) }, before, "the snapshot being read is untouched");
    assert.deepEqual((await readdir(ws.backup)).filter((n) => n.includes("replaced") || n.includes("incomplete")), [], "nothing set aside, no staging made");
    await resume();
    const done = await restore;
    assert.equal(done.exitCode, 0, String(done.stderr));
    assert.equal((await readdir(target)).length, FILES, "every file restored");
    const again = await ws.run(["laptop"], "2026-06-04T05:10", { LINKBACK_NOW: "2026-06-04T05:10" });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.notEqual((await inodeOf(today)).ino, before.ino, "replaced by the new run");
  });

  test("a restore of today's snapshot that starts during a second run today: not replaced at publishing; the next run resumes", async () => {
    const today = join(ws.backup, "laptop-2026-06-04");
    const before = { ...(await inodeOf(today)), files: await manifest(today) };
    const ready = join(ws.root, "pre-hook-ready");
    const go = join(ws.root, "pre-hook-go");
    const records = async () => JSON.parse(await readFile(join(ws.backup, ".linkback-laptop.meta", "snapshots.json"), "utf8")) as { snapshots: Record<string, unknown> };
    const recordBefore = (await records()).snapshots["laptop-2026-06-04"];
    assert.ok(recordBefore !== undefined);
    // The pre hook holds the run after its facts were read (nobody reading then) until the restore has marked.
    await ws.job("laptop", { keepDays: 1, hooks: { pre: ["sh", "-c", `touch '${ready}'; while [ ! -e '${go}' ]; do sleep 0.05; done`] } });
    const run = startLinkback(["run", "laptop", "--jobs", ws.jobs], ws.env("2026-06-04T06:00", { LINKBACK_NOW: "2026-06-04T06:00" }));
    await waitFor("the pre hook", () => existsSync(ready), 30_000);
    const target = join(ws.root, "restored-during");
    const { restore, resume } = await stoppedRestore("laptop-2026-06-04", target, "2026-06-04T06:00");
    await writeFile(go, "");
    const result = await run;
    assert.equal(result.exitCode, 1, String(result.stderr));
    assert.match(String(result.stderr), /today's laptop-2026-06-04 came to be read by linkback restore \(pid \d+[^)]*\) during the run: not replaced; the new snapshot stays in staging/);
    assert.deepEqual({ ...(await inodeOf(today)), files: await manifest(today) }, before, "the snapshot being read is untouched");
    assert.ok((await readdir(ws.backup)).includes("laptop-incomplete"), "the new tree is kept in staging");
    assert.deepEqual((await records()).snapshots["laptop-2026-06-04"], recordBefore, "the record still describes the snapshot that stayed");
    await resume();
    const done = await restore;
    assert.equal(done.exitCode, 0, String(done.stderr));
    assert.equal((await readdir(target)).length, FILES, "every file restored");
    await ws.job("laptop", { keepDays: 1 });
    const again = await ws.run(["laptop"], "2026-06-04T06:10", { LINKBACK_NOW: "2026-06-04T06:10" });
    assert.equal(again.exitCode, 0, again.stderr);
    assert.ok((await readLog(ws.logs)).some((entry) => String(entry.msg).startsWith("resuming: the previous failed attempt")), "resumed from the kept staging");
    assert.notEqual((await inodeOf(today)).ino, before.ino, "replaced by the next run");
  });
});
