// The only place rsync is started: argv array (no shell), output to the per-job rsync log, stoppable by signal.
import { constants } from "node:os";
import { loadExeca } from "../process/execa.ts";
import { CappedLog } from "../log/cappedLog.ts";
import { logLimit } from "../log/logFile.ts";

export interface RsyncOutcome {
  /** rsync's exit status; 127 when rsync could not be started at all; 128 + the signal's number when one killed it. */
  exitCode: number;
  /** The signal that killed rsync (not linkback's own stop), if one did. */
  signal?: string | undefined;
  /** Set when rsync could not be started (not installed, not executable). */
  startError: string | undefined;
  /** The last lines rsync wrote on stderr (its own error messages), each cut in its middle when very long. */
  stderrTail: string;
  /** rsync's lines about files it could not transfer (`rsync: [sender] send_files failed to open "…"`), the first 100 of them … */
  errors: string[];
  /** … and how many there were. */
  errorCount: number;
  stats: RsyncStats;
  canceled: boolean;
  /** Why rsync's output could not be written to its log file, if it could not. */
  logProblem: string | undefined;
}

export interface RsyncStats {
  filesTransferred?: number;
  bytesSent?: number;
  bytesReceived?: number;
  /** Entries in the transfer (files, directories, symlinks …): the snapshot's size in entries. */
  files?: number;
  /** Regular files among them. */
  regularFiles?: number;
  /** Sum of the sizes of all files: the snapshot's apparent size. */
  totalBytes?: number;
  /** Sum of the sizes of the transferred files: what this snapshot stores anew (the rest is linked). */
  transferredBytes?: number;
}

export interface RsyncRunOptions {
  /** Where rsync's stdout and stderr go (overwritten each run); undefined: our stdout/stderr. */
  logFile: string | undefined;
  cancelSignal: AbortSignal | undefined;
  /** Called with rsync's pid once it has started. */
  onSpawn?: ((pid: number) => Promise<void>) | undefined;
  /** With `--info=progress2` in the argv: called with each progress update (kept out of the log). */
  progress?: ((text: string) => void) | undefined;
}

/** A `--info=progress2` update: `  1,234,567  45%   12.34MB/s    0:00:12 (xfr#12, to-chk=100/2000)`. */
const PROGRESS = /^\s*[\d,.]+[KMGT]?\s+\d+%\s+\S+\s+\d+:\d\d:\d\d/;

/** Run rsync to completion. Never throws for rsync's own failures: they are in the outcome. */
export async function runRsync(argv: readonly string[], options: RsyncRunOptions): Promise<RsyncOutcome> {
  const [file, ...args] = argv;
  const log = options.logFile === undefined ? undefined : new CappedLog(options.logFile, logLimit());
  const execa = await loadExeca();
  const subprocess = execa(file!, args, {
    stdin: "ignore",
    stdout: options.logFile === undefined ? "inherit" : "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    ...(options.cancelSignal === undefined ? {} : { cancelSignal: options.cancelSignal, forceKillAfterDelay: 10_000 }),
  });
  const stderrLines = lineTail(30, 400);
  let stdoutTail = "";
  const errors = errorCollector();
  subprocess.stderr?.on("data", (chunk: Buffer) => {
    stderrLines.add(chunk.toString());
    errors.add(chunk.toString());
    if (options.logFile === undefined) process.stderr.write(chunk);
    else log?.write(chunk);
  });
  let pending = "";
  subprocess.stdout?.on("data", (chunk: Buffer) => {
    stdoutTail = (stdoutTail + chunk.toString()).slice(-4000);
    if (options.progress === undefined) {
      log?.write(chunk);
      return;
    }
    // Progress updates end in \r and overwrite each other; everything else is a line for the log.
    const parts = (pending + chunk.toString()).split(/(?<=[\r\n])/);
    pending = /[\r\n]$/.test(parts.at(-1) ?? "") ? "" : (parts.pop() ?? "");
    for (const part of parts) {
      const text = part.replace(/[\r\n]+$/, "");
      if (PROGRESS.test(text)) options.progress(text.trim().replaceAll(/\s+/g, " "));
      else if (text !== "" || part.endsWith("\n")) log?.write(`${text}\n`);
    }
  });
  const noted = subprocess.pid === undefined ? undefined : options.onSpawn?.(subprocess.pid).catch(() => {});
  const result = await subprocess;
  await noted;
  if (pending !== "") log?.write(pending);
  log?.end();
  const notFound = result.exitCode === undefined && /ENOENT/.test(result.message ?? "");
  const signal = result.isCanceled ? undefined : result.signal;
  const signalled = signal === undefined ? undefined : 128 + (constants.signals[signal as NodeJS.Signals] ?? 0);
  return {
    exitCode: result.exitCode ?? signalled ?? (notFound ? 127 : 20),
    signal,
    // One line ("spawn rsync ENOENT"): execa's shortMessage repeats the whole command line before it.
    startError: result.exitCode === undefined && !result.isCanceled && result.signal === undefined ? (result.originalMessage ?? result.shortMessage ?? "").split("\n")[0] : undefined,
    stderrTail: stderrLines.text().trim(),
    errors: errors.lines,
    errorCount: errors.count,
    stats: parseStats(stdoutTail),
    canceled: result.isCanceled,
    logProblem: log?.problem,
  };
}

/**
 * The last `count` lines of a stream, each at most `width` characters: a long line keeps its start and its
 * end ("filename overflows max-path len by 171: /very/long/…/name") — its reason is at the start.
 */
export function lineTail(count: number, width: number) {
  const lines: string[] = [];
  let pending = "";
  const cut = (line: string) => (line.length <= width ? line : `${line.slice(0, width / 2)} … ${line.slice(-width / 2 + 3)}`);
  return {
    add(text: string) {
      const parts = (pending + text).split("\n");
      pending = parts.pop() ?? "";
      if (pending.length > 64 * 1024) pending = `${pending.slice(0, width)}${pending.slice(-width)}`; // a line without end
      for (const line of parts) lines.push(cut(line));
      if (lines.length > count) lines.splice(0, lines.length - count);
    },
    text: () => [...lines, ...(pending === "" ? [] : [cut(pending)])].join("\n"),
  };
}

/** rsync's own error lines, as they come (chunks split anywhere): the first 100 kept, all counted. */
function errorCollector() {
  const lines: string[] = [];
  let count = 0;
  let pending = "";
  return {
    lines,
    get count() {
      return count;
    },
    add(text: string) {
      const parts = (pending + text).split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) {
        // A file rsync could not transfer: `rsync: [sender] send_files failed to open "…"`, `symlink has no
        // referent: "…"`, `filename overflows max-path len by 171: …`; not rsync's summary (`rsync error: …`), not a vanished file (24's, no failure).
        const named = line.includes('"') || line.startsWith("filename overflows max-path len");
        if (!named || line.startsWith("rsync error:") || /vanished/.test(line)) continue;
        count++;
        if (lines.length < 100) lines.push(line.trim());
      }
    },
  };
}

/** The paths rsync's error lines name (the first quoted one of each line). */
export function failedPaths(errors: readonly string[]): string[] {
  return errors.map((line) => /"([^"]*)"/.exec(line)?.[1] ?? /^filename overflows max-path len by \d+: (.*)$/.exec(line)?.[1] ?? line);
}

/** The numbers of `rsync --stats`: the run summary, and what the snapshot's record keeps. */
export function parseStats(text: string): RsyncStats {
  const number = (label: RegExp) => {
    const match = label.exec(text);
    // `-h` among rsyncArgs prints `3.53M`: rounded, in units of 1000 or 1024 it does not say. Leave it out.
    if (match?.[1] === undefined || match[2] !== "") return undefined;
    return Number(match[1].replaceAll(/[,.]/g, ""));
  };
  const found: [keyof RsyncStats, number | undefined][] = [
    ["filesTransferred", number(/Number of regular files transferred: ([\d,.]+)([A-Za-z]?)/)],
    ["bytesSent", number(/Total bytes sent: ([\d,.]+)([A-Za-z]?)/)],
    ["bytesReceived", number(/Total bytes received: ([\d,.]+)([A-Za-z]?)/)],
    ["files", number(/Number of files: ([\d,.]+)([A-Za-z]?)/)],
    ["regularFiles", number(/Number of files: [^\n]*\breg: ([\d,.]+)([A-Za-z]?)/)],
    ["totalBytes", number(/Total file size: ([\d,.]+)([A-Za-z]?) bytes/)],
    ["transferredBytes", number(/Total transferred file size: ([\d,.]+)([A-Za-z]?) bytes/)],
  ];
  const stats: RsyncStats = {};
  for (const [key, value] of found) if (value !== undefined) stats[key] = value;
  return stats;
}
