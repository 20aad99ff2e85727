// The pure core: (job, inventory, now) → the plan of a run. `run --dry-run` prints it; `run` executes it.
import { join } from "node:path";
import type { Job } from "../config/types.ts";
import { type Inventory, type Snapshot, byDay } from "../store/inventory.ts";
import { dayOf, parseSnapshotStamp, resumeName, snapshotNameAt, stagingName } from "../store/names.ts";
import { isCopySource } from "../config/source.ts";
import { isTimed } from "../time/cycle.ts";
import { type RetentionDecision, applyRetention, policyOf } from "../retention/policy.ts";
import { MAX_LINK_DEST, rsyncArgv } from "../rsync/args.ts";

export interface Plan {
  job: Job;
  /** The run's local calendar day. */
  day: string;
  /** Final name of the snapshot, `PREFIX-YYYY-MM-DD` (or `PREFIX-YYYY-MM-DDTHHMMZ` for sub-daily jobs). */
  snapshot: string;
  /** What rsync reads: the job's source, or for a `snapshotOf()` job the other job's snapshot directory. */
  source: string;
  snapshotPath: string;
  /** rsync writes here; renamed to `snapshotPath` only when rsync succeeds. */
  stagingPath: string;
  /** A failed earlier attempt (`PREFIX-incomplete`) becomes `PREFIX-incomplete.prev` and the first link target. */
  resume: { from: string; to: string } | undefined;
  /** The failed attempt this run links against first (`PREFIX-incomplete.prev`); deleted after success. */
  resumeBase: string | undefined;
  /** `PREFIX-incomplete` is there but empty (an attempt that failed before rsync wrote): just remove it. */
  clearEmptyStaging: boolean;
  /** An older failed attempt to discard first, when two are left over. */
  discard: string | undefined;
  /** Today's snapshot exists already: it is a link target, and is replaced when the new one is complete. */
  replaces: string | undefined;
  /** Absolute link targets, newest first, at most 20. */
  linkDests: string[];
  rsyncArgv: string[];
  /** What happens to each complete snapshot once the new one is in place. */
  retention: RetentionDecision[];
}

export interface PlanOptions {
  dryRun?: boolean;
  /** Show rsync's progress (`--info=progress2`): a terminal is watching. */
  progress?: boolean;
  /** For a `snapshotOf()` job: the absolute path of the other job's newest complete snapshot. */
  copyFrom?: string;
}

/** Build the plan of one run. Pure: no disk, no clock. */
export function planRun(job: Job, inventory: Inventory, now: Date, options: PlanOptions = {}): Plan {
  const day = dayOf(now, job.timeZone);
  const snapshot = snapshotNameAt(job.prefix, now, isTimed(job.cycle), job.timeZone);
  if (isCopySource(job.source) && options.copyFrom === undefined) throw new Error(`job ${job.name}: the snapshot to copy was not resolved`);
  const source = isCopySource(job.source) ? options.copyFrom! : job.source;
  const path = (name: string) => join(inventory.backupDir, name);
  const previous = path(resumeName(job.prefix));
  const resume = inventory.staging ? { from: path(stagingName(job.prefix)), to: previous } : undefined;
  const discard = inventory.staging && inventory.previous ? previous : undefined;
  const resumeBase = inventory.staging || inventory.previous ? previous : undefined;
  // A dry run renames nothing, so it links against the failed attempt where it lies now.
  const dryRun = options.dryRun ?? false;
  const firstLink = dryRun && resume !== undefined ? resume.from : resumeBase;

  const newestFirst = [...inventory.snapshots].sort(byDay).reverse();
  // A copy links against the snapshot it copies first: every file matches there, so nothing is copied.
  const copied = options.copyFrom === undefined ? [] : [options.copyFrom.replace(/\/+$/, "")];
  const linkDests = [...copied, ...(firstLink === undefined ? [] : [firstLink]), ...newestFirst.map((s) => path(s.name))].slice(0, MAX_LINK_DEST);
  const stagingPath = path(stagingName(job.prefix));
  // rsync --dry-run creates nothing; a name that never exists shows what a fresh staging directory would get.
  const destination = dryRun ? `${stagingPath}.dry-run` : stagingPath;
  const replaces = inventory.snapshots.some((s) => s.name === snapshot) ? snapshot : undefined;

  const afterRun: Snapshot[] = replaces ? [...inventory.snapshots] : [...inventory.snapshots, { name: snapshot, ...parseSnapshotStamp(job.prefix, snapshot, job.timeZone)! }];
  afterRun.sort(byDay);

  return {
    job,
    day,
    snapshot,
    source,
    snapshotPath: path(snapshot),
    stagingPath,
    resume,
    resumeBase,
    clearEmptyStaging: inventory.stagingEmpty,
    discard,
    replaces,
    linkDests,
    rsyncArgv: rsyncArgv(job, { source, linkDests, destination, dryRun, progress: options.progress ?? false }),
    retention: applyRetention(afterRun, policyOf(job), now, snapshot),
  };
}
