// The snapshot store on disk: read a job's inventory, rename staging into place, move trees to the trash
// and delete them. Never follows symlinks; never writes into a tree that shares inodes with a snapshot.
import { chmod, lstat, mkdir, opendir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { LinkbackError, messageOf } from "../errors.ts";
import { type Inventory, type Snapshot, byDay } from "./inventory.ts";
import { TRASH_DIR, parseReplacedName, parseSnapshotName, parseSnapshotStamp, resumeName, stagingName, trashName, trashOrigin, trashPid } from "./names.ts";
import { loadExeca } from "../process/execa.ts";
import { isProcessRunning } from "../lock/process.ts";

let trashed = 0;

/** Read the backup directory and return what belongs to `prefix` (days of timed names in `timeZone`). */
export async function readInventory(backupDir: string, prefix: string, timeZone?: string): Promise<Inventory> {
  let entries;
  try {
    entries = await readdir(backupDir, { withFileTypes: true });
  } catch (error) {
    throw new LinkbackError(`cannot read backupDir ${backupDir}: ${messageOf(error)}`);
  }
  const snapshots: Snapshot[] = [];
  const ignored: string[] = [];
  const replaced: string[] = [];
  let staging = false;
  let stagingEmpty = false;
  let previous = false;
  for (const entry of entries) {
    const stamp = parseSnapshotStamp(prefix, entry.name, timeZone);
    const isStaging = entry.name === stagingName(prefix);
    const isPrevious = entry.name === resumeName(prefix);
    const isReplaced = parseReplacedName(prefix, entry.name) !== undefined;
    if (stamp === undefined && !isStaging && !isPrevious && !isReplaced) continue;
    if (!entry.isDirectory()) {
      ignored.push(entry.name);
      continue;
    }
    if (stamp !== undefined) snapshots.push({ name: entry.name, ...stamp });
    if (isStaging) [staging, stagingEmpty] = (await isEmptyDirectory(join(backupDir, entry.name))) ? [false, true] : [true, false];
    if (isPrevious) previous = true;
    if (isReplaced) replaced.push(entry.name);
  }
  snapshots.sort(byDay);
  return { backupDir, snapshots, staging, stagingEmpty, previous, replaced, ignored };
}

/** True for a directory with no entries at all. */
export async function isEmptyDirectory(path: string): Promise<boolean> {
  const dir = await opendir(path);
  try {
    return (await dir.read()) === null;
  } finally {
    await dir.close().catch(() => {});
  }
}

/** True if `path` is a real directory (not a symlink to one). */
export async function isRealDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Take `name` out of the snapshot namespace in one atomic rename (into `.linkback-trash/`), so a crash
 * never leaves a half-deleted tree under a snapshot's name. Returns the trash path.
 */
export async function moveToTrash(backupDir: string, name: string, instant: Date): Promise<string> {
  const trash = join(backupDir, TRASH_DIR);
  await mkdir(trash, { recursive: true, mode: 0o700 });
  const source = join(backupDir, name);
  const target = join(trash, trashName(name, instant, process.pid, ++trashed));
  try {
    await rename(source, target);
  } catch (error) {
    // Moving a directory to another parent rewrites its `..` entry, which needs write permission on the
    // directory itself: without root, a snapshot whose top directory is read-only (a source root of mode
    // 0555) cannot move. Directories are never hard-linked, so making it writable changes nothing another
    // snapshot shares; the mode is put back if the move still fails.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") throw error;
    const info = await lstat(source);
    if (!info.isDirectory() || (info.mode & 0o200) !== 0) throw error;
    await chmod(source, (info.mode & 0o7777) | 0o700);
    try {
      await rename(source, target);
    } catch (retry) {
      await chmod(source, info.mode & 0o7777).catch(() => {});
      throw retry;
    }
  }
  return target;
}

/**
 * This job's trash entries that nobody is deleting: left by earlier runs (e.g. one killed while deleting),
 * not by a live process (its pid is in the entry's name), which deletes its own.
 */
export async function leftoverTrash(backupDir: string, prefix: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(join(backupDir, TRASH_DIR));
  } catch {
    return [];
  }
  return entries
    .filter((entry) => {
      const origin = trashOrigin(entry);
      const ours = parseSnapshotName(prefix, origin) !== undefined || parseReplacedName(prefix, origin) !== undefined ||
        origin === stagingName(prefix) || origin === resumeName(prefix);
      const pid = trashPid(entry);
      return ours && (pid === undefined || (pid !== process.pid && !isProcessRunning(pid)));
    })
    .map((entry) => join(backupDir, TRASH_DIR, entry));
}

/**
 * Delete trees that are out of the namespace (in the trash). With `rm -rf`, which is faster than Node's
 * fs.rm (bench/prune.ts: 100,000 files, fs.rm 2.6× rm's time); `nice`: under `nice -n 19 ionice -c3` (the
 * idle I/O class: a router's other work goes first), or nice alone where there is no ionice (some BusyBox
 * builds). Where rm cannot (read-only directories when not root, no rm), linkback's own deletion finishes.
 */
export async function deleteTrees(paths: readonly string[], options: { nice?: boolean } = {}): Promise<void> {
  for (const path of paths) {
    if (!(await rmTree(path, options.nice === true))) await deleteTree(path);
  }
}

async function rmTree(path: string, nice: boolean): Promise<boolean> {
  const execa = await loadExeca();
  const rm = ["rm", "-rf", "--", path];
  const ways = nice ? [["nice", "-n", "19", "ionice", "-c3", ...rm], ["nice", "-n", "19", ...rm], rm] : [rm];
  for (const argv of ways) {
    const result = await execa(argv[0]!, argv.slice(1), { reject: false, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    if (result.exitCode === 0) return true;
    // nice or ionice missing (127, or ionice refused by a container): the next way; rm itself failed: give up here.
    if (result.exitCode !== 127 && result.exitCode !== undefined && !/ionice|nice:/.test(String(result.stderr))) return false;
  }
  return false;
}

/**
 * Delete a tree that is already out of the namespace. Symlinks are removed, never followed. Read-only
 * directories (common in system backups) are made writable first — directories are never hard-linked, so
 * this changes nothing that another snapshot shares; files are never chmod-ed.
 */
export async function deleteTree(path: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rm(path, { recursive: true, force: true });
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // fs.rm deletes children in parallel and rejects at the first error while other branches are still
      // being deleted: the walk below tolerates entries vanishing under it, and rm is tried again.
      if ((code !== "EACCES" && code !== "EPERM" && code !== "ENOTEMPTY") || attempt === 3) throw error;
      await makeDirectoriesWritable(path);
    }
  }
}

async function makeDirectoriesWritable(path: string): Promise<void> {
  const gone = (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  };
  let stat;
  try {
    stat = await lstat(path);
  } catch (error) {
    return gone(error);
  }
  if (!stat.isDirectory()) return;
  if ((stat.mode & 0o700) !== 0o700) await chmod(path, (stat.mode & 0o7777) | 0o700).catch(gone);
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    return gone(error);
  }
  for (const entry of entries) {
    if (entry.isDirectory()) await makeDirectoriesWritable(join(path, entry.name));
  }
}
