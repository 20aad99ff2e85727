// Processes carrying a mark in their environment: what a job file's thread started (execSync("sleep 60")
// is a child process the thread waits on). A thread blocked in such a wait cannot be stopped until the
// child ends, so stopping the thread starts by killing every process that carries its mark. Linux /proc.
import { readFileSync, readdirSync } from "node:fs";

/** The environment variable that marks processes started from a job file's thread. */
export const THREAD_MARK = "LINKBACK_JOB_THREAD";

/** The pids of the processes whose environment has `THREAD_MARK=mark` (this user's; others cannot be read). */
export function markedProcesses(mark: string): number[] {
  const wanted = `\0${THREAD_MARK}=${mark}\0`;
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return found; // no /proc: nothing to find
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      // Each variable ends in a NUL; latin1 keeps every byte as it is.
      if (`\0${readFileSync(`/proc/${entry}/environ`, "latin1")}`.includes(wanted)) found.push(Number(entry));
    } catch {
      // gone, or another user's
    }
  }
  return found;
}

/** SIGKILL every process with the mark; returns how many were killed. */
export function killMarked(mark: string): number {
  let killed = 0;
  for (const pid of markedProcesses(mark)) {
    try {
      process.kill(pid, "SIGKILL");
      killed++;
    } catch {
      // it ended meanwhile
    }
  }
  return killed;
}
