// Is a process still there? One answer for the job lock, the status mutex and the trash: signal 0, then
// /proc for a zombie (exited, not reaped yet) and for a reused pid (a different start time).
import { readFileSync } from "node:fs";

/** Fields of /proc/PID/stat after the parenthesised command name (which may contain spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** The process's start time in clock ticks since boot (field 22 of /proc/PID/stat). */
export function startTicks(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** True when `pid` runs and, if `ticksThen` is given, is the process that started then. */
export function isProcessRunning(pid: number, ticksThen?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    // EPERM: a process of another user has that pid now; only its start time can tell whether it is ours.
  }
  const fields = statFields(pid);
  if (fields?.[0] === "Z") return false; // exited, not yet reaped by its new parent
  const ticks = fields?.[19];
  return !(ticksThen !== undefined && ticks !== undefined && ticks !== ticksThen);
}
