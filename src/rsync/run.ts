// The only place rsync is started: argv array (no shell), output to the per-job rsync log, stoppable by signal.
import { type WriteStream, createWriteStream, openSync } from "node:fs";
import { dirname } from "node:path";
import { loadExeca } from "../process/execa.ts";
import { ensureDir } from "../log/logDir.ts";

export interface RsyncOutcome {
  /** rsync's exit status; 127 when rsync could not be started at all. */
  exitCode: number;
  /** Set when rsync could not be started (not installed, not executable). */
  startError: string | undefined;
  /** The last lines rsync wrote on stderr (its own error messages). */
  stderrTail: string;
  stats: RsyncStats;
  canceled: boolean;
  /** Why rsync's output could not be written to its log file, if it could not. */
  logProblem: string | undefined;
}

export interface RsyncStats {
  filesTransferred?: number;
  bytesSent?: number;
  bytesReceived?: number;
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
  const { log, problem } = openLog(options.logFile);
  const execa = await loadExeca();
  const subprocess = execa(file!, args, {
    stdin: "ignore",
    stdout: options.logFile === undefined ? "inherit" : "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    ...(options.cancelSignal === undefined ? {} : { cancelSignal: options.cancelSignal, forceKillAfterDelay: 10_000 }),
  });
  let stderrTail = "";
  let stdoutTail = "";
  subprocess.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
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
  if (log !== undefined) await new Promise((resolve) => log.end(resolve));
  const notFound = result.exitCode === undefined && /ENOENT/.test(result.message ?? "");
  return {
    exitCode: result.exitCode ?? (notFound ? 127 : 20),
    // One line ("spawn rsync ENOENT"): execa's shortMessage repeats the whole command line before it.
    startError: result.exitCode === undefined && !result.isCanceled && result.signal === undefined ? (result.originalMessage ?? result.shortMessage ?? "").split("\n")[0] : undefined,
    stderrTail: stderrTail.trim(),
    stats: parseStats(stdoutTail),
    canceled: result.isCanceled,
    logProblem: problem,
  };
}

/** Open the per-job rsync log; a log that cannot be written never stops a backup. */
function openLog(path: string | undefined): { log: WriteStream | undefined; problem: string | undefined } {
  if (path === undefined) return { log: undefined, problem: undefined };
  try {
    ensureDir(dirname(path));
    const log = createWriteStream(path, { fd: openSync(path, "w") });
    log.on("error", () => {}); // e.g. the log disk filled up mid-run: the backup goes on
    return { log, problem: undefined };
  } catch (error) {
    return { log: undefined, problem: `${path}: ${(error as Error).message}` };
  }
}

/** The numbers of `rsync --stats` that the run summary uses. */
export function parseStats(text: string): RsyncStats {
  const number = (label: RegExp) => {
    const match = label.exec(text);
    // `-h` among rsyncArgs prints `3.53M`: rounded, in units of 1000 or 1024 it does not say. Leave it out.
    if (match?.[1] === undefined || match[2] !== "") return undefined;
    return Number(match[1].replaceAll(/[,.]/g, ""));
  };
  const stats: RsyncStats = {};
  const files = number(/Number of regular files transferred: ([\d,.]+)([A-Za-z]?)/);
  const sent = number(/Total bytes sent: ([\d,.]+)([A-Za-z]?)/);
  const received = number(/Total bytes received: ([\d,.]+)([A-Za-z]?)/);
  if (files !== undefined) stats.filesTransferred = files;
  if (sent !== undefined) stats.bytesSent = sent;
  if (received !== undefined) stats.bytesReceived = received;
  return stats;
}
