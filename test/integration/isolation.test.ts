// Job files that misbehave, among healthy ones, under `run --all` and `due`, with real rsync: one calls
// process.exit, one signals linkback itself (SIGKILL; SIGTERM to its process group), one calls process.abort(),
// one sets PATH and TZ, one pollutes globals (JSON.parse, Object.prototype), one waits in
// execSync("sleep …"), one loops forever, one reads a FIFO nobody writes (a system call no thread can be
// stopped in). Each is named with its reason; the healthy jobs are backed up with the right dates; nothing
// a job file started is left running; function hooks still work.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { execa } from "execa";
import { execFileSync } from "node:child_process";
import { BIN, linkback, listNames, writeJob } from "../helpers/cli.ts";
import { type Workspace, hasProgram, processesMentioning, waitFor, workspace } from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;

/** A sleep no other test starts: if it outlived its job file's thread, `pgrep` finds it. */
const SLEEP = "sleep 6543";

describe("job files cannot reach the runner or each other", { skip }, () => {
  const spaces: Workspace[] = [];
  after(async () => {
    for (const ws of spaces) await ws.cleanup();
  });

  async function household(label: string) {
    const ws = await workspace(label);
    spaces.push(ws);
    await writeFile(join(ws.src, "photo.jpg"), "only copy\n");
    const job = (prefix: string, extra = "") => `export default { prefix: ${JSON.stringify(prefix)}, backupDir: ${JSON.stringify(ws.backup)}, source: ${JSON.stringify(ws.src)}${extra} };\n`;
    await writeJob(ws.jobs, "a-exits", `process.exit(0);\n${job("a")}`);
    // Valid itself: its own backup runs, with linkback's PATH and time zone, not the ones it set.
    await writeJob(ws.jobs, "b-environment", `process.env.PATH = "/nowhere"; process.env.TZ = "Pacific/Kiritimati";\n${job("b")}`);
    await writeJob(ws.jobs, "c-globals", `Object.prototype.polluted = true; JSON.parse = () => { throw new Error("JSON.parse replaced by a job file"); };\n${job("c")}`);
    await writeJob(ws.jobs, "d-sleeps", `import { execSync } from "node:child_process";\nexecSync(${JSON.stringify(SLEEP)});\n${job("d")}`);
    await writeJob(ws.jobs, "e-loops", `for (;;) {}\n${job("e")}`);
    const marker = join(ws.root, "after-hook.txt");
    const hook = `, hooks: { after: async (context) => { const { appendFileSync } = await import("node:fs"); appendFileSync(${JSON.stringify(marker)}, \`\${context.job} \${context.status} \${context.snapshot} \${seen}\\n\`); } }`;
    await writeJob(ws.jobs, "f-healthy", `const seen = "closure kept";\n${job("f", hook)}`);
    await writeJob(ws.jobs, "g-healthy", job("g"));
    await writeJob(ws.jobs, "h-kills", `process.kill(process.pid, "SIGKILL");\n${job("h")}`);
    await writeJob(ws.jobs, "i-aborts", `process.abort();\n${job("i")}`);
    await writeJob(ws.jobs, "j-kills-group", `process.kill(0, "SIGTERM");\n${job("j")}`);
    await writeJob(ws.jobs, "k-raw-kill", `process._kill(process.pid, 9);\n${job("k")}`);
    return { ws, marker };
  }

  const expectNamed = (stderr: string) => {
    assert.match(stderr, /a-exits\.ts: it called process\.exit\(0\) while loading/);
    assert.match(stderr, /d-sleeps\.ts: did not finish loading within 3 s/);
    assert.match(stderr, /e-loops\.ts: did not finish loading within 3 s/);
    assert.match(stderr, /h-kills\.ts: .*a job file may not signal linkback itself \(process\.kill\(\d+, "SIGKILL"\)\)/);
    assert.match(stderr, /i-aborts\.ts: .*a job file may not abort linkback \(process\.abort\(\)\)/);
    assert.match(stderr, /j-kills-group\.ts: .*a job file may not signal linkback itself \(process\.kill\(0, "SIGTERM"\)\)/);
    assert.match(stderr, /k-raw-kill\.ts: .*a job file may not signal linkback itself \(process\._kill\(\d+, 9\)\)/);
    assert.doesNotMatch(stderr, /internal error|ENOENT|JSON\.parse replaced/);
  };

  test("run --all: the misbehaving files are named, every valid job is backed up with today's date, the hook runs", async () => {
    const { ws, marker } = await household("isolation-run");
    // 12:00 in Berlin is already tomorrow in Kiritimati (UTC+14): a TZ that leaked would re-date the snapshots.
    const result = await linkback(["run", "--all", "--jobs", ws.jobs], ws.env("2026-11-05T12:00", { LINKBACK_LOAD_TIMEOUT: "3" }), { timeoutMs: 50_000 });
    assert.equal(result.exitCode, 3, result.stderr);
    expectNamed(result.stderr);
    assert.deepEqual((await listNames(ws.backup)).filter((name) => !name.startsWith(".")), ["b-2026-11-05", "c-2026-11-05", "f-2026-11-05", "g-2026-11-05"]);
    assert.equal(await readFile(join(ws.backup, "g-2026-11-05", "photo.jpg"), "utf8"), "only copy\n");
    assert.equal(await readFile(marker, "utf8"), "f-healthy ok f-2026-11-05 closure kept\n");
    assert.deepEqual(await processesMentioning(SLEEP), [], "the sleep the job file waited on was stopped with its thread");
    const status = JSON.parse(await readFile(join(ws.logs, "status", "status.json"), "utf8")) as { jobs: { name: string; state: string }[] };
    const states = Object.fromEntries(status.jobs.map((job) => [job.name, job.state]));
    assert.equal(states["b-environment"], "ok");
    assert.notEqual(states["d-sleeps"], "ok");
  });

  test("due: the same, a day later; broken files named, healthy jobs run", async () => {
    const { ws, marker } = await household("isolation-due");
    const result = await linkback(["due", "--jobs", ws.jobs], ws.env("2026-11-06T12:00", { LINKBACK_LOAD_TIMEOUT: "3" }), { timeoutMs: 50_000 });
    assert.equal(result.exitCode, 3, result.stderr);
    expectNamed(result.stderr);
    assert.deepEqual((await listNames(ws.backup)).filter((name) => !name.startsWith(".")), ["b-2026-11-06", "c-2026-11-06", "f-2026-11-06", "g-2026-11-06"]);
    assert.equal(await readFile(marker, "utf8"), "f-healthy ok f-2026-11-06 closure kept\n");
    assert.deepEqual(await processesMentioning(SLEEP), []);
  });

  test("a file stuck in a system call: the tick goes on and says it cannot exit; the next tick names it and runs the rest", async () => {
    const ws = await workspace("isolation-stuck");
    spaces.push(ws);
    await writeFile(join(ws.src, "photo.jpg"), "only copy\n");
    const fifo = join(ws.root, "fifo");
    execFileSync("mkfifo", [fifo]);
    // Timed snapshots are named in UTC: 10:00 in Berlin is 0900Z.
    const fields = (prefix: string) => `{ prefix: ${JSON.stringify(prefix)}, backupDir: ${JSON.stringify(ws.backup)}, source: ${JSON.stringify(ws.src)}, every: "1h" }`;
    const stuckFile = await writeJob(ws.jobs, "reads-fifo", `import { readFileSync } from "node:fs";\nreadFileSync(${JSON.stringify(fifo)});\nexport default ${fields("r")};\n`);
    await writeJob(ws.jobs, "healthy", `export default ${fields("h")};\n`);
    const env = (now: string) => ws.env(now, { LINKBACK_LOAD_TIMEOUT: "2" });
    const first = execa(process.execPath, [BIN, "due", "--jobs", ws.jobs], { env: env("2026-11-05T10:00"), reject: false, stdin: "ignore" });
    try {
      const record = join(ws.logs, "status", ".stuck-job-files.json");
      await waitFor("the first tick to back up the healthy job", () => existsSync(join(ws.backup, "h-2026-11-05T0900Z")), 30_000);
      await waitFor("the stuck file to be recorded", () => existsSync(record));
      assert.equal(first.exitCode, null, "the first tick cannot exit while its thread waits on the FIFO");
      const entries = JSON.parse(await readFile(record, "utf8")) as { file: string; pid: number }[];
      assert.deepEqual(entries.map((entry) => [entry.file, entry.pid]), [[stuckFile, first.pid]]);

      const second = await linkback(["due", "--jobs", ws.jobs], env("2026-11-05T11:00"), { timeoutMs: 20_000 });
      assert.equal(second.exitCode, 3, second.stderr);
      assert.match(second.stderr, new RegExp(`reads-fifo\\.ts: not loaded: it has held up linkback \\(pid ${first.pid}\\)`));
      assert.ok(existsSync(join(ws.backup, "h-2026-11-05T1000Z")), "the healthy job ran in the second tick");
      assert.equal(first.exitCode, null);
    } finally {
      await writeFile(fifo, "\n"); // the read returns: the first tick can exit now
    }
    const ended = await first;
    assert.equal(ended.exitCode, 3, String(ended.stderr));
    assert.match(String(ended.stderr), /reads-fifo\.ts: did not finish loading within 2 s.*stuck in a system call/);
    assert.match(String(ended.stderr), /cannot exit before .*reads-fifo\.ts returns from a system call/);
    // Fixed, and the stuck process gone: it loads again.
    await writeJob(ws.jobs, "reads-fifo", `export default ${fields("r")};\n`);
    await rm(fifo);
    const third = await linkback(["due", "--jobs", ws.jobs], env("2026-11-05T12:00"));
    assert.equal(third.exitCode, 0, third.stderr);
    assert.ok(existsSync(join(ws.backup, "r-2026-11-05T1100Z")));
  });
});
