// Read a job's inventory from its backup directory: one readdir (and one of the trash), plus a stat of the
// few daily snapshots whose day also has timed ones. Never follows symlinks: a name that looks like a
// snapshot but is not a real directory is not one.
import { readdir, lstat } from "node:fs/promises";
import { join } from "node:path";
import { LinkbackError, messageOf } from "../errors.ts";
import { dayIn } from "../time/zone.ts";
import { type Inventory, type Snapshot, byAge } from "./inventory.ts";
import { parseReplacedName, resumeName, snapshotFromName, stagingName } from "./names.ts";
import { leftoverTrash } from "./trash.ts";
import { isEmptyDirectory } from "./tree.ts";

/** Read the backup directory and return what belongs to `prefix` (days of timed names in `timeZone`). */
export async function readInventory(backupDir: string, prefix: string, timeZone?: string): Promise<Inventory> {
  let entries;
  try {
    entries = await readdir(backupDir, { withFileTypes: true });
  } catch (error) {
    throw new LinkbackError(`cannot read backupDir ${backupDir}: ${messageOf(error)}`);
  }
  const snapshots: Snapshot[] = [];
  const replaced: string[] = [];
  let staging = false;
  let stagingEmpty = false;
  let previous = false;
  for (const entry of entries) {
    if (!entry.isDirectory()) continue; // symlinks and files are never snapshots, staging or leftovers
    const snapshot = snapshotFromName(prefix, entry.name, timeZone);
    if (snapshot !== undefined) snapshots.push(snapshot);
    else if (entry.name === stagingName(prefix)) [staging, stagingEmpty] = (await isEmptyDirectory(join(backupDir, entry.name))) ? [false, true] : [true, false];
    else if (entry.name === resumeName(prefix)) previous = true;
    else if (parseReplacedName(prefix, entry.name) !== undefined) replaced.push(entry.name);
  }
  await placeDailiesAmongTimed(backupDir, snapshots, timeZone);
  snapshots.sort(byAge);
  return { backupDir, snapshots, staging, stagingEmpty, previous, replaced, trash: await leftoverTrash(backupDir, prefix) };
}

/**
 * A daily name has no time. On a day that also has timed snapshots (`every` changed that day), its
 * directory's birth time (staging is created when a run starts; renames keep it) says when it was made —
 * trusted only when it falls on that very day (a copied tree's birth time is the copy's).
 */
async function placeDailiesAmongTimed(backupDir: string, snapshots: Snapshot[], timeZone: string | undefined): Promise<void> {
  const timedDays = new Set(snapshots.filter((s) => s.at !== undefined).map((s) => s.day));
  for (const snapshot of snapshots) {
    if (snapshot.at !== undefined || !timedDays.has(snapshot.day)) continue;
    const born = await lstat(join(backupDir, snapshot.name)).then((info) => info.birthtimeMs, () => 0);
    if (born > 0 && dayIn(new Date(born), timeZone) === snapshot.day) snapshot.madeAt = born;
  }
}
