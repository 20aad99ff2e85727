// Races with a prune, made certain rather than hoped for, with real rsync and real trees: `list --size` is
// stopped (SIGSTOP) while it has a directory of the snapshot it walks open (/proc/PID/fd), a prune deletes
// that snapshot (list marks nothing: it only reads sizes), and the list goes on; `diff` is stopped once it
// has marked both snapshots as read, and cannot finish meanwhile either way — its output is larger than the
// pipe it writes to, which the test does not read until the prune is done.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, utimesSync, watch, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { BIN, linkback, listNames } from "../helpers/cli.ts";
import { type Workspace, hasProgram, workspace } from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;

const DAY1 = "laptop-2026-06-01";
const DAY2 = "laptop-2026-06-02";
const DAY3 = "laptop-2026-06-03";
/** Files that change on day 2: diff's output (about 60 bytes a line) is several times a pipe's 64 KiB. */
const CHANGED = Array.from({ length: 4000 }, (_, i) => `changed/photo-from-the-holidays-${String(i).padStart(4, "0")}.jpg`);

/** The state of `pid`'s main thread (R, S, D, T, Z…), undefined when it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2);
  } catch {
    return undefined;
  }
}

/** Stop `pid` (SIGSTOP) and wait, spinning (it takes microseconds), until it is: false when it ended first. */
function stop(pid: number): boolean {
  process.kill(pid, "SIGSTOP");
  for (;;) {
    const state = stateOf(pid);
    if (state === undefined || state === "Z") return false;
    if (state === "T" || state === "t") return true;
  }
}

/** What the open file descriptors of `pid` lead to. */
function openPaths(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return []; // closed meanwhile
    }
  });
}

/**
 * Stop `pid` at a moment it holds a directory below `dir` open: stop, look, let it go on for a moment,
 * stop again. The number of looks it took, or undefined when it ended without being caught.
 */
async function stopInside(pid: number, dir: string): Promise<number | undefined> {
  for (let looks = 1; ; looks++) {
    if (!stop(pid)) return undefined;
    if (openPaths(pid).some((path) => path.startsWith(`${dir}/`))) return looks;
    process.kill(pid, "SIGCONT");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** du's figures for directories in one call (each inode counted once: a later directory's is what only it holds). */
async function du(flag: "-B1" | "-b", ...dirs: string[]): Promise<number[]> {
  return (await execa("du", ["-s", flag, ...dirs])).stdout.split("\n").map((line) => Number(line.split("\t")[0]));
}

describe("races with a prune", { skip }, () => {
  let ws: Workspace;
  /** Commands started by a test: let go and ended should the test fail with them stopped. */
  const children: { exitCode: number | null; kill(signal?: NodeJS.Signals): boolean }[] = [];
  const readers = () => join(ws.backup, ".linkback-laptop.meta", "readers");
  before(async () => {
    ws = await workspace("races");
    // 6,000 directories of one file each: a walk spends much of its time with a directory open.
    for (let i = 0; i < 100; i++) for (let j = 0; j < 60; j++) {
      const dir = join(ws.src, "shared", `d${i}`, `e${j}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "file.txt"), `shared ${i} ${j}\n`);
    }
    mkdirSync(join(ws.src, "changed"));
    for (const [index, day] of ["2026-06-01", "2026-06-02", "2026-06-03"].entries()) {
      if (index < 2) {
        for (const path of CHANGED) writeFileSync(join(ws.src, path), index === 0 ? "day 1\n" : "day 2, longer\n");
        const when = new Date(`${day}T01:00:00Z`);
        for (const path of CHANGED) utimesSync(join(ws.src, path), when, when);
      }
      await ws.job("laptop", { keepDays: 3 });
      const run = await ws.run(["laptop"], `${day}T03:00:00`);
      assert.equal(run.exitCode, 0, run.stderr);
    }
  });
  after(async () => {
    for (const child of children.filter((c) => c.exitCode === null)) child.kill("SIGCONT") && child.kill("SIGTERM");
    await ws.cleanup();
  });

  test("diff marks both snapshots: a prune meanwhile keeps the one it would delete and says so; diff's output is complete", async () => {
    await ws.job("laptop", { keepDays: 2 }); // on the 3rd, the 1st is beyond retention
    await mkdir(readers(), { recursive: true });
    const meta = join(ws.backup, ".linkback-laptop.meta");
    // Both marked, and the short mutex around marking released: diff is reading.
    let watchers: ReturnType<typeof watch>[] = [];
    const marked = new Promise<void>((resolve) => {
      const check = () => {
        if (readdirSync(readers()).length >= 2 && !existsSync(join(meta, "readers.lock"))) resolve();
      };
      watchers = [watch(readers(), check), watch(meta, check)];
    });
    const diff = spawn(process.execPath, [BIN, "diff", "laptop", DAY1, DAY2, "--jobs", ws.jobs], { env: { ...process.env, ...ws.env("2026-06-03T04:00:00") }, stdio: ["ignore", "pipe", "pipe"] });
    children.push(diff);
    let stderr = "";
    diff.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const ended = once(diff, "exit");
    let timer: NodeJS.Timeout | undefined;
    // A diff that marks nothing would wait for its reader forever (the pipe is full): give up after a minute.
    const unmarked = new Promise<void>((resolve) => (timer = setTimeout(resolve, 60_000)));
    const first = await Promise.race([marked.then(() => "marked"), unmarked.then(() => "unmarked"), ended.then(() => "ended")]);
    clearTimeout(timer);
    watchers.forEach((w) => w.close());
    assert.equal(first, "marked", `diff did not mark both snapshots and go on reading: ${first}; ${stderr}`);
    const pid = diff.pid!;
    assert.ok(stop(pid), `diff ended: ${stderr}`);
    try {
      assert.deepEqual(readdirSync(readers()).sort(), [`${DAY1}.${pid}.json`, `${DAY2}.${pid}.json`]);
      const prune = await linkback(["prune", "laptop", "--jobs", ws.jobs], ws.env("2026-06-03T04:00:00"));
      assert.equal(prune.exitCode, 0, prune.stderr);
      assert.match(prune.stdout + prune.stderr, new RegExp(`${DAY1}.*being read by linkback diff \\(pid ${pid},`));
      assert.deepEqual(await listNames(ws.backup), [DAY1, DAY2, DAY3], "kept under the diff");
    } finally {
      process.kill(pid, "SIGCONT");
    }
    let stdout = "";
    diff.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = await ended;
    assert.equal(code, 0, stderr);
    assert.equal(stdout, [`${DAY1} → ${DAY2}`, ...CHANGED.map((path) => `M ${path} (size, time)`), `${CHANGED.length} change(s)`, ""].join("\n"));
    assert.deepEqual(readdirSync(readers()), [], "its marks are gone");
    const later = await linkback(["prune", "laptop", "--jobs", ws.jobs], ws.env("2026-06-03T04:10:00"));
    assert.equal(later.exitCode, 0, later.stderr);
    assert.deepEqual(await listNames(ws.backup), [DAY2, DAY3], "pruned once nobody reads it");
  });

  test("list --size while a prune deletes the snapshot it walks: exit 0, that one gone, the other's figures right", async (t) => {
    await ws.job("laptop", { keepDays: 1 }); // on the 3rd, the 2nd is beyond retention
    const list = execa(process.execPath, [BIN, "list", "laptop", "--size", "--json", "--jobs", ws.jobs], { env: ws.env("2026-06-03T04:20:00"), reject: false, stdin: "ignore" });
    children.push(list);
    const looks = await stopInside(list.pid!, join(ws.backup, DAY2));
    if (looks === undefined) assert.fail(`list ended before it was caught walking ${DAY2}: ${String((await list).stdout)}`);
    t.diagnostic(`list stopped inside ${DAY2} at look ${looks}: ${openPaths(list.pid!).filter((path) => path.startsWith(ws.backup)).join(", ")}`);
    let pruned;
    try {
      pruned = await linkback(["prune", "laptop", "--jobs", ws.jobs], ws.env("2026-06-03T04:20:00"));
    } finally {
      process.kill(list.pid!, "SIGCONT");
    }
    assert.equal(pruned.exitCode, 0, pruned.stderr);
    assert.deepEqual(await listNames(ws.backup), [DAY3], "list marks nothing: the prune really deleted it");
    const done = await list;
    assert.equal(done.exitCode, 0, `${String(done.stderr)} (caught after ${looks} look(s))`);
    assert.equal(String(done.stderr), "", "no stack trace, no warning");
    const rows = (JSON.parse(String(done.stdout)) as { snapshots: { name: string; state: string; reason: string; uniqueBytes?: number; apparentBytes?: number }[] }).snapshots;
    const [unique] = await du("-B1", join(ws.backup, DAY3));
    const [apparent] = await du("-b", join(ws.backup, DAY3));
    // With DAY2 gone, every file of DAY3 is DAY3's alone: deleting it would free what du counts.
    assert.deepEqual(rows.map(({ name, state, uniqueBytes, apparentBytes }) => ({ name, state, uniqueBytes, apparentBytes })), [
      { name: DAY2, state: "gone", uniqueBytes: undefined, apparentBytes: undefined },
      { name: DAY3, state: "complete", uniqueBytes: unique, apparentBytes: apparent },
    ]);
    assert.equal(rows[0]!.reason, "deleted while it was measured (a prune ran meanwhile)");
  });
});
