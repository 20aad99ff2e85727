// A real rsyslogd for tests, receiving on /dev/log (where syslog(3) and logger(1) write) and writing every
// message as one JSON line (facility, severity, tag, program, sender pid, message) to a temp file.
//
// /dev/log free (containers, CI): our rsyslogd creates it and removes it when stopped.
// /dev/log taken (journald or the machine's own rsyslogd): the machine's logging is left alone; our rsyslogd
// listens on a socket in its temp dir, and wrap() runs a command in a private mount namespace where that
// socket is bind-mounted over /dev/log.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, lstat, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { tempDir } from "./cli.ts";

export const RSYSLOGD = "/usr/sbin/rsyslogd";
const DEV_LOG = "/dev/log";

export interface SyslogLine {
  facility: string;
  severity: string;
  /** The tag as sent, e.g. `linkback[1234]:` or `linkback:`. */
  tag: string;
  program: string;
  /** The sending process's pid, taken from the socket (SCM_CREDENTIALS), not from the tag. */
  pid: number;
  msg: string;
}

export interface Rsyslog {
  /** `own`: ours is /dev/log; `namespace`: commands must be run through wrap(). */
  mode: "own" | "namespace";
  /** The file every received message is written to. */
  file: string;
  /** argv (program first, absolute paths) that runs `argv` with its /dev/log reaching this rsyslogd. */
  wrap(argv: string[]): string[];
  /** Every line received so far. */
  lines(): Promise<SyslogLine[]>;
  /** Poll until `predicate` holds for the lines received (rsyslog is asynchronous); throws after the timeout. */
  waitFor(predicate: (lines: SyslogLine[]) => boolean, what: string, timeoutMs?: number): Promise<SyslogLine[]>;
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/** Why a real rsyslogd cannot run here, or undefined when it can. */
export async function rsyslogMissing(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "rsyslog tests need root (rsyslogd must own /dev/log)";
  for (const [program, pkg] of [[RSYSLOGD, "rsyslog"], ["/usr/bin/logger", "bsdutils"], ["/usr/bin/unshare", "util-linux"], ["/usr/bin/setpriv", "util-linux"]] as const) {
    try {
      await access(program, constants.X_OK);
    } catch {
      return `${program} is not installed (apt-get install ${pkg})`;
    }
  }
  return undefined;
}

/** Start rsyslogd; resolves once a probe message sent through its socket has reached the file. */
export async function startRsyslog(): Promise<Rsyslog> {
  const temp = await tempDir("linkback-rsyslog");
  const dir = temp.path;
  const file = join(dir, "messages.jsonl");
  const mode = (await devLogState()) === "absent" ? "own" : "namespace";
  const socket = mode === "own" ? DEV_LOG : join(dir, "log.sock");
  const config = join(dir, "rsyslog.conf");
  await writeFile(
    config,
    `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imuxsock" SysSock.Name="${socket}" SysSock.RateLimit.Interval="0" SysSock.UsePIDFromSystem="on")
template(name="linkbackTest" type="list") {
  constant(value="{\\"facility\\":\\"") property(name="syslogfacility-text" format="json")
  constant(value="\\",\\"severity\\":\\"") property(name="syslogseverity-text" format="json")
  constant(value="\\",\\"tag\\":\\"") property(name="syslogtag" format="json")
  constant(value="\\",\\"program\\":\\"") property(name="programname" format="json")
  constant(value="\\",\\"pid\\":\\"") property(name="procid" format="json")
  constant(value="\\",\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\"}\\n")
}
*.* action(type="omfile" file="${file}" template="linkbackTest")
`,
  );

  let stderr = "";
  // setpriv --pdeathsig: rsyslogd dies with the test process even if the test is killed.
  const child: ChildProcess = spawn("setpriv", ["--pdeathsig", "KILL", "--", RSYSLOGD, "-n", "-f", config, "-i", join(dir, "rsyslogd.pid")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const lines = async (): Promise<SyslogLine[]> => {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      return [];
    }
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const raw = JSON.parse(line) as Record<string, string>;
        return { facility: raw.facility!, severity: raw.severity!, tag: raw.tag!, program: raw.program!, pid: Number(raw.pid), msg: raw.msg!.trim() };
      });
  };
  const waitFor = async (predicate: (lines: SyslogLine[]) => boolean, what: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await lines();
      if (predicate(current)) return current;
      if (child.exitCode !== null) throw new Error(`rsyslogd exited (${child.exitCode}) while waiting for ${what}:\n${stderr}`);
      if (Date.now() > deadline) {
        throw new Error(`syslog: ${what} did not arrive within ${timeoutMs} ms. Received:\n${current.map((line) => JSON.stringify(line)).join("\n")}\nrsyslogd:\n${stderr}`);
      }
      await sleep(100);
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    process.off("exit", killOnExit);
    // rsyslogd unlinks its socket on a clean exit; after a kill the dead socket would stay behind.
    if (mode === "own" && (await devLogState()) !== "absent") await unlink(DEV_LOG).catch(() => undefined);
  };
  const wrap = (argv: string[]) =>
    mode === "own" ? argv : ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", `/bin/mount --bind "$0" ${DEV_LOG} && exec "$@"`, socket, ...argv];

  // Ready when a probe sent the way linkback sends (logger to the socket) comes out in the file.
  const probe = `probe-${randomBytes(6).toString("hex")}`;
  const deadline = Date.now() + 15_000;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rsyslogd exited (${child.exitCode ?? child.signalCode}) on start:\n${stderr}`);
      await execa("logger", ["-u", socket, "-t", "linkback-test-probe", probe], { reject: false });
      if ((await lines()).some((line) => line.msg === probe)) break;
      if (Date.now() > deadline) throw new Error(`rsyslogd did not deliver a probe message within 15 s:\n${stderr}`);
      await sleep(200);
    }
  } catch (error) {
    await stop();
    await temp.cleanup();
    throw error;
  }

  return {
    mode,
    file,
    wrap,
    lines,
    waitFor,
    stop,
    async cleanup() {
      await stop();
      await temp.cleanup();
    },
  };
}

/**
 * argv that runs `argv` with no working /dev/log: as it is when /dev/log does not exist, else in a private
 * mount namespace with /dev/null over /dev/log (not a socket: every send fails).
 */
export async function withoutDevLog(argv: string[]): Promise<{ argv: string[]; how: string }> {
  if ((await devLogState()) === "absent") return { argv, how: "/dev/log does not exist" };
  return {
    argv: ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", `/bin/mount --bind /dev/null ${DEV_LOG} && exec "$@"`, "sh", ...argv],
    how: "/dev/log is /dev/null (not a socket)",
  };
}

/**
 * `absent`, `live` (someone receives on it), or a dead socket left by a killed syslog daemon, which is
 * removed (and reported `absent`) so that ours can take its place.
 */
async function devLogState(): Promise<"absent" | "live"> {
  try {
    await lstat(DEV_LOG);
  } catch {
    return "absent";
  }
  const probe = await execa("logger", ["--socket-errors=on", "-u", DEV_LOG, "-t", "linkback-test-probe", "is anyone there"], { reject: false });
  if (probe.exitCode !== 0 && /Connection refused/i.test(probe.stderr)) {
    const info = await lstat(DEV_LOG);
    if (info.isSocket()) {
      await rm(DEV_LOG, { force: true });
      return "absent";
    }
  }
  return "live";
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
