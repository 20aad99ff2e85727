// One run per job at a time: an exclusive lock file beside the job's snapshots, taken before anything else.
// Created atomically (link(2) of a complete temp file, so no reader sees it half-written); a lock whose
// process is gone (dead pid, another boot, a reused pid) is taken over, and the caller logs that.
import { readFileSync } from "node:fs";
import { link, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { LockedError } from "../errors.ts";
import { isProcessRunning, startTicks } from "./process.ts";

export interface LockOwner {
  pid: number;
  hostname: string;
  job: string;
  startedAt: string;
  /** Linux boot id and the process start time (clock ticks since boot): a reused pid is not the owner. */
  bootId?: string;
  startTicks?: string;
  /**
   * rsync, started by the owner: while it runs the lock is not stale even if the owner is gone (linkback
   * killed with -9 leaves rsync writing into staging; a new run must not take staging from under it).
   */
  child?: { pid: number; startTicks?: string };
}

export interface Lock {
  /** The stale lock this one replaced, if any. */
  tookOver: LockOwner | undefined;
  /** Record a child (rsync) in the lock file: the lock stays held while it lives. */
  holdFor(pid: number): Promise<void>;
  release(): Promise<void>;
}

/** The lock file of a job, beside its snapshots. */
export function lockName(prefix: string): string {
  return `.linkback-${prefix}.lock`;
}

/** Take the job's lock or throw LockedError naming the holder. */
export async function acquireLock(backupDir: string, prefix: string, job: string): Promise<Lock> {
  return acquireLockFile(join(backupDir, lockName(prefix)), job);
}

/** Take the lock file `path` for `job` (a label: whose lock it is) or throw LockedError naming the holder. */
export async function acquireLockFile(path: string, job: string): Promise<Lock> {
  const owner = currentOwner(job);
  let tookOver: LockOwner | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(path, owner)) return makeLock(path, owner, tookOver);
    const holder = await readOwner(path);
    if (holder === undefined) continue; // released meanwhile, or a foreign file: try again
    if (!isStale(holder)) {
      const orphan = holder.child !== undefined && !isProcessRunning(holder.pid, holder.startTicks) ? `; that run is gone, but its rsync (pid ${holder.child.pid}) still writes into staging` : "";
      throw new LockedError(
        `job ${job}: another run holds the lock ${path} (pid ${holder.pid} on ${holder.hostname}, since ${holder.startedAt}${orphan})`,
      );
    }
    tookOver = (await breakStale(path, holder)) ? holder : tookOver;
  }
  throw new LockedError(`job ${job}: could not take the lock ${path}: other runs keep taking it`);
}

function makeLock(path: string, owner: LockOwner, tookOver: LockOwner | undefined): Lock {
  return {
    tookOver,
    async holdFor(pid) {
      const ticks = startTicks(pid);
      owner.child = { pid, ...(ticks === undefined ? {} : { startTicks: ticks }) };
      const temp = `${path}.${owner.pid}.child.tmp`;
      try {
        await writeFile(temp, `${JSON.stringify(owner)}\n`, { mode: 0o644 });
        await rename(temp, path);
      } catch (error) {
        await unlink(temp).catch(() => {}); // a full disk: the lock still names this run; leave no temp file
        throw error;
      }
    },
    async release() {
      const holder = await readOwner(path);
      if (holder?.pid === owner.pid && holder.startedAt === owner.startedAt) await unlink(path).catch(() => {});
    },
  };
}

async function createExclusive(path: string, owner: LockOwner): Promise<boolean> {
  const temp = `${path}.${owner.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(owner)}\n`, { mode: 0o644 });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/**
 * Remove a stale lock without racing another process doing the same: only the holder of the short-lived
 * `.break` lock may unlink, and it re-reads the lock first so it never removes a fresh one.
 */
async function breakStale(path: string, stale: LockOwner): Promise<boolean> {
  const breaker = `${path}.break`;
  const me = currentOwner(stale.job);
  if (!(await createExclusive(breaker, me))) {
    // A `.break` left by a process that died inside this microsecond-long section: only an old one is removed,
    // so two racing processes cannot remove each other's fresh one.
    const other = await readOwner(breaker);
    const age = await stat(breaker).then((info) => Date.now() - info.mtimeMs, () => 0);
    if (other !== undefined && isStale(other) && age > 60_000) await unlink(breaker).catch(() => {});
    return false;
  }
  try {
    const again = await readOwner(path);
    if (again === undefined || again.pid !== stale.pid || again.startedAt !== stale.startedAt) return false;
    await unlink(path);
    return true;
  } finally {
    await unlink(breaker).catch(() => {});
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  let owner: Partial<LockOwner> | undefined;
  try {
    owner = JSON.parse(text) as Partial<LockOwner>;
  } catch {
    owner = undefined;
  }
  if (typeof owner?.pid === "number" && typeof owner.hostname === "string" && typeof owner.startedAt === "string") {
    return owner as LockOwner;
  }
  // Not a lock linkback wrote (empty after a crash mid-write cannot happen: locks are linked in whole).
  // Treat it as held by nobody alive on this host, so it is taken over and logged rather than blocking forever.
  return { pid: -1, hostname: hostname(), job: "?", startedAt: `unknown (unreadable lock file: ${JSON.stringify(text.slice(0, 40))})` };
}

/** True when a live run of `job` itself holds the lock of PREFIX in `backupDir` (not a copy job reading it). */
export async function isHeldBy(backupDir: string, prefix: string, job: string): Promise<boolean> {
  const holder = await readOwner(join(backupDir, lockName(prefix))).catch(() => undefined);
  return holder !== undefined && holder.job === job && !isStale(holder);
}

/** A lock is stale when its owner is on this host and no longer running (or is a different process now). */
export function isStale(owner: LockOwner): boolean {
  const sameBoot = owner.bootId !== undefined && owner.bootId === bootId();
  // Another host on a shared disk: we cannot see its processes (unless it is this very boot, renamed).
  if (owner.hostname !== hostname() && !sameBoot) return false;
  if (owner.pid <= 0) return true;
  if (owner.bootId !== undefined && bootId() !== undefined && !sameBoot) return true; // rebooted since
  if (isProcessRunning(owner.pid, owner.startTicks)) return false;
  // The owner is gone; rsync it started may still be writing into staging.
  return owner.child === undefined || !isProcessRunning(owner.child.pid, owner.child.startTicks);
}



function currentOwner(job: string): LockOwner {
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), job, startedAt: new Date().toISOString() };
  const boot = bootId();
  const ticks = startTicks(process.pid);
  if (boot !== undefined) owner.bootId = boot;
  if (ticks !== undefined) owner.startTicks = ticks;
  return owner;
}

function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

