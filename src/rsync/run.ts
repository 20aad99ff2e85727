// The only place rsync is started: argv array (no shell), output to the per-job rsync log, stoppable by signal.
import { createWriteStream } from "node:fs";
import { execa } from "execa";

export interface RsyncOutcome {
  /** rsync's exit status; 127 when rsync could not be started at all. */
  exitCode: number;
  /** Set when rsync could not be started (not installed, not executable). */
  startError: string | undefined;
  /** The last lines rsync wrote on stderr (its own error messages). */
  stderrTail: string;
  stats: RsyncStats;
  canceled: boolean;
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
}

/** Run rsync to completion. Never throws for rsync's own failures: they are in the outcome. */
export async function runRsync(argv: readonly string[], options: RsyncRunOptions): Promise<RsyncOutcome> {
  const [file, ...args] = argv;
  const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: "w" });
  const subprocess = execa(file!, args, {
    stdin: "ignore",
    stdout: log === undefined ? "inherit" : "pipe",
    stderr: "pipe",
    buffer: false,
    reject: false,
    ...(options.cancelSignal === undefined ? {} : { cancelSignal: options.cancelSignal, forceKillAfterDelay: 10_000 }),
  });
  let stderrTail = "";
  let stdoutTail = "";
  subprocess.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
    if (log === undefined) process.stderr.write(chunk);
    else log.write(chunk);
  });
  subprocess.stdout?.on("data", (chunk: Buffer) => {
    stdoutTail = (stdoutTail + chunk.toString()).slice(-4000);
    log?.write(chunk);
  });
  const result = await subprocess;
  if (log !== undefined) await new Promise((resolve) => log.end(resolve));
  const notFound = result.exitCode === undefined && /ENOENT/.test(result.message ?? "");
  return {
    exitCode: result.exitCode ?? (notFound ? 127 : 20),
    // One line ("spawn rsync ENOENT"): execa's shortMessage repeats the whole command line before it.
    startError: result.exitCode === undefined && !result.isCanceled && result.signal === undefined ? (result.originalMessage ?? result.shortMessage ?? "").split("\n")[0] : undefined,
    stderrTail: stderrTail.trim(),
    stats: parseStats(stdoutTail),
    canceled: result.isCanceled,
  };
}

/** The numbers of `rsync --stats` that the run summary uses. */
export function parseStats(text: string): RsyncStats {
  const number = (label: RegExp) => {
    const match = label.exec(text);
    return match?.[1] === undefined ? undefined : Number(match[1].replaceAll(/[,.]/g, ""));
  };
  const stats: RsyncStats = {};
  const files = number(/Number of regular files transferred: ([\d,.]+)/);
  const sent = number(/Total bytes sent: ([\d,.]+)/);
  const received = number(/Total bytes received: ([\d,.]+)/);
  if (files !== undefined) stats.filesTransferred = files;
  if (sent !== undefined) stats.bytesSent = sent;
  if (received !== undefined) stats.bytesReceived = received;
  return stats;
}
