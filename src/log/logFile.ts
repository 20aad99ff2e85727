// linkback.log, capped for routers (they have no logrotate, and their flash is small): when the file would
// pass its limit it becomes linkback.log.1 — the one before is dropped — so the log never takes more than
// twice the limit. Opened on the first line only: a quiet tick does not even touch it. A log that cannot be
// written (disk full, read-only, removed) is said once, and the run goes on: logging never decides a backup.
import { closeSync, fstatSync, openSync, renameSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { ensureDir } from "./logDir.ts";

/** The default cap of linkback.log: 1 MiB (about four months of a 5-job router's ticks at info level). */
export const DEFAULT_LOG_LIMIT = 1024 * 1024;

/** The log's cap: `LINKBACK_LOG_LIMIT` (bytes; `k`/`M` suffixes in units of 1024), else 1 MiB; at least 4 KiB. */
export function logLimit(env: NodeJS.ProcessEnv = process.env): number {
  const match = /^(\d+)\s*([kKmM]?)$/.exec(env.LINKBACK_LOG_LIMIT?.trim() ?? "");
  if (match === null) return DEFAULT_LOG_LIMIT;
  const bytes = Number(match[1]) * (match[2] === "" ? 1 : /k/i.test(match[2]!) ? 1024 : 1024 * 1024);
  return Math.max(4096, bytes);
}

/** Why a log could not be written, in words: "its disk is full", "its filesystem is read-only", else the error. */
export function writeProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOSPC" ? "its disk is full" : code === "EROFS" ? "its filesystem is read-only" : (error as Error).message;
}

export class LogFile {
  private fd: number | undefined;
  private size = 0;
  private broken = false;

  /** `onProblem` is told once why the log cannot be written (the caller warns on stderr and syslog). */
  constructor(
    readonly path: string,
    private readonly limit: number,
    private readonly onProblem: (message: string) => void,
  ) {}

  /** pino's stream interface: one JSON line. Never throws. */
  write(line: string): void {
    if (this.broken) return;
    try {
      const bytes = Buffer.byteLength(line);
      if (this.fd === undefined) this.open();
      if (this.size + bytes > this.limit && this.size > 0) this.rotate();
      writeSync(this.fd!, line);
      this.size += bytes;
    } catch (error) {
      this.broken = true;
      this.close();
      this.onProblem(`cannot write the log file ${this.path}: ${writeProblem(error)}; linkback goes on without it (the backup is not affected)`);
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // nothing left to save
    }
    this.fd = undefined;
  }

  private open(): void {
    ensureDir(dirname(this.path));
    this.fd = openSync(this.path, "a", 0o644);
    this.size = fstatSync(this.fd).size;
  }

  /**
   * linkback.log → linkback.log.1, and a new linkback.log. Another linkback (a `run` beside a `due`) may have
   * done it already: then the file this one writes to is .1, and it only opens the new one.
   */
  private rotate(): void {
    const mine = fstatSync(this.fd!);
    const current = statSync(this.path, { throwIfNoEntry: false });
    if (current === undefined || current.ino !== mine.ino || current.dev !== mine.dev) {
      this.close();
      this.open();
      if (this.size < this.limit) return;
    }
    renameSync(this.path, `${this.path}.1`);
    this.close();
    this.open();
  }
}
