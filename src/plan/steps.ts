// The steps of a plan: what a run does, in order, each with the reason it is done. The executor
// (backup/execute.ts) carries them out one by one; `run --dry-run` prints them; `--json` shows them as they
// are here. A step names every path it touches.
import type { RetentionDecision } from "../retention/policy.ts";

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
  need: string;
  needBytes: number;
  /** Free bytes when the plan was made. */
  freeBytes: number;
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
/** rsync into staging. `vanishedOk`: exit 24 (files vanished on the source) is a success. */
export interface Rsync extends Base { kind: "rsync"; argv: string[]; source: string; staging: string; vanishedOk: boolean }
/** An empty staging directory while `against` (the newest snapshot) is not empty: refuse to publish it. */
export interface CheckNotEmpty extends Base { kind: "check-not-empty"; staging: string; against: string }
/** Staging takes the snapshot's name (a same-day snapshot is first renamed to `.replaced` beside it). */
export interface Publish extends Base { kind: "publish"; from: string; to: string; replaces: string | undefined; setAside: string | undefined }
/** What publishing made unnecessary goes to the trash (the replaced snapshot, the resume base). */
export interface CleanUp extends Base { kind: "clean-up"; paths: { path: string; why: string }[] }
/** The job's after hook (its failure is logged; the backup stays good). */
export interface AfterHook extends Base { kind: "after-hook"; hook: string }
/** Retention: each doomed snapshot leaves the namespace (one rename into the trash); every decision logged. */
export interface Prune extends Base { kind: "prune"; decisions: RetentionDecision[] }
/** After the lock is released: delete what this run put in the trash, and what dead runs left there. */
export interface EmptyTrash extends Base { kind: "empty-trash"; leftovers: string[] }
/** When a step fails: the job's fail hook. */
export interface FailHook extends Base { kind: "fail-hook"; hook: string }

export type Step =
  | RestoreReplaced | DiscardReplaced | Refuse | PreHook | CheckSource | MakeRoom | ClearEmptyStaging | DiscardAttempt | Resume
  | MakeStaging | Rsync | CheckNotEmpty | Publish | CleanUp | AfterHook | Prune | EmptyTrash | FailHook;

export type StepKind = Step["kind"];
