// linkback as an ordinary user (nobody, through setpriv): snapshots holding read-only directories and files
// are pruned and replaced; files whose inodes surviving snapshots share keep their mode and content.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { chmod, lstat, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { BIN, writeTree } from "../helpers/cli.ts";
import { type Workspace, allNames, chownTree, fullListing, hasProgram, inodes, manifest, readLog, touch, workspace } from "../helpers/tree.ts";

const NOBODY = { uid: 65534, gid: 65534 };
const asNobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"];

/** Why this file cannot run here, or undefined. Under CI=true a reason is a failure, not a skip. */
/** A Node that needs its own libraries (Debian's Node 18 unpacked by .ci/node18) still finds them as nobody. */
const libraryPath: Record<string, string> = process.env.LD_LIBRARY_PATH ? { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH } : {};

async function unavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "not running as root: cannot switch to nobody";
  if (!(await hasProgram("rsync"))) return "rsync is not installed";
  if (!(await hasProgram("setpriv", ["--version"]))) return "setpriv (util-linux) is not installed";
  const id = await execa("id", ["-u", "nobody"], { reject: false });
  if (id.exitCode !== 0 || id.stdout.trim() !== String(NOBODY.uid)) return `user nobody is not uid ${NOBODY.uid} here (${id.stdout || id.stderr})`;
  // The repository (bin/, dist/, node_modules/) must be readable by nobody.
  const help = await execa("setpriv", [...asNobody, process.execPath, BIN, "--help"], { reject: false, cwd: "/", env: { HOME: "/nonexistent", ...libraryPath } });
  if (help.exitCode !== 0) return `the repository is not readable by nobody (linkback --help as nobody: ${help.stderr.trim().split("\n")[0]})`;
  return undefined;
}

const reason = await unavailable();
if (reason !== undefined && process.env.CI === "true") throw new Error(`nonroot.test.ts cannot run under CI=true: ${reason}`);

describe("as user nobody: read-only trees in snapshots", { skip: reason ?? false }, () => {
  let ws: Workspace;
  let home: string;

  before(async () => {
    ws = await workspace("nonroot");
    home = join(ws.root, "home");
    await mkdir(home);
    await mkdir(ws.logs);
    // A source like a system backup's: read-only directories (the top one too) and read-only files.
    await writeTree(ws.src, {
      "etc/passwd": "root:x:0:0\n",
      "etc/ssl/certs/ca.pem": "-----BEGIN CERTIFICATE-----\n",
      "usr/share/doc/readme": "docs\n",
      "home/ben/notes.txt": "writable file\n",
    });
    const t0 = new Date("2026-10-31T12:00:00Z");
    for (const file of ["etc/passwd", "etc/ssl/certs/ca.pem", "usr/share/doc/readme"]) {
      await touch(join(ws.src, file), t0);
      await chmod(join(ws.src, file), 0o444);
    }
    await touch(join(ws.src, "home/ben/notes.txt"), t0);
    await chownTree(ws.root, NOBODY.uid, NOBODY.gid);
    for (const dir of ["etc/ssl/certs", "etc/ssl", "etc", "usr/share/doc", "usr/share", "usr", ""]) await chmod(join(ws.src, dir), 0o555);
    await ws.job("laptop", { keepDays: 2 });
    await chownTree(ws.jobs, NOBODY.uid, NOBODY.gid);
  });
  after(async () => {
    if (ws !== undefined) {
      await execa("chmod", ["-R", "u+w", ws.root], { reject: false });
      await ws.cleanup();
    }
  });

  async function runAsNobody(now: string) {
    const result = await execa("setpriv", [...asNobody, process.execPath, BIN, "run", "laptop", "--jobs", ws.jobs], {
      cwd: ws.root,
      reject: false,
      stdin: "ignore",
      extendEnv: false,
      env: { ...libraryPath, PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, TZ: "Europe/Berlin", LINKBACK_NOW: now, LINKBACK_LOG_DIR: ws.logs, LINKBACK_STATUS_DIR: `${ws.logs}/status`, LINKBACK_SYSLOG: "off" },
    });
    return { exitCode: result.exitCode ?? -1, stderr: String(result.stderr) };
  }

  test("snapshots with 0555 directories and 0444 files are pruned and replaced; shared files keep mode and content", async () => {
    for (const day of ["2026-11-01", "2026-11-02"]) {
      const result = await runAsNobody(`${day}T03:00:00`);
      assert.equal(result.exitCode, 0, `${day}: ${result.stderr}`);
    }
    const first = join(ws.backup, "laptop-2026-11-01");
    const second = join(ws.backup, "laptop-2026-11-02");
    assert.equal((await lstat(first)).uid, NOBODY.uid, "made by nobody");
    assert.equal((await lstat(first)).mode & 0o777, 0o555, "the snapshot's top directory is read-only, like the source's");
    assert.equal((await lstat(join(first, "etc/ssl"))).mode & 0o777, 0o555);
    const shared = await inodes(second);
    assert.equal(shared["etc/passwd"]!.ino, (await inodes(first))["etc/passwd"]!.ino, "unchanged files are hard-linked");
    assert.equal(shared["etc/passwd"]!.nlink, 2);
    const secondBefore = await fullListing(second, { nlink: false });

    // Day 3, keepDays 2: the 1st is pruned by nobody.
    const third = await runAsNobody("2026-11-03T03:00:00");
    assert.equal(third.exitCode, 0, third.stderr);
    assert.doesNotMatch(third.stderr, /error/, "no error logged");
    assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["laptop-2026-11-02", "laptop-2026-11-03"]);
    assert.deepEqual(await allNames(join(ws.backup, ".linkback-trash")), [], "deleted completely, nothing left in the trash");
    assert.ok((await readLog(ws.logs)).some((e) => e.msg === "deleting laptop-2026-11-01"));

    // The files the pruned snapshot shared: same inode, mode 0444 and content, one link fewer.
    assert.deepEqual(await fullListing(second, { nlink: false }), secondBefore, "the surviving snapshot is unchanged (modes, inodes, contents)");
    const after3 = await inodes(second);
    for (const file of ["etc/passwd", "etc/ssl/certs/ca.pem", "usr/share/doc/readme"]) {
      const info = await lstat(join(second, file));
      assert.equal(info.mode & 0o777, 0o444, `${file} still read-only`);
      assert.equal(after3[file]!.ino, shared[file]!.ino);
      assert.equal(after3[file]!.nlink, 2, `${file}: linked by the 2nd and 3rd only`);
    }
    assert.equal(await readFile(join(second, "etc/passwd"), "utf8"), "root:x:0:0\n");
    assert.deepEqual(await manifest(join(ws.backup, "laptop-2026-11-03")), await manifest(ws.src));

    // A second run on the 3rd replaces that snapshot (its old tree goes to the trash and is deleted).
    await chmod(ws.src, 0o755);
    await writeFile(join(ws.src, "home/ben/notes.txt"), "changed in the evening\n");
    await chmod(ws.src, 0o555);
    const rerun = await runAsNobody("2026-11-03T20:00:00");
    assert.equal(rerun.exitCode, 0, rerun.stderr);
    assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["laptop-2026-11-02", "laptop-2026-11-03"]);
    assert.deepEqual(await manifest(join(ws.backup, "laptop-2026-11-03")), await manifest(ws.src));
    assert.deepEqual(await allNames(join(ws.backup, ".linkback-trash")), []);
    assert.deepEqual(await fullListing(second, { nlink: false }), secondBefore);
    assert.ok(!existsSync(join(ws.backup, ".linkback-laptop.lock")));
  });
});

describe("as user nobody: restore and diff from root's backups", { skip: reason ?? false }, () => {
  let ws: Workspace;
  let mine: string;
  before(async () => {
    ws = await workspace("nonroot-read");
    mine = join(ws.root, "nobody");
    await mkdir(join(mine, "logs"), { recursive: true });
    await writeTree(ws.src, { "photos/cat.jpg": "day 1\n", "private.txt": "first\n" });
    await chmod(join(ws.src, "private.txt"), 0o600); // root's: nobody may not read it, in the snapshots either
    await touch(join(ws.src, "private.txt"), new Date("2026-10-31T12:00:00Z"));
    await ws.job("laptop", { keepDays: 5 });
    assert.equal((await ws.run(["laptop"], "2026-11-01T03:00:00")).exitCode, 0);
    await writeFile(join(ws.src, "photos/cat.jpg"), "day 2, longer\n");
    await writeFile(join(ws.src, "private.txt"), "other\n"); // the same size
    await touch(join(ws.src, "private.txt"), new Date("2026-11-01T12:00:00Z"));
    assert.equal((await ws.run(["laptop"], "2026-11-02T03:00:00")).exitCode, 0);
    await chmod(ws.root, 0o755); // mkdtemp made it 0700
    await chownTree(mine, NOBODY.uid, NOBODY.gid); // the backups stay root's: nobody cannot write there
  });
  after(async () => ws?.cleanup());

  async function asNobodyRun(args: string[]) {
    const result = await execa("setpriv", [...asNobody, process.execPath, BIN, ...args, "--jobs", ws.jobs], {
      cwd: mine, reject: false, stdin: "ignore", extendEnv: false, timeout: 30_000,
      env: { ...libraryPath, PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: mine, TZ: "Europe/Berlin", LINKBACK_NOW: "2026-11-02T10:00:00", LINKBACK_LOG_DIR: join(mine, "logs"), LINKBACK_STATUS_DIR: join(mine, "status"), LINKBACK_SYSLOG: "off" },
    });
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  test("restore: exit 0, the file back, a warning that the snapshot could not be marked; nothing written in the backup", async () => {
    const before = await allNames(join(ws.backup, ".linkback-laptop.meta"));
    const target = join(mine, "cat.jpg");
    const restore = await asNobodyRun(["restore", "laptop", "--snapshot", "laptop-2026-11-01", "photos/cat.jpg", target]);
    assert.equal(restore.exitCode, 0, restore.stderr);
    assert.equal(await readFile(target, "utf8"), "day 1\n");
    assert.match(restore.stderr, /linkback restore: warning: this user cannot write to .*\.linkback-laptop\.meta \(EACCES\): laptop-2026-11-01 could not be marked as being read, so a prune meanwhile could delete it/);
    assert.deepEqual(await allNames(join(ws.backup, ".linkback-laptop.meta")), before);
  });

  test("restore beside a readers.lock root left behind (its holder gone): the same warning at once, no wait, no spin", async () => {
    const lock = join(ws.backup, ".linkback-laptop.meta", "readers.lock");
    await mkdir(join(ws.backup, ".linkback-laptop.meta", "readers"), { recursive: true }); // as a root restore leaves it
    await writeFile(lock, "999999 1\n"); // root's, of a process that is gone: nobody may not remove it
    try {
      // A spin on the lock would run into asNobodyRun's 30 s timeout: no exit code 0.
      const restore = await asNobodyRun(["restore", "laptop", "photos/cat.jpg", join(mine, "cat-2.jpg")]);
      assert.equal(restore.exitCode, 0, restore.stderr);
      assert.match(restore.stderr, /linkback restore: warning: this user cannot write to .*\(EACCES\): laptop-2026-11-02 could not be marked/);
      assert.equal(await readFile(join(mine, "cat-2.jpg"), "utf8"), "day 2, longer\n");
    } finally {
      await rm(lock, { force: true });
    }
  });

  test("diff: exit 0, the change, the same warning for each snapshot", async () => {
    const diff = await asNobodyRun(["diff", "laptop"]);
    assert.equal(diff.exitCode, 0, diff.stderr);
    assert.match(diff.stdout, /^M photos\/cat\.jpg \(size, time\)$/m);
    assert.match(diff.stdout, /^M private\.txt \(time\)$/m, "its content is not claimed changed or unchanged");
    assert.match(diff.stdout, /^2 change\(s\); the contents of 1 file\(s\) of the same size in both could not be compared: this user may not read them/m);
    assert.equal(diff.stderr.match(/linkback diff: warning: this user cannot write to .* could not be marked as being read/g)?.length, 2, diff.stderr);
  });
});
