// Lifecycle lines to syslog with tag `linkback`: through posix-syslog (native) when it loads, else through
// logger(1) (util-linux or BusyBox, as on routers that cannot build native modules). Never throws.
import { createRequire } from "node:module";
import type { ResultPromise, execa as ExecaFunction } from "execa";
import { loadExeca } from "../process/execa.ts";

export type SyslogLevel = "info" | "warning" | "err";

export interface SyslogSink {
  send(level: SyslogLevel, message: string): void;
  /** Wait until every line has been handed over. */
  close(): Promise<void>;
}

interface PosixSyslog {
  open(identity: string, options: Record<string, boolean>, facility: string): unknown;
  close(): unknown;
  info(format: string, ...args: unknown[]): void;
  warning(format: string, ...args: unknown[]): void;
  err(format: string, ...args: unknown[]): void;
}

/**
 * Open the syslog sink. `LINKBACK_SYSLOG` chooses: `posix` (native only), `logger` (logger(1) only),
 * `off`; unset tries posix-syslog and falls back to logger(1).
 */
export function openSyslog(mode: string | undefined = process.env.LINKBACK_SYSLOG): SyslogSink {
  if (mode === "off") return OFF;
  if (mode !== "logger") {
    const native = loadPosixSyslog();
    const sink = native === undefined ? undefined : posixSink(native);
    if (sink !== undefined) return sink;
    if (mode === "posix") return OFF; // forced: never the logger(1) path; and a syslog problem never fails a backup
  }
  return loggerSink();
}

const OFF: SyslogSink = { send() {}, async close() {} };

function loadPosixSyslog(): PosixSyslog | undefined {
  try {
    return createRequire(import.meta.url)("posix-syslog") as PosixSyslog;
  } catch {
    return undefined; // not installed, or the native `posix` module did not build for this Node
  }
}

function posixSink(native: PosixSyslog): SyslogSink | undefined {
  try {
    native.open("linkback", { pid: true, ndelay: true }, "user");
  } catch {
    return undefined;
  }
  return {
    send(level, message) {
      try {
        native[level]("%s", message); // never let a `%` in a path be read as a format
      } catch {
        /* a syslog problem never fails a backup */
      }
    },
    async close() {
      try {
        native.close();
      } catch {
        /* ignore */
      }
    },
  };
}

/**
 * One `logger -t linkback -p user.LEVEL` process per level, fed one line per message on stdin. execa is
 * loaded when the first line comes (a run that logs nothing to syslog loads nothing); lines wait for it.
 */
function loggerSink(): SyslogSink {
  const children = new Map<SyslogLevel, ResultPromise>();
  const waiting: [SyslogLevel, string][] = [];
  let execa: typeof ExecaFunction | undefined;
  let loading: Promise<void> | undefined;
  const child = (level: SyslogLevel) => {
    let process = children.get(level);
    if (process === undefined) {
      process = execa!("logger", ["-t", "linkback", "-p", `user.${level}`], { stdin: "pipe", stdout: "ignore", stderr: "ignore", reject: false });
      process.stdin?.on("error", () => {});
      children.set(level, process);
    }
    return process;
  };
  const write = (level: SyslogLevel, message: string) => {
    try {
      child(level).stdin?.write(`${message.replaceAll("\n", " ")}\n`);
    } catch {
      /* logger missing: a syslog problem never fails a backup */
    }
  };
  return {
    send(level, message) {
      if (execa !== undefined) return write(level, message);
      waiting.push([level, message]);
      loading ??= loadExeca().then(
        (loaded) => {
          execa = loaded;
          for (const [waitingLevel, text] of waiting.splice(0)) write(waitingLevel, text);
        },
        () => void waiting.splice(0),
      );
    },
    async close() {
      await loading;
      for (const process of children.values()) process.stdin?.end();
      await Promise.all([...children.values()].map((process) => process.catch(() => undefined)));
    },
  };
}
