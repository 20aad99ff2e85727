// A weekly made from the daily with `source: snapshotOf("laptop")` (flashback's 10 dailies + 8 weeklies), run
// by `due` every day for 16 simulated days with real rsync: each weekly equals the daily it was made from and
// shares every inode with it; the daily's own pruning (keepDays 3) never touches the weeklies; the daily's
// files are never altered; a weekly waits while the daily has no snapshot or is running.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { linkback, listNames, startLinkback, writeJob, writeTree } from "../helpers/cli.ts";
import { type Manifest, type Workspace, filesTransferred, hasProgram, inodes, manifest, rsyncLog, touch, workspace } from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;

const dayOf = (offset: number) => new Date(Date.UTC(2026, 10, 1 + offset)).toISOString().slice(0, 10);

describe("snapshotOf(): a weekly made from the daily", { skip }, () => {
  let ws: Workspace;
  /** Manifest of each daily snapshot when it was made. */
  const dailies = new Map<string, Manifest>();
  /** Manifest of each weekly when it was made. */
  const weeklies = new Map<string, Manifest>();

  before(async () => {
    ws = await workspace("copy");
    await writeTree(ws.src, { "photos/big.jpg": "jpeg".repeat(50_000), "docs/notes.txt": "day 0\n" });
    await ws.job("laptop", { keepDays: 3 });
    await writeJob(ws.jobs, "laptop-weekly", `import { defineJob, snapshotOf } from "linkback";
export default defineJob({
  prefix: "laptop-weekly",
  backupDir: ${JSON.stringify(ws.backup)},
  source: snapshotOf("laptop"),
  every: "1w",
  keepDays: 60,
});
`);
  });
  after(async () => ws.cleanup());

  test("a weekly before the daily has any snapshot: nothing to copy (run fails, due says offline)", async () => {
    const run = await ws.run(["laptop-weekly"], "2026-10-31T03:00:00");
    assert.equal(run.exitCode, 1);
    assert.match(run.stderr, /job laptop has no complete snapshot in .* yet; nothing to copy/);
    const dry = await linkback(["due", "--dry-run", "--jobs", ws.jobs], ws.env("2026-10-31T03:00:00"));
    assert.match(dry.stdout, /^run  laptop \(ok\)/m);
  });

  test("16 days of due: the daily every day, the weekly every 7 days, copied by hard links only", async () => {
    for (let offset = 0; offset < 16; offset++) {
      const day = dayOf(offset);
      await writeFile(join(ws.src, "docs/notes.txt"), `day ${offset}\n`);
      // Same size every day: a distinct mtime makes the change visible to rsync's size+mtime check (whole seconds).
      await touch(join(ws.src, "docs/notes.txt"), new Date(`${day}T01:00:00Z`));
      const result = await linkback(["due", "--jobs", ws.jobs], ws.env(`${day}T03:00:00`));
      assert.equal(result.exitCode, 0, `${day}: ${result.stderr}`);
      dailies.set(`laptop-${day}`, await manifest(join(ws.backup, `laptop-${day}`)));
      const weekly = `laptop-weekly-${day}`;
      if (existsSync(join(ws.backup, weekly))) {
        weeklies.set(weekly, await manifest(join(ws.backup, weekly)));
        assert.deepEqual(weeklies.get(weekly), dailies.get(`laptop-${day}`), `${weekly} is the daily of ${day}`);
        const [copy, original] = await Promise.all([inodes(join(ws.backup, weekly)), inodes(join(ws.backup, `laptop-${day}`))]);
        for (const [path, { ino }] of Object.entries(copy)) assert.equal(ino, original[path]?.ino, `${weekly}/${path} is a hard link to the daily's file`);
        assert.equal(filesTransferred(await rsyncLog(ws.logs, "laptop-weekly")), 0, "no file copied: every one linked");
      }
    }
    const names = await listNames(ws.backup);
    assert.deepEqual(names.filter((name) => name.startsWith("laptop-weekly-")), ["laptop-weekly-2026-11-01", "laptop-weekly-2026-11-08", "laptop-weekly-2026-11-15"]);
    assert.deepEqual(names.filter((name) => /^laptop-\d/.test(name)), ["laptop-2026-11-14", "laptop-2026-11-15", "laptop-2026-11-16"], "keepDays 3 pruned the daily");
  });

  test("the daily's pruning leaves the weeklies whole, and the copies never altered the daily", async () => {
    for (const [name, taken] of weeklies) assert.deepEqual(await manifest(join(ws.backup, name)), taken, `${name} unchanged after the dailies it came from were pruned`);
    for (const name of ["laptop-2026-11-14", "laptop-2026-11-15", "laptop-2026-11-16"]) {
      assert.deepEqual(await manifest(join(ws.backup, name)), dailies.get(name), `${name} unchanged`);
    }
    assert.equal(await readFile(join(ws.backup, "laptop-weekly-2026-11-08", "docs/notes.txt"), "utf8"), "day 7\n");
    // One copy of the big photo for all of it: the daily and both remaining weeklies share its inode.
    const inode = (name: string) => stat(join(ws.backup, name, "photos/big.jpg")).then((info) => info.ino);
    const all = await Promise.all(["laptop-2026-11-16", "laptop-weekly-2026-11-01", "laptop-weekly-2026-11-08", "laptop-weekly-2026-11-15"].map(inode));
    assert.equal(new Set(all).size, 1);
  });

  test("while the daily runs, the weekly does not start (exit 4, says why); the status shows which job runs", async () => {
    const started = join(ws.root, "daily-started");
    await ws.job("laptop", { keepDays: 3, hooks: { pre: ["sh", "-c", `touch ${started}; sleep 3`] } });
    const daily = startLinkback(["run", "laptop", "--jobs", ws.jobs], ws.env("2026-11-17T03:00:00"));
    while (!existsSync(started)) await new Promise((resolve) => setTimeout(resolve, 50));
    const status = JSON.parse(await readFile(join(ws.logs, "status", "status.json"), "utf8")) as { jobs: { name: string; state: string }[] };
    assert.deepEqual(Object.fromEntries(status.jobs.map((job) => [job.name, job.state])), { laptop: "running", "laptop-weekly": "ok" });
    const weekly = await ws.run(["laptop-weekly"], "2026-11-17T03:00:00");
    assert.equal(weekly.exitCode, 4);
    assert.match(weekly.stderr, /job laptop-weekly copies a snapshot of job laptop, which is running now.*try again later/);
    assert.equal((await daily).exitCode, 0);
    assert.ok(!(await listNames(ws.backup)).includes("laptop-weekly-2026-11-17"));
  });

  test("check and --dry-run name the snapshot a weekly would copy", async () => {
    const check = await linkback(["check", "laptop-weekly", "--jobs", ws.jobs], ws.env("2026-11-22T03:00:00"));
    assert.equal(check.exitCode, 0, check.stderr);
    assert.ok(check.stdout.includes(`-- ${join(ws.backup, "laptop-2026-11-17")}/ ${join(ws.backup, "laptop-weekly-incomplete")}/`), check.stdout);
    const dry = await ws.run(["laptop-weekly", "--dry-run"], "2026-11-22T03:00:00");
    assert.equal(dry.exitCode, 0, dry.stderr);
    assert.match(dry.stdout, /source: +.*laptop-2026-11-17 \(the newest complete snapshot of job laptop\)/);
  });

  test("a snapshotOf() naming a job that does not exist: the file, the field and a suggestion", async () => {
    await writeJob(ws.jobs, "typo", `import { defineJob, snapshotOf } from "linkback";
export default defineJob({ prefix: "typo", backupDir: ${JSON.stringify(ws.backup)}, source: snapshotOf("laptp") });
`);
    const check = await linkback(["check", "typo", "--jobs", ws.jobs], ws.env("2026-11-22T03:00:00"));
    assert.equal(check.exitCode, 3);
    assert.match(check.stderr, /typo\.ts: `source`: snapshotOf\("laptp"\): no job named "laptp" in .* — did you mean laptop\?/);
  });
});
