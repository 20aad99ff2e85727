// `linkback due` with real rsync on real directories, the clock moved by LINKBACK_NOW (Europe/Berlin): it
// runs only what is due, most overdue first, stays quiet when nothing is, waits after failures, skips
// disabled jobs, reports a broken job file once, never runs twice at once; `status` exit codes; timed names
// for an hourly job, hard-linked like the dailies.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CliResult, inodeOf, linkback, listNames, startLinkback, writeJob, writeTree } from "../helpers/cli.ts";
import { type Workspace, hasProgram, touch, workspace } from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;

interface StatusJson {
  version: number;
  problems: boolean;
  jobs: { name: string; state: string; lastSnapshot: { name: string } | null; nextDue: string | null; dueNow: boolean; lastError: string | null; failures: number }[];
}

describe("linkback due", { skip }, () => {
  let ws: Workspace;
  let hookLog: string;
  const due = (now: string, extra: string[] = [], env: Record<string, string> = {}): Promise<CliResult> =>
    linkback(["due", "--jobs", ws.jobs, ...extra], ws.env(now, env));
  const status = async (): Promise<StatusJson> => JSON.parse(await readFile(join(ws.logs, "status", "status.json"), "utf8")) as StatusJson;
  const stateOf = async (job: string) => (await status()).jobs.find((entry) => entry.name === job);
  /** Jobs whose pre hook ran, in order, since the log was last cleared. */
  const ran = async () => (existsSync(hookLog) ? (await readFile(hookLog, "utf8")).split("\n").filter((line) => line !== "") : []);
  const hooks = (name: string) => ({ pre: ["sh", "-c", `echo pre ${name} >> ${hookLog}`], fail: ["sh", "-c", `echo fail ${name} >> ${hookLog}`] });
  const sourceOf = (name: string) => join(ws.root, `src-${name}`);
  const addJob = async (name: string, fields: Record<string, unknown> = {}) => {
    await writeTree(sourceOf(name), { [`${name}.txt`]: `data of ${name}\n` });
    await ws.job(name, { source: sourceOf(name), hooks: hooks(name), ...fields });
  };

  before(async () => {
    ws = await workspace("due");
    hookLog = join(ws.root, "hooks.log");
  });
  after(async () => ws.cleanup());

  test("runs only what is due, most overdue first, then nothing until the next day", async () => {
    for (const name of ["alpha", "bravo", "charlie", "delta"]) await addJob(name);
    // alpha last backed up on the 1st, charlie on the 3rd, delta on the 4th; bravo never.
    assert.equal((await ws.run(["alpha"], "2026-11-01T03:00:00")).exitCode, 0);
    assert.equal((await ws.run(["charlie"], "2026-11-03T03:00:00")).exitCode, 0);
    assert.equal((await ws.run(["delta"], "2026-11-04T01:00:00")).exitCode, 0);
    await rm(hookLog, { force: true });

    const dry = await due("2026-11-04T03:00:00", ["--dry-run"]);
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.deepEqual(dry.stdout.split("\n").filter((line) => line.startsWith("run")).map((line) => line.split(" ")[2]), ["alpha", "charlie", "bravo"]);
    assert.deepEqual(await ran(), [], "--dry-run runs nothing");

    const result = await due("2026-11-04T03:00:00");
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(result.stdout, "", "nothing on stdout under cron");
    assert.equal(result.stderr, "", "nothing on stderr when all went well");
    assert.deepEqual(await ran(), ["pre alpha", "pre charlie", "pre bravo"], "most overdue first (never-backed-up bravo was first seen just now); delta is not due");
    for (const name of ["alpha", "bravo", "charlie", "delta"]) assert.ok((await listNames(ws.backup)).includes(`${name}-2026-11-04`), name);

    await rm(hookLog);
    const again = await due("2026-11-04T23:50:00");
    assert.deepEqual([again.exitCode, again.stdout, again.stderr], [0, "", ""], "nothing due: nothing said");
    assert.deepEqual(await ran(), []);
    const s = await status();
    assert.deepEqual(s.jobs.map((job) => job.state), ["ok", "ok", "ok", "ok"]);
    assert.ok(s.jobs.every((job) => !job.dueNow && job.nextDue === new Date("2026-11-04T23:00:00Z").toISOString()), "due again at local midnight");

    const nextDay = await due("2026-11-05T00:10:00");
    assert.equal(nextDay.exitCode, 0, nextDay.stderr);
    assert.deepEqual(await ran(), ["pre alpha", "pre bravo", "pre charlie", "pre delta"], "all due at midnight: equal, so by name");
    const st = await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-05T00:20:00"));
    assert.equal(st.exitCode, 0, st.stdout + st.stderr);
    assert.match(st.stdout, /^alpha\s+ok\s+alpha-2026-11-05\s+today\s+\d+ B\s+1d\s+2026-11-06 00:00\s+-$/m);
  });

  test("a failed job is retried after 5, 10 … minutes, not every tick; the failed attempt does not reset the clock", async () => {
    await rm(sourceOf("bravo"), { recursive: true });
    await rm(hookLog);
    const first = await due("2026-11-06T00:10:00");
    assert.equal(first.exitCode, 1);
    assert.match(first.stderr, /bravo: job bravo: source .*src-bravo does not exist/);
    assert.deepEqual((await ran()).filter((line) => line.includes("bravo")), ["pre bravo", "fail bravo"]);
    const failed = await stateOf("bravo");
    assert.equal(failed?.state, "failed");
    assert.match(failed!.lastError!, /does not exist/);
    assert.equal(failed?.failures, 1);
    assert.equal(failed?.lastSnapshot?.name, "bravo-2026-11-05", "the clock still counts from the last complete snapshot");

    await rm(hookLog);
    const soon = await due("2026-11-06T00:14:00");
    assert.deepEqual([soon.exitCode, soon.stderr], [0, ""], "4 minutes later: not tried again");
    assert.deepEqual(await ran(), []);
    const later = await due("2026-11-06T00:15:00");
    assert.equal(later.exitCode, 1, "5 minutes later: tried again");
    assert.deepEqual(await ran(), ["pre bravo", "fail bravo"]);
    assert.equal((await stateOf("bravo"))?.failures, 2);
    await rm(hookLog);
    assert.equal((await due("2026-11-06T00:24:00")).exitCode, 0, "then it waits 10 minutes");
    assert.deepEqual(await ran(), []);

    await writeTree(sourceOf("bravo"), { "bravo.txt": "back\n" });
    const fixed = await due("2026-11-06T00:25:00");
    assert.equal(fixed.exitCode, 0, fixed.stderr);
    assert.deepEqual(await ran(), ["pre bravo"]);
    const ok = await stateOf("bravo");
    assert.deepEqual([ok?.state, ok?.failures, ok?.lastError], ["ok", 0, null]);
  });

  test("disabled jobs are skipped by due and run --all, shown disabled, and run when named", async () => {
    await addJob("echo", { enabled: false });
    await rm(hookLog, { force: true });
    assert.equal((await due("2026-11-07T00:10:00")).exitCode, 0);
    assert.ok(!(await ran()).includes("pre echo"));
    assert.equal((await stateOf("echo"))?.state, "disabled");
    assert.equal((await ws.run(["--all"], "2026-11-07T01:00:00")).exitCode, 0);
    assert.ok(!(await ran()).includes("pre echo"));
    assert.equal((await ws.run(["echo"], "2026-11-07T01:00:00")).exitCode, 0);
    assert.ok((await ran()).includes("pre echo"));
    await rm(join(ws.jobs, "echo.ts"));
  });

  test("a broken job file: one error, then quiet; red in the status; `status` exits 1; the other jobs run", async () => {
    await writeJob(ws.jobs, "foxtrot", { prefix: "foxtrot", backupDir: ws.backup, source: sourceOf("alpha"), every: "daily" });
    await rm(hookLog, { force: true });
    const first = await due("2026-11-08T00:10:00");
    assert.equal(first.exitCode, 3);
    assert.match(first.stderr, /foxtrot\.ts: `every`: must be a number and a unit .* \(got string "daily"\)/);
    assert.deepEqual(await ran(), ["pre alpha", "pre bravo", "pre charlie", "pre delta"], "the healthy jobs ran");
    const again = await due("2026-11-08T00:20:00");
    assert.equal(again.exitCode, 3);
    assert.equal(again.stderr, "", "the same error is not repeated every ten minutes");
    assert.equal((await stateOf("foxtrot"))?.state, "failed");
    const st = await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-08T00:30:00"));
    assert.equal(st.exitCode, 1);
    assert.match(st.stdout, /^foxtrot\s+failed\s+none\s+-\s+-\s+-\s+-\s+job file: .*`every`/m);
    const json = await linkback(["status", "--json", "--jobs", ws.jobs], ws.env("2026-11-08T00:30:00"));
    assert.equal(json.exitCode, 1);
    assert.equal((JSON.parse(json.stdout) as StatusJson).problems, true);
    await rm(join(ws.jobs, "foxtrot.ts"));
    assert.equal((await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-08T00:30:00"))).exitCode, 0);
    await due("2026-11-08T00:40:00");
    assert.equal(await stateOf("foxtrot"), undefined, "a job whose file is gone leaves the status");
  });

  test("status exits 1 once a job is overdue (3 days without a snapshot), 0 again after a backup", async () => {
    const st = await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-11T00:30:00"));
    assert.equal(st.exitCode, 1);
    assert.match(st.stdout, /^alpha\s+overdue\s+alpha-2026-11-08\s+3 days/m);
    assert.equal((await due("2026-11-11T00:40:00")).exitCode, 0);
    assert.equal((await linkback(["status", "--jobs", ws.jobs], ws.env("2026-11-11T00:50:00"))).exitCode, 0);
  });

  test("only one due at a time: a second one started meanwhile does nothing", async () => {
    const slow = join(ws.root, "slow-started");
    await ws.job("golf", { source: sourceOf("alpha"), hooks: { pre: ["sh", "-c", `touch ${slow}; sleep 3`] } });
    const first = startLinkback(["due", "--jobs", ws.jobs], ws.env("2026-11-12T00:10:00"));
    while (!existsSync(slow)) await new Promise((resolve) => setTimeout(resolve, 50));
    await rm(hookLog, { force: true });
    const second = await due("2026-11-12T00:11:00");
    assert.deepEqual([second.exitCode, second.stdout, second.stderr], [0, "", ""]);
    assert.deepEqual(await ran(), [], "the second due ran no job");
    const done = await first;
    assert.equal(done.exitCode, 0, String(done.stderr));
    assert.ok((await listNames(ws.backup)).includes("golf-2026-11-12"));
    await rm(join(ws.jobs, "golf.ts"));
  });
});

describe("a status directory that cannot be written", { skip }, () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace("nostatus");
    await writeTree(ws.src, { "a.txt": "a\n" });
    await ws.job("solo");
    await writeFile(join(ws.root, "a-file"), "not a directory\n");
  });
  after(async () => ws.cleanup());

  test("due backs up all the same, with one warning naming it (issue 12: the status never decides a backup)", async () => {
    const bad = join(ws.root, "a-file", "status");
    const result = await linkback(["due", "--jobs", ws.jobs, "--status-dir", bad], ws.env("2026-11-19T03:00:00"));
    assert.equal(result.exitCode, 0, result.stderr);
    const warnings = result.stderr.trim().split("\n");
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(warnings[0]!, new RegExp(`warn .*cannot write the status in ${bad}: ENOTDIR.*without the due lock.*--status-dir or LINKBACK_STATUS_DIR`));
    assert.deepEqual(await listNames(ws.backup), ["solo-2026-11-19"]);
  });

  test("run still backs up, with one warning", async () => {
    const bad = join(ws.root, "a-file", "status");
    const result = await linkback(["run", "solo", "--jobs", ws.jobs, "--status-dir", bad], ws.env("2026-11-20T03:00:00"));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await listNames(ws.backup), ["solo-2026-11-19", "solo-2026-11-20"]);
    const warnings = result.stderr.trim().split("\n");
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(warnings[0]!, /warn .*cannot write the status in .*a-file\/status: ENOTDIR/);
  });
});

describe("an hourly job: timed names, hard-linked, due by the hour", { skip }, () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace("hourly");
    await writeTree(ws.src, { "big.txt": "x".repeat(10_000), "notes.txt": "v1\n" });
    await ws.job("hourly", { every: "1h", keepDays: 2 });
  });
  after(async () => ws.cleanup());

  test("snapshot names carry the UTC minute; due again after an hour; unchanged files are hard links", async () => {
    const due = (now: string) => linkback(["due", "--jobs", ws.jobs], ws.env(now));
    assert.equal((await due("2026-10-25T02:30:00+02:00")).exitCode, 0); // 02:30 CEST, the night clocks go back
    assert.deepEqual(await listNames(ws.backup), ["hourly-2026-10-25T0030Z"]);
    assert.equal((await due("2026-10-25T03:20:00+02:00")).exitCode, 0);
    assert.deepEqual(await listNames(ws.backup), ["hourly-2026-10-25T0030Z"], "50 minutes later: not due");
    await writeFile(join(ws.src, "notes.txt"), "v2\n");
    await touch(join(ws.src, "notes.txt"), new Date("2026-10-25T01:00:00Z")); // same size as v1: a distinct mtime for rsync's check
    assert.equal((await due("2026-10-25T02:30:00+01:00")).exitCode, 0); // 02:30 CET: the same clock time, an hour later
    assert.deepEqual(await listNames(ws.backup), ["hourly-2026-10-25T0030Z", "hourly-2026-10-25T0130Z"], "the repeated hour has its own name");
    const [a, b] = await Promise.all(["hourly-2026-10-25T0030Z", "hourly-2026-10-25T0130Z"].map((name) => inodeOf(join(ws.backup, name, "big.txt"))));
    assert.equal(a!.ino, b!.ino, "unchanged file shared");
    assert.equal(await readFile(join(ws.backup, "hourly-2026-10-25T0130Z", "notes.txt"), "utf8"), "v2\n");
    assert.equal(await readFile(join(ws.backup, "hourly-2026-10-25T0030Z", "notes.txt"), "utf8"), "v1\n");
    const names = await readdir(ws.backup);
    assert.ok(names.every((name) => !name.includes(":")), "no colon in any name");
  });
});
