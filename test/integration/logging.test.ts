// Logging and status never decide a backup: a log directory on a full 1 MB tmpfs, on a read-only bind
// mount, or where a file stands in its way; the status directory the same. One warning each, the backup
// made, the exit status 0. linkback.log caps its own size (LINKBACK_LOG_LIMIT, rotated to .1) and an idle
// `due` tick does not write to it; the per-job rsync log keeps its head and its tail within the limit.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { execa } from "execa";
import { linkback, listNames, testEnv } from "../helpers/cli.ts";
import { type Workspace, hasProgram, workspace } from "../helpers/tree.ts";
import { skipUnlessCi } from "../helpers/sshd.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;
const skipRoot = skip !== false ? skip : skipUnlessCi(process.getuid?.() !== 0 ? "needs root (tmpfs and bind mounts)" : undefined);

describe("logging never decides a backup", { skip }, () => {
  const spaces: Workspace[] = [];
  const mounts: string[] = [];
  after(async () => {
    for (const point of mounts.reverse()) await execa("umount", [point], { reject: false });
    for (const ws of spaces) await ws.cleanup();
  });
  async function fresh(label: string) {
    const ws = await workspace(label);
    spaces.push(ws);
    await writeFile(join(ws.src, "photo.jpg"), "only copy\n");
    await ws.job("p");
    return ws;
  }
  /** A 1 MB tmpfs at `point`, filled to the last block. */
  async function fullTmpfs(point: string) {
    await mkdir(point, { recursive: true });
    await execa("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", point]);
    mounts.push(point);
    await execa("dd", ["if=/dev/zero", `of=${join(point, "filler")}`, "bs=4k"], { reject: false });
    const df = await execa("df", ["--output=avail", "-B1", point]);
    assert.equal(Number(df.stdout.split("\n")[1]), 0, "the tmpfs is full");
  }
  const run = (ws: Workspace, dirs: { log: string; status: string }, now: string, command = ["run", "p"]) =>
    linkback([...command, "--jobs", ws.jobs], testEnv({ logDir: dirs.log, statusDir: dirs.status, now, extra: { TZ: "Europe/Berlin" } }));

  test("a log and status directory on a full 1 MB tmpfs: one warning each, the backup made, exit 0 (run and due)", { skip: skipRoot }, async () => {
    const ws = await fresh("log-full");
    const full = join(ws.root, "full");
    await fullTmpfs(full);
    const dirs = { log: join(full, "log"), status: join(full, "status") };
    // The directories are made on the full disk (a tmpfs directory takes no block); no file can be written.
    const first = await run(ws, dirs, "2026-11-05T03:00");
    assert.equal(first.exitCode, 0, first.stderr);
    assert.doesNotMatch(first.stderr, /internal error|SonicBoom/);
    assert.equal(first.stderr.match(/cannot write the log file/g)?.length, 1, first.stderr);
    assert.equal(first.stderr.match(/cannot write the status in/g)?.length, 1, first.stderr);
    assert.deepEqual((await listNames(ws.backup)).filter((n) => n.startsWith("p-")), ["p-2026-11-05"]);
    // The same under due.
    const second = await run(ws, dirs, "2026-11-06T03:00", ["due"]);
    assert.equal(second.exitCode, 0, second.stderr);
    assert.match(second.stderr, /cannot write the log file .*linkback\.log: its disk is full; linkback goes on without it/);
    assert.deepEqual((await listNames(ws.backup)).filter((n) => n.startsWith("p-")), ["p-2026-11-05", "p-2026-11-06"]);
  });

  test("a read-only bind mount, and a file where the log directory should be: one warning, the backup made", { skip: skipRoot }, async () => {
    const ws = await fresh("log-readonly");
    const dir = join(ws.root, "logs-ro");
    await mkdir(dir);
    await execa("mount", ["--bind", dir, dir]);
    mounts.push(dir);
    await execa("mount", ["-o", "remount,ro,bind", dir]);
    const readOnly = await run(ws, { log: dir, status: join(dir, "status") }, "2026-11-05T03:00");
    assert.equal(readOnly.exitCode, 0, readOnly.stderr);
    assert.equal(readOnly.stderr.match(/cannot write the log file/g)?.length, 1, readOnly.stderr);
    const blocked = join(ws.root, "a-file");
    await writeFile(blocked, "not a directory\n");
    const missing = await run(ws, { log: join(blocked, "log"), status: join(blocked, "status") }, "2026-11-06T03:00");
    assert.equal(missing.exitCode, 0, missing.stderr);
    assert.equal(missing.stderr.match(/cannot write the log file/g)?.length, 1, missing.stderr);
    assert.deepEqual((await listNames(ws.backup)).filter((n) => n.startsWith("p-")), ["p-2026-11-05", "p-2026-11-06"]);
  });

  test("linkback.log stays under its limit (rotated once to .1); an idle due tick writes nothing unless -v", async () => {
    const ws = await fresh("log-rotate");
    const dirs = { log: join(ws.root, "log"), status: join(ws.root, "status") };
    const env = (now: string) => testEnv({ logDir: dirs.log, statusDir: dirs.status, now, extra: { TZ: "Europe/Berlin", LINKBACK_LOG_LIMIT: "8k" } });
    for (let day = 1; day <= 12; day++) {
      const result = await linkback(["run", "p", "-v", "--jobs", ws.jobs], env(`2026-11-${String(day).padStart(2, "0")}T03:00`));
      assert.equal(result.exitCode, 0, result.stderr);
    }
    const log = join(dirs.log, "linkback.log");
    assert.ok((await stat(log)).size <= 8192, `linkback.log is ${(await stat(log)).size} bytes`);
    assert.ok((await stat(`${log}.1`)).size <= 8192);
    assert.ok((await stat(`${log}.1`)).size > 4096, "the rotated log holds earlier days");
    assert.ok(!existsSync(`${log}.2`));
    for (const line of (await readFile(`${log}.1`, "utf8")).trim().split("\n")) JSON.parse(line); // whole lines only
    // Idle: p was backed up today; ticks later the same day have nothing to do.
    const before = await readFile(log);
    const idle = await linkback(["due", "--jobs", ws.jobs], env("2026-11-12T05:00"));
    assert.equal(idle.exitCode, 0, idle.stderr);
    assert.deepEqual(await readFile(log), before, "an idle tick wrote to linkback.log");
    const verbose = await linkback(["due", "-v", "--jobs", ws.jobs], env("2026-11-12T05:10"));
    assert.equal(verbose.exitCode, 0, verbose.stderr);
    assert.match((await readFile(log, "utf8")).slice(before.length), /nothing is due/);
  });

  test("the per-job rsync log keeps its head and its tail within the limit", async () => {
    const ws = await fresh("rsync-log-cap");
    for (let i = 0; i < 600; i++) await writeFile(join(ws.src, `file-with-a-long-name-${String(i).padStart(4, "0")}.txt`), `${i}\n`);
    const dirs = { log: join(ws.root, "log"), status: join(ws.root, "status") };
    const env = testEnv({ logDir: dirs.log, statusDir: dirs.status, now: "2026-11-05T03:00", extra: { TZ: "Europe/Berlin", LINKBACK_LOG_LIMIT: "8k" } });
    const result = await linkback(["run", "p", "--jobs", ws.jobs], env);
    assert.equal(result.exitCode, 0, result.stderr);
    const text = await readFile(join(dirs.log, "p.rsync.log"), "utf8");
    assert.ok(Buffer.byteLength(text) <= 8192 + 200, `p.rsync.log is ${Buffer.byteLength(text)} bytes`);
    assert.match(text, /file-with-a-long-name-0000\.txt/); // the head
    assert.match(text, /bytes of rsync's output left out/);
    assert.match(text, /Total transferred file size/); // the tail: rsync's --stats summary
  });
});
