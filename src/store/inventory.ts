// What a job has in its backup directory: complete snapshots, the staging folder, a previous failed attempt.
// Pure data, produced by store.ts from the disk and consumed by the planner.

export interface Snapshot {
  /** Directory name, e.g. `laptop-2026-11-22` or `laptop-2026-11-22T0300Z`. */
  name: string;
  /** Its local calendar day, `YYYY-MM-DD`. */
  day: string;
  /** Timed names (jobs that run more often than daily): the instant it was started, ISO 8601 UTC. */
  at?: string;
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

/**
 * Sort snapshots oldest first: by local day, then by instant within a day (a daily name, which has no time,
 * first). Names alone would mis-sort a timed name whose UTC date differs from its local day.
 */
export function byDay(a: Snapshot, b: Snapshot): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  const [x, y] = [a.at ?? "", b.at ?? ""];
  return x < y ? -1 : x > y ? 1 : 0;
}
