// What a job has in its backup directory: complete snapshots, the staging folder, a previous failed attempt,
// an interrupted same-day replacement, trash left by a dead run. Pure data: read.ts makes it from the disk,
// the planner decides from it.

export interface Snapshot {
  /** Directory name, e.g. `laptop-2026-11-22` or `laptop-2026-11-22T0300Z`. */
  name: string;
  /** Its local calendar day, `YYYY-MM-DD`. */
  day: string;
  /** Timed names (jobs that run more often than daily): the instant it was started, ISO 8601 UTC. */
  at?: string;
  /**
   * When it was made (ms since the epoch), computed once when the inventory is read: a timed name's minute;
   * for a daily name the start of its day — or, on a day that also has timed snapshots (a job whose `every`
   * changed that day), when its directory was created, so a daily made at 15:00 is newer than 03:00's.
   */
  madeAt: number;
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
  /** This job's trees in the trash that no live process is deleting (left by a run that died): paths. */
  trash: string[];
}

/** Oldest first: by when each was made, then by name. */
export function byAge(a: Snapshot, b: Snapshot): number {
  return a.madeAt - b.madeAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
