// What rsync's exit statuses mean and which make a snapshot; the --stats numbers the summary uses; the tail of
// rsync's stderr that failure messages quote (last lines, long ones cut in the middle); and how runRsync
// reports a program killed by a signal (a real `sh` that kills itself).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isSuccess, rsyncMeaning } from "../../../src/rsync/exitCodes.ts";
import { lineTail, parseStats, runRsync } from "../../../src/rsync/run.ts";

describe("rsync exit codes", () => {
  test("only 0 and 24 are success", () => {
    for (let code = 0; code <= 255; code++) assert.equal(isSuccess(code), code === 0 || code === 24, `exit ${code}`);
    assert.equal(isSuccess(-1), false);
  });
  test("the codes the issue names have distinct, non-empty meanings", () => {
    const named = [0, 11, 12, 23, 24, 30, 255];
    const meanings = named.map(rsyncMeaning);
    for (const meaning of meanings) assert.ok(meaning.trim().length > 0, meaning);
    assert.equal(new Set(meanings).size, named.length);
    assert.ok(!meanings.includes(rsyncMeaning(99)), "a named code does not read as unknown");
  });
  test("the meanings say what a user needs to know", () => {
    assert.match(rsyncMeaning(11), /disk|I\/O/i);
    assert.match(rsyncMeaning(12), /connection|protocol/i);
    assert.match(rsyncMeaning(23), /partial/i);
    assert.match(rsyncMeaning(24), /vanished/i);
    assert.match(rsyncMeaning(30), /timeout/i);
    assert.match(rsyncMeaning(255), /ssh/i);
  });
  test("an unknown code still has a meaning", () => assert.ok(rsyncMeaning(99).length > 0));
});

describe("parseStats", () => {
  // Captured from `rsync -aH --numeric-ids --partial --stats` (rsync 3.5.0) copying 1,204 files, 3.4 MB.
  const captured = `
Number of files: 1,205 (reg: 1,204, dir: 1)
Number of created files: 1,205 (reg: 1,204, dir: 1)
Number of deleted files: 0
Number of regular files transferred: 1,204
Total file size: 3,461,697 bytes
Total transferred file size: 3,461,697 bytes
Literal data: 3,461,697 bytes
Matched data: 0 bytes
File list size: 0
File list generation time: 0.003 seconds
File list transfer time: 0.000 seconds
Total bytes sent: 3,532,328
Total bytes received: 22,895

sent 3,532,328 bytes  received 22,895 bytes  7,110,446.00 bytes/sec
total size is 3,461,697  speedup is 0.97
`;
  // The same with `-h` added (as the blog script's -avhuEiH would): rounded numbers with units.
  const human = `
Number of files: 1,205 (reg: 1,204, dir: 1)
Number of regular files transferred: 1,204
Total file size: 3.46M bytes
Total bytes sent: 3.53M
Total bytes received: 22.89K

sent 3.53M bytes  received 22.89K bytes  7.11M bytes/sec
`;
  test("reads the numbers, with thousands separators", () => {
    assert.deepEqual(parseStats(captured), { filesTransferred: 1204, bytesSent: 3_532_328, bytesReceived: 22_895, files: 1205, regularFiles: 1204, totalBytes: 3_461_697, transferredBytes: 3_461_697 });
  });
  test("after itemized output (the tail of stdout)", () => {
    const itemized = Array.from({ length: 20 }, (_, i) => `>f+++++++++ dir/file ${i}`).join("\n");
    assert.deepEqual(parseStats(`${itemized}\n${captured}`), { filesTransferred: 1204, bytesSent: 3_532_328, bytesReceived: 22_895, files: 1205, regularFiles: 1204, totalBytes: 3_461_697, transferredBytes: 3_461_697 });
  });
  test("a snapshot without regular files: entries counted, no regular ones listed (the record says 0)", () => {
    assert.deepEqual(parseStats("Number of files: 1 (dir: 1)\nTotal file size: 0 bytes\n"), { files: 1, totalBytes: 0 });
  });
  test("a locale that separates thousands with dots", () => {
    assert.deepEqual(parseStats("Number of regular files transferred: 1.204\nTotal bytes sent: 3.532.328\nTotal bytes received: 22.895\n"),
      { filesTransferred: 1204, bytesSent: 3_532_328, bytesReceived: 22_895 });
  });
  test("-h numbers with units are left out rather than misread (3.53M is not 353 bytes)", () => {
    const stats = parseStats(human);
    assert.equal(stats.filesTransferred, 1204);
    assert.equal(stats.bytesSent, undefined);
    assert.equal(stats.bytesReceived, undefined);
  });
  test("nothing to read gives no numbers", () => {
    assert.deepEqual(parseStats(""), {});
    assert.deepEqual(parseStats("rsync: [sender] change_dir \"/nope\" failed: No such file or directory (2)\n"), {});
  });
  test("zero is a number", () => {
    assert.deepEqual(parseStats("Number of regular files transferred: 0\nTotal bytes sent: 0\nTotal bytes received: 12\n"),
      { filesTransferred: 0, bytesSent: 0, bytesReceived: 12 });
  });
});

describe("lineTail (rsync's stderr as failure messages quote it)", () => {
  const tailOf = (chunks: string[], count = 30, width = 400) => {
    const tail = lineTail(count, width);
    for (const chunk of chunks) tail.add(chunk);
    return tail.text();
  };
  const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`);

  test("short lines as they are; only the last `count` kept, in order", () => {
    assert.equal(tailOf(["a\nb\n"]), "a\nb");
    assert.equal(tailOf([`${numbered(100).join("\n")}\n`]), numbered(100).slice(-30).join("\n"));
    assert.equal(tailOf([`${numbered(5).join("\n")}\n`], 3), "line 2\nline 3\nline 4");
  });
  test("chunks split anywhere (one character at a time) give the same tail", () => {
    const text = `${numbered(50).join("\n")}\n${"x".repeat(1000)}\nlast\n`;
    assert.equal(tailOf([...text]), tailOf([text]));
    assert.equal(tailOf([text.slice(0, 333), text.slice(333, 1234), text.slice(1234)]), tailOf([text]));
  });
  test("a 2,000-character line keeps its start (the reason) and its end (the name), cut to `width`", () => {
    const line = `filename overflows max-path len by 171: /very/long/${"d".repeat(2000)}/name.txt`;
    const [cut] = tailOf([`${line}\n`]).split("\n");
    assert.equal(cut!.length, 400);
    assert.ok(cut!.startsWith(line.slice(0, 200)), cut);
    assert.ok(cut!.endsWith(line.slice(-197)), cut);
    assert.ok(cut!.includes(" … "), "the cut is marked");
    const exact = "e".repeat(400);
    assert.equal(tailOf([`${exact}\n`]), exact, "a line of exactly `width` is not cut");
  });
  test("the reason after many long lines: each line cut, the reason (last) whole", () => {
    const noise = Array.from({ length: 40 }, (_, i) => `${"~".repeat(3000)} ${i}`);
    const reason = 'rsync: [sender] change_dir "/srv/data" failed: No such file or directory (2)';
    const lines = tailOf([`${[...noise, reason, "rsync error: some files/attrs were not transferred (code 23)"].join("\n")}\n`]).split("\n");
    assert.equal(lines.length, 30);
    assert.ok(lines.every((line) => line.length <= 400));
    assert.equal(lines.at(-2), reason);
    assert.ok(lines[0]!.endsWith(" 12"), "the oldest kept is noise line 12 (40 + 2 - 30)");
  });
  test("a last line without a newline counts (rsync killed mid-line), cut as well", () => {
    assert.equal(tailOf(["done\npartial li", "ne"]), "done\npartial line");
    const endless = `start-${"z".repeat(200_000)}-end`;
    const chunks = endless.match(/[^]{1,7000}/g)!;
    const text = tailOf(chunks);
    assert.equal(text.length, 400, "an endless line is held to its start and end");
    assert.ok(text.startsWith("start-zzz") && text.endsWith("zzz-end"));
  });
});

describe("runRsync: a program killed by a signal (real processes)", () => {
  const dir = mkdtempSync(join(tmpdir(), "linkback-run-unit-"));
  const run = (script: string) => runRsync(["sh", "-c", script], { logFile: join(dir, "rsync.log"), cancelSignal: undefined });
  test("SIGKILL: exit 128 + 9 and the signal, not a made-up rsync code", async () => {
    const killed = await run("echo started >&2; kill -KILL $$");
    assert.equal(killed.exitCode, 137);
    assert.equal(killed.signal, "SIGKILL");
    assert.equal(killed.startError, undefined);
    assert.equal(killed.stderrTail, "started");
  });
  test("SIGTERM from another program: 128 + 15; an exit of its own has no signal", async () => {
    const stopped = await run("kill -TERM $$");
    assert.deepEqual([stopped.exitCode, stopped.signal, stopped.canceled], [143, "SIGTERM", false]);
    const exited = await run("exit 23");
    assert.deepEqual([exited.exitCode, exited.signal], [23, undefined]);
  });
  test("long stderr: the outcome's tail keeps the reason line's start and end", async () => {
    const outcome = await run(`i=0; while [ $i -lt 50 ]; do printf '%0500d\\n' $i >&2; i=$((i+1)); done; printf 'rsync: change_dir "/%s" failed: File name too long (36)\\n' "$(printf '%02000d' 0)" >&2; exit 23`);
    const lines = outcome.stderrTail.split("\n");
    assert.equal(lines.length, 30);
    assert.match(lines.at(-1)!, /^rsync: change_dir "\/0{100,} … 0{100,}" failed: File name too long \(36\)$/);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
});
