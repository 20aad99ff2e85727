// What rsync's exit statuses mean and which make a snapshot; the --stats numbers the summary uses.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isSuccess, rsyncMeaning } from "../../../src/rsync/exitCodes.ts";
import { parseStats } from "../../../src/rsync/run.ts";

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
