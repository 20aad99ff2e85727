// What a job has in its backup directory: complete snapshots, the staging folder, a previous failed attempt.
// Pure data, produced by store.ts from the disk and consumed by the planner.

export interface Snapshot {
  /** Directory name, e.g. `laptop-2026-11-22`. */
  name: string;
  /** Its calendar day, `YYYY-MM-DD`. */
  day: string;
}

export interface Inventory {
  backupDir: string;
  /** This job's complete snapshots (real directories whose names parse exactly), oldest first. */
  snapshots: Snapshot[];
  /** `PREFIX-incomplete` exists and holds something: a previous attempt failed or was interrupted. */
  staging: boolean;
  /** `PREFIX-incomplete` exists but is empty (an attempt that failed before rsync wrote anything). */
  stagingEmpty: boolean;
  /** `PREFIX-incomplete.prev` exists: the attempt before that. */
  previous: boolean;
  /** `PREFIX-YYYY-MM-DD.replaced` trees: a same-day replacement was interrupted between its two renames. */
  replaced: string[];
  /** Names that look like this job's but are not real directories (symlinks, files): never touched. */
  ignored: string[];
}

/** Sort snapshots oldest first by day (names sort the same way, but days are what we mean). */
export function byDay(a: Snapshot, b: Snapshot): number {
  return a.day < b.day ? -1 : a.day > b.day ? 1 : 0;
}
