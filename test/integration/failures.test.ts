// Failed days with the real rsync: every failure keeps the staging directory, leaves no final-named
// snapshot, prunes nothing, runs the fail hook (not the after hook), and the next day resumes from the
// failed attempt. Exit codes come from the real rsync (23 dangling symlink with --copy-links, 11 a full
// tmpfs, 12 a remote shell that closes the connection, 30 a remote shell that never answers, 255 ssh to a
// closed port on 127.0.0.1 — real rsync reports that as 12 or 255 by a race, so 255 is pinned by the
// stand-in around the real failure); 24 comes from the stand-in test/fixtures/bin/rsync.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { describe, test } from "node:test";
import { linkback, writeJob, writeTree } from "../helpers/cli.ts";
import {
  type Workspace,
  allNames,
  filesTransferred,
  fullListing,
  hasProgram,
  inodes,
  lastRsyncArgv,
  manifest,
  processesMentioning,
  readLog,
  rsyncLog,
  standInPath,
  workspace,
} from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;
const SSH = await hasProgram("ssh", ["-V"]);

const sq = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

interface Case {
  ws: Workspace;
  failMarker: string;
  afterMarker: string;
  /** Hand-made complete snapshots old enough for keepDays 1 to delete, with their listings. */
  old: Record<string, string[]>;
}

/** A workspace whose `laptop` job has keepDays 1, marker-writing fail/after hooks and two old snapshots. */
async function setup(label: string, fields: Record<string, unknown> = {}, prefix = "laptop"): Promise<Case> {
  const ws = await workspace(label);
  const failMarker = join(ws.root, "fail-hook.txt");
  const afterMarker = join(ws.root, "after-hook.txt");
  await writeTree(ws.src, { "a.txt": "alpha\n", "dir/b.txt": "beta\n" });
  const old: Record<string, string[]> = {};
  for (const day of ["2026-10-01", "2026-10-02"]) {
    const name = `${prefix}-${day}`;
    await writeTree(join(ws.backup, name), { "a.txt": `old ${day}\n` });
    old[name] = await fullListing(join(ws.backup, name));
  }
  await ws.job("laptop", {
    prefix,
    keepDays: 1,
    hooks: {
      fail: `printf '%s|%s|%s\\n' "$LINKBACK_STATUS" "$LINKBACK_EXIT_CODE" "$LINKBACK_ERROR" >> ${sq(failMarker)}`,
      after: `echo "$LINKBACK_STATUS|$LINKBACK_EXIT_CODE" >> ${sq(afterMarker)}`,
    },
    ...fields,
  });
  return { ws, failMarker, afterMarker, old };
}

/** The failure contract of issue 2, step 5/6/7. */
async function assertFailedDay(c: Case, result: { exitCode: number; stderr: string }, expect: { code: number; meaning: RegExp; day: string; prefix?: string }) {
  const prefix = expect.prefix ?? "laptop";
  assert.equal(result.exitCode, 1, `exit 1 for rsync ${expect.code}\n${result.stderr}`);
  const line = result.stderr.split("\n").find((l) => l.includes(`rsync failed with exit ${expect.code}`));
  assert.ok(line !== undefined, `one line names the rsync exit ${expect.code}:\n${result.stderr}`);
  assert.match(line, expect.meaning, "the line says what the exit code means");
  assert.match(line, /job laptop/);
  const names = await allNames(c.ws.backup);
  assert.ok(!names.includes(`${prefix}-${expect.day}`), `no final-named snapshot for ${expect.day}: ${names.join(" ")}`);
  assert.ok(names.includes(`${prefix}-incomplete`), "the staging directory is kept for the next run");
  for (const [name, listing] of Object.entries(c.old)) {
    assert.deepEqual(await fullListing(join(c.ws.backup, name)), listing, `${name} (keepDays 1 would delete it) is untouched`);
  }
  assert.ok(!names.includes(`.linkback-${prefix}.lock`), "lock released");
  const trash = join(c.ws.backup, ".linkback-trash");
  assert.ok(!existsSync(trash) || (await allNames(trash)).length === 0, "nothing was moved to the trash (the folder exists, empty)");
  const fail = (await readFile(c.failMarker, "utf8")).trim().split("\n");
  assert.equal(fail.length, 1, "the fail hook ran once");
  const [status, exitCode, error] = fail[0]!.split("|");
  assert.equal(status, "failed");
  assert.equal(exitCode, String(expect.code), "LINKBACK_EXIT_CODE is rsync's exit code");
  assert.match(error ?? "", new RegExp(`rsync failed with exit ${expect.code}`), "LINKBACK_ERROR is the failure line");
  assert.ok(!existsSync(c.afterMarker), "the after hook did not run");
  const log = await readLog(c.ws.logs);
  assert.ok(!log.some((e) => e.msg.startsWith("deleting ")), "nothing pruned (log)");
}

/**
 * Names in a backup dir, an EMPTY trash folder (a non-empty trash is an error), the prefix's owner
 * marker `.linkback-PREFIX.job` (checked to name the job) and its records `.linkback-PREFIX.meta` left out.
 */
async function visible(dir: string): Promise<string[]> {
  const trash = join(dir, ".linkback-trash");
  if (existsSync(trash)) assert.deepEqual(await allNames(trash), [], "nothing left in the trash");
  const names = await allNames(dir);
  for (const marker of names.filter((name) => /^\.linkback-.*\.job$/.test(name))) {
    assert.equal((await readFile(join(dir, marker), "utf8")).trim(), "laptop", `${marker} names the job that owns the prefix`);
  }
  return names.filter((name) => name !== ".linkback-trash" && !/^\.linkback-.*\.(job|meta)$/.test(name));
}

describe("a failed day with the real rsync, then the next day", { skip }, () => {
  test("exit 24 (stand-in: vanished files) is a success: snapshot renamed, warning logged, after hook, pruning", async () => {
    const c = await setup("rsync24");
    try {
      const calls = join(c.ws.root, "rsync-calls.txt");
      const result = await c.ws.run(["laptop"], "2026-10-10T03:00:00", { PATH: standInPath(), LINKBACK_STANDIN_RSYNC_EXIT: "24", LINKBACK_STANDIN_RSYNC_CALLS: calls });
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(await readFile(calls, "utf8"), /^\d+ 0 24 /, "the stand-in ran the real rsync (exit 0) and exited 24");
      assert.match(result.stderr, /warn .*vanished during the transfer \(rsync 24\)/, "a warning on the terminal");
      const log = await readLog(c.ws.logs);
      assert.ok(log.some((e) => e.level === 40 && /vanished/.test(e.msg)), "a warning in the log");
      assert.ok(log.some((e) => e.msg === "rsync exited 24: partial transfer due to vanished source files"));
      assert.deepEqual(await visible(c.ws.backup), ["laptop-2026-10-10"], "renamed into place; the old ones pruned (keepDays 1); no staging");
      assert.deepEqual(await manifest(join(c.ws.backup, "laptop-2026-10-10")), await manifest(c.ws.src));
      assert.equal((await readFile(c.afterMarker, "utf8")).trim(), "ok|24", "after hook got LINKBACK_EXIT_CODE=24");
      assert.ok(!existsSync(c.failMarker), "no fail hook");
    } finally {
      await c.ws.cleanup();
    }
  });

  test("exit 23 (real: a dangling symlink with --copy-links): a partial snapshot, published and marked; the last complete one stays; exit 5", async () => {
    const c = await setup("rsync23", { rsyncArgs: ["--copy-links"] });
    try {
      await writeFile(join(c.ws.src, "big.bin"), randomBytes(300_000));
      await symlink("/nonexistent/linkback-test-target", join(c.ws.src, "broken"));
      const partial = await c.ws.run(["laptop"], "2026-10-10T03:00:00");
      assert.equal(partial.exitCode, 5, partial.stderr);
      assert.match(partial.stderr, /rsync could not transfer 1 file\(s\) \(exit 23\): the snapshot is published marked partial/);
      const snapshot = join(c.ws.backup, "laptop-2026-10-10");
      const sent = await inodes(snapshot);
      assert.ok(sent["big.bin"] !== undefined && sent["a.txt"] !== undefined && sent.broken === undefined, "everything but the failing file is in it");
      const records = JSON.parse(await readFile(join(c.ws.backup, ".linkback-laptop.meta", "snapshots.json"), "utf8")) as { snapshots: Record<string, { partial?: { count: number; files: string[] } }> };
      assert.deepEqual(records.snapshots["laptop-2026-10-10"]!.partial, { count: 1, files: [join(c.ws.src, "broken")] }, "marked partial outside the tree, with the file");
      // keepDays 1 prunes laptop-10-01, but laptop-10-02 — the newest complete one — stays: it holds what fails.
      assert.deepEqual(await visible(c.ws.backup), ["laptop-2026-10-02", "laptop-2026-10-10"]);
      const [status, exitCode, error] = (await readFile(c.failMarker, "utf8")).trim().split("|");
      assert.deepEqual([status, exitCode], ["partial", "23"], "the fail hook ran, told it is partial");
      assert.match(error ?? "", /laptop-2026-10-10 is partial: rsync could not transfer 1 file\(s\) \(.*broken\)/);
      assert.ok(!existsSync(c.afterMarker), "not the after hook");
      const status1 = await linkback(["status", "--jobs", c.ws.jobs], c.ws.env("2026-10-10T04:00:00"));
      assert.equal(status1.exitCode, 1, "status needs attention");
      assert.match(status1.stdout, /^laptop\s+partial\s+laptop-2026-10-10\s/m);

      // The next day, with the source fixed: complete; now the old complete one may go.
      await rm(join(c.ws.src, "broken"));
      const next = await c.ws.run(["laptop"], "2026-10-11T03:00:00");
      assert.equal(next.exitCode, 0, next.stderr);
      const now = await inodes(join(c.ws.backup, "laptop-2026-10-11"));
      assert.equal(now["big.bin"]!.ino, sent["big.bin"]!.ino, "the partial snapshot is a link target: big.bin is not sent again");
      assert.deepEqual(await visible(c.ws.backup), ["laptop-2026-10-11"]);
      const status2 = await linkback(["status", "--jobs", c.ws.jobs], c.ws.env("2026-10-11T04:00:00"));
      assert.equal(status2.exitCode, 0, status2.stdout);
    } finally {
      await c.ws.cleanup();
    }
  });

  test("exit 11 (real: the backup disk is a full tmpfs): failure with 'disk full'; next day resumes", async (t) => {
    const c = await setup("rsync11");
    const disk = join(c.ws.root, "disk");
    await mkdir(disk);
    const mounted = await execa("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk], { reject: false });
    try {
      if (mounted.exitCode !== 0) {
        if (process.env.CI === "true") assert.fail(`cannot mount a tmpfs for the disk-full test: ${mounted.stderr}`);
        t.skip(`cannot mount a tmpfs here (${mounted.stderr.trim()}); a real full disk needs it`);
        return;
      }
      // The job's backupDir is the small disk, with the two old snapshots on it.
      for (const name of Object.keys(c.old)) {
        await writeTree(join(disk, name), { "a.txt": `old\n` });
        c.old[name] = await fullListing(join(disk, name));
      }
      const job = await readFile(join(c.ws.jobs, "laptop.ts"), "utf8");
      await writeJob(c.ws.jobs, "laptop", job.replace(JSON.stringify(c.ws.backup), JSON.stringify(disk)));
      await writeFile(join(c.ws.src, "big.bin"), randomBytes(3_000_000));
      const failed = await c.ws.run(["laptop"], "2026-10-10T03:00:00");
      await assertFailedDay({ ...c, ws: { ...c.ws, backup: disk } }, failed, { code: 11, meaning: /error in file I\/O.* — backup disk full/, day: "2026-10-10" });
      assert.match(await rsyncLog(c.ws.logs, "laptop"), /No space left on device/);
      const sent = await inodes(join(disk, "laptop-incomplete"));
      assert.ok(sent["a.txt"] !== undefined, "a.txt made it before the disk filled up");

      // The owner makes room on the disk (here: a bigger tmpfs); the next day resumes.
      const grown = await execa("mount", ["-o", "remount,size=8m", disk], { reject: false });
      assert.equal(grown.exitCode, 0, grown.stderr);
      const next = await c.ws.run(["laptop"], "2026-10-11T03:00:00");
      assert.equal(next.exitCode, 0, next.stderr);
      const snapshot = join(disk, "laptop-2026-10-11");
      assert.equal((await inodes(snapshot))["a.txt"]!.ino, sent["a.txt"]!.ino, "a.txt hard-linked from the failed attempt");
      assert.deepEqual(await manifest(snapshot), await manifest(c.ws.src));
      assert.deepEqual(await visible(disk), ["laptop-2026-10-11"], "no -incomplete* left, trash emptied, old ones pruned now");
    } finally {
      if (mounted.exitCode === 0) await execa("umount", [disk], { reject: false });
      await c.ws.cleanup();
    }
  });

  const remoteCases: { code: number; ssh: string; rsyncArgs?: string[]; meaning: RegExp; said: RegExp; standIn?: boolean; needsSsh?: boolean }[] = [
    // The remote shell exits at once: what a host without rsync looks like to rsync.
    { code: 12, ssh: "/bin/true", meaning: /error in rsync protocol data stream/, said: /connection unexpectedly closed|Broken pipe/ },
    // The remote shell never answers; rsync's own --timeout (overridden to 1 s) gives up. (Its stderr goes to
    // /dev/null so the orphaned sleep does not hold rsync's stderr pipe open after rsync exits.)
    { code: 30, ssh: "sh -c 'exec 2>/dev/null; sleep 6'", rsyncArgs: ["--timeout=1"], meaning: /timeout in data send\/receive/, said: /io timeout after 1 seconds/ },
    // Real ssh to a closed port on 127.0.0.1; the stand-in pins rsync's racy 12-or-255 to 255.
    { code: 255, ssh: "ssh -p 1 -o BatchMode=yes -o ConnectTimeout=5", meaning: /ssh failed \(host unreachable/, said: /ssh: connect to host 127\.0\.0\.1 port 1: Connection refused/, standIn: true, needsSsh: true },
  ];
  for (const rc of remoteCases) {
    const skipThis = rc.needsSsh === true && !SSH && process.env.CI !== "true" ? "ssh client not installed" : false;
    test(`exit ${rc.code} (real rsync${rc.standIn === true ? " in the stand-in" : ""}, remote source, ssh ${JSON.stringify(rc.ssh)}): failure, staging kept, nothing pruned, fail hook`, { skip: skipThis }, async () => {
      const c = await setup(`rsync${rc.code}`, { source: "backup@127.0.0.1:/srv/data", ssh: rc.ssh, ...(rc.rsyncArgs ? { rsyncArgs: rc.rsyncArgs } : {}) });
      try {
        const calls = join(c.ws.root, "rsync-calls.txt");
        const env: Record<string, string> = rc.standIn === true ? { PATH: standInPath(), LINKBACK_STANDIN_RSYNC_EXIT: String(rc.code), LINKBACK_STANDIN_RSYNC_CALLS: calls } : {};
        const result = await c.ws.run(["laptop"], "2026-10-10T03:00:00", env);
        await assertFailedDay(c, result, { code: rc.code, meaning: rc.meaning, day: "2026-10-10" });
        const line = result.stderr.split("\n").find((l) => l.includes(`rsync failed with exit ${rc.code}`)) ?? "";
        assert.match(line, rc.said, "rsync's/ssh's own words are in the one line");
        if (rc.standIn === true) assert.match(await readFile(calls, "utf8"), /^\d+ (12|255) 255 /, "the real rsync failed with 12 or 255");
      } finally {
        await c.ws.cleanup();
      }
    });
  }

  test("a failing pre hook: fail hook runs, rsync never runs, nothing pruned, exit 1", async () => {
    const c = await setup("prehook");
    try {
      const job = await readFile(join(c.ws.jobs, "laptop.ts"), "utf8");
      await writeJob(c.ws.jobs, "laptop", job.replace('"hooks": {', '"hooks": {\n    "pre": "echo mount failed >&2; exit 3",'));
      const calls = join(c.ws.root, "rsync-calls.txt");
      const result = await c.ws.run(["laptop"], "2026-10-10T03:00:00", { PATH: standInPath(), LINKBACK_STANDIN_RSYNC_CALLS: calls });
      assert.equal(result.exitCode, 1, result.stderr);
      assert.match(result.stderr, /pre hook failed: exit status 3: mount failed/);
      assert.match(result.stderr, /job laptop: pre hook failed \(exit status 3: mount failed\); backup skipped, nothing pruned/);
      assert.ok(!existsSync(calls), "rsync was never started");
      assert.ok(!existsSync(join(c.ws.logs, "laptop.rsync.log")));
      assert.deepEqual(await visible(c.ws.backup), Object.keys(c.old).sort(), "no staging, nothing pruned, lock released");
      assert.equal((await readFile(c.failMarker, "utf8")).trim(), "failed||job laptop: pre hook failed (exit status 3: mount failed); backup skipped, nothing pruned");
      assert.ok(!existsSync(c.afterMarker));
    } finally {
      await c.ws.cleanup();
    }
  });

  test("a failing after hook is logged and does not change exit 0", async () => {
    const c = await setup("afterhook", { hooks: { after: "echo cannot notify >&2; exit 5" } });
    try {
      const result = await c.ws.run(["laptop"], "2026-10-10T03:00:00");
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stderr, /warn .*after hook failed: exit status 5: cannot notify/);
      assert.deepEqual(await visible(c.ws.backup), ["laptop-2026-10-10"], "snapshot made, old ones pruned");
    } finally {
      await c.ws.cleanup();
    }
  });

  test("a local source that does not exist: one line naming it, exit 1, fail hook, nothing pruned", async () => {
    const missing = "/nonexistent/linkback-test/source dir";
    const c = await setup("nosource", { source: missing });
    try {
      const result = await c.ws.run(["laptop"], "2026-10-10T03:00:00");
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, new RegExp(`error +laptop: job laptop: source ${missing} does not exist`));
      assert.deepEqual(await visible(c.ws.backup), Object.keys(c.old).sort(), "no staging, nothing pruned");
      assert.equal((await readFile(c.failMarker, "utf8")).trim(), `failed||job laptop: source ${missing} does not exist`);
      assert.ok(!existsSync(c.afterMarker));
    } finally {
      await c.ws.cleanup();
    }
  });

  test("rsync not installed (not on PATH): clear message, exit 1, fail hook, nothing pruned", async () => {
    const c = await setup("norsync");
    try {
      const emptyBin = join(c.ws.root, "empty-bin");
      await mkdir(emptyBin);
      const result = await c.ws.run(["laptop"], "2026-10-10T03:00:00", { PATH: emptyBin });
      assert.equal(result.exitCode, 1, result.stderr);
      assert.match(result.stderr, /job laptop: could not start rsync: .*\(is rsync installed and on PATH\?\)/);
      const names = await allNames(c.ws.backup);
      for (const name of Object.keys(c.old)) assert.ok(names.includes(name), `${name} not pruned`);
      assert.ok(!names.includes("laptop-2026-10-10"));
      assert.match(await readFile(c.failMarker, "utf8"), /^failed\|127\|job laptop: could not start rsync/);
    } finally {
      await c.ws.cleanup();
    }
  });

  test("hooks get LINKBACK_* (argv hook, shell string, async function)", async () => {
    const ws = await workspace("hookenv");
    try {
      await writeTree(ws.src, { "f.txt": "f\n" });
      const preEnv = join(ws.root, "pre.env");
      const afterEnv = join(ws.root, "after.env");
      const fnContext = join(ws.root, "fn.json");
      await writeJob(ws.jobs, "laptop", `import { defineJob } from "linkback";
import { writeFileSync } from "node:fs";
export default defineJob({
  prefix: "laptop",
  backupDir: ${JSON.stringify(ws.backup)},
  source: ${JSON.stringify(ws.src)},
  hooks: {
    pre: ["/bin/sh", "-c", 'env > "$0"', ${JSON.stringify(preEnv)}],
    after: ${JSON.stringify(`env > ${sq(afterEnv)}`)},
    fail: async (context) => { writeFileSync(${JSON.stringify(fnContext)}, "fail " + JSON.stringify(context)); },
  },
});
`);
      const result = await ws.run(["laptop"], "2026-10-10T03:00:00");
      assert.equal(result.exitCode, 0, result.stderr);
      const vars = (text: string) => Object.fromEntries(text.split("\n").filter((l) => l.startsWith("LINKBACK_")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
      const pre = vars(await readFile(preEnv, "utf8"));
      assert.equal(pre.LINKBACK_JOB, "laptop");
      assert.equal(pre.LINKBACK_SNAPSHOT, "laptop-2026-10-10");
      assert.equal(pre.LINKBACK_STATUS, "pending");
      assert.equal(pre.LINKBACK_EXIT_CODE, "");
      assert.equal(pre.LINKBACK_ERROR, "");
      assert.match(pre.LINKBACK_DURATION_MS ?? "", /^\d+$/);
      const post = vars(await readFile(afterEnv, "utf8"));
      assert.equal(post.LINKBACK_STATUS, "ok");
      assert.equal(post.LINKBACK_EXIT_CODE, "0");
      assert.equal(post.LINKBACK_SNAPSHOT, "laptop-2026-10-10");
      assert.ok(!existsSync(fnContext), "fail hook not run on success");

      // Now fail (source gone): the async function gets the context object.
      await rm(ws.src, { recursive: true });
      assert.equal((await ws.run(["laptop"], "2026-10-11T03:00:00")).exitCode, 1);
      const text = await readFile(fnContext, "utf8");
      assert.ok(text.startsWith("fail "));
      const context = JSON.parse(text.slice(5)) as Record<string, unknown>;
      assert.equal(context.job, "laptop");
      assert.equal(context.snapshot, "laptop-2026-10-11");
      assert.equal(context.status, "failed");
      assert.match(String(context.error), /source .* does not exist/);
      assert.equal(typeof context.durationMs, "number");
    } finally {
      await ws.cleanup();
    }
  });

  test("a hook that exceeds hooks.timeout is stopped (its children too) and reported", async () => {
    const ws = await workspace("hooktimeout");
    try {
      await writeTree(ws.src, { "f.txt": "f\n" });
      const marker = join(ws.root, "pre-finished");
      const failMarker = join(ws.root, "fail.txt");
      // A shell line whose `sleep` is a child of sh: stopping only sh would leave it running.
      await ws.job("laptop", {
        hooks: {
          timeout: 1,
          pre: `sleep 29.731; touch ${sq(marker)}`,
          after: "sleep 28.917",
          fail: `echo "$LINKBACK_ERROR" > ${sq(failMarker)}`,
        },
      });
      const started = Date.now();
      const result = await ws.run(["laptop"], "2026-10-10T03:00:00");
      assert.ok(Date.now() - started < 15_000, "the run did not wait for the hook");
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /pre hook failed: timed out after 1 s/);
      assert.match(await readFile(failMarker, "utf8"), /pre hook failed/);
      assert.deepEqual(await processesMentioning("sleep 29.731"), [], "nothing of the pre hook is left running");
      assert.ok(!existsSync(marker));

      // An after hook that times out: reported, exit stays 0.
      await ws.job("laptop", { hooks: { timeout: 1, after: "sleep 28.917" } });
      const ok = await ws.run(["laptop"], "2026-10-10T03:00:00");
      assert.equal(ok.exitCode, 0, ok.stderr);
      assert.match(ok.stderr, /after hook failed: timed out after 1 s/);
      assert.deepEqual(await processesMentioning("sleep 28.917"), [], "nothing of the after hook is left running");
    } finally {
      await ws.cleanup();
    }
  });
});
