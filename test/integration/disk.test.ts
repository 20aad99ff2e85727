// The backup disk, for real: a 6 MB tmpfs that fills up (minFreeSpace deletes the oldest snapshots, never
// below minKeep, or fails before rsync with the numbers; without it rsync's ENOSPC is "backup disk full"), and
// a loop-device ext4 disk with its own /etc/fstab line, in a private mount namespace (the machine's fstab and
// mounts are untouched): `mount:` mounts it and unmounts it afterwards, leaves a disk mounted by someone else
// mounted, and when it cannot be mounted writes nothing into the empty mount point. requireMount too.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { BIN, ROOT, linkback, listNames, tempDir, testEnv, writeJob } from "../helpers/cli.ts";
import { hasProgram, touch } from "../helpers/tree.ts";
import { skipUnlessCi } from "../helpers/sshd.ts";

const RSYNC = await hasProgram("rsync");

async function mountMissing(): Promise<string | undefined> {
  if (!RSYNC) return "rsync is not installed";
  if (process.getuid?.() !== 0) return "mounting a tmpfs or a loop device needs root";
  const probe = await tempDir("linkback-mountprobe");
  try {
    const tmpfs = await execa("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path], { reject: false });
    if (tmpfs.exitCode !== 0) return `cannot mount a tmpfs here: ${String(tmpfs.stderr).trim()}`;
    await execa("umount", [probe.path]);
    const ns = await execa("unshare", ["--mount", "--propagation", "private", "--", "true"], { reject: false });
    if (ns.exitCode !== 0) return `no private mount namespace here: ${String(ns.stderr).trim()}`;
    if (!(await hasProgram("mkfs.ext4", ["-V"]))) return "mkfs.ext4 is not installed (apt-get install e2fsprogs)";
    return undefined;
  } finally {
    await probe.cleanup();
  }
}

const skip = skipUnlessCi(await mountMissing());
const MB = 1_000_000;

describe("a small backup disk that fills up (tmpfs, 6 MB)", { skip }, () => {
  let temp: { path: string; cleanup: () => Promise<void> };
  let disk: string;
  let backup: string;
  let source: string;
  let jobs: string;
  let logs: string;
  const env = (now: string) => testEnv({ logDir: logs, now, extra: { TZ: "Europe/Berlin" } });
  let version = 0;
  /** A new 1.5 MB of random data (with its own mtime: rsync's quick check compares size and whole seconds). */
  const change = async () => {
    await writeFile(join(source, "data.bin"), randomBytes(1.5 * MB));
    await touch(join(source, "data.bin"), new Date(Date.UTC(2026, 6, 1) + ++version * 3_600_000));
  };

  before(async () => {
    temp = await tempDir("linkback-full");
    disk = join(temp.path, "disk");
    await mkdir(disk);
    await execa("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", disk]);
    backup = join(disk, "backups");
    source = join(temp.path, "src");
    jobs = join(temp.path, "jobs");
    logs = join(temp.path, "logs");
    await mkdir(backup);
    await mkdir(source);
    await writeJob(jobs, "small", { prefix: "small", backupDir: backup, source, minFreeSpace: "2MB" });
  });
  after(async () => {
    await execa("umount", [disk], { reject: false });
    await temp?.cleanup();
  });

  test("minFreeSpace: the oldest snapshot goes before rsync starts when the disk is short", async () => {
    for (const day of ["2026-07-01", "2026-07-02", "2026-07-03"]) {
      await change();
      const result = await linkback(["run", "small", "--jobs", jobs], env(`${day}T03:00:00`));
      assert.equal(result.exitCode, 0, `${day}: ${result.stderr}`);
    }
    assert.deepEqual(await listNames(backup), ["small-2026-07-01", "small-2026-07-02", "small-2026-07-03"]);
    await change();
    const fourth = await linkback(["run", "small", "--jobs", jobs], env("2026-07-04T03:00:00"));
    assert.equal(fourth.exitCode, 0, fourth.stderr);
    assert.match(fourth.stderr, /warn .*backup disk short of space: [\d.]+ MB free of [\d.]+ MB, minFreeSpace 2MB \(2\.0 MB\); deleting the oldest snapshots \(minKeep 1\)/);
    assert.match(fourth.stderr, /warn .*deleting small-2026-07-01 \(reason=minFreeSpace: .*the oldest beyond minKeep 1\)/);
    assert.deepEqual(await listNames(backup), ["small-2026-07-02", "small-2026-07-03", "small-2026-07-04"]);
  });

  test("still short with minKeep: fails before rsync with the numbers; nothing written, nothing lost", async () => {
    await writeJob(jobs, "small", { prefix: "small", backupDir: backup, source, minFreeSpace: "2MB", minKeep: 3, hooks: { fail: ["sh", "-c", `echo "$LINKBACK_ERROR" > ${join(temp.path, "fail.txt")}`] } });
    await change();
    const result = await linkback(["run", "small", "--jobs", jobs], env("2026-07-05T03:00:00"));
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /job small: backup disk full: [\d.]+ MB free of [\d.]+ MB, minFreeSpace 2MB \(2\.0 MB\); minKeep 3 keeps the remaining 3 snapshot\(s\); nothing written/);
    assert.deepEqual(await listNames(backup), ["small-2026-07-02", "small-2026-07-03", "small-2026-07-04"], "no staging directory, nothing deleted");
    assert.match(await readFile(join(temp.path, "fail.txt"), "utf8"), /backup disk full/);
  });

  test("without minFreeSpace, rsync running out of space says so plainly; earlier snapshots untouched", async () => {
    await writeJob(jobs, "small", { prefix: "small", backupDir: backup, source, minKeep: 3 });
    await writeFile(join(source, "huge.bin"), randomBytes(3 * MB));
    const result = await linkback(["run", "small", "--jobs", jobs], env("2026-07-06T03:00:00"));
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /job small: rsync failed with exit (11|12|23) \(.*\) — backup disk full/);
    const names = await listNames(backup);
    assert.ok(!names.includes("small-2026-07-06"), "no snapshot under a final name");
    assert.deepEqual(names.filter((name) => /^small-\d/.test(name)), ["small-2026-07-02", "small-2026-07-03", "small-2026-07-04"]);
  });
});

describe("a USB disk with an fstab line (loop device, private mount namespace)", { skip }, () => {
  let temp: { path: string; cleanup: () => Promise<void> };
  let image: string;
  let mountPoint: string;
  let fstab: string;
  let jobs: string;
  let logs: string;
  let source: string;

  /** Run a shell script in a private mount namespace whose /etc/fstab is `fstab` (nothing leaks out). */
  async function inNamespace(script: string, now: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const result = await execa("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", `mount --bind "$FSTAB" /etc/fstab && ${script}`], {
      env: { ...testEnv({ logDir: logs, now, extra: { TZ: "Europe/Berlin" } }), FSTAB: fstab, LINKBACK: `${process.execPath} ${BIN}`, JOBS: jobs, MNT: mountPoint, IMAGE: image },
      cwd: ROOT,
      reject: false,
    });
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  }

  before(async () => {
    temp = await tempDir("linkback-usb");
    image = join(temp.path, "usb.img");
    mountPoint = join(temp.path, "mnt", "usb");
    fstab = join(temp.path, "fstab");
    jobs = join(temp.path, "jobs");
    logs = join(temp.path, "logs");
    source = join(temp.path, "src");
    const content = join(temp.path, "image-content");
    await mkdir(join(content, "backups"), { recursive: true });
    await mkdir(mountPoint, { recursive: true });
    await mkdir(source);
    await writeFile(join(source, "photo.jpg"), "jpeg".repeat(10_000));
    await execa("truncate", ["-s", "16M", image]);
    await execa("mkfs.ext4", ["-q", "-F", "-d", content, image]);
    await writeFile(fstab, `${image} ${mountPoint} ext4 loop,noauto 0 0\n`);
    await writeJob(jobs, "usb", { prefix: "usb", backupDir: join(mountPoint, "backups"), source, mount: mountPoint, requireMount: true });
  });
  after(async () => temp?.cleanup());

  test("not mounted: linkback mounts it, backs up onto it, unmounts it", async () => {
    const result = await inNamespace(`$LINKBACK run usb --jobs "$JOBS" -v; echo "exit=$?"; grep -c " $MNT " /proc/self/mounts; mount "$MNT" && ls "$MNT/backups" && cat "$MNT/backups/usb-2026-08-01/photo.jpg" | wc -c`, "2026-08-01T03:00:00");
    assert.equal(result.exitCode, 0, result.stderr);
    const lines = result.stdout.trim().split("\n");
    assert.deepEqual(lines, ["exit=0", "0", "usb-2026-08-01", "40000"], result.stderr);
    assert.match(result.stderr, /info .*usb: mounted .*mnt\/usb/);
    assert.match(result.stderr, /info .*usb: unmounted .*mnt\/usb/);
    assert.deepEqual(await readdir(mountPoint), [], "nothing was ever written into the mount point itself");
  });

  test("already mounted by someone else: used, and left mounted", async () => {
    const result = await inNamespace(`mount "$MNT" && $LINKBACK run usb --jobs "$JOBS"; echo "exit=$?"; grep -c " $MNT " /proc/self/mounts; ls "$MNT/backups"`, "2026-08-02T03:00:00");
    assert.deepEqual(result.stdout.trim().split("\n"), ["exit=0", "1", "usb-2026-08-01", "usb-2026-08-02"], result.stderr);
  });

  test("cannot be mounted: nothing written into the empty mount point; run says why once; due is quiet and offline", async () => {
    await writeFile(fstab, "# the USB disk's line is gone\n");
    try {
      const run = await inNamespace(`$LINKBACK run usb --jobs "$JOBS"`, "2026-08-03T03:00:00");
      assert.equal(run.exitCode, 1);
      const errors = run.stderr.trim().split("\n");
      assert.equal(errors.length, 1, run.stderr);
      assert.match(errors[0]!, /error usb: job usb: the backup disk is not mounted at .*mnt\/usb, and `mount .*mnt\/usb` did not mount it \(.*\); nothing written/);
      const due = await inNamespace(`$LINKBACK due --jobs "$JOBS"`, "2026-08-03T03:10:00");
      assert.deepEqual([due.exitCode, due.stderr], [0, ""], "offline: no cron mail");
      const status = JSON.parse(await readFile(join(logs, "status", "status.json"), "utf8")) as { jobs: { name: string; state: string; lastError: string }[] };
      assert.equal(status.jobs[0]?.state, "offline");
      assert.match(status.jobs[0]!.lastError, /not mounted/);
      assert.deepEqual(await readdir(mountPoint), [], "the empty mount point stays empty");
    } finally {
      await writeFile(fstab, `${image} ${mountPoint} ext4 loop,noauto 0 0\n`);
    }
  });

  test("requireMount: a backupDir on the root filesystem is refused; nothing written", async () => {
    const rootDir = `/linkback-test-requiremount-${process.pid}`; // surely on the root filesystem
    await mkdir(rootDir);
    try {
      await writeJob(jobs, "onroot", { prefix: "onroot", backupDir: rootDir, source, requireMount: true });
      const result = await linkback(["run", "onroot", "--jobs", jobs], testEnv({ logDir: logs, now: "2026-08-04T03:00:00" }));
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /job onroot: backupDir .* is on the root filesystem — is the backup disk mounted\? \(requireMount: true\); nothing written/);
      assert.deepEqual(await readdir(rootDir), []);
      assert.ok(existsSync(rootDir));
    } finally {
      await execa("rm", ["-rf", rootDir]);
      await execa("rm", ["-f", join(jobs, "onroot.ts")]);
    }
  });
});
