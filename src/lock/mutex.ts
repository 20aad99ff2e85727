// A short-lived mutex for the status directory: record updates and status file regeneration take
// milliseconds, so a waiter retries briefly, and a mutex left by a killed process is broken after 30 s.
import { open, readFile, stat, unlink } from "node:fs/promises";
import { isProcessRunning, startTicks } from "./process.ts";

const STALE_MS = 30_000;
const WAIT_MS = 10_000;

/** Run `body` while holding the mutex file `path` (created exclusively, removed afterwards). */
export async function withMutex<T>(path: string, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (await create(path)) break;
    const age = await stat(path).then((info) => Date.now() - info.mtimeMs, () => 0);
    if (age > STALE_MS || (await holderIsGone(path))) {
      // Gone already (another waiter broke it) is fine; not ours to remove (EACCES) is an error to report.
      await unlink(path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
    } else if (Date.now() > deadline) throw new Error(`${path} has been held for ${Math.round(age / 1000)} s by another linkback`);
    else await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
  }
  try {
    return await body();
  } finally {
    await unlink(path).catch(() => {});
  }
}

/**
 * Create the mutex naming this process; false when it exists. A write that fails (a full disk: the file is
 * made, its content is not) leaves no empty mutex behind for the next linkback to wait on.
 */
async function create(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    // The pid and its start time: a holder killed long ago whose pid a new process took is still gone.
    await handle.writeFile(`${process.pid} ${startTicks(process.pid) ?? ""}\n`);
  } catch (error) {
    await handle.close().catch(() => {});
    await unlink(path).catch(() => {});
    throw error;
  }
  await handle.close();
  return true;
}

/** The mutex names a process of this machine that no longer exists (killed while holding it). */
async function holderIsGone(path: string): Promise<boolean> {
  const [pidText = "", ticks] = (await readFile(path, "utf8").catch(() => "")).trim().split(" ");
  const pid = Number(pidText);
  if (pidText === "" || !Number.isInteger(pid) || pid <= 0) return false; // being written this very moment
  return !isProcessRunning(pid, ticks === "" ? undefined : ticks);
}
