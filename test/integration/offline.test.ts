// A laptop that goes away: a remote job over a real sshd on 127.0.0.1 (test/helpers/sshd.ts), driven by
// `linkback due` through simulated days. sshd stopped → `offline` (no fail hook, no error, nothing printed);
// after alertAfter (3 days) → `overdue` (one error line, the fail hook once); sshd back → `ok` at the next
// tick, hard-linked to the last snapshot. A refused key is not "offline": it is a failure with the fail hook.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { existsSync } from "node:fs";
import { mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { type CliResult, inodeOf, linkback, listNames, tempDir, testEnv, writeJob, writeTree } from "../helpers/cli.ts";
import { type Sshd, skipUnlessCi, sshdMissing, startSshd } from "../helpers/sshd.ts";

const skip = skipUnlessCi(await sshdMissing());

interface StatusJson {
  problems: boolean;
  jobs: { name: string; state: string; lastSnapshot: { name: string } | null; lastError: string | null }[];
}

describe("due with a source host that comes and goes (real sshd on 127.0.0.1)", { skip }, () => {
  let sshd: Sshd;
  let temp: { path: string; cleanup: () => Promise<void> };
  let source: string;
  let backup: string;
  let jobs: string;
  let logs: string;
  let failLog: string;
  let preLog: string;

  const env = (now: string) => testEnv({ logDir: logs, now, extra: { TZ: "Europe/Berlin" } });
  const due = (now: string): Promise<CliResult> => linkback(["due", "--jobs", jobs], env(now));
  const laptop = async () => {
    const status = JSON.parse(await readFile(join(logs, "status", "status.json"), "utf8")) as StatusJson;
    return status.jobs.find((job) => job.name === "laptop")!;
  };
  const lines = async (file: string) => (existsSync(file) ? (await readFile(file, "utf8")).split("\n").filter((line) => line !== "") : []);
  const statusExit = async (now: string) => (await linkback(["status", "--jobs", jobs], env(now))).exitCode;

  before(async () => {
    temp = await tempDir("linkback-offline");
    sshd = await startSshd();
    source = join(temp.path, "src");
    backup = join(temp.path, "backups");
    jobs = join(temp.path, "jobs");
    logs = join(temp.path, "logs");
    failLog = join(temp.path, "fail.log");
    preLog = join(temp.path, "pre.log");
    await mkdir(backup, { recursive: true });
    await writeTree(source, { "photos/cat.jpg": "meow".repeat(10_000), "notes.txt": "v1\n" });
    await writeJob(jobs, "laptop", {
      prefix: "laptop",
      backupDir: backup,
      source: `root@127.0.0.1:${source}`,
      ssh: { identityFile: sshd.keyFile, knownHostsFile: sshd.knownHostsFile, port: sshd.port },
      keepDays: 30,
      hooks: { pre: ["sh", "-c", `echo pre >> ${preLog}`], fail: ["sh", "-c", `echo "$LINKBACK_STATUS|$LINKBACK_ERROR" >> ${failLog}`] },
    });
  });
  after(async () => {
    await sshd?.cleanup();
    await temp?.cleanup();
  });

  test("day 1: the host is there: ok", async () => {
    const result = await due("2026-11-20T03:00:00");
    assert.deepEqual([result.exitCode, result.stdout, result.stderr], [0, "", ""], `${result.stderr}\nsshd:\n${sshd.log().slice(-1500)}`);
    assert.deepEqual(await listNames(backup), ["laptop-2026-11-20"]);
    assert.equal((await laptop()).state, "ok");
  });

  test("sshd stopped: offline — no fail hook, no pre hook, nothing printed, status exit 0; for two days", async () => {
    await sshd.stop();
    for (const now of ["2026-11-21T03:00:00", "2026-11-21T03:10:00", "2026-11-22T03:00:00"]) {
      const result = await due(now);
      assert.deepEqual([result.exitCode, result.stdout, result.stderr], [0, "", ""], now);
      const state = await laptop();
      assert.equal(state.state, "offline", now);
      assert.ok(state.lastError?.includes(`port ${sshd.port}: Connection refused`), String(state.lastError));
      assert.equal(await statusExit(now), 0, "offline is not a problem");
    }
    assert.deepEqual(await lines(failLog), [], "no fail hook while merely offline");
    assert.deepEqual(await lines(preLog), ["pre"], "no pre hook either (only day 1's)");
    assert.deepEqual(await listNames(backup), ["laptop-2026-11-20"], "no staging directory, no snapshot");
  });

  test("three days without a snapshot: overdue — one error line and the fail hook once; status exit 1", async () => {
    const first = await due("2026-11-23T03:00:00");
    assert.equal(first.exitCode, 0);
    assert.match(first.stderr, /error laptop: job laptop is overdue: no complete snapshot since laptop-2026-11-20 \(alertAfter 3d\); last attempt: offline: .*Connection refused/);
    assert.equal(first.stderr.trim().split("\n").length, 1, first.stderr);
    const hook = await lines(failLog);
    assert.equal(hook.length, 1);
    assert.match(hook[0]!, /^failed\|job laptop is overdue: no complete snapshot since laptop-2026-11-20/);
    assert.equal((await laptop()).state, "overdue");
    assert.equal(await statusExit("2026-11-23T03:05:00"), 1);

    for (const now of ["2026-11-23T03:10:00", "2026-11-24T03:00:00"]) {
      const again = await due(now);
      assert.deepEqual([again.exitCode, again.stderr], [0, ""], `${now}: the alarm is not repeated`);
    }
    assert.equal((await lines(failLog)).length, 1, "the fail hook ran once for this gap");
  });

  test("sshd back: ok at the next tick, hard-linked to day 1; status exit 0; a new gap alarms again", async () => {
    await sshd.start();
    await writeFile(join(source, "notes.txt"), "v2\n");
    await utimes(join(source, "notes.txt"), new Date("2026-11-24T01:00:00Z"), new Date("2026-11-24T01:00:00Z")); // same size as v1: a distinct mtime
    const back = await due("2026-11-24T03:10:00");
    assert.deepEqual([back.exitCode, back.stderr], [0, ""], back.stderr);
    assert.deepEqual(await listNames(backup), ["laptop-2026-11-20", "laptop-2026-11-24"]);
    assert.equal((await laptop()).state, "ok");
    assert.equal(await statusExit("2026-11-24T03:20:00"), 0);
    const [a, b] = await Promise.all(["laptop-2026-11-20", "laptop-2026-11-24"].map((name) => inodeOf(join(backup, name, "photos/cat.jpg"))));
    assert.equal(a!.ino, b!.ino);
    assert.equal(await readFile(join(backup, "laptop-2026-11-24", "notes.txt"), "utf8"), "v2\n");

    await sshd.stop();
    try {
      await due("2026-11-27T03:00:00");
      assert.equal((await lines(failLog)).length, 2, "the next gap gives a new alarm");
    } finally {
      await sshd.start();
    }
  });

  test("restore --to-source puts a file back on the source host over the job's ssh; an existing one needs --force", async () => {
    const target = join(temp.path, "back-on-the-laptop", "notes.txt");
    const restore = (extra: string[] = []) =>
      linkback(["restore", "laptop", "--date", "2026-11-20", "/notes.txt", target, "--to-source", ...extra, "--jobs", jobs], env("2026-11-28T03:00:00"));
    const first = await restore();
    assert.equal(first.exitCode, 0, first.stderr);
    assert.match(first.stderr, new RegExp(`restoring /notes.txt from laptop-2026-11-20 to root@127\\.0\\.0\\.1:${target}`));
    assert.equal(await readFile(target, "utf8"), "v1\n");
    await writeFile(target, "edited on the laptop\n");
    const refused = await restore();
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr, /root@127\.0\.0\.1:.*notes\.txt exists and is not an empty directory; give --force/);
    assert.equal(await readFile(target, "utf8"), "edited on the laptop\n");
    assert.equal((await restore(["--force"])).exitCode, 0);
    assert.equal(await readFile(target, "utf8"), "v1\n");
  });

  test("a key the host refuses is not offline: the job runs, fails, and the fail hook says why", async () => {
    const wrong = join(temp.path, "wrong_ed25519");
    await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", wrong]);
    const otherJobs = join(temp.path, "jobs-wrongkey");
    const otherFail = join(temp.path, "wrongkey-fail.log");
    await writeJob(otherJobs, "wrongkey", {
      prefix: "wrongkey",
      backupDir: backup,
      source: `root@127.0.0.1:${source}`,
      ssh: { identityFile: wrong, knownHostsFile: sshd.knownHostsFile, port: sshd.port, options: { BatchMode: "yes" } },
      hooks: { fail: ["sh", "-c", `echo "$LINKBACK_ERROR" >> ${otherFail}`] },
    });
    const result = await linkback(["due", "--jobs", otherJobs], env("2026-11-27T04:00:00"));
    assert.equal(result.exitCode, 1, result.stderr);
    assert.match(result.stderr, /Permission denied/);
    assert.match((await lines(otherFail))[0] ?? "", /rsync failed with exit (255|12)/);
    const status = JSON.parse(await readFile(join(logs, "status", "status.json"), "utf8")) as StatusJson;
    assert.equal(status.jobs.find((job) => job.name === "wrongkey")?.state, "failed");
  });
});
