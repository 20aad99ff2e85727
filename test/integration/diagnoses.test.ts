// Diagnoses that name the real cause, with the real rsync and real processes: rsync killed by SIGKILL (what
// the kernel's OOM killer sends) is reported by its signal, not as a made-up rsync code; a backupDir replaced
// by a symlink while rsync runs stops the run with a clear failure (fail hook, status failed, nothing written
// in the new place); and rsync's own reason survives a 2,000-character path among long stderr. The slow
// transfers are made with --bwlimit; the moment of the swap is made certain by stopping rsync (SIGSTOP).
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, readdir, rename, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { linkback, startLinkback } from "../helpers/cli.ts";
import { type Workspace, allNames, fullListing, hasProgram, processesMentioning, readLog, waitFor, workspace } from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;

const sq = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** The fail hook's view of the run: LINKBACK_STATUS|LINKBACK_EXIT_CODE|LINKBACK_ERROR, one line per call. */
const failHook = (marker: string) => `printf '%s|%s|%s\\n' "$LINKBACK_STATUS" "$LINKBACK_EXIT_CODE" "$LINKBACK_ERROR" >> ${sq(marker)}`;

/**
 * pids of the live rsync processes started by `ppid` itself (not rsync's own forks) whose command line holds
 * `text`: the transfer, not the `rsync --version` probe.
 */
async function transferOf(ppid: number, text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const close = stat.lastIndexOf(")");
    if (close < 0) continue;
    const [state, parent] = stat.slice(close + 2).split(" ");
    if (stat.slice(stat.indexOf("(") + 1, close) === "rsync" && Number(parent) === ppid && state !== "Z" && cmdline.includes(text)) found.push(Number(entry));
  }
  return found;
}

/** A `laptop` job with one real snapshot of day 1, and on day 2 a new file that --bwlimit=100 sends at 100 kB/s. */
async function slowJob(label: string, bytes: number): Promise<{ ws: Workspace; marker: string; day1: string; listing: string[] }> {
  const ws = await workspace(label);
  const marker = join(ws.root, "fail-hook.txt");
  await writeFile(join(ws.src, "a.txt"), "alpha\n");
  await ws.job("laptop", { hooks: { fail: failHook(marker) } });
  const first = await ws.run(["laptop"], "2026-10-01T03:00:00");
  assert.equal(first.exitCode, 0, first.stderr);
  await writeFile(join(ws.src, "big.bin"), randomBytes(bytes));
  await ws.job("laptop", { rsyncArgs: ["--bwlimit=100"], hooks: { fail: failHook(marker) } });
  const day1 = join(ws.backup, "laptop-2026-10-01");
  return { ws, marker, day1, listing: await fullListing(day1, { nlink: false }) };
}

/** `linkback status --json`'s entry for the job. */
async function statusOf(ws: Workspace, now: string): Promise<{ state: string; lastError?: string }> {
  const status = await linkback(["status", "--json", "--jobs", ws.jobs], ws.env(now));
  const report = JSON.parse(status.stdout) as { jobs: { name: string; state: string }[] };
  return report.jobs.find((job) => job.name === "laptop")!;
}

describe("diagnoses name the cause", { skip }, () => {
  test("rsync killed by SIGKILL (the OOM killer's signal): exit 1, 'killed by SIGKILL — out of memory?' on stderr, in the log, the fail hook and status; nothing published", async () => {
    const { ws, marker, day1, listing } = await slowJob("sigkill", 2_000_000);
    try {
      const run = startLinkback(["run", "laptop", "--jobs", ws.jobs], ws.env("2026-10-02T03:00:00"));
      let rsync: number[] = [];
      await waitFor("linkback's rsync", async () => (rsync = await transferOf(run.pid!, ws.src)).length > 0);
      assert.equal(rsync.length, 1, "one rsync started by linkback itself");
      process.kill(rsync[0]!, "SIGKILL");
      const result = await run;
      const stderr = String(result.stderr);
      assert.equal(result.exitCode, 1, stderr);
      const said = /job laptop: rsync was killed by SIGKILL — out of memory\?.*; staging kept, nothing pruned/;
      assert.match(stderr, said);
      assert.doesNotMatch(stderr, /exit 20|SIGUSR1|internal error/, "no made-up rsync code");
      const log = await readLog(ws.logs);
      assert.ok(log.some((e) => e.level === 50 && said.test(e.msg)), "the failure in linkback.log");
      assert.ok(log.some((e) => e.signal === "SIGKILL" && e.exitCode === 137 && /^rsync was killed by SIGKILL/.test(e.msg)), "rsync's end logged by its signal (128 + 9)");
      const hook = (await readFile(marker, "utf8")).trim().split("\n");
      assert.equal(hook.length, 1, "the fail hook ran once");
      const [status, code, ...error] = hook[0]!.split("|");
      assert.deepEqual([status, code], ["failed", "137"], "LINKBACK_EXIT_CODE is 128 + SIGKILL's number");
      assert.match(error.join("|"), said);
      const job = await statusOf(ws, "2026-10-02T04:00:00");
      assert.equal(job.state, "failed");
      assert.match(job.lastError ?? "", said);
      const names = await allNames(ws.backup);
      assert.ok(!names.includes("laptop-2026-10-02"), `nothing published under the day's name: ${names.join(" ")}`);
      assert.ok(names.includes("laptop-incomplete"), "staging kept for the next run");
      assert.deepEqual(await fullListing(day1, { nlink: false }), listing, "the earlier snapshot is intact");
      await waitFor("rsync's forks to end", async () => (await processesMentioning(ws.src)).length === 0, 5000);
    } finally {
      await ws.cleanup();
    }
  });

  test("backupDir swapped for a symlink while rsync runs: a clear failure naming it, fail hook, status failed, nothing written in the new place", async () => {
    const { ws, marker, listing } = await slowJob("swap", 300_000); // 3 s: the run must get past rsync
    const moved = `${ws.backup}-moved`;
    const elsewhere = join(ws.root, "elsewhere");
    await mkdir(elsewhere);
    try {
      const run = startLinkback(["run", "laptop", "--jobs", ws.jobs], ws.env("2026-10-02T03:00:00"));
      await waitFor("linkback's rsync", async () => (await transferOf(run.pid!, ws.src)).length > 0);
      // rsync and its forks stopped while the directory is swapped: the swap is certainly mid-run.
      const stop = async (signal: NodeJS.Signals) => {
        for (const { pid } of await processesMentioning(ws.src)) process.kill(pid, signal);
      };
      await stop("SIGSTOP");
      await rename(ws.backup, moved);
      await symlink(elsewhere, ws.backup);
      await stop("SIGCONT");
      const result = await run;
      const stderr = String(result.stderr);
      assert.notEqual(result.exitCode, 70, `no internal error:\n${stderr}`);
      assert.equal(result.exitCode, 1, stderr);
      const said = new RegExp(`job laptop: backupDir ${ws.backup} changed during the run \\(it is now a symlink to ${elsewhere}\\); nothing more is written there`);
      assert.match(stderr, said);
      assert.ok((await readLog(ws.logs)).some((e) => e.level === 50 && said.test(e.msg)), "the failure in linkback.log");
      const hook = (await readFile(marker, "utf8")).trim().split("\n");
      assert.equal(hook.length, 1, "the fail hook ran once");
      assert.equal(hook[0]!.split("|")[0], "failed");
      assert.match(hook[0]!, said, "the fail hook got the message");
      const job = await statusOf(ws, "2026-10-02T04:00:00");
      assert.equal(job.state, "failed");
      assert.match(job.lastError ?? "", said);
      assert.deepEqual(await readdir(elsewhere), [], "nothing written in the new place");
      const left = await allNames(moved);
      assert.ok(!left.includes("laptop-2026-10-02"), `nothing published in the moved directory either: ${left.join(" ")}`);
      assert.ok(left.includes("laptop-incomplete"), "what the run made stays where it was");
      assert.deepEqual(await fullListing(join(moved, "laptop-2026-10-01"), { nlink: false }), listing, "the earlier snapshot is intact in the moved directory");
    } finally {
      await ws.cleanup();
    }
  });

  test("rsync's own reason survives a 2,000-character path among long stderr (a remote shell's 40-line banner first)", async () => {
    const ws = await workspace("reason");
    const marker = join(ws.root, "fail-hook.txt");
    try {
      // A "remote shell" that runs the command here, as ssh would on the host, after a long banner on stderr.
      const shell = join(ws.root, "fake-ssh");
      const banner = `${"~".repeat(300)} banner line`;
      await writeFile(shell, `#!/bin/sh\n[ "$1" = -l ] && shift 2\nshift\ni=0; while [ $i -lt 40 ]; do echo "${banner} $i" >&2; i=$((i + 1)); done\nexec sh -c "$*"\n`);
      await chmod(shell, 0o755);
      const missing = join(ws.root, `${"n".repeat(2000)}-end`);
      await ws.job("laptop", { source: `backup@127.0.0.1:${missing}`, ssh: shell, hooks: { fail: failHook(marker) } });
      const result = await ws.run(["laptop"], "2026-10-02T03:00:00");
      assert.equal(result.exitCode, 1, result.stderr);
      // rsync's words: `rsync: [sender] change_dir "/…/nnnn…nnnn-end" failed: File name too long (36)`; the line is
      // cut in its middle, its start (what failed) and its end (why) kept.
      const reason = /rsync: \[sender\] change_dir "[^"]*nnnnnnnnnn.* … .*nnnnnnnnnn-end" failed: File name too long \(36\)/;
      const line = result.stderr.split("\n").find((l) => l.includes("rsync failed with exit 23")) ?? "";
      assert.match(line, reason, `rsync's reason is in the one line:\n${line}`);
      assert.match(line, /rsync error: some files\/attrs were not transferred .*\(code 23\)/, "and its summary");
      assert.ok(line.length < 2500, `the line stays readable (${line.length} characters)`);
      const [status, code, ...rest] = (await readFile(marker, "utf8")).trim().split("|");
      const error = rest.join("|"); // the message itself holds " | "
      assert.deepEqual([status, code], ["failed", "23"]);
      assert.match(error, reason, "the fail hook got the reason");
      const job = await statusOf(ws, "2026-10-02T04:00:00");
      assert.equal(job.state, "failed");
      assert.match(job.lastError ?? "", reason, "status has the reason");
      assert.ok((await readLog(ws.logs)).some((e) => e.level === 50 && reason.test(e.msg)), "linkback.log has the reason");
    } finally {
      await ws.cleanup();
    }
  });
});
