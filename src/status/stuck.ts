// Job files that held up an earlier linkback: a thread of that process waits in a system call inside the
// file (a read from a FIFO nobody writes, a hung network mount) and could not be stopped, so the process
// cannot exit. Kept in the status directory, so that the next tick does not load the file again — and hang
// one more process on it every ten minutes — while that process is there; it names the file and the
// process instead. An entry whose process is gone no longer counts.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { isProcessRunning, startTicks } from "../lock/process.ts";
import { writeFileAtomic } from "./atomicFile.ts";

export interface StuckEntry {
  file: string;
  /** What it was doing when it was stopped ("did not finish loading within 30 s"). */
  why: string;
  pid: number;
  /** The process's start time (clock ticks since boot): a reused pid is not it. */
  ticks: string | undefined;
  since: string;
}

const NAME = ".stuck-job-files.json";

/** The job files a linkback that is still running is stuck in, by file. */
export async function heldUpFiles(dir: string): Promise<Map<string, StuckEntry>> {
  let entries: StuckEntry[];
  try {
    entries = JSON.parse(await readFile(join(dir, NAME), "utf8")) as StuckEntry[];
  } catch {
    return new Map(); // none recorded, or unreadable: nothing known to avoid
  }
  if (!Array.isArray(entries)) return new Map();
  const alive = entries.filter((entry) => typeof entry?.file === "string" && Number.isInteger(entry.pid) && isProcessRunning(entry.pid, entry.ticks));
  return new Map(alive.map((entry) => [entry.file, entry]));
}

/** Add this process's stuck job files to the record (written only when there is one to add). */
export async function recordStuck(dir: string, files: readonly { file: string; why: string }[], now: Date): Promise<void> {
  const known = await heldUpFiles(dir);
  const fresh = files.filter(({ file }) => known.get(file)?.pid !== process.pid);
  if (fresh.length === 0) return;
  for (const { file, why } of fresh) known.set(file, { file, why, pid: process.pid, ticks: startTicks(process.pid), since: now.toISOString() });
  await writeFileAtomic(join(dir, NAME), `${JSON.stringify([...known.values()], null, 2)}\n`);
}

/** Why a job file is not loaded this time. */
export function heldUpMessage(entry: StuckEntry): string {
  return `${entry.file}: not loaded: it has held up linkback (pid ${entry.pid}) since ${entry.since} — ${entry.why}, and that process still waits in a system call inside it; fix the file, then stop that process (kill -KILL ${entry.pid}: it cannot exit by itself)`;
}
