// A per-run log file (rsync's output, rewritten each run) kept within a limit: a first backup itemizes every
// file, half a million lines on a router's flash. The head is written as it comes; past the limit only the
// last part is kept in memory, and written at the end after a line saying how much was left out — rsync's
// errors and its --stats summary come last. A write that fails (a full disk) is the end of the log, never of
// the backup.
import { closeSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { ensureDir } from "./logDir.ts";
import { writeProblem } from "./logFile.ts";

export class CappedLog {
  private fd: number | undefined;
  private written = 0;
  private leftOut = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private readonly headLimit: number;
  private readonly tailLimit: number;
  /** Why the log could not be (fully) written, if it could not. */
  problem: string | undefined;

  constructor(
    readonly path: string,
    readonly limit: number,
  ) {
    this.tailLimit = Math.min(64 * 1024, Math.floor(limit / 4));
    this.headLimit = limit - this.tailLimit;
    try {
      ensureDir(dirname(path));
      this.fd = openSync(path, "w", 0o644);
    } catch (error) {
      this.problem = `${path}: ${writeProblem(error)}`;
    }
  }

  write(chunk: Buffer | string): void {
    if (this.fd === undefined) return;
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const room = this.headLimit - this.written;
    if (room > 0) {
      this.writeOut(bytes.subarray(0, room));
      if (bytes.length <= room) return;
    }
    this.keep(bytes.subarray(Math.max(0, room)));
  }

  /** Write the kept tail and close. */
  end(): void {
    if (this.fd === undefined) return;
    if (this.leftOut > 0 && this.tail.length > 0) {
      // Start the tail at a line of its own.
      const first = this.tail[0]!;
      const newline = first.indexOf(10);
      if (newline >= 0) this.tail[0] = first.subarray(newline + 1);
      this.leftOut += newline + 1;
    }
    if (this.leftOut > 0) this.writeOut(Buffer.from(`\n[… ${this.leftOut} bytes of rsync's output left out: this log is kept under ${this.limit} bytes (LINKBACK_LOG_LIMIT) …]\n`));
    for (const part of this.tail) this.writeOut(part);
    this.tail = [];
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private keep(bytes: Buffer): void {
    this.tail.push(bytes);
    this.tailBytes += bytes.length;
    while (this.tailBytes > this.tailLimit) {
      const first = this.tail[0]!;
      const over = this.tailBytes - this.tailLimit;
      if (first.length <= over) {
        this.tail.shift();
        this.tailBytes -= first.length;
        this.leftOut += first.length;
      } else {
        this.tail[0] = first.subarray(over);
        this.tailBytes -= over;
        this.leftOut += over;
      }
    }
  }

  private writeOut(bytes: Buffer): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, bytes);
      this.written += bytes.length;
    } catch (error) {
      this.problem = `${this.path}: ${writeProblem(error)}`;
      try {
        closeSync(this.fd);
      } catch {
        // nothing left to save
      }
      this.fd = undefined;
    }
  }
}
