// The outcome of runs: one exit status for many jobs (precedence), and the summary line with its byte counts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { formatBytes } from "../../../src/bytes.ts";
import { summaryLine, worstExitCode } from "../../../src/backup/outcome.ts";
import type { JobOutcome } from "../../../src/backup/outcome.ts";
import { ExitCode } from "../../../src/errors.ts";
import type { RsyncOutcome } from "../../../src/rsync/run.ts";

function outcome(exitCode: number, overrides: Partial<JobOutcome> = {}): JobOutcome {
  const status = exitCode === 0 ? "ok" : exitCode === 4 ? "locked" : exitCode === 3 ? "config" : exitCode >= 128 ? "interrupted" : "failed";
  return { job: `job${exitCode}`, status, exitCode, pruned: [], durationMs: 1234, ...overrides };
}

describe("worstExitCode", () => {
  const codes = (...list: number[]) => worstExitCode(list.map((code) => outcome(code)));
  test("0 only if every job succeeded", () => {
    assert.equal(codes(), 0);
    assert.equal(codes(0), 0);
    assert.equal(codes(0, 0, 0), 0);
    for (const bad of [1, 2, 3, 4, 130, 143]) {
      assert.notEqual(codes(0, bad, 0), 0, `a job with ${bad} among ok ones`);
      assert.equal(codes(0, bad), bad);
      assert.equal(codes(bad, 0), bad);
    }
  });
  test("the documented codes are distinct", () => {
    const documented = [ExitCode.ok, ExitCode.failed, ExitCode.usage, ExitCode.config, ExitCode.locked, ExitCode.sigint, ExitCode.sigterm];
    assert.equal(new Set(documented).size, documented.length);
    assert.deepEqual(documented, [0, 1, 2, 3, 4, 130, 143]);
  });
  test("README order: the first that applies of 130/143, 1, 3, 4, 0", () => {
    assert.equal(codes(4, 3, 1, 143), 143);
    assert.equal(codes(4, 3, 1, 130), 130);
    assert.equal(codes(0, 4, 3, 1), 1);
    assert.equal(codes(1, 3), 1);
    assert.equal(codes(4, 3), 3);
    assert.equal(codes(3, 4, 0), 3);
    assert.equal(codes(4, 0, 4), 4);
  });
  test("an unexpected code is never hidden behind 0", () => {
    assert.equal(codes(0, 70, 0), 70);
  });
});

describe("summaryLine and formatBytes", () => {
  const rsync = (stats: RsyncOutcome["stats"]) => ({ exitCode: 0, startError: undefined, stderrTail: "", stats, canceled: false }) as RsyncOutcome;
  test("ok: snapshot, files, bytes received and sent, duration, pruned", () => {
    const line = summaryLine(outcome(0, {
      snapshot: "laptop-2026-11-22", durationMs: 2100, pruned: ["laptop-2026-11-01"],
      rsync: rsync({ filesTransferred: 1204, bytesReceived: 3_400_000, bytesSent: 1_234 }),
    }));
    assert.match(line, /^ok\b/);
    for (const part of ["laptop-2026-11-22", "1204 files", "3.4 MB received", "1.2 kB sent", "2.1 s", "pruned 1"]) assert.ok(line.includes(part), `${part} in ${line}`);
  });
  test("ok without stats or prunes still names the snapshot", () => {
    const line = summaryLine(outcome(0, { snapshot: "laptop-2026-11-22" }));
    assert.ok(line.includes("laptop-2026-11-22"));
    assert.ok(!line.includes("undefined") && !line.includes("pruned"));
  });
  test("not ok: the status and the one-line reason", () => {
    const line = summaryLine(outcome(1, { message: "job laptop: rsync failed with exit 23" }));
    assert.match(line, /^failed\b/);
    assert.ok(line.includes("rsync failed with exit 23"));
    assert.match(summaryLine(outcome(4, { message: "locked by pid 123" })), /^locked\b.*pid 123/);
  });
  const bytes: [number, string][] = [
    [0, "0 B"], [1, "1 B"], [999, "999 B"], [1000, "1.0 kB"], [1499, "1.5 kB"], [22_895, "22.9 kB"],
    [999_999, "1.0 MB"], [3_532_328, "3.5 MB"], [1_000_000_000, "1.0 GB"], [2.5e12, "2.5 TB"], [5e15, "5000.0 TB"],
  ];
  for (const [value, text] of bytes) test(`formatBytes(${value}) = ${text}`, () => assert.equal(formatBytes(value), text));
});
