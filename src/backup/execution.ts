// The state of one job's run while the executor carries out its plan: what each step needs from the ones
// before it (rsync's outcome, what went to the trash, what was pruned).
import type { HookContext, Job } from "../config/types.ts";
import type { Lock } from "../lock/lock.ts";
import type { Logger } from "../log/logger.ts";
import type { StepKind } from "../plan/steps.ts";
import type { RsyncOutcome } from "../rsync/run.ts";
import type { SnapshotRecord } from "../store/records.ts";
import type { Session } from "./session.ts";

export interface Execution {
  job: Job;
  /** The snapshot the run makes (what hooks are told); "" for `prune`. */
  snapshot: string;
  session: Session;
  /** The session's logger with the job's name. */
  log: Logger;
  now: Date;
  /** The job's lock (rsync's pid is recorded in it). */
  lock: Lock | undefined;
  /** performance.now() when the run started. */
  started: number;
  rsync: RsyncOutcome | undefined;
  /** Trash paths to delete once the lock is released. */
  trashed: string[];
  /** Snapshots retention pruned. */
  pruned: string[];
  /** Snapshots deleted to make room. */
  removed: string[];
  /** The new snapshot has its name. */
  published: boolean;
  /** rsync could not transfer some files (exit 23): the snapshot is partial. */
  partial?: { count: number; files: string[] };
  /** The shrink guard refused the result. */
  shrunk?: boolean;
  /** The record this run wrote for its snapshot. */
  record?: SnapshotRecord;
  /** Steps carried out, in order. */
  done: StepKind[];
  /** The backup directory's device and inode when the lock was taken (backupDirChanged). */
  backupDirId?: string;
}

/** A step either went as planned or failed with one line that says why. */
export type StepResult = { ok: true } | { ok: false; message: string };

export const OK: StepResult = { ok: true };

export function failed(message: string): StepResult {
  return { ok: false, message };
}

/** What a hook learns about the run now. */
export function hookContext(run: Execution, status: HookContext["status"], extra: Partial<HookContext> = {}): HookContext {
  return { job: run.job.name, snapshot: run.snapshot, status, durationMs: performance.now() - run.started, ...extra };
}
