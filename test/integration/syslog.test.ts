// syslog lines of real runs, received by a real rsyslogd (test/helpers/rsyslog.ts): through posix-syslog
// (syslog(3)), through the logger(1) fallback, and a broken syslog that must never fail a backup.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { randomBytes } from "node:crypto";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { createRequire } from "node:module";
import { join } from "node:path";
import { execa } from "execa";
import { BIN, ROOT, listNames, tempDir, testEnv, writeJob, writeTree } from "../helpers/cli.ts";
import { type Rsyslog, type SyslogLine, rsyslogMissing, startRsyslog, withoutDevLog } from "../helpers/rsyslog.ts";
import { skipUnlessCi } from "../helpers/sshd.ts";

const DAYS = ["2026-11-20T03:00:00", "2026-11-21T03:00:00", "2026-11-22T03:00:00"];
const skip = skipUnlessCi(await rsyslogMissing());
/** linkback runs under this same Node (process.execPath): can it load the native module? */
function posixSyslogProblem(): string | undefined {
  try {
    createRequire(join(ROOT, "package.json"))("posix-syslog");
    return undefined;
  } catch (error) {
    const why = (error instanceof Error ? error.message : String(error)).replaceAll(/\s+/g, " ").slice(0, 240);
    return `posix-syslog does not load under Node ${process.version} (npm ci builds its native module for the Node it runs with, and needs python3, make, g++): ${why}`;
  }
}
/**
 * Where native modules are not expected (the router's Node in .ci/node18: npm ci built posix for the
 * machine's Node, and routers cannot build it at all), posix-syslog not loading is the point, not a missing
 * component: its cases skip and the logger(1) fallback cases carry the test.
 */
const nativeNotExpected = process.env.LINKBACK_TEST_NO_NATIVE === "1";
const posixProblem = posixSyslogProblem();
const skipPosix = skip !== false ? skip : nativeNotExpected && posixProblem !== undefined ? `${posixProblem} (LINKBACK_TEST_NO_NATIVE=1: expected here)` : skipUnlessCi(posixProblem);
/** Above the kernel's pid_max (at most 2^22): never a running process. */
const DEAD_PID = 2 ** 22 + 1;

describe("syslog lines reach a real rsyslogd", { skip }, () => {
  let rsyslog: Rsyslog;
  let temp: { path: string; cleanup: () => Promise<void> };
  /** A PATH with rsync and nothing else: no logger(1), so only posix-syslog can deliver. */
  let rsyncOnlyPath: string;

  before(async () => {
    temp = await tempDir("linkback-syslog");
    rsyncOnlyPath = join(temp.path, "rsync-only-bin");
    await mkdir(rsyncOnlyPath);
    const rsync = (await execa("sh", ["-c", "command -v rsync"])).stdout.trim();
    await symlink(rsync, join(rsyncOnlyPath, "rsync"));
    rsyslog = await startRsyslog();
  });

  after(async () => {
    await rsyslog?.cleanup();
    await temp?.cleanup();
  });

  /** A job with a unique name (its lines are found by it) and a source path holding printf directives. */
  async function setup(label: string, options: { keepDays?: number; missingSource?: boolean } = {}) {
    const name = `${label}${randomBytes(4).toString("hex")}`;
    const base = join(temp.path, name);
    const source = join(base, "src 100% %s %n %%");
    const backup = join(base, "backups");
    const jobs = join(base, "jobs");
    const logs = join(base, "logs");
    await mkdir(backup, { recursive: true });
    if (options.missingSource !== true) await writeTree(source, { "a.txt": "a\n", "dir/b.txt": "b\n" });
    await writeJob(jobs, name, { prefix: name, backupDir: backup, source, ...(options.keepDays === undefined ? {} : { keepDays: options.keepDays }) });
    return { name, source, backup, jobs, logs };
  }

  /** Run the real binary (through rsyslog.wrap when our /dev/log lives in a mount namespace). */
  async function run(t: { name: string; jobs: string; logs: string }, now: string, env: Record<string, string | undefined>, wrap = (argv: string[]) => rsyslog.wrap(argv)) {
    const argv = wrap([process.execPath, BIN, "run", t.name, "--jobs", t.jobs]);
    const subprocess = execa(argv[0]!, argv.slice(1), {
      env: { ...testEnv({ logDir: t.logs, now }), ...env } as Record<string, string>,
      cwd: ROOT,
      reject: false,
      stdin: "ignore",
      timeout: 60_000,
    });
    const result = await subprocess;
    return { exitCode: result.exitCode, stderr: String(result.stderr), pid: subprocess.pid! };
  }

  /** This job's lines (`JOB: …` from tag `linkback`), message without the job prefix. */
  const ofJob = (lines: SyslogLine[], job: string) =>
    lines.filter((line) => line.program === "linkback" && line.msg.startsWith(`${job}: `)).map((line) => ({ ...line, text: line.msg.slice(job.length + 2) }));

  const paths = [
    // LINKBACK_SYSLOG unset, and no logger(1) on PATH: only posix-syslog can deliver.
    { path: "posix-syslog", label: "sysposix", env: () => ({ LINKBACK_SYSLOG: undefined, PATH: rsyncOnlyPath }), fromLinkback: true },
    { path: "LINKBACK_SYSLOG=posix", label: "sysforced", env: () => ({ LINKBACK_SYSLOG: "posix" }), fromLinkback: true },
    { path: "the logger(1) fallback", label: "syslogger", env: () => ({ LINKBACK_SYSLOG: "logger" }), fromLinkback: false },
  ];

  for (const way of paths) {
    const wayOptions = { skip: way.fromLinkback ? skipPosix : false };
    test(`${way.path}: started, the rsync command, its exit code and meaning, each prune, finished`, wayOptions, async () => {
      const t = await setup(way.label, { keepDays: 2 });
      for (const day of DAYS.slice(0, 2)) {
        const result = await run(t, day, way.env());
        assert.equal(result.exitCode, 0, result.stderr);
      }
      // A stale lock (its pid is not running) is taken over with a warning: the warning severity.
      await writeFile(join(t.backup, `.linkback-${t.name}.lock`), `${JSON.stringify({ pid: DEAD_PID, hostname: hostname(), job: t.name, startedAt: "2026-11-21T03:00:00.000Z" })}\n`);
      const third = await run(t, DAYS[2]!, way.env());
      assert.equal(third.exitCode, 0, third.stderr);
      assert.deepEqual(await listNames(t.backup), [`${t.name}-2026-11-21`, `${t.name}-2026-11-22`]);

      const expected: [string, RegExp][] = [
        ["started", new RegExp(`^backup started: ${t.name}-2026-11-22$`)],
        [
          "the rsync command with its exit code and meaning",
          new RegExp(`^rsync exited 0: success rsync -aH .*--link-dest=${t.backup}/${t.name}-2026-11-21 .*-- '${escape(t.source)}/' ${t.backup}/${t.name}-incomplete/$`),
        ],
        ["the keep", new RegExp(`^keeping ${t.name}-2026-11-21\\b.*1 day\\(s\\) old, within keepDays 2`)],
        ["the delete", new RegExp(`^deleting ${t.name}-2026-11-20\\b.*2 day\\(s\\) old, kept by no rule \\(keepDays 2, minKeep 1\\)`)],
        ["finished", new RegExp(`^backup finished: ${t.name}-2026-11-22$`)],
      ];
      const fromThird = (lines: SyslogLine[]) => ofJob(lines, t.name).filter((line) => (way.fromLinkback ? line.pid === third.pid : true));
      const lines = await rsyslog.waitFor(
        (all) => {
          const mine = fromThird(all);
          return expected.every(([, pattern]) => mine.some((line) => pattern.test(line.text))) && mine.some((line) => line.text.startsWith("took over"));
        },
        `the lifecycle lines of ${t.name} (${way.path})`,
      );
      const mine = fromThird(lines);
      const warning = mine.find((line) => line.text.startsWith(`took over a stale lock of pid ${DEAD_PID} `));
      assert.ok(warning !== undefined, `the stale-lock warning in\n${mine.map((line) => line.msg).join("\n")}`);
      assert.equal(warning.severity, "warning");
      for (const [what, pattern] of expected) {
        const line = mine.find((candidate) => pattern.test(candidate.text));
        assert.ok(line !== undefined, `${what}: no line matching ${pattern} in\n${mine.map((l) => l.msg).join("\n")}`);
        assert.equal(line.facility, "user", `${what}: facility`);
        assert.equal(line.severity, "info", `${what}: severity`);
        assert.match(line.tag, /^linkback(\[\d+\])?:$/);
      }
      if (way.fromLinkback) {
        // posix-syslog: the lines come from linkback's own process (syslog(3)), tagged with its pid.
        assert.ok(mine.every((line) => line.tag === `linkback[${third.pid}]:`), mine.map((line) => line.tag).join(" "));
      } else {
        // logger(1): the sender is a logger process, not linkback.
        const all = ofJob(lines, t.name);
        assert.ok(all.length > 0 && all.every((line) => line.pid !== third.pid), "lines came through logger(1)");
      }
      // Debug lines (the hook/lock chatter) are not syslog's business; info and up only.
      assert.ok(ofJob(lines, t.name).every((line) => ["info", "warning", "err"].includes(line.severity)));
    });

    test(`${way.path}: a failed run's failure line arrives at severity err`, wayOptions, async () => {
      const t = await setup(`${way.label}fail`, { missingSource: true });
      const result = await run(t, DAYS[0]!, way.env());
      assert.equal(result.exitCode, 1, result.stderr);
      const pattern = new RegExp(`^job ${t.name}: source ${escape(t.source)} does not exist$`);
      const lines = await rsyslog.waitFor((all) => ofJob(all, t.name).some((line) => pattern.test(line.text)), `the failure line of ${t.name}`);
      const failure = ofJob(lines, t.name).find((line) => pattern.test(line.text))!;
      assert.equal(failure.severity, "err");
      assert.equal(failure.facility, "user");
      if (way.fromLinkback) assert.equal(failure.pid, result.pid);
      else assert.notEqual(failure.pid, result.pid);
    });
  }

  test("a broken syslog never fails a backup: LINKBACK_SYSLOG=logger and no logger(1) on PATH", async () => {
    const t = await setup("sysnologger");
    const result = await run(t, DAYS[0]!, { LINKBACK_SYSLOG: "logger", PATH: rsyncOnlyPath });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await listNames(t.backup), [`${t.name}-2026-11-20`]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(ofJob(await rsyslog.lines(), t.name), [], "nothing could have sent these lines");
  });

  test("a broken syslog never fails a backup: no /dev/log (posix-syslog and logger(1))", async () => {
    await rsyslog.stop();
    for (const [label, env] of [
      ["sysnodevlogposix", { LINKBACK_SYSLOG: undefined }],
      ["sysnodevloglogger", { LINKBACK_SYSLOG: "logger" }],
    ] as const) {
      const t = await setup(label);
      const { argv, how } = await withoutDevLog([process.execPath, BIN, "run", t.name, "--jobs", t.jobs]);
      const result = await run(t, DAYS[0]!, env, () => argv);
      assert.equal(result.exitCode, 0, `${how}: ${result.stderr}`);
      assert.deepEqual(await listNames(t.backup), [`${t.name}-2026-11-20`], how);
    }
  });
});

function escape(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
