// Exit status of a multi-job run, summary lines, rsync exit codes and --stats, terminal log lines, and what hooks
// are told (LINKBACK_* variables) and how they are shown. Pure: no disk, no processes.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import pino from "pino";
import { formatBytes } from "../../src/bytes.ts";
import { summaryLine, worstExitCode } from "../../src/backup/outcome.ts";
import { DAILY, threeTimes } from "../../src/time/cycle.ts";
import type { JobOutcome } from "../../src/backup/outcome.ts";
import { ExitCode } from "../../src/errors.ts";
import { isSuccess, rsyncMeaning } from "../../src/rsync/exitCodes.ts";
import { parseStats, type RsyncOutcome } from "../../src/rsync/run.ts";
import { formatLine } from "../../src/log/logger.ts";
import { hookEnvironment } from "../../src/hooks/run.ts";
import { describeHook } from "../../src/hooks/command.ts";
import { notify, remote } from "../../src/config/define.ts";
import type { HookContext, Job } from "../../src/config/types.ts";

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
    assert.deepEqual(parseStats(captured), { filesTransferred: 1204, bytesSent: 3_532_328, bytesReceived: 22_895 });
  });
  test("after itemized output (the tail of stdout)", () => {
    const itemized = Array.from({ length: 20 }, (_, i) => `>f+++++++++ dir/file ${i}`).join("\n");
    assert.deepEqual(parseStats(`${itemized}\n${captured}`), { filesTransferred: 1204, bytesSent: 3_532_328, bytesReceived: 22_895 });
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

describe("formatLine (terminal lines)", () => {
  /** Lines exactly as the run's pino logger writes them (same options as createRunLog), captured in memory. */
  function pinoLines(write: (logger: pino.Logger) => void): string[] {
    const lines: string[] = [];
    const logger = pino({ level: "debug", base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => lines.push(line) });
    write(logger);
    return lines;
  }
  test("a job's line: time, level, job, message, extra fields; one readable line, not JSON", () => {
    const [line] = pinoLines((logger) => logger.child({ job: "laptop" }).warn({ exitCode: 24, staging: "/mnt/b/laptop-incomplete" }, "some files vanished"));
    const text = formatLine(line!);
    assert.match(text, /^\d\d:\d\d:\d\d warn\s+laptop: some files vanished \(/);
    assert.ok(text.includes("exitCode=24"));
    assert.ok(text.includes("staging=/mnt/b/laptop-incomplete"));
    assert.ok(text.endsWith("\n"));
    assert.equal(text.split("\n").length, 2, "exactly one line");
    assert.ok(!text.includes('"level"') && !text.includes("{\""), `not JSON: ${text}`);
  });
  test("each level by name", () => {
    const lines = pinoLines((logger) => {
      logger.debug("d");
      logger.info("i");
      logger.warn("w");
      logger.error("e");
    });
    assert.deepEqual(lines.map((line) => formatLine(line).split(/\s+/)[1]), ["debug", "info", "warn", "error"]);
  });
  test("no job, no extras: no dangling text", () => {
    const [line] = pinoLines((logger) => logger.info("linkback started"));
    const text = formatLine(line!);
    assert.match(text, /^\d\d:\d\d:\d\d info\s+linkback started\n$/);
    assert.ok(!text.includes("undefined"));
  });
  test("object values are shown compactly", () => {
    const [line] = pinoLines((logger) => logger.info({ stale: { pid: 123 } }, "took over a stale lock"));
    assert.ok(formatLine(line!).includes('stale={"pid":123}'));
  });
});

describe("hooks", () => {
  const job = (overrides: Partial<Job> = {}): Job => ({
    name: "univac", file: "/repo/jobs/univac.ts", prefix: "univac", backupDir: "/mnt/sda1/backups", source: "root@192.168.1.20:/",
    excludes: [], rsyncArgs: [], hooks: {}, cycle: DAILY, alertCycle: threeTimes(DAILY), enabled: true, minKeepCount: 1, ...overrides,
  });

  test("hookEnvironment: every LINKBACK_* variable, as strings", () => {
    const failed: HookContext = { job: "univac", snapshot: "univac-2026-11-22", status: "failed", exitCode: 23, error: "rsync failed with exit 23", durationMs: 1234.6 };
    assert.deepEqual(hookEnvironment(failed), {
      LINKBACK_JOB: "univac",
      LINKBACK_SNAPSHOT: "univac-2026-11-22",
      LINKBACK_STATUS: "failed",
      LINKBACK_EXIT_CODE: "23",
      LINKBACK_ERROR: "rsync failed with exit 23",
      LINKBACK_DURATION_MS: "1235",
    });
  });
  test("hookEnvironment: before rsync, exit code and error are empty, never 'undefined'", () => {
    const env = hookEnvironment({ job: "univac", snapshot: "univac-2026-11-22", status: "pending", durationMs: 0 });
    assert.equal(env.LINKBACK_STATUS, "pending");
    assert.equal(env.LINKBACK_EXIT_CODE, "");
    assert.equal(env.LINKBACK_ERROR, "");
    assert.equal(env.LINKBACK_DURATION_MS, "0");
    assert.equal(hookEnvironment({ job: "j", snapshot: "s", status: "ok", exitCode: 0, durationMs: 5 }).LINKBACK_EXIT_CODE, "0");
  });

  test("describeHook: a shell string is shown as run by sh, with its text", () => {
    const text = describeHook("logger -t backup 'univac backup failed'", job());
    assert.ok(text.includes("sh"));
    assert.ok(text.includes("logger -t backup 'univac backup failed'"));
  });
  test("describeHook: an argv array is its words", () => {
    assert.equal(describeHook(["logger", "-t", "backup", "done"], job()), "logger -t backup done");
  });
  test("describeHook: a function by name, or anonymous", () => {
    async function tellMonitoring() {}
    assert.ok(describeHook(tellMonitoring, job()).includes("tellMonitoring"));
    const anonymous = [async () => {}][0]!;
    assert.ok(describeHook(anonymous, job()).startsWith("function"));
  });
  test("describeHook: notify() says who, what, and the job's ssh to the source host that carries its script", () => {
    const ssh = "ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts";
    const text = describeHook(notify("Root backup done", { user: "ben", display: ":0.0" }), job({ ssh }));
    assert.equal(text, `notify ben on root@192.168.1.20: "Root backup done" (notify-send -a linkback -u normal; script on stdin of: ${ssh} root@192.168.1.20 'sh -s')`);
  });
  test("describeHook: notify() for a local source runs sh -s here", () => {
    assert.equal(describeHook(notify("done"), job({ source: "/home/ben" })), `notify the user ssh logs in as on this machine: "done" (notify-send -a linkback -u normal; script on stdin of: sh -s)`);
  });
  test("describeHook: remote() uses the structured ssh settings", () => {
    const text = describeHook(remote("uptime"), job({ source: "ben@laptop.lan:/home", ssh: { identityFile: "/k/id", port: 2222 } }));
    assert.ok(text.startsWith("ssh "), text);
    assert.ok(text.includes("-i /k/id") && text.includes("-p 2222"), text);
    assert.ok(text.endsWith(" ben@laptop.lan uptime"), text);
  });
  test("describeHook: remote() without ssh settings is plain ssh to the host", () => {
    assert.equal(describeHook(remote("uptime"), job()), "ssh root@192.168.1.20 uptime");
    assert.equal(describeHook(remote("uptime"), job({ source: "root@[::1]:/srv" })), "ssh root@::1 uptime");
  });
  test("describeHook: remote() with a source that has no ssh host is an error naming the source", () => {
    assert.throws(() => describeHook(remote("uptime"), job({ source: "/home/ben" })), /\/home\/ben/);
    assert.throws(() => describeHook(remote("uptime"), job({ source: "rsync://host/mod" })), /rsync:\/\/host\/mod/);
  });
});
