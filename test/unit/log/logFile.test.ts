// linkback.log capped for routers, in a real temp directory: rotated to .1 at its limit (LINKBACK_LOG_LIMIT),
// never more than two files, a second writer that finds it rotated does not rotate again (no lines lost), not
// even created until a line comes; a log that cannot be written (a full disk: /dev/full; a parent that is a
// file) is said once and never throws.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LOG_LIMIT, LogFile, logLimit, writeProblem } from "../../../src/log/logFile.ts";

const root = mkdtempSync(join(tmpdir(), "linkback-logfile-"));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const fresh = () => join(root, `case-${count++}`);

/** A JSON-ish line of exactly 100 bytes. */
const line = (who: string, n: number) => `${`{"who":"${who}","n":${n},"pad":"`.padEnd(97, "x")}"}\n`;
const linesOf = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l) => l !== "") : []);
const noProblem = (message: string) => assert.fail(`unexpected problem: ${message}`);

describe("logLimit", () => {
  test("1 MiB by default; LINKBACK_LOG_LIMIT in bytes, k or M (units of 1024); at least 4 KiB", () => {
    assert.equal(DEFAULT_LOG_LIMIT, 1024 * 1024);
    assert.equal(logLimit({}), DEFAULT_LOG_LIMIT);
    assert.equal(logLimit({ LINKBACK_LOG_LIMIT: "8k" }), 8192);
    assert.equal(logLimit({ LINKBACK_LOG_LIMIT: " 2M " }), 2 * 1024 * 1024);
    assert.equal(logLimit({ LINKBACK_LOG_LIMIT: "65536" }), 65536);
    assert.equal(logLimit({ LINKBACK_LOG_LIMIT: "100" }), 4096);
    for (const junk of ["", "lots", "-5", "1.5M", "10G"]) assert.equal(logLimit({ LINKBACK_LOG_LIMIT: junk }), DEFAULT_LOG_LIMIT, junk);
  });
});

describe("LogFile", () => {
  test("nothing is created until the first line (a quiet tick does not touch the disk); then the directory too", () => {
    const dir = join(fresh(), "logs");
    const log = new LogFile(join(dir, "linkback.log"), 4096, noProblem);
    log.close();
    assert.equal(existsSync(dir), false);
    log.write(line("a", 0));
    assert.deepEqual(linesOf(join(dir, "linkback.log")), [line("a", 0).trim()]);
    log.close();
  });
  test("at LINKBACK_LOG_LIMIT the log becomes .1 and a new one starts; whole lines, none lost", () => {
    const path = join(fresh(), "linkback.log");
    const limit = logLimit({ LINKBACK_LOG_LIMIT: "8k" });
    const log = new LogFile(path, limit, noProblem);
    for (let n = 0; n < 100; n++) log.write(line("a", n));
    log.close();
    const older = linesOf(`${path}.1`);
    const newer = linesOf(path);
    assert.equal(older.length, 81, "81 lines of 100 bytes fit in 8,192");
    assert.ok(statSync(`${path}.1`).size <= limit && statSync(path).size <= limit);
    assert.deepEqual([...older, ...newer], Array.from({ length: 100 }, (_, n) => line("a", n).trim()));
  });
  test("never more than two files: the .1 before is dropped; the newest lines are kept", () => {
    const path = join(fresh(), "linkback.log");
    const log = new LogFile(path, 4096, noProblem);
    for (let n = 0; n < 200; n++) log.write(line("a", n));
    log.close();
    assert.deepEqual(readdirSync(join(path, "..")).sort(), ["linkback.log", "linkback.log.1"]);
    const kept = [...linesOf(`${path}.1`), ...linesOf(path)];
    assert.deepEqual(kept, Array.from({ length: 200 }, (_, n) => line("a", n).trim()).slice(-kept.length), "the last lines, in order");
    assert.ok(kept.length >= 40 && statSync(`${path}.1`).size + statSync(path).size <= 2 * 4096);
  });
  test("a log already past the limit (an older linkback's) is rotated at the first line", () => {
    const dir = fresh();
    mkdirSync(dir);
    const path = join(dir, "linkback.log");
    writeFileSync(path, "old\n".repeat(2000));
    const log = new LogFile(path, 4096, noProblem);
    log.write(line("a", 1));
    log.close();
    assert.equal(statSync(`${path}.1`).size, 8000);
    assert.deepEqual(linesOf(path), [line("a", 1).trim()]);
  });
  test("a second linkback that finds the log rotated by the first reopens it and does not rotate again: no line lost", () => {
    const path = join(fresh(), "linkback.log");
    const due = new LogFile(path, 4096, noProblem);
    const run = new LogFile(path, 4096, noProblem);
    due.write(line("due", 0));
    for (let n = 1; n <= 40; n++) run.write(line("run", n)); // the 40th rotates: .1 = due 0, run 1–39
    for (let n = 1; n <= 40; n++) due.write(line("due", n)); // 1–39 still go to its open file (now .1), the 40th finds the new log
    due.close();
    run.close();
    const older = linesOf(`${path}.1`);
    assert.deepEqual(older.slice(0, 2), [line("due", 0).trim(), line("run", 1).trim()], ".1 is the first rotation's, not replaced");
    assert.deepEqual(linesOf(path), [line("run", 40).trim(), line("due", 40).trim()]);
    assert.equal(older.length + 2, 81, "every line is in one of the two files");
  });
  test("a full disk (/dev/full): one problem, in words, and no throw; later lines are dropped quietly", () => {
    const problems: string[] = [];
    const log = new LogFile("/dev/full", 4096, (message) => problems.push(message));
    for (let n = 0; n < 5; n++) assert.doesNotThrow(() => log.write(line("a", n)));
    assert.deepEqual(problems, ["cannot write the log file /dev/full: its disk is full; linkback goes on without it (the backup is not affected)"]);
    assert.doesNotThrow(() => log.close());
  });
  test("a log directory that cannot be made (its parent is a file): one problem, no throw", () => {
    const dir = fresh();
    writeFileSync(dir, "a file where the log directory should be\n");
    const problems: string[] = [];
    const log = new LogFile(join(dir, "logs", "linkback.log"), 4096, (message) => problems.push(message));
    log.write(line("a", 0));
    log.write(line("a", 1));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, new RegExp(`^cannot write the log file ${dir}/logs/linkback.log: ENOTDIR.*; linkback goes on without it`));
  });
  test("writeProblem: the common causes in words", () => {
    const error = (code: string) => Object.assign(new Error(`${code}: raw`), { code });
    assert.equal(writeProblem(error("ENOSPC")), "its disk is full");
    assert.equal(writeProblem(error("EROFS")), "its filesystem is read-only");
    assert.equal(writeProblem(error("EACCES")), "EACCES: raw");
  });
});
