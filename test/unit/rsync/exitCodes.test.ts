// What a signal that ended rsync says: SIGKILL (the kernel's OOM killer sends it) points at memory, a crash
// is a crash, anything else was sent by someone; never an rsync exit code's meaning.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { constants } from "node:os";
import { rsyncMeaning, signalWords } from "../../../src/rsync/exitCodes.ts";

describe("signalWords", () => {
  test("SIGKILL: killed — out of memory?, and where to look", () => {
    const words = signalWords("SIGKILL");
    assert.match(words, /^killed by SIGKILL — out of memory\? /);
    assert.match(words, /OOM killer/);
    assert.match(words, /dmesg/);
  });
  test("crashes are called crashes", () => {
    for (const signal of ["SIGSEGV", "SIGBUS", "SIGABRT", "SIGILL"]) assert.equal(signalWords(signal), `killed by ${signal} (it crashed)`);
  });
  test("other signals were sent by another program, and say which", () => {
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1", "SIGPIPE"]) assert.equal(signalWords(signal), `stopped by ${signal} (sent by another program)`);
  });
  test("no signal reads as an rsync exit code's meaning (20 was the made-up one), nor as out of memory unless SIGKILL", () => {
    const rsyncWords = new Set(Array.from({ length: 256 }, (_, code) => rsyncMeaning(code)));
    for (const signal of Object.keys(constants.signals)) {
      const words = signalWords(signal);
      assert.ok(words.includes(signal), `${signal}: names the signal`);
      assert.ok(!rsyncWords.has(words), `${signal}: not an rsync meaning`);
      assert.doesNotMatch(words, /SIGUSR1 or SIGINT/);
      assert.equal(/out of memory/.test(words), signal === "SIGKILL", signal);
    }
  });
});
