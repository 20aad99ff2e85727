// One run per job at a time, and signals: real processes, real lock files, real rsync stopped mid-transfer.
// The concurrency tests hold rsync at a gate in the stand-in test/fixtures/bin/rsync (so "while the first run
// holds the lock" is certain, not likely); the signal tests stop a real rsync slowed by --bwlimit.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import { execa } from "execa";
import { startLinkback } from "../helpers/cli.ts";
import {
  type Workspace,
  allNames,
  filesTransferred,
  hasProgram,
  inodes,
  manifest,
  processesMentioning,
  readLog,
  rsyncLog,
  standInPath,
  waitFor,
  workspace,
} from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;
const NOW = "2026-11-22T03:00:00";

function start(ws: Workspace, extra: Record<string, string> = {}) {
  return startLinkback(["run", "laptop", "--jobs", ws.jobs], ws.env(NOW, extra));
}

/** Env that holds rsync at a gate file until the test creates it. */
function gated(ws: Workspace) {
  const gate = join(ws.root, "gate");
  const started = join(ws.root, "rsync-started");
  return { gate, started, env: { PATH: standInPath(), LINKBACK_STANDIN_RSYNC_GATE: gate, LINKBACK_STANDIN_RSYNC_STARTED: started } };
}

/** Runs and gates of the current test: released and stopped if the test fails half-way (no stray processes). */
const stopLater: (ReturnType<typeof startLinkback> | string)[] = [];
afterEach(async () => {
  for (const item of stopLater.splice(0)) {
    if (typeof item === "string") await writeFile(item, "").catch(() => {});
    else if (item.exitCode === null) item.kill("SIGKILL");
  }
});

describe("locking and signals", { skip }, () => {
  test("two runs at once: the second exits 4 at once naming the holder; the first finishes", async () => {
    const ws = await workspace("lock2");
    try {
      await writeFile(join(ws.src, "f.txt"), "data\n");
      await ws.job("laptop");
      const g = gated(ws);
      const first = start(ws, g.env);
      let firstDone = false;
      void first.finally(() => (firstDone = true));
      stopLater.push(first, g.gate);
      await waitFor("the first run's rsync to start (lock held)", () => existsSync(g.started));
      const lockPath = join(ws.backup, ".linkback-laptop.lock");
      const holder = JSON.parse(await readFile(lockPath, "utf8")) as { pid: number; hostname: string };
      assert.equal(holder.pid, first.pid, "the lock names the first run's pid");

      const t0 = Date.now();
      const second = await start(ws, g.env);
      const secondMs = Date.now() - t0;
      assert.equal(second.exitCode, 4, String(second.stderr));
      assert.match(String(second.stderr), new RegExp(`job laptop: another run holds the lock ${lockPath.replaceAll(".", "\\.")} \\(pid ${first.pid} on ${hostname()}, since `));
      assert.equal((await readFile(g.started, "utf8")).trim().split("\n").length, 1, "the second run never started rsync");
      assert.ok(!firstDone, "the first run is still running: the second did not wait for it");
      process.stderr.write(`# lock: second run exited 4 after ${secondMs} ms\n`);

      await writeFile(g.gate, "");
      const done = await first;
      assert.equal(done.exitCode, 0, String(done.stderr));
      assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["laptop-2026-11-22"]);
      assert.ok(!existsSync(lockPath), "lock released");
      assert.deepEqual(await manifest(join(ws.backup, "laptop-2026-11-22")), await manifest(ws.src));
    } finally {
      await ws.cleanup();
    }
  });

  test("five runs at once: exactly one snapshot, four exit 4", async () => {
    const ws = await workspace("lock5");
    try {
      await writeFile(join(ws.src, "f.txt"), "data\n");
      await ws.job("laptop");
      const g = gated(ws);
      const runs = Array.from({ length: 5 }, () => start(ws, g.env));
      stopLater.push(...runs, g.gate);
      const pids = runs.map((run) => run.pid);
      // Four give up while the fifth holds rsync at the gate.
      const settled: { index: number; exitCode: number | undefined; stderr: string }[] = [];
      runs.forEach((run, index) => void run.then((r) => settled.push({ index, exitCode: r.exitCode, stderr: String(r.stderr) })));
      await waitFor("four runs to exit", () => settled.length >= 4, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(settled.length, 4, "the lock holder is still waiting at the gate");
      assert.deepEqual(settled.map((s) => s.exitCode), [4, 4, 4, 4]);
      const winner = runs.findIndex((_, index) => !settled.some((s) => s.index === index));
      for (const s of settled) assert.match(s.stderr, new RegExp(`another run holds the lock .*\\(pid ${pids[winner]} on `), "each names the holder");
      assert.equal((await readFile(g.started, "utf8")).trim().split("\n").length, 1, "rsync started once");
      await writeFile(g.gate, "");
      const last = await runs[winner]!;
      assert.equal(last.exitCode, 0, String(last.stderr));
      assert.deepEqual((await allNames(ws.backup)).filter((n) => !n.startsWith(".")), ["laptop-2026-11-22"], "exactly one snapshot, no staging");
      assert.ok(!existsSync(join(ws.backup, ".linkback-laptop.lock")));
    } finally {
      await ws.cleanup();
    }
  });

  test("a stale lock (dead pid) is taken over and that is logged; a live lock on another host is respected", async () => {
    const ws = await workspace("stale");
    try {
      await writeFile(join(ws.src, "f.txt"), "data\n");
      await ws.job("laptop");
      const dead = execa("true");
      const deadPid = dead.pid!;
      await dead;
      assert.ok(Number.isInteger(deadPid));
      assert.throws(() => process.kill(deadPid, 0), /ESRCH/, "the pid is dead");
      const lockPath = join(ws.backup, ".linkback-laptop.lock");
      await writeFile(lockPath, `${JSON.stringify({ pid: deadPid, hostname: hostname(), job: "laptop", startedAt: "2026-11-21T03:00:00.000Z" })}\n`);
      const result = await start(ws);
      assert.equal(result.exitCode, 0, String(result.stderr));
      assert.match(String(result.stderr), new RegExp(`took over a stale lock of pid ${deadPid} \\(no longer running\\)`));
      const entry = (await readLog(ws.logs)).find((e) => /took over a stale lock/.test(e.msg));
      assert.ok(entry !== undefined && (entry.stale as { pid: number }).pid === deadPid, "logged with the stale owner");
      assert.ok(existsSync(join(ws.backup, "laptop-2026-11-22")));
      assert.ok(!existsSync(lockPath), "released after the run");

      // pid 1 on another host: we cannot see that host's processes, so the lock holds.
      await writeFile(lockPath, `${JSON.stringify({ pid: 1, hostname: "nas-elsewhere", job: "laptop", startedAt: "2026-11-22T02:59:00.000Z" })}\n`);
      const blocked = await start(ws);
      assert.equal(blocked.exitCode, 4);
      assert.match(String(blocked.stderr), /\(pid 1 on nas-elsewhere, since 2026-11-22T02:59:00\.000Z\)/);
      assert.ok(existsSync(lockPath), "a foreign host's lock is left alone");
    } finally {
      await ws.cleanup();
    }
  });

  for (const [signal, code] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    test(`${signal} during rsync: exit ${code}, rsync gone, lock removed, staging kept, next run resumes`, async () => {
      const ws = await workspace(signal.toLowerCase());
      try {
        await writeFile(join(ws.src, "a-first.bin"), randomBytes(150_000));
        await writeFile(join(ws.src, "b-second.bin"), randomBytes(2_000_000));
        await ws.job("laptop", { rsyncArgs: ["--bwlimit=300"] }); // a real, slow transfer: about 7 s
        const run = start(ws);
        stopLater.push(run);
        const staging = join(ws.backup, "laptop-incomplete");
        await waitFor("rsync to finish the first file", () => existsSync(join(staging, "a-first.bin")), 20_000);
        const rsyncs = await processesMentioning(staging);
        assert.ok(rsyncs.length >= 1 && rsyncs.every((p) => p.cmdline.startsWith("rsync ")), `rsync is running: ${JSON.stringify(rsyncs)}`);
        const sent = await inodes(staging);

        process.kill(run.pid!, signal);
        const t0 = Date.now();
        const result = await run;
        process.stderr.write(`# ${signal}: linkback exited ${Date.now() - t0} ms after the signal\n`);
        assert.equal(result.exitCode, code, String(result.stderr));
        assert.match(String(result.stderr), /stopped by a signal: rsync stopped, staging kept for the next run/);
        assert.deepEqual(await processesMentioning(ws.backup), [], "no rsync (or anything else working on the backup) survives");
        for (const p of rsyncs) assert.ok(!existsSync(`/proc/${p.pid}`) || (await readFile(`/proc/${p.pid}/stat`, "utf8")).includes(") Z"), `rsync ${p.pid} is gone`);
        const names = await allNames(ws.backup);
        assert.ok(!names.includes(".linkback-laptop.lock"), "lock removed");
        assert.ok(names.includes("laptop-incomplete"), "staging kept");
        assert.ok(!names.includes("laptop-2026-11-22"), "no final-named snapshot");
        assert.ok(!(await readLog(ws.logs)).some((e) => e.msg.startsWith("backup finished") || e.msg.startsWith("deleting")));

        // The next run (full speed) resumes: the first file comes from the interrupted attempt.
        await ws.job("laptop");
        const next = await start(ws);
        assert.equal(next.exitCode, 0, String(next.stderr));
        const snapshot = join(ws.backup, "laptop-2026-11-22");
        assert.equal((await inodes(snapshot))["a-first.bin"]!.ino, sent["a-first.bin"]!.ino, "a-first.bin hard-linked from the interrupted attempt");
        assert.equal(filesTransferred(await rsyncLog(ws.logs, "laptop")), 1, "only b-second.bin was sent");
        assert.deepEqual(await manifest(snapshot), await manifest(ws.src));
        assert.deepEqual((await allNames(ws.backup)).filter((n) => n.includes("incomplete")), [], "no -incomplete* left");
      } finally {
        await ws.cleanup();
      }
    });
  }
});
