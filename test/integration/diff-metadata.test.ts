// `diff` compares everything a snapshot keeps, on snapshots made by real backups (root, real rsync): a char
// device's numbers (1,3 → 1,5), a fifo replaced by a unix socket, a file's mtime changed in nanoseconds
// only, a symlink's own mtime and its target, a mode, an owner, a user xattr (the job keeps xattrs); an
// unchanged tree is "0 change(s)", and directories whose times alone differ are not changes.
import { strict as assert } from "node:assert";
import { chmod, chown, lstat, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { linkback } from "../helpers/cli.ts";
import { type Workspace, hasProgram, workspace } from "../helpers/tree.ts";
import { skipUnlessCi } from "../helpers/sshd.ts";

async function missing(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "mknod and chown need root";
  if (!(await hasProgram("rsync"))) return "rsync is not installed";
  for (const program of ["setfattr", "getfattr", "mknod", "touch"]) {
    if ((await execa("sh", ["-c", 'command -v "$1"', "sh", program], { reject: false })).exitCode !== 0) return `${program} is not installed (apt-get install attr coreutils)`;
  }
  return undefined;
}
const skip = skipUnlessCi(await missing());

const T0 = "2026-10-01 12:00:00.123456789";
/** Set a path's own times to the nanosecond (a symlink's, not its target's): touch -h, in UTC. */
async function stamp(path: string, when: string): Promise<void> {
  await execa("touch", ["-h", "-d", `${when} UTC`, path]);
}

/** A unix socket at `path`, left behind by a process that exits without closing it (close would unlink it). */
async function socketAt(path: string): Promise<void> {
  await execa(process.execPath, ["-e", "require('net').createServer().listen(process.argv[1], () => process.exit(0))", path]);
  assert.ok((await lstat(path)).isSocket(), `${path} is a socket`);
}

interface Diff {
  changes: { path: string; kind: string; what?: string[] }[];
  count: number;
  notes: string[];
}

describe("diff compares everything the snapshots keep", { skip }, () => {
  let ws: Workspace;
  const days = ["2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04"].map((day) => `box-${day}`);
  const diff = async (a: string, b: string, json = false) => {
    const result = await linkback(["diff", "box", a, b, ...(json ? ["--json"] : []), "--jobs", ws.jobs], ws.env("2026-10-05T03:00:00"));
    assert.equal(result.exitCode, 0, result.stderr);
    return result.stdout;
  };
  const backup = async (day: number) => {
    const run = await ws.run(["box"], `2026-10-0${day}T03:00:00`);
    assert.equal(run.exitCode, 0, run.stderr);
  };

  before(async () => {
    ws = await workspace("diff-meta");
    const src = ws.src;
    await mkdir(join(src, "dev"));
    await mkdir(join(src, "quiet"));
    await execa("mknod", ["-m", "644", join(src, "dev/null"), "c", "1", "3"]);
    await execa("mkfifo", ["-m", "644", join(src, "pipe")]);
    for (const name of ["stamp.txt", "mode.txt", "owner.txt", "tagged.txt", "quiet/inside.txt"]) await writeFile(join(src, name), `${name}\n`);
    await chmod(join(src, "mode.txt"), 0o644);
    await execa("setfattr", ["-n", "user.x", "-v", "one", join(src, "tagged.txt")]);
    await symlink("target", join(src, "link-time"));
    await symlink("old", join(src, "link-target"));
    for (const name of ["dev/null", "pipe", "stamp.txt", "mode.txt", "owner.txt", "tagged.txt", "link-time", "link-target", "quiet/inside.txt", "quiet", "dev"]) {
      await stamp(join(src, name), T0);
    }
    // rsync's quick check compares whole seconds unless --modify-window=-1: without it the nanosecond-only
    // change below would be hard-linked to day 1's inode and never reach the snapshot.
    await ws.job("box", { metadata: { acls: true, xattrs: true }, rsyncArgs: ["--modify-window=-1"] });
    await backup(1);

    // Day 2: one change of each kind, everything else about each entry as it was (times set back to T0).
    await rm(join(src, "dev/null"));
    await execa("mknod", ["-m", "644", join(src, "dev/null"), "c", "1", "5"]);
    await rm(join(src, "pipe"));
    await socketAt(join(src, "pipe"));
    await chmod(join(src, "pipe"), 0o644);
    await stamp(join(src, "stamp.txt"), "2026-10-01 12:00:00.123456788");
    await stamp(join(src, "link-time"), "2026-10-01 12:00:07.123456789");
    await rm(join(src, "link-target"));
    await symlink("new", join(src, "link-target"));
    await chmod(join(src, "mode.txt"), 0o600);
    await chown(join(src, "owner.txt"), 65534, 65534);
    await execa("setfattr", ["-n", "user.x", "-v", "two", join(src, "tagged.txt")]);
    for (const name of ["dev/null", "pipe", "link-target", "tagged.txt"]) await stamp(join(src, name), T0);
    await backup(2);
    await backup(3); // nothing changed
    // Day 4: only the directories' own times.
    for (const name of ["quiet", "dev", "."]) await stamp(join(src, name), "2026-10-03 08:00:00.5");
    await backup(4);
  });
  after(async () => ws.cleanup());

  test("each change is one line naming what changed; nothing else is listed", async () => {
    assert.equal(
      await diff(days[0]!, days[1]!),
      [
        `${days[0]} → ${days[1]}`,
        "M dev/null (device (1,3 → 1,5))",
        "M link-target (target)",
        "M link-time (time)",
        "M mode.txt (mode)",
        "M owner.txt (owner)",
        "M pipe (type (fifo → socket))",
        "M stamp.txt (time)",
        "M tagged.txt (xattrs)",
        "8 change(s)",
      ].join("\n"),
    );
  });

  test("--json gives the same changes, with what changed as a list", async () => {
    const parsed = JSON.parse(await diff(days[0]!, days[1]!, true)) as Diff;
    const changed = (path: string, ...what: string[]) => ({ path, kind: "changed", what });
    assert.deepEqual(parsed.changes, [
      changed("dev/null", "device (1,3 → 1,5)"),
      changed("link-target", "target"),
      changed("link-time", "time"),
      changed("mode.txt", "mode"),
      changed("owner.txt", "owner"),
      changed("pipe", "type (fifo → socket)"),
      changed("stamp.txt", "time"),
      changed("tagged.txt", "xattrs"),
    ]);
    assert.equal(parsed.count, 8);
    assert.deepEqual(parsed.notes, []);
  });

  test("the snapshots hold each change (the diff is not seeing rsync's mistakes)", async () => {
    const [one, two] = [join(ws.backup, days[0]!), join(ws.backup, days[1]!)];
    const info = async (path: string) => lstat(path, { bigint: true });
    assert.notEqual((await info(join(one, "dev/null"))).rdev, (await info(join(two, "dev/null"))).rdev);
    assert.equal((await info(join(one, "dev/null"))).mtimeNs, (await info(join(two, "dev/null"))).mtimeNs, "the device's time is the same");
    assert.equal((await info(join(two, "stamp.txt"))).mtimeNs - (await info(join(one, "stamp.txt"))).mtimeNs, -1n, "one nanosecond apart");
    assert.equal((await info(join(two, "link-time"))).mtimeNs - (await info(join(one, "link-time"))).mtimeNs, 7_000_000_000n, "the symlink's own time, 7 s later");
    const value = async (dir: string) => (await execa("getfattr", ["--only-values", "-n", "user.x", join(dir, "tagged.txt")])).stdout;
    assert.deepEqual([await value(one), await value(two)], ["one", "two"]);
  });

  test("an unchanged tree: no changes", async () => {
    assert.equal(await diff(days[1]!, days[2]!), `${days[1]} → ${days[2]}\n0 change(s)`);
    const parsed = JSON.parse(await diff(days[1]!, days[2]!, true)) as Diff;
    assert.deepEqual([parsed.changes, parsed.count], [[], 0]);
  });

  test("directories whose own times alone differ are not changes (their entries' changes are listed themselves)", async () => {
    for (const name of ["quiet", "dev", "."]) {
      const [before, after] = [await lstat(join(ws.backup, days[2]!, name), { bigint: true }), await lstat(join(ws.backup, days[3]!, name), { bigint: true })];
      assert.notEqual(before.mtimeNs, after.mtimeNs, `${name}'s time differs in the snapshots`);
      assert.notEqual(before.ino, after.ino);
    }
    assert.equal(await diff(days[2]!, days[3]!), `${days[2]} → ${days[3]}\n0 change(s)`);
  });
});
