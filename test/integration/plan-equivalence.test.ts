// One plan: what `run --dry-run --json` shows is what `run` does, step by step. Each situation is set up on
// real directories with real rsync, rehearsed, then run; the steps the run logged (each with the whole step
// as it carried it out) must equal the rehearsal's, in order — up to the step that failed, then the failure
// steps. The same for `prune --dry-run --json` and `prune`.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { execa } from "execa";
import { linkback, listNames, tempDir, writeJob } from "../helpers/cli.ts";
import { type Workspace, hasProgram, readLog, touch, workspace } from "../helpers/tree.ts";
import { skipUnlessCi } from "../helpers/sshd.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;
const tmpfsMissing = process.getuid?.() !== 0 ? "a tmpfs backup disk needs root" : undefined;
const skipTmpfs = skip !== false ? skip : skipUnlessCi(tmpfsMissing);

interface PlannedStep {
  kind: string;
  [field: string]: unknown;
}
interface PlanJson {
  steps: PlannedStep[];
  onFailure: PlannedStep[];
}

/** The steps a run logged, in order (each log line of a step carries the step itself). */
async function executedSteps(logs: string): Promise<PlannedStep[]> {
  return (await readLog(logs)).filter((entry) => entry.detail !== undefined).map((entry) => entry.detail as PlannedStep);
}

/** Rehearse with --dry-run --json, then run with a fresh log: the plan, the run's steps, the run's result. */
async function rehearseThenRun(ws: Workspace, job: string, now: string, command: "run" | "prune" = "run") {
  const rehearsal = await linkback([command, job, "--dry-run", "--json", "--jobs", ws.jobs], ws.env(now));
  assert.equal(rehearsal.exitCode, 0, rehearsal.stderr);
  const plan = JSON.parse(rehearsal.stdout) as PlanJson;
  const logs = join(ws.root, `logs-${now}-${command}`);
  const result = await linkback([command, job, "--jobs", ws.jobs], ws.env(now, { LINKBACK_LOG_DIR: logs }));
  return { plan, result, executed: await executedSteps(logs) };
}

/** The run carried out exactly the plan: every step, or the steps up to `failedAt` and then the failure steps. */
function assertSame(plan: PlanJson, executed: PlannedStep[], failedAt?: string): void {
  const cut = failedAt === undefined ? plan.steps.length : plan.steps.findIndex((step) => step.kind === failedAt) + 1;
  assert.ok(cut > 0, `the plan has a ${failedAt} step`);
  const expected = [...plan.steps.slice(0, cut), ...(failedAt === undefined ? [] : plan.onFailure)];
  assert.deepEqual(executed.map((step) => step.kind), expected.map((step) => step.kind), "the same steps, in the same order");
  assert.deepEqual(executed.map(decisions), expected.map(decisions), "each step exactly as rehearsed: paths, argv, link targets, decisions, reasons");
}

/**
 * A step without what it measured: make-room's free bytes when planned move by the few kB the run's own lock
 * file takes between the rehearsal and the run; what it decides (the need, the candidates, their order) may not.
 */
function decisions(step: PlannedStep): PlannedStep {
  if (step.kind !== "make-room") return step;
  const { freeBytes: _measured, why, ...rest } = step;
  return { ...rest, why: String(why).replace(/^[\d.]+ [kMGT]?B free/, "N free") };
}

describe("the dry run's plan is the run, step by step", { skip }, () => {
  const spaces: Workspace[] = [];
  after(async () => {
    for (const ws of spaces) await ws.cleanup();
  });
  async function fresh(label: string, fields: Record<string, unknown> = {}) {
    const ws = await workspace(label);
    spaces.push(ws);
    await writeFile(join(ws.src, "a.txt"), "a\n");
    await ws.job("p", { keepDays: 2, ...fields });
    return ws;
  }
  async function day(ws: Workspace, now: string, job = "p") {
    await writeFile(join(ws.src, "day.txt"), `${now}\n`);
    await touch(join(ws.src, "day.txt"), new Date(`${now}Z`));
    const result = await ws.run([job], now);
    assert.equal(result.exitCode, 0, result.stderr);
  }

  test("an ordinary day: link targets, publish, prune by keepDays, the trash", async () => {
    const ws = await fresh("eq-day");
    for (const now of ["2026-11-01T03:00:00", "2026-11-02T03:00:00", "2026-11-03T03:00:00"]) await day(ws, now);
    const { plan, result, executed } = await rehearseThenRun(ws, "p", "2026-11-04T03:00:00");
    assert.equal(result.exitCode, 0, result.stderr);
    assertSame(plan, executed);
    assert.ok(plan.steps.some((step) => step.kind === "prune" && JSON.stringify(step).includes('"delete"')), "something was pruned");
  });

  test("a failed attempt in staging: resumed (renamed to .prev, the first link target), cleaned up after", async () => {
    const ws = await fresh("eq-resume");
    await day(ws, "2026-11-01T03:00:00");
    await mkdir(join(ws.backup, "p-incomplete"));
    await writeFile(join(ws.backup, "p-incomplete", "half.txt"), "from a failed run\n");
    const { plan, result, executed } = await rehearseThenRun(ws, "p", "2026-11-02T03:00:00");
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(plan.steps.map((s) => s.kind).filter((k) => ["resume", "clean-up"].includes(k)), ["resume", "clean-up"]);
    assertSame(plan, executed);
  });

  test("a .replaced leftover (a crash between a same-day replacement's renames): put back first, and linked against", async () => {
    const ws = await fresh("eq-replaced");
    await day(ws, "2026-11-01T03:00:00");
    await day(ws, "2026-11-02T03:00:00");
    await rename(join(ws.backup, "p-2026-11-02"), join(ws.backup, "p-2026-11-02.replaced"));
    await mkdir(join(ws.backup, "p-incomplete"));
    await writeFile(join(ws.backup, "p-incomplete", "new.txt"), "the replacement, unfinished\n");
    const { plan, result, executed } = await rehearseThenRun(ws, "p", "2026-11-02T15:00:00");
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(plan.steps[0]!.kind, "restore-replaced");
    const staging = plan.steps.find((s) => s.kind === "make-staging")!;
    assert.ok((staging.linkDests as string[]).includes(join(ws.backup, "p-2026-11-02")), "the restored snapshot is a link target");
    assertSame(plan, executed);
    assert.deepEqual((await listNames(ws.backup)).filter((n) => !n.includes("incomplete")), ["p-2026-11-01", "p-2026-11-02"]);
  });

  test("a second run the same day: today's snapshot set aside, replaced, trashed", async () => {
    const ws = await fresh("eq-sameday");
    await day(ws, "2026-11-01T03:00:00");
    await writeFile(join(ws.src, "later.txt"), "later\n");
    const { plan, result, executed } = await rehearseThenRun(ws, "p", "2026-11-01T18:00:00");
    assert.equal(result.exitCode, 0, result.stderr);
    const publish = plan.steps.find((s) => s.kind === "publish")!;
    assert.equal(publish.replaces, "p-2026-11-01");
    assertSame(plan, executed);
  });

  test("a copy job (snapshotOf): the copied snapshot is the first link target; the copied job's lock is held", async () => {
    const ws = await fresh("eq-copy");
    await writeJob(ws.jobs, "weekly", `import { defineJob, snapshotOf } from "linkback";
export default defineJob({ prefix: "weekly", backupDir: ${JSON.stringify(ws.backup)}, source: snapshotOf("p") });
`);
    await day(ws, "2026-11-01T03:00:00");
    const { plan, result, executed } = await rehearseThenRun(ws, "weekly", "2026-11-01T04:00:00");
    assert.equal(result.exitCode, 0, result.stderr);
    const staging = plan.steps.find((s) => s.kind === "make-staging")!;
    assert.equal((staging.linkDests as string[])[0], join(ws.backup, "p-2026-11-01"));
    assertSame(plan, executed);
  });

  test("a pre hook that fails: the steps up to it, then the fail hook; nothing renamed", async () => {
    const ws = await fresh("eq-prefail", { hooks: { pre: "exit 3", fail: "true" } });
    await writeFile(join(ws.src, "x.txt"), "x\n");
    const { plan, result, executed } = await rehearseThenRun(ws, "p", "2026-11-01T03:00:00");
    assert.equal(result.exitCode, 1);
    assertSame(plan, executed, "pre-hook");
    assert.deepEqual(await listNames(ws.backup), []);
  });

  test("prune: recovery, retention and the trash, as rehearsed", async () => {
    const ws = await fresh("eq-prune", { keepDays: 30 });
    for (const now of ["2026-11-01T03:00:00", "2026-11-02T03:00:00", "2026-11-03T03:00:00"]) await day(ws, now);
    await ws.job("p", { keepDays: 1 });
    const { plan, result, executed } = await rehearseThenRun(ws, "p", "2026-11-03T04:00:00", "prune");
    assert.equal(result.exitCode, 0, result.stderr);
    assertSame(plan, executed);
    assert.deepEqual(await listNames(ws.backup), ["p-2026-11-03"]);
  });
});

describe("the dry run's plan is the run: minFreeSpace on a full tmpfs", { skip: skipTmpfs }, () => {
  test("short of space: the rehearsal names the snapshots to delete in order; the run deletes the first and backs up", async () => {
    const temp = await tempDir("linkback-eq-room");
    const disk = join(temp.path, "disk");
    await mkdir(disk);
    await execa("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", disk]);
    try {
      const ws = await workspace("eq-room");
      const backup = join(disk, "backups");
      await mkdir(backup);
      await writeJob(ws.jobs, "small", { prefix: "small", backupDir: backup, source: ws.src, minFreeSpace: "2MB" });
      for (const [index, now] of ["2026-07-01T03:00:00", "2026-07-02T03:00:00", "2026-07-03T03:00:00", "2026-07-04T03:00:00"].entries()) {
        await writeFile(join(ws.src, "data.bin"), randomBytes(1_500_000));
        await touch(join(ws.src, "data.bin"), new Date(Date.UTC(2026, 6, 1, index)));
        if (index < 3) {
          assert.equal((await linkback(["run", "small", "--jobs", ws.jobs], ws.env(now))).exitCode, 0);
          continue;
        }
        const { plan, result, executed } = await rehearseThenRun(ws, "small", now);
        assert.equal(result.exitCode, 0, result.stderr);
        const room = plan.steps.find((s) => s.kind === "make-room")!;
        assert.deepEqual((room.candidates as { name: string }[]).map((c) => c.name), ["small-2026-07-01", "small-2026-07-02"]);
        assert.match(room.why as string, /delete small-2026-07-01, then small-2026-07-02 until there is; still short after small-2026-07-02 → the run fails before rsync/);
        assertSame(plan, executed);
        assert.deepEqual(await listNames(backup), ["small-2026-07-02", "small-2026-07-03", "small-2026-07-04"]);
        const status = JSON.parse((await linkback(["status", "--json", "--jobs", ws.jobs], ws.env(now))).stdout) as { jobs: { snapshotCount: number }[] };
        assert.equal(status.jobs[0]!.snapshotCount, 3, "the status knows the one deleted to make room is gone");
      }
      await ws.cleanup();
    } finally {
      await execa("umount", [disk], { reject: false });
      await temp.cleanup();
    }
  });
});
