// Snapshot management with real rsync on real directories (TZ Europe/Berlin, LINKBACK_NOW): GFS retention
// over ten simulated weeks against a hand-written table; `list --size` against du before and after a prune;
// `prune` renames out of the namespace and deletes; `diff` finds the one changed file; `restore` round-trips a
// tree with hard links, symlinks, modes, times and odd names.
import { strict as assert } from "node:assert";
import { chmod, link, lstat, mkdir, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { linkback, listNames, writeJob } from "../helpers/cli.ts";
import { type Workspace, hasProgram, inodes, manifest, touch, workspace } from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;

function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
function daysFrom(first: string, last: string): string[] {
  const out: string[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) out.push(day);
  return out;
}
/** Disk usage of a backup directory as du counts it (hard links once), leaving out linkback's trash folder. */
async function du(path: string): Promise<number> {
  return Number((await execa("du", ["-s", "-B1", "--exclude=.linkback-trash", path])).stdout.split("\t")[0]);
}

interface Listed {
  snapshots: { name: string; state: string; keep: boolean; rule: string | null; reason: string; uniqueBytes?: number; apparentBytes?: number }[];
}

describe("GFS retention over ten weeks: daily 7, weekly 4, monthly 3", { skip }, () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace("gfs");
    await writeFile(join(ws.src, "notes.txt"), "start\n");
    await ws.job("laptop", { keep: { daily: 7, weekly: 4, monthly: 3 } });
  });
  after(async () => ws.cleanup());

  test("a run every day from 2026-01-01 to 2026-03-11 leaves exactly the table's snapshots", async () => {
    for (const day of daysFrom("2026-01-01", "2026-03-11")) {
      await writeFile(join(ws.src, "notes.txt"), `${day}\n`);
      await touch(join(ws.src, "notes.txt"), new Date(`${day}T01:00:00Z`));
      const result = await ws.run(["laptop"], `${day}T03:00:00`);
      assert.equal(result.exitCode, 0, `${day}: ${result.stderr}`);
    }
    // By hand: Wednesday 2026-03-11. daily 7: 03-05 … 03-11. weekly 4, skipping weeks whose newest a daily
    // keeps (W11, W10): W09 → Sun 03-01, W08 → 02-22, W07 → 02-15, W06 → 02-08. monthly 3, skipping March (its
    // newest is a daily): February → 02-28, January → 01-31, and there is no December — so monthly keeps the
    // oldest too, 01-01 (borg's [oldest]: a rule that cannot fill its count keeps the oldest snapshot).
    const table = ["2026-01-01", "2026-01-31", "2026-02-08", "2026-02-15", "2026-02-22", "2026-02-28", "2026-03-01", ...daysFrom("2026-03-05", "2026-03-11")];
    assert.deepEqual(await listNames(ws.backup), table.map((day) => `laptop-${day}`));
    for (const day of table) assert.equal(await readFile(join(ws.backup, `laptop-${day}`, "notes.txt"), "utf8"), `${day}\n`);
  });

  test("list names the rule that keeps each snapshot; with a stricter policy prune --dry-run shows what would go, prune removes it", async () => {
    const list = await linkback(["list", "laptop", "--json", "--jobs", ws.jobs], ws.env("2026-03-11T04:00:00"));
    assert.equal(list.exitCode, 0, list.stderr);
    const rules = Object.fromEntries((JSON.parse(list.stdout) as Listed).snapshots.map((s) => [s.name.slice("laptop-".length), s.rule]));
    assert.deepEqual(rules, {
      "2026-01-01": "monthly", "2026-01-31": "monthly", "2026-02-08": "weekly", "2026-02-15": "weekly", "2026-02-22": "weekly", "2026-02-28": "monthly", "2026-03-01": "weekly",
      "2026-03-05": "daily", "2026-03-06": "daily", "2026-03-07": "daily", "2026-03-08": "daily", "2026-03-09": "daily", "2026-03-10": "daily", "2026-03-11": "daily",
    });
    const text = await linkback(["list", "laptop", "--jobs", ws.jobs], ws.env("2026-03-11T04:00:00"));
    assert.match(text.stdout, /^laptop-2026-02-08 +2026-02-08 +complete +11 B +kept: the newest of week 2026-W06, weekly #4 of 4$/m, "with what it stored anew (NEW)");
    // daily 3: 03-09 … 03-11; weekly 2, skipping W11 (a daily keeps 03-11): W10 → 03-08, W09 → 03-01 (filled: no oldest).
    await ws.job("laptop", { keep: { daily: 3, weekly: 2 } });
    const dry = await linkback(["prune", "laptop", "--dry-run", "--jobs", ws.jobs], ws.env("2026-03-11T04:00:00"));
    assert.equal(dry.exitCode, 0, dry.stderr);
    const doomed = dry.stdout.split("\n").filter((line) => line.includes(" delete ")).map((line) => line.split(" ")[2]!.replace(/:$/, ""));
    const gone = ["2026-01-01", "2026-01-31", "2026-02-08", "2026-02-15", "2026-02-22", "2026-02-28", "2026-03-05", "2026-03-06", "2026-03-07"];
    assert.deepEqual(doomed, gone.map((day) => `laptop-${day}`));
    assert.equal((await listNames(ws.backup)).length, 14, "--dry-run deletes nothing");
    const prune = await linkback(["prune", "laptop", "--jobs", ws.jobs], ws.env("2026-03-11T04:00:00"));
    assert.deepEqual([prune.exitCode, prune.stdout, prune.stderr], [0, "", ""], "quiet without a terminal");
    assert.deepEqual(await listNames(ws.backup), ["2026-03-01", "2026-03-08", "2026-03-09", "2026-03-10", "2026-03-11"].map((day) => `laptop-${day}`));
  });
});

describe("list --size, prune, diff", { skip }, () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace("sizes");
    await writeFile(join(ws.src, "shared.bin"), "s".repeat(300_000));
    await ws.job("laptop", { keepDays: 3 });
  });
  after(async () => ws.cleanup());

  test("what list --size says deleting the oldest frees is what du sees a prune free", async () => {
    for (const [index, day] of ["2026-05-01", "2026-05-02", "2026-05-03"].entries()) {
      await writeFile(join(ws.src, "daily.bin"), String(index).repeat(50_000 + index * 1000));
      await touch(join(ws.src, "daily.bin"), new Date(`${day}T01:00:00Z`));
      if (index === 0) {
        await writeFile(join(ws.src, "only-day1.bin"), "1".repeat(120_000));
        await link(join(ws.src, "only-day1.bin"), join(ws.src, "only-day1-link.bin"));
      } else await rm(join(ws.src, "only-day1.bin"), { force: true }).then(() => rm(join(ws.src, "only-day1-link.bin"), { force: true }));
      assert.equal((await ws.run(["laptop"], `${day}T03:00:00`)).exitCode, 0);
    }
    // A hard link from outside the job's snapshots (as a weekly copy has): deleting day 1 must not count it.
    await mkdir(join(ws.backup, "elsewhere"));
    await writeFile(join(ws.backup, "laptop-2026-05-01", "pinned.bin"), "p".repeat(80_000));
    await link(join(ws.backup, "laptop-2026-05-01", "pinned.bin"), join(ws.backup, "elsewhere", "pinned.bin"));

    const list = await linkback(["list", "laptop", "--size", "--json", "--jobs", ws.jobs], ws.env("2026-05-04T03:00:00"));
    assert.equal(list.exitCode, 0, list.stderr);
    const snapshots = (JSON.parse(list.stdout) as Listed).snapshots;
    const day1 = snapshots.find((s) => s.name === "laptop-2026-05-01")!;
    assert.equal(day1.keep, false, "keepDays 3 on the 4th dooms the 1st");
    assert.ok(day1.uniqueBytes! > 120_000 + 50_000, `day 1 alone holds only-day1 (counted once for its two links) and its daily.bin: ${day1.uniqueBytes}`);
    assert.ok(day1.apparentBytes! >= 300_000 + 120_000 + 50_000 + 80_000);

    const before = await du(ws.backup);
    const prune = await linkback(["prune", "laptop", "--jobs", ws.jobs], ws.env("2026-05-04T03:00:00"));
    assert.equal(prune.exitCode, 0, prune.stderr);
    assert.deepEqual((await listNames(ws.backup)).filter((name) => name.startsWith("laptop-")), ["laptop-2026-05-02", "laptop-2026-05-03"]);
    assert.deepEqual(await readdir(join(ws.backup, ".linkback-trash")), [], "the trash is empty again");
    const after = await du(ws.backup);
    assert.equal(before - after, day1.uniqueBytes, `du: ${before} → ${after}`);
    assert.equal(await readFile(join(ws.backup, "elsewhere", "pinned.bin"), "utf8"), "p".repeat(80_000));
  });

  test("diff finds the one changed file (and nothing else)", async () => {
    await writeFile(join(ws.src, "notes.txt"), "a\n");
    for (let i = 0; i < 30; i++) await writeFile(join(ws.src, `same-${i}.txt`), `unchanging ${i}\n`);
    assert.equal((await ws.run(["laptop"], "2026-05-05T03:00:00")).exitCode, 0);
    await writeFile(join(ws.src, "notes.txt"), "b\n"); // same size
    await touch(join(ws.src, "notes.txt"), new Date("2026-05-06T01:00:00Z"));
    assert.equal((await ws.run(["laptop"], "2026-05-06T03:00:00")).exitCode, 0);
    const diff = await linkback(["diff", "laptop", "--jobs", ws.jobs], ws.env("2026-05-06T04:00:00"));
    assert.equal(diff.exitCode, 0, diff.stderr);
    // Streamed: the header, each change as it is found, then the count. (execa strips the last newline.)
    assert.equal(diff.stdout, "laptop-2026-05-05 → laptop-2026-05-06\nM notes.txt (time, content)\n1 change(s)");
    const json = await linkback(["diff", "laptop", "2026-05-05", "laptop-2026-05-06", "--json", "--jobs", ws.jobs], ws.env("2026-05-06T04:00:00"));
    assert.deepEqual((JSON.parse(json.stdout) as { changes: unknown[] }).changes, [{ path: "notes.txt", kind: "changed", what: ["time", "content"] }]);
    const missing = await linkback(["diff", "laptop", "2026-04-01", "--jobs", ws.jobs], ws.env("2026-05-06T04:00:00"));
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /no snapshot of 2026-04-01; the nearest: laptop-2026-05-05 \(after\)/);
  });
});

describe("restore", { skip }, () => {
  let ws: Workspace;
  const ODD = ["with space.txt", "-leading-dash", "new\nline.txt", "ünïcödé ✓.txt", "quote'and\"double", "$(touch canary)", "*star*"];
  before(async () => {
    ws = await workspace("restore");
    const src = ws.src;
    await mkdir(join(src, "home/ben/Photos"), { recursive: true });
    await writeFile(join(src, "home/ben/Photos/cat.jpg"), "meow".repeat(5000));
    await link(join(src, "home/ben/Photos/cat.jpg"), join(src, "home/ben/cat-link.jpg"));
    await writeFile(join(src, "home/ben/secret"), "s3cret\n");
    await chmod(join(src, "home/ben/secret"), 0o600);
    await writeFile(join(src, "home/ben/run.sh"), "#!/bin/sh\necho hi\n");
    await chmod(join(src, "home/ben/run.sh"), 0o755);
    await symlink("Photos/cat.jpg", join(src, "home/ben/relative-link"));
    await symlink("/etc/hostname", join(src, "home/ben/absolute-link"));
    await symlink("does/not/exist", join(src, "home/ben/dangling"));
    for (const name of ODD) await writeFile(join(src, "home/ben", name), `odd: ${name}\n`);
    await mkdir(join(src, "home/ben/readonly"));
    await writeFile(join(src, "home/ben/readonly/inside.txt"), "inside\n");
    await chmod(join(src, "home/ben/readonly"), 0o555);
    for (const [path, when] of [["home/ben/Photos/cat.jpg", "2020-01-02T03:04:05Z"], ["home/ben/secret", "2019-05-06T07:08:09Z"]] as const) {
      await touch(join(src, path), new Date(when));
    }
    await ws.job("laptop");
    assert.equal((await ws.run(["laptop"], "2026-06-01T03:00:00")).exitCode, 0);
    await writeFile(join(src, "home/ben/secret"), "changed on day 2\n");
    assert.equal((await ws.run(["laptop"], "2026-06-02T03:00:00")).exitCode, 0);
  });
  after(async () => {
    await execa("chmod", ["-R", "u+w", ws.root], { reject: false });
    await ws.cleanup();
  });

  test("a whole tree round-trips: contents, modes, times, symlinks, hard links, odd names; no shell anywhere", async () => {
    const target = join(ws.root, "restored");
    const result = await linkback(["restore", "laptop", "--date", "2026-06-01", "/home/ben", target, "--jobs", ws.jobs], ws.env("2026-06-03T03:00:00"));
    assert.equal(result.exitCode, 0, result.stderr);
    const snapshot = join(ws.backup, "laptop-2026-06-01", "home/ben");
    const [restored, stored] = [await manifest(target), await manifest(snapshot)];
    assert.deepEqual({ ...restored, ".": "" }, { ...stored, ".": "" }, "same entries, types, modes, contents, mtimes, link targets");
    assert.equal(await readFile(join(target, "secret"), "utf8"), "s3cret\n", "the day-1 version, not today's");
    assert.equal((await lstat(join(target, "secret"))).mode & 0o777, 0o600);
    const links = await inodes(target);
    assert.equal(links["Photos/cat.jpg"]!.ino, links["cat-link.jpg"]!.ino, "a hard link stays one");
    assert.notEqual(links["Photos/cat.jpg"]!.ino, (await inodes(snapshot))["Photos/cat.jpg"]!.ino, "restored files are copies, not links into the snapshot");
    for (const name of ODD) assert.equal(await readFile(join(target, name), "utf8"), `odd: ${name}\n`);
    assert.ok(!(await listNames(ws.root)).includes("canary") && !(await listNames(process.cwd())).includes("canary"), "no shell ever ran $(touch canary)");
  });

  test("one file; a non-empty target needs --force; --delete only when asked; --dry-run writes nothing", async () => {
    const file = join(ws.root, "one", "secret");
    await mkdir(join(ws.root, "one"));
    const first = await linkback(["restore", "laptop", "home/ben/secret", file, "--jobs", ws.jobs], ws.env("2026-06-03T03:00:00"));
    assert.equal(first.exitCode, 0, first.stderr);
    assert.equal(await readFile(file, "utf8"), "changed on day 2\n", "the newest snapshot by default");
    const again = await linkback(["restore", "laptop", "--date", "2026-06-01", "home/ben/secret", file, "--jobs", ws.jobs], ws.env("2026-06-03T03:00:00"));
    assert.equal(again.exitCode, 2);
    assert.match(again.stderr, /one\/secret exists and is not an empty directory; give --force/);
    assert.equal(await readFile(file, "utf8"), "changed on day 2\n");
    const forced = await linkback(["restore", "laptop", "--date", "2026-06-01", "home/ben/secret", file, "--force", "--jobs", ws.jobs], ws.env("2026-06-03T03:00:00"));
    assert.equal(forced.exitCode, 0, forced.stderr);
    assert.equal(await readFile(file, "utf8"), "s3cret\n");

    const dir = join(ws.root, "photos");
    await mkdir(dir);
    await writeFile(join(dir, "mine.txt"), "not in the snapshot\n");
    const keep = await linkback(["restore", "laptop", "/home/ben/Photos", dir, "--force", "--jobs", ws.jobs], ws.env("2026-06-03T03:00:00"));
    assert.equal(keep.exitCode, 0, keep.stderr);
    assert.deepEqual((await readdir(dir)).sort(), ["cat.jpg", "mine.txt"], "nothing deleted without --delete");
    const dry = await linkback(["restore", "laptop", "/home/ben/Photos", dir, "--force", "--delete", "--dry-run", "--jobs", ws.jobs], ws.env("2026-06-03T03:00:00"));
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.match(dry.stdout, /deleting +mine\.txt/);
    assert.deepEqual((await readdir(dir)).sort(), ["cat.jpg", "mine.txt"], "--dry-run deleted nothing");
    const mirrored = await linkback(["restore", "laptop", "/home/ben/Photos", dir, "--force", "--delete", "--jobs", ws.jobs], ws.env("2026-06-03T03:00:00"));
    assert.equal(mirrored.exitCode, 0, mirrored.stderr);
    assert.deepEqual(await readdir(dir), ["cat.jpg"]);
  });

  test("bad requests: a path that is not there, one that leads out, a target inside a snapshot, no such snapshot", async () => {
    const env = ws.env("2026-06-03T03:00:00");
    const none = await linkback(["restore", "laptop", "/home/nobody", join(ws.root, "x"), "--jobs", ws.jobs], env);
    assert.deepEqual([none.exitCode, none.stderr.trim()], [2, `linkback: linkback restore: laptop-2026-06-02 has no "/home/nobody"`]);
    const out = await linkback(["restore", "laptop", "../../etc", join(ws.root, "x"), "--jobs", ws.jobs], env);
    assert.equal(out.exitCode, 2);
    assert.match(out.stderr, /leads out of the snapshot/);
    const into = await linkback(["restore", "laptop", "/home/ben/secret", join(ws.backup, "laptop-2026-06-01", "home/ben/secret"), "--force", "--jobs", ws.jobs], env);
    assert.equal(into.exitCode, 2);
    assert.match(into.stderr, /is inside the backup directory; writing into a snapshot would change every snapshot that shares its files/);
    assert.equal(await readFile(join(ws.backup, "laptop-2026-06-01", "home/ben/secret"), "utf8"), "s3cret\n");
    const snap = await linkback(["restore", "laptop", "--snapshot", "laptop-1999-01-01", "/", join(ws.root, "x"), "--jobs", ws.jobs], env);
    assert.equal(snap.exitCode, 2);
    assert.match(snap.stderr, /no snapshot "laptop-1999-01-01"/);
  });
});

describe("timeZone: a router whose clock says UTC, a job in Berlin", { skip }, () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace("zone");
    await writeFile(join(ws.src, "a.txt"), "a\n");
    await writeJob(ws.jobs, "berlin", { prefix: "berlin", backupDir: ws.backup, source: ws.src, timeZone: "Europe/Berlin", keep: { daily: 2 } });
  });
  after(async () => ws.cleanup());

  test("day names and daily periods follow the job's zone, not the process's TZ", async () => {
    // 23:30 UTC on the 1st is 00:30 on the 2nd in Berlin (winter).
    const run = (now: string) => linkback(["run", "berlin", "--jobs", ws.jobs], ws.env(now, { TZ: "UTC" }));
    assert.equal((await run("2026-01-01T22:00:00Z")).exitCode, 0);
    assert.equal((await run("2026-01-01T23:30:00Z")).exitCode, 0);
    assert.deepEqual(await listNames(ws.backup), ["berlin-2026-01-01", "berlin-2026-01-02"]);
    assert.equal((await run("2026-01-02T23:30:00Z")).exitCode, 0);
    assert.deepEqual(await listNames(ws.backup), ["berlin-2026-01-02", "berlin-2026-01-03"], "daily 2 in Berlin days");
  });
});
