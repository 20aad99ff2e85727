// A power cut right after a run, for real: the backup disk is a small ext4 on a loop device, mounted with a
// one-second journal commit. Right after a run that replaced and pruned, the backing image is copied —
// what the "disk" held at that instant, before the page cache's writeback (30 s) — the copy is fsck-ed and
// mounted, and the newest snapshot must equal the source, or, where the run's last steps had not reached the
// disk, the previous snapshot must still be there: never a published snapshot with empty files and
// yesterday's already gone (ext4's auto_da_alloc does not cover rsync's renames onto new names).
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { linkback, tempDir, writeJob } from "../helpers/cli.ts";
import { hasProgram, manifest, touch } from "../helpers/tree.ts";
import { skipUnlessCi } from "../helpers/sshd.ts";

async function loopMissing(): Promise<string | undefined> {
  if (!(await hasProgram("rsync"))) return "rsync is not installed";
  if (process.getuid?.() !== 0) return "a loop device needs root";
  for (const [program, args] of [["mkfs.ext4", ["-V"]], ["e2fsck", ["-V"]], ["losetup", ["--version"]]] as const) {
    if (!(await hasProgram(program, [...args]))) return `${program} is not installed (apt-get install e2fsprogs util-linux)`;
  }
  const probe = await execa("losetup", ["-f"], { reject: false });
  if (probe.exitCode !== 0) return `no free loop device: ${String(probe.stderr).trim()}`;
  return undefined;
}

const skip = skipUnlessCi(await loopMissing());

describe("a power cut right after a run (loop-device ext4, image copied before writeback)", { skip }, () => {
  let temp: { path: string; cleanup: () => Promise<void> };
  const mounted: string[] = [];
  const devices: string[] = [];

  before(async () => {
    temp = await tempDir("linkback-crash");
  });
  after(async () => {
    for (const point of mounted.reverse()) await execa("umount", [point], { reject: false });
    for (const device of devices) await execa("losetup", ["-d", device], { reject: false });
    await temp?.cleanup();
  });

  async function attach(image: string, point: string, options: string): Promise<void> {
    const device = (await execa("losetup", ["-f", "--show", image])).stdout.trim();
    devices.push(device);
    await mkdir(point, { recursive: true });
    await execa("mount", ["-o", options, device, point]);
    mounted.push(point);
  }

  test("the newest snapshot equals the source, or the previous one is still there; fsck finds nothing wrong", async () => {
    const image = join(temp.path, "disk.img");
    await execa("truncate", ["-s", "96M", image]);
    await execa("mkfs.ext4", ["-q", "-F", image]);
    const disk = join(temp.path, "disk");
    await attach(image, disk, "commit=1");
    const backup = join(disk, "backups");
    const source = join(temp.path, "src");
    const jobs = join(temp.path, "jobs");
    await mkdir(backup);
    await mkdir(join(source, "photos"), { recursive: true });
    await writeJob(jobs, "home", { prefix: "home", backupDir: backup, source, keepDays: 1 });
    const env = (now: string) => ({ LINKBACK_LOG_DIR: join(temp.path, "logs"), LINKBACK_STATUS_DIR: join(temp.path, "status"), LINKBACK_SYSLOG: "off", LINKBACK_NOW: now, TZ: "UTC" });
    const fill = async (day: number) => {
      for (let i = 0; i < 40; i++) {
        const path = join(source, "photos", `p${i}.jpg`);
        await writeFile(path, randomBytes(200_000)); // same sizes every day: only the content differs
        await touch(path, new Date(Date.UTC(2026, 10, day, 1, i)));
      }
      await writeFile(join(source, `day${day}.txt`), `day ${day}\n`);
    };
    await fill(1);
    assert.equal((await linkback(["run", "home", "--jobs", jobs], env("2026-11-01T03:00:00"))).exitCode, 0);
    await execa("sync");
    await fill(2);
    const expected = await manifest(source);
    const day2 = await linkback(["run", "home", "--jobs", jobs], env("2026-11-02T03:00:00"));
    assert.equal(day2.exitCode, 0, day2.stderr);
    // Past the journal's commit (1 s), long before the 30 s writeback of dirty data.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const copy = join(temp.path, "after-the-power-cut.img");
    await execa("cp", ["--sparse=always", image, copy]);

    const fsck = await execa("e2fsck", ["-f", "-y", copy], { reject: false });
    assert.ok(fsck.exitCode === 0 || fsck.exitCode === 1, `e2fsck: exit ${fsck.exitCode}\n${fsck.stdout}`); // 1: the journal replayed
    const check = await execa("e2fsck", ["-f", "-n", copy], { reject: false });
    assert.equal(check.exitCode, 0, `a second fsck finds nothing:\n${check.stdout}`);
    const crashed = join(temp.path, "crashed");
    await attach(copy, crashed, "ro,noload");
    const names = (await execa("ls", [join(crashed, "backups")])).stdout.split("\n");
    if (names.includes("home-2026-11-02")) {
      assert.deepEqual(await manifest(join(crashed, "backups", "home-2026-11-02")), expected, "the published snapshot holds every byte of the source");
    } else {
      assert.ok(names.includes("home-2026-11-01"), `neither snapshot survived: ${names.join(", ")}`);
    }
  });
});
