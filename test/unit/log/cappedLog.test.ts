// rsync's per-run log kept within its limit, in a real temp directory: under the limit a faithful copy; over
// it the head as it came, one line saying how much was left out, and the tail from a line's start (rsync's
// errors and --stats come last); a write that fails is the log's end, never a throw.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CappedLog } from "../../../src/log/cappedLog.ts";

const root = mkdtempSync(join(tmpdir(), "linkback-cappedlog-"));
after(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const fresh = () => join(root, `rsync-${count++}.log`);

/** `n` itemized lines of exactly 50 bytes, then rsync's summary. */
const output = (n: number) => Array.from({ length: n }, (_, i) => `>f+++++++++ photos/${String(i).padStart(6, "0")}.jpg`.padEnd(49, " ") + "\n").join("");
const marker = (leftOut: number, limit: number) => `\n[… ${leftOut} bytes of rsync's output left out: this log is kept under ${limit} bytes (LINKBACK_LOG_LIMIT) …]\n`;

function logged(chunks: (string | Buffer)[], limit: number, path = fresh()): string {
  const log = new CappedLog(path, limit);
  for (const chunk of chunks) log.write(chunk);
  log.end();
  assert.equal(log.problem, undefined);
  return readFileSync(path, "utf8");
}

describe("CappedLog", () => {
  test("under the limit, and at exactly the limit: a faithful copy", () => {
    const text = output(100);
    assert.equal(logged([text], 8192), text);
    const exact = output(164).slice(0, 8192);
    assert.equal(exact.length, 8192);
    assert.equal(logged([...exact.match(/[^]{1,50}/g)!], 8192), exact);
  });
  test("over the limit: the head as it came, what was left out, and the tail from a line's start", () => {
    const text = output(1000); // 50,000 bytes; limit 8,192: a head of 6,144, a tail of 2,048 at most
    const lines = text.match(/[^\n]*\n/g)!;
    const tail = lines.slice(-40).join(""); // 2,048 bytes hold 40 whole lines of 50
    const expected = text.slice(0, 6144) + marker(50_000 - 6144 - tail.length, 8192) + tail;
    assert.equal(logged(lines, 8192), expected, "written line by line, as rsync writes");
    assert.equal(logged([text], 8192), expected, "written at once");
  });
  test("chunks split anywhere: the head exact, the tail a suffix, the size within the limit and one note", () => {
    const text = `${output(3000)}rsync error: some files/attrs were not transferred (code 23)\n`;
    const chunks: string[] = [];
    for (let at = 0, size = 1; at < text.length; at += size, size = (size * 7 + 3) % 997 + 1) chunks.push(text.slice(at, at + size));
    const path = fresh();
    const result = logged(chunks, 16_384, path);
    const note = /\n\[… (\d+) bytes of rsync's output left out: this log is kept under 16384 bytes \(LINKBACK_LOG_LIMIT\) …\]\n/.exec(result)!;
    assert.ok(note !== null, "the note says what was left out");
    const head = result.slice(0, note.index);
    const tail = result.slice(note.index + note[0].length);
    assert.equal(head, text.slice(0, 12_288));
    assert.ok(text.endsWith(tail) && tail.endsWith("(code 23)\n"), "rsync's last words are kept");
    assert.equal(head.length + Number(note[1]) + tail.length, text.length, "the count is what is missing");
    assert.ok(statSync(path).size <= 16_384 + note[0].length);
  });
  test("a big limit: the tail is at most 64 KiB", () => {
    const text = output(40_000); // 2 MB
    const result = logged([text], 1024 * 1024);
    const note = result.indexOf("\n[… ");
    assert.equal(note, 1024 * 1024 - 64 * 1024);
    assert.ok(result.length - result.indexOf("…]\n") - 3 <= 64 * 1024);
  });
  test("Buffers are bytes (a name that is not UTF-8 is kept as it was)", () => {
    const path = fresh();
    const bytes = Buffer.from("send caf\xe9\n", "latin1");
    const log = new CappedLog(path, 4096);
    log.write(bytes);
    log.end();
    assert.deepEqual(readFileSync(path), bytes);
  });
  test("a full disk (/dev/full): the problem is kept, nothing throws", () => {
    const log = new CappedLog("/dev/full", 8192);
    assert.doesNotThrow(() => {
      log.write(output(10));
      log.write(output(1000));
      log.end();
    });
    assert.equal(log.problem, "/dev/full: its disk is full");
  });
  test("a log that cannot be opened (its directory's place is a file): the problem, then writes are no-ops", () => {
    const file = join(root, "not-a-dir");
    writeFileSync(file, "");
    const log = new CappedLog(join(file, "laptop.rsync.log"), 8192);
    assert.match(log.problem ?? "", /not-a-dir\/laptop\.rsync\.log: ENOTDIR/);
    assert.doesNotThrow(() => {
      log.write("x\n");
      log.end();
    });
  });
});
