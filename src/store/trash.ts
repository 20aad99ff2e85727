// The trash: a doomed tree leaves the snapshot namespace in one rename into BACKUPDIR/.linkback-trash/ and is
// deleted afterwards; entries left by a run that died are found again by their names.
import { chmod, lstat, mkdir, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { TRASH_DIR, parseReplacedName, parseSnapshotName, resumeName, stagingName, trashName, trashOrigin, trashPid } from "./names.ts";
import { isProcessRunning } from "../lock/process.ts";

let trashed = 0;

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

