// Backup disks told apart by what they can do, for real: exFAT (FUSE, on a loop device) and FAT32 (FUSE,
// fusefat) cannot hard-link and are refused before anything is written, with the filesystem named; a small
// ext4 out of inodes (mkfs.ext4 -N) is said to be out of inodes, and minFreeInodes makes room the way
// minFreeSpace does; ACLs, xattrs, file capabilities and holes of sparse files are kept on ext4 and
// restored (onto exFAT without what it cannot hold, said so).
import { strict as assert } from "node:assert";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { linkback, listNames, tempDir, writeJob } from "../helpers/cli.ts";
import { hasProgram, touch } from "../helpers/tree.ts";
import { skipUnlessCi } from "../helpers/sshd.ts";

/** Why these programs cannot be used here (root, rsync, each on PATH: some answer --version with exit 1). */
async function missing(programs: string[], packages: string): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "mounting loop devices and FUSE filesystems needs root";
  if (!(await hasProgram("rsync"))) return "rsync is not installed";
  for (const program of programs) {
    if ((await execa("sh", ["-c", 'command -v "$1"', "sh", program], { reject: false })).exitCode !== 0) return `${program} is not installed (apt-get install ${packages})`;
  }
  return undefined;
}
const skipFuse = skipUnlessCi(await missing(["mkfs.exfat", "mount.exfat-fuse", "fusefat", "mkfs.vfat", "losetup"], "exfatprogs exfat-fuse fusefat dosfstools"));
const skipExt4 = skipUnlessCi(await missing(["mkfs.ext4", "losetup"], "e2fsprogs util-linux"));
const skipMeta = skipUnlessCi(await missing(["setfacl", "getfacl", "setfattr", "getfattr", "setcap", "getcap"], "acl attr libcap2-bin"));

const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function workdir(label: string) {
  const temp = await tempDir(`linkback-${label}`);
  cleanups.push(temp.cleanup);
  const source = join(temp.path, "src");
  await mkdir(source);
  const env = (now: string) => ({ LINKBACK_LOG_DIR: join(temp.path, "logs"), LINKBACK_STATUS_DIR: join(temp.path, "status"), LINKBACK_SYSLOG: "off", LINKBACK_NOW: now, TZ: "UTC" });
  return { root: temp.path, source, jobs: join(temp.path, "jobs"), env };
}

/** A loop device for `image`, detached at the end. */
async function loop(image: string): Promise<string> {
  const device = (await execa("losetup", ["-f", "--show", image])).stdout.trim();
  cleanups.push(() => execa("losetup", ["-d", device], { reject: false }));
  return device;
}

async function mounted(point: string, mount: () => Promise<unknown>): Promise<void> {
  await mkdir(point, { recursive: true });
  await mount();
  cleanups.push(() => execa("umount", [point], { reject: false }));
}

describe("disks that cannot hold hard-link snapshots (FUSE exFAT and FAT32, as USB disks ship)", { skip: skipFuse }, () => {
  for (const kind of ["exFAT", "FAT32"] as const) {
    test(`${kind}: check and run refuse it, naming the filesystem; nothing is written`, async () => {
      const w = await workdir(`fs-${kind}`);
      await writeFile(join(w.source, "a.txt"), "a\n");
      const image = join(w.root, "usb.img");
      await execa("truncate", ["-s", "64M", image]);
      const point = join(w.root, "usb");
      if (kind === "exFAT") {
        await execa("mkfs.exfat", [image]);
        const device = await loop(image);
        await mounted(point, () => execa("mount.exfat-fuse", [device, point]));
      } else {
        await execa("mkfs.vfat", ["-F", "32", image]);
        await mounted(point, () => execa("fusefat", ["-o", "rw+", image, point]));
      }
      const backup = join(point, "backups");
      await mkdir(backup);
      await writeJob(w.jobs, "usb", { prefix: "usb", backupDir: backup, source: w.source });
      const check = await linkback(["check", "--jobs", w.jobs], w.env("2026-11-01T02:00:00"));
      assert.equal(check.exitCode, 1, check.stdout);
      assert.match(check.stderr, /the backup filesystem at .*usb \((fuseblk|fuse\.fusefat)\) cannot make hard links: every snapshot would be a full copy/);
      const run = await linkback(["run", "usb", "--jobs", w.jobs], w.env("2026-11-01T03:00:00"));
      assert.equal(run.exitCode, 1);
      assert.match(run.stderr, /cannot make hard links/);
      assert.deepEqual((await listNames(backup)).filter((n) => n.startsWith("usb-")), [], "no snapshot, no staging");
    });
  }
});

describe("an ext4 disk out of inodes with bytes free", { skip: skipExt4 }, () => {
  test("said plainly; minFreeInodes deletes the oldest snapshots to make room, as minFreeSpace does", async () => {
    const w = await workdir("inodes");
    const image = join(w.root, "small.img");
    await execa("truncate", ["-s", "32M", image]);
    await execa("mkfs.ext4", ["-q", "-F", "-N", "64", image]);
    const point = join(w.root, "disk");
    const device = await loop(image);
    await mounted(point, () => execa("mount", [device, point]));
    const backup = join(point, "backups");
    await mkdir(backup);
    const fill = async (day: number) => {
      for (let i = 0; i < 20; i++) {
        await writeFile(join(w.source, `f${i}.txt`), `day ${day} file ${i}\n`); // all new: an inode each, every day
        await touch(join(w.source, `f${i}.txt`), new Date(Date.UTC(2026, 10, day, 1, i)));
      }
    };
    await writeJob(w.jobs, "tiny", { prefix: "tiny", backupDir: backup, source: w.source });
    for (const day of [1, 2]) {
      await fill(day);
      assert.equal((await linkback(["run", "tiny", "--jobs", w.jobs], w.env(`2026-11-0${day}T03:00:00`))).exitCode, 0);
    }
    await fill(3);
    const full = await linkback(["run", "tiny", "--jobs", w.jobs], w.env("2026-11-03T03:00:00"));
    assert.equal(full.exitCode, 1);
    assert.match(full.stderr, /backup disk full — out of inodes \(\d+ of 64 free: `df -i`; minFreeInodes makes room for them\)/);
    await writeJob(w.jobs, "tiny", { prefix: "tiny", backupDir: backup, source: w.source, minFreeInodes: 15 });
    const roomy = await linkback(["run", "tiny", "--jobs", w.jobs], w.env("2026-11-03T04:00:00"));
    assert.equal(roomy.exitCode, 0, roomy.stderr);
    assert.match(roomy.stderr, /backup disk short of space: out of inodes: \d+ free of 64, minFreeInodes 15 inodes \(15\)/);
    assert.deepEqual((await listNames(backup)).filter((n) => n.startsWith("tiny-2")), ["tiny-2026-11-02", "tiny-2026-11-03"]);
  });
});

describe("metadata beyond rsync -a on ext4: ACLs, xattrs, file capabilities, holes", { skip: skipMeta === false ? skipExt4 : skipMeta }, () => {
  let w: Awaited<ReturnType<typeof workdir>>;
  let snap: string;
  const files = ["shared.txt", "tagged.txt", "helper"];
  before(async () => {
    w = await workdir("meta");
    const backup = join(w.root, "backups");
    await mkdir(backup);
    for (const file of files) await writeFile(join(w.source, file), "data\n");
    await execa("setfacl", ["-m", "u:nobody:rw", "-m", "g::r--", join(w.source, "shared.txt")]);
    await execa("setfattr", ["-n", "user.origin", "-v", "camera", join(w.source, "tagged.txt")]);
    await execa("setcap", ["cap_net_admin+ep", join(w.source, "helper")]);
    await execa("truncate", ["-s", "1G", join(w.source, "disk.img")]);
    await writeJob(w.jobs, "meta", { prefix: "meta", backupDir: backup, source: w.source });
    const run = await linkback(["run", "meta", "--jobs", w.jobs], w.env("2026-11-01T03:00:00"));
    assert.equal(run.exitCode, 0, run.stderr);
    snap = join(backup, "meta-2026-11-01");
  });

  /** The ACL, the user xattr, the capability and the 1 GiB hole are in `dir` as they were in the source. */
  async function assertKept(dir: string): Promise<void> {
    const facl = (await execa("getfacl", ["-c", "-p", join(dir, "shared.txt")])).stdout;
    assert.match(facl, /^user:nobody:rw-$/m);
    assert.match(facl, /^group::r--$/m, "the group stays read-only (without -A it came back group-writable from the mask)");
    assert.match((await execa("getfattr", ["-d", join(dir, "tagged.txt")])).stdout, /^user\.origin="camera"$/m);
    assert.match((await execa("getcap", [join(dir, "helper")])).stdout, /cap_net_admin[=+]ep/);
    const copy = await stat(join(dir, "disk.img"));
    assert.equal(copy.size, 2 ** 30);
    assert.ok(copy.blocks * 512 < 1_000_000, `the hole stays a hole: ${copy.blocks * 512} bytes allocated`);
  }

  test("a file's ACL, its user xattr, a capability and a sparse image are kept in the snapshot", async () => {
    await assertKept(snap);
    const log = await readFile(join(w.root, "logs", "linkback.log"), "utf8");
    assert.match(log, /kept beyond rsync -a: ACLs, xattrs \(file capabilities among them\), holes of sparse files/);
  });

  test("restore brings them back (-A -X --sparse from the snapshot's record)", async () => {
    const target = join(w.root, "restored");
    const restore = await linkback(["restore", "meta", "/", target, "--jobs", w.jobs], w.env("2026-11-01T04:00:00"));
    assert.equal(restore.exitCode, 0, restore.stderr);
    assert.doesNotMatch(restore.stderr, /not restored/);
    await assertKept(target);
  });

  test("to an exFAT stick (FUSE) the files come back without what it cannot hold, and the restore says so", { skip: skipFuse }, async () => {
    const image = join(w.root, "usb.img");
    await execa("truncate", ["-s", "64M", image]);
    await execa("mkfs.exfat", [image]);
    const point = join(w.root, "usb");
    const device = await loop(image);
    await mounted(point, () => execa("mount.exfat-fuse", [device, point]));
    for (const file of files) {
      // rsync -A or -X onto exFAT fails ("Operation not supported"): the restore leaves them out.
      const restore = await linkback(["restore", "meta", file, join(point, file), "--jobs", w.jobs], w.env("2026-11-01T04:00:00"));
      assert.equal(restore.exitCode, 0, restore.stderr);
      assert.match(restore.stderr, /^linkback restore: not restored: ACLs \(fuseblk cannot hold them\)$/m);
      assert.match(restore.stderr, /^linkback restore: not restored: xattrs and file capabilities \(fuseblk cannot hold them\)$/m);
      assert.equal(await readFile(join(point, file), "utf8"), "data\n");
    }
  });
});

describe("a file at ext4's link limit (65,000 links per inode)", { skip: skipExt4 }, () => {
  test("the next snapshot stores that file anew (rsync copies it) and later ones link to the fresh inode: no manual help", async () => {
    const w = await workdir("linklimit");
    const image = join(w.root, "disk.img");
    await execa("truncate", ["-s", "64M", image]);
    await execa("mkfs.ext4", ["-q", "-F", image]);
    const point = join(w.root, "disk");
    const device = await loop(image);
    await mounted(point, () => execa("mount", [device, point]));
    const backup = join(point, "backups");
    await mkdir(backup);
    await writeFile(join(w.source, "popular.txt"), "linked everywhere\n");
    await writeFile(join(w.source, "other.txt"), "other\n");
    await writeJob(w.jobs, "lim", { prefix: "lim", backupDir: backup, source: w.source });
    assert.equal((await linkback(["run", "lim", "--jobs", w.jobs], w.env("2026-11-01T03:00:00"))).exitCode, 0);
    // Bring popular.txt's inode to the limit, as 65,000 snapshots (or a source full of hard links) would.
    const saturate = `const fs = require("fs"); const [file, dir] = process.argv.slice(1); fs.mkdirSync(dir); let i = 0; try { for (;;) fs.linkSync(file, dir + "/l" + i++); } catch (e) { if (e.code !== "EMLINK") throw e; }`;
    await execa(process.execPath, ["-e", saturate, join(backup, "lim-2026-11-01", "popular.txt"), join(point, "links")]);
    const full = await stat(join(backup, "lim-2026-11-01", "popular.txt"));
    assert.equal(full.nlink, 65000, "at ext4's limit");
    const next = await linkback(["run", "lim", "--jobs", w.jobs], w.env("2026-11-02T03:00:00"));
    assert.equal(next.exitCode, 0, next.stderr);
    const copied = await stat(join(backup, "lim-2026-11-02", "popular.txt"));
    assert.notEqual(copied.ino, full.ino, "a fresh inode");
    assert.equal(await readFile(join(backup, "lim-2026-11-02", "popular.txt"), "utf8"), "linked everywhere\n");
    assert.equal((await stat(join(backup, "lim-2026-11-02", "other.txt"))).ino, (await stat(join(backup, "lim-2026-11-01", "other.txt"))).ino, "the others are linked as always");
    assert.equal((await linkback(["run", "lim", "--jobs", w.jobs], w.env("2026-11-03T03:00:00"))).exitCode, 0);
    assert.equal((await stat(join(backup, "lim-2026-11-03", "popular.txt"))).ino, copied.ino, "later snapshots link to the fresh inode");
  });
});
