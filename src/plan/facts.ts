// What the planner decides from: read from the disk once per run, under the job's lock (backup/facts.ts).
import type { DiskSpace } from "../disk/space.ts";
import type { DiskFacts } from "../disk/probe.ts";
import type { RsyncCapabilities } from "../rsync/capabilities.ts";
import type { Inventory } from "../store/inventory.ts";
import type { SnapshotRecord } from "../store/records.ts";

export interface Facts {
  /** The job's backup directory: snapshots, staging, the resume base, interrupted replacements, trash. */
  inventory: Inventory;
  /** The backup filesystem's space now; undefined when it could not be read. */
  space: DiskSpace | undefined;
  /** For a `snapshotOf()` job: the other job's newest complete snapshot; undefined when it has none. */
  copy?: { name: string; path: string } | undefined;
  /** What the runs that made the snapshots recorded (only snapshots that still exist; older ones have none). */
  records: Map<string, SnapshotRecord>;
  /** The backup filesystem's type and whether it can hard-link; undefined when unknown. */
  disk?: DiskFacts | undefined;
  /** What this machine's rsync can keep (ACLs, xattrs). */
  rsync?: RsyncCapabilities | undefined;
  /** Snapshots a `restore` or `diff` is reading now, with who ("linkback restore (pid 4711, since …)"). */
  readers?: Map<string, string> | undefined;
}
