// The steps of a plan: what a run does, in order, each with the reason it is done. The executor
// (backup/execute.ts) carries them out one by one; `run --dry-run` prints them; `--json` shows them as they
// are here. A step names every path it touches.
import type { RetentionDecision } from "../retention/policy.ts";
import type { SnapshotRecord } from "../store/records.ts";

interface Base {
  /** Why this step is in the plan, in words. */
  why: string;
}

/** A same-day replacement was interrupted after setting the old snapshot aside: put it back under its name. */
export interface RestoreReplaced extends Base { kind: "restore-replaced"; from: string; to: string }
/** A set-aside same-day snapshot whose replacement is in place: it goes to the trash. */
export interface DiscardReplaced extends Base { kind: "discard-replaced"; path: string }
/** The run cannot go ahead (nothing to copy): it fails here, before anything else. */
export interface Refuse extends Base { kind: "refuse" }
/** The job's pre hook. `stopsBackup`: its failure skips the backup (every hook but notify()). */
export interface PreHook extends Base { kind: "pre-hook"; hook: string; stopsBackup: boolean }
/** A local source must exist and be readable (checked after the pre hook, which may mount it). */
export interface CheckSource extends Base { kind: "check-source"; path: string }
/**
 * minFreeSpace: measure, and while short of `needBytes` delete `candidates` in order (each out of the
 * namespace first), measuring again after each; still short after the last → the run fails before rsync.
 */
export interface MakeRoom extends Base {
  kind: "make-room";
  /** minFreeSpace as written ("" when only minFreeInodes is set). */
  need: string;
  /** Bytes needed, as far as the plan could tell; a percentage is measured again when the step runs. */
  needBytes: number;
  needPercent: number | undefined;
  /** Free inodes needed (0 without minFreeInodes), likewise. */
  needInodes: number;
  needInodesPercent: number | undefined;
  needInodesText: string;
  /** Free bytes when the plan was made (undefined: the disk's space could not be read then). */
  freeBytes: number | undefined;
  candidates: { name: string; why: string }[];
  /** How many complete snapshots minKeep keeps when every candidate is gone. */
  leaves: number;
}
/** An attempt that failed before rsync wrote anything left an empty staging directory: remove it. */
export interface ClearEmptyStaging extends Base { kind: "clear-empty-staging"; path: string }
/** Two failed attempts are left over: the older one goes. */
export interface DiscardAttempt extends Base { kind: "discard-attempt"; path: string }
/** The failed attempt becomes the resume base (the first link target): renamed aside. */
export interface Resume extends Base { kind: "resume"; from: string; to: string }
/** A fresh, empty staging directory for rsync (checking first that every link target is still there). */
export interface MakeStaging extends Base { kind: "make-staging"; path: string; linkDests: string[] }
/** A second rsync that runs instead when the first fails in a known way, with why. */
export interface Fallback {
  /** `metadata`: rsync on one side cannot keep ACLs or xattrs; `link-limit`: a file reached the filesystem's link limit. */
  when: "metadata" | "link-limit";
  argv: string[];
  why: string;
}
/**
 * rsync into staging. `vanishedOk`: exit 24 (files vanished on the source) is a success. `partialOk`: exit 23
 * with files transferred (some could not be read) makes a partial snapshot, published and marked so.
 */
export interface Rsync extends Base {
  kind: "rsync";
  argv: string[];
  source: string;
  staging: string;
  vanishedOk: boolean;
  partialOk: boolean;
  /** What is not backed up because it is linkback's own (its backup, log or status directory inside the source). */
  excluded: { path: string; why: string }[];
  fallbacks: Fallback[];
  /** Said in the run's log: which metadata is kept and which is not, and why; what changes with it. */
  notes: string[];
}
/**
 * The source must not have lost its content: refuse to publish when staging is empty while `against` (the
 * newest snapshot) is not, or — with that snapshot's record — when more than `limit` of its files or bytes
 * are gone. `accepted`: the run was told the shrink is intended.
 */
export interface CheckShrink extends Base {
  kind: "check-shrink";
  staging: string;
  against: string;
  previous: { regularFiles: number; totalBytes: number } | undefined;
  limit: number;
  accepted: boolean;
}
/** What this snapshot is, in the job's records (outside the snapshot tree), before it is flushed and published. */
export interface WriteRecord extends Base {
  kind: "record";
  path: string;
  clockSuspect: boolean;
  keeps: { acls: boolean; xattrs: boolean; sparse: boolean };
  /** The snapshot's link targets (for "nothing was linked" when there were some). */
  linkDests: number;
  /** The job's other snapshots: their records stay, those of snapshots that are gone are dropped. */
  existing: string[];
}
/** One flush of the backup filesystem: what rsync wrote, and the record, are on the disk before publishing. */
export interface Flush extends Base { kind: "flush"; path: string }
/** Staging takes the snapshot's name (a same-day snapshot is first renamed to `.replaced` beside it); then an fsync of backupDir. */
/**
 * Staging takes the snapshot's name (today's earlier one set aside first). `recordBefore`: the record of the
 * snapshot it replaces, put back if it is not replaced after all (the record step wrote the new one).
 */
export interface Publish extends Base { kind: "publish"; from: string; to: string; replaces: string | undefined; setAside: string | undefined; recordBefore?: SnapshotRecord | undefined }
/** What publishing made unnecessary goes to the trash (the replaced snapshot, the resume base). */
export interface CleanUp extends Base { kind: "clean-up"; paths: { path: string; why: string }[] }
/**
 * The job's after hook (its failure is logged; the backup stays good) — or, when the run ended partial, its
 * fail hook (LINKBACK_STATUS=partial, the failed files in LINKBACK_FAILED_FILES). Either may be missing.
 */
export interface AfterHook extends Base { kind: "after-hook"; hook: string | undefined; ifPartial: string | undefined }
/** Retention: each doomed snapshot leaves the namespace (one rename into the trash); every decision logged. */
export interface Prune extends Base {
  kind: "prune";
  decisions: RetentionDecision[];
  /** The decisions instead, should this run end partial (the newest complete snapshot then stays too). */
  ifPartial: RetentionDecision[];
  /** Why nothing is pruned by age this time (the clock looks wrong): said as a warning. */
  frozen: string | undefined;
}
/** After the lock is released: delete what this run put in the trash, and what dead runs left there. */
export interface EmptyTrash extends Base { kind: "empty-trash"; leftovers: string[] }
/** When a step fails: the job's fail hook. */
export interface FailHook extends Base { kind: "fail-hook"; hook: string }

export type Step =
  | RestoreReplaced | DiscardReplaced | Refuse | PreHook | CheckSource | MakeRoom | ClearEmptyStaging | DiscardAttempt | Resume
  | MakeStaging | Rsync | CheckShrink | WriteRecord | Flush | Publish | CleanUp | AfterHook | Prune | EmptyTrash | FailHook;

export type StepKind = Step["kind"];
