// The run's logger: pino JSON lines to a log file, readable lines to a terminal, lifecycle lines to syslog.
// A log file that cannot be written is one warning (terminal and syslog), never a failed backup.
import { join } from "node:path";
import pino, { type Logger } from "pino";
import { type SyslogLevel, type SyslogSink, openSyslog } from "./syslog.ts";
import { quoteArgv } from "../process/shellWords.ts";
import { LogFile, logLimit } from "./logFile.ts";
import { clearProgress } from "./terminal.ts";

export type { Logger } from "pino";

export interface LogSetup {
  /** Directory of `linkback.log` (JSON lines); undefined writes no log file (dry runs). */
  logDir: string | undefined;
  /** Lowest level written to `linkback.log`: `debug`, or `trace` with -v (what an idle tick says). */
  fileLevel?: "trace" | "debug";
  /** Lowest level printed on stderr: `info` on a terminal, `warn` under cron. */
  consoleLevel: "trace" | "debug" | "info" | "warn" | "error" | "silent";
  /** Send info and above to syslog. */
  syslog: boolean;
}

export interface RunLog {
  logger: Logger;
  /** Flush everything; call before exiting. */
  close(): Promise<void>;
}

/** Create the logger for one invocation of linkback. */
export function createRunLog(setup: LogSetup): RunLog {
  const streams: pino.StreamEntry[] = [];
  let logger: Logger | undefined;
  const file = setup.logDir === undefined ? undefined : new LogFile(join(setup.logDir, "linkback.log"), logLimit(), (problem) => {
    // Said after the line that found it is written everywhere else (the file is out of the streams by then).
    queueMicrotask(() => logger?.warn(problem));
  });
  if (file !== undefined) streams.push({ level: setup.fileLevel ?? "debug", stream: file });
  if (setup.consoleLevel !== "silent") {
    const write = (line: string) => {
      clearProgress(); // a log line never lands in the middle of rsync's progress line
      process.stderr.write(formatLine(line));
    };
    streams.push({ level: setup.consoleLevel, stream: { write } });
  }
  const syslog = setup.syslog ? openSyslog() : undefined;
  if (syslog !== undefined) streams.push({ level: "info", stream: { write: (line: string) => forwardToSyslog(syslog, line) } });
  const made = pino({ level: "trace", base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
  logger = made;
  return {
    logger: made,
    async close() {
      await new Promise<void>((resolve) => queueMicrotask(resolve)); // a last warning about the log file
      made.flush();
      file?.close();
      await syslog?.close();
    },
  };
}

interface Entry {
  level: number;
  time: string;
  msg: string;
  job?: string;
  [field: string]: unknown;
}

const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
const HIDDEN = new Set(["level", "time", "msg", "job", "argv", "detail"]);

/** A JSON log line as one readable line: `12:00:01 warn  laptop: message (key=value)`. */
export function formatLine(line: string): string {
  const entry = JSON.parse(line) as Entry;
  const level = (LEVEL_NAMES[entry.level] ?? "info").padEnd(5);
  const time = entry.time.slice(11, 19);
  const extras = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  const who = entry.job === undefined ? "" : `${entry.job}: `;
  return `${time} ${level} ${who}${entry.msg}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}\n`;
}

/** For syslog: 20 --link-dest paths would pass logger(1)'s 1 KiB line, so name the first and count the rest. */
function withFewerLinkDests(argv: string[]): string[] {
  const links = argv.filter((word) => word.startsWith("--link-dest="));
  if (links.length <= 1) return argv;
  const kept = argv.filter((word) => !word.startsWith("--link-dest=") || word === links[0]);
  kept.splice(kept.indexOf(links[0]!) + 1, 0, `(+${links.length - 1} older --link-dest)`);
  return kept;
}

function forwardToSyslog(sink: SyslogSink, line: string): void {
  const entry = JSON.parse(line) as Entry;
  const level: SyslogLevel = entry.level >= 50 ? "err" : entry.level >= 40 ? "warning" : "info";
  // The command as a shell would split it back (paths with spaces stay one word); a prune's reason too.
  const command = Array.isArray(entry.argv) ? ` ${quoteArgv(withFewerLinkDests(entry.argv as string[]))}` : "";
  const reason = typeof entry.reason === "string" ? ` (${entry.reason})` : "";
  sink.send(level, `${entry.job === undefined ? "" : `${entry.job}: `}${entry.msg}${reason}${command}`);
}
