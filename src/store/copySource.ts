// Where a `snapshotOf()` job reads from: the newest complete snapshot of the other job.
import { join } from "node:path";
import type { CopySource } from "../config/types.ts";
import { readInventory } from "./store.ts";

/** Absolute path of the other job's newest complete snapshot, or undefined when it has none yet. */
export async function newestSnapshotOf(copy: CopySource): Promise<string | undefined> {
  const inventory = await readInventory(copy.backupDir, copy.prefix, copy.timeZone);
  const newest = inventory.snapshots.at(-1);
  return newest === undefined ? undefined : join(copy.backupDir, newest.name);
}
