// Snapshots being read: a `restore` or a `diff` marks each snapshot it reads, and pruning (retention, or
// making room) does not delete a marked snapshot — it keeps it this time and says so; the next run prunes
// it. Marks live beside the job's records, `.linkback-PREFIX.meta/readers/SNAPSHOT.PID.json`; a mark whose
// process is gone no longer counts.
//
// Marking and deleting take one short mutex (`readers.lock`), so that they cannot cross: a reader marks,
// then looks for the snapshot; a pruner looks for marks, then moves the snapshot into the trash. Either the
// pruner sees the mark, or the reader finds the snapshot gone and says so before it reads anything.
import { lstat, mkdir, readFile, readdir, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withMutex } from "../lock/mutex.ts";
import { isProcessRunning, startTicks } from "../lock/process.ts";
import { metaDir } from "./records.ts";
import { moveToTrash } from "./trash.ts";

export interface Reader {
  snapshot: string;
  /** What reads it: "linkback restore", "linkback diff". */
  command: string;
  pid: number;
  ticks: string | undefined;
  since: string;
}

const readersDir = (backupDir: string, prefix: string) => join(metaDir(backupDir, prefix), "readers");
const mutexPath = (backupDir: string, prefix: string) => join(metaDir(backupDir, prefix), "readers.lock");

/** The snapshot is not there (any more) to be read. */
export class SnapshotGone extends Error {}

/** The live readers of the job's snapshots, by snapshot. Marks of processes that are gone are removed. */
export async function readReaders(backupDir: string, prefix: string): Promise<Map<string, Reader[]>> {
  const dir = readersDir(backupDir, prefix);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found = new Map<string, Reader[]>();
  for (const name of names.filter((entry) => entry.endsWith(".json"))) {
    const reader = await readFile(join(dir, name), "utf8").then((text) => JSON.parse(text) as Reader, () => undefined);
    if (reader === undefined || !Number.isInteger(reader.pid)) continue;
    if (!isProcessRunning(reader.pid, reader.ticks)) {
      await unlink(join(dir, name)).catch(() => {});
      continue;
    }
    found.set(reader.snapshot, [...(found.get(reader.snapshot) ?? []), reader]);
  }
  return found;
}

/** "linkback restore (pid 4711, since 2026-11-05T10:02:00.000Z)" for each. */
export function describeReaders(readers: readonly Reader[]): string {
  return readers.map((reader) => `${reader.command} (pid ${reader.pid}, since ${reader.since})`).join(", ");
}

/**
 * Mark `snapshot` as read by this process; throws SnapshotGone when it is not there (pruned, or being replaced, a moment ago).
 * `release` removes the mark. Marks cannot be made on a read-only backup disk — nothing can prune there
 * either — so then the snapshot is read without one; nor on a full one, or by a user who may not write
 * there, and then `unmarked` says so.
 */
export async function startReading(backupDir: string, prefix: string, snapshot: string, command: string, now: Date): Promise<{ release(): Promise<void>; unmarked?: string }> {
  const mark = join(readersDir(backupDir, prefix), `${snapshot}.${process.pid}.json`);
  const reader: Reader = { snapshot, command, pid: process.pid, ticks: startTicks(process.pid), since: now.toISOString() };
  try {
    await mkdir(readersDir(backupDir, prefix), { recursive: true, mode: 0o755 });
    await withMutex(mutexPath(backupDir, prefix), async () => {
      await writeFile(mark, `${JSON.stringify(reader)}\n`, { mode: 0o644 });
      if (!(await isSnapshotDir(join(backupDir, snapshot)))) {
        await unlink(mark).catch(() => {});
        throw new SnapshotGone(`${snapshot} is not there (any more): pruned, or being replaced by a run, a moment ago`);
      }
    });
  } catch (error) {
    if (error instanceof SnapshotGone || !cannotWrite(error)) throw error;
    const unmarked = unmarkedWords(error, backupDir, prefix, snapshot);
    return { async release() {}, ...(unmarked === undefined ? {} : { unmarked }) };
  }
  return { release: () => unlink(mark).catch(() => {}) };
}

/**
 * Move `snapshot` into the trash unless a live reader has marked it: the trash path, or the readers that
 * keep it this time.
 */
export async function trashUnlessRead(backupDir: string, prefix: string, snapshot: string, instant: Date): Promise<{ trashed: string } | { readers: Reader[] }> {
  const result = await unlessRead(backupDir, prefix, snapshot, () => moveToTrash(backupDir, snapshot, instant));
  return "readers" in result ? result : { trashed: result.done };
}

/**
 * Carry out `change` to `snapshot` (trash it, set it aside for today's new one) unless a live reader has
 * marked it; under the readers mutex, so no reader marks it between the look and the change.
 */
export async function unlessRead<T>(backupDir: string, prefix: string, snapshot: string, change: () => Promise<T>): Promise<{ done: T } | { readers: Reader[] }> {
  const decide = async () => {
    const readers = (await readReaders(backupDir, prefix)).get(snapshot);
    if (readers !== undefined && readers.length > 0) return { readers };
    return { done: await change() };
  };
  let locked = false;
  try {
    await mkdir(metaDir(backupDir, prefix), { recursive: true, mode: 0o755 });
    return await withMutex(mutexPath(backupDir, prefix), () => {
      locked = true;
      return decide();
    });
  } catch (error) {
    // A disk out of space or inodes (making room is why we are here) cannot take the mutex — nor a reader's
    // mark: no reader can have marked since, so the marks already there are all there are.
    if (locked || !cannotWrite(error) || isDenied(error)) throw error;
    return decide();
  }
}

/** A new file cannot be made there: the disk is full, out of inodes, over quota, read-only, or not this user's. */
function cannotWrite(error: unknown): boolean {
  return ["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM"].includes((error as NodeJS.ErrnoException).code ?? "");
}

/** Not this user's to write: a reader marks nothing, and a pruner could delete nothing either. */
function isDenied(error: unknown): boolean {
  return ["EACCES", "EPERM"].includes((error as NodeJS.ErrnoException).code ?? "");
}

/** What a reader that could not mark says: nothing on a read-only disk (nothing can prune there either). */
function unmarkedWords(error: unknown, backupDir: string, prefix: string, snapshot: string): string | undefined {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  if (code === "EROFS") return undefined;
  const risk = `${snapshot} could not be marked as being read, so a prune meanwhile could delete it`;
  if (isDenied(error)) return `this user cannot write to ${metaDir(backupDir, prefix)} (${code}): ${risk}`;
  return `the backup disk is full (${code}): ${risk}`;
}

async function isSnapshotDir(path: string): Promise<boolean> {
  return lstat(path).then((info) => info.isDirectory(), () => false);
}
