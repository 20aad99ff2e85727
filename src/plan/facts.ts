// What the planner decides from: read from the disk once per run, under the job's lock (backup/facts.ts).
import type { DiskSpace } from "../disk/space.ts";
import type { Inventory } from "../store/inventory.ts";

export interface Facts {
  /** The job's backup directory: snapshots, staging, the resume base, interrupted replacements, trash. */
  inventory: Inventory;
  /** The backup filesystem's space now; undefined when it could not be read. */
  space: DiskSpace | undefined;
  /** For a `snapshotOf()` job: the other job's newest complete snapshot; undefined when it has none. */
  copy?: { name: string; path: string } | undefined;
}
