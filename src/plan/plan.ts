// The pure core: (job, facts, now) → the plan of a run, every decision a step with its reason. The executor
// carries the steps out; `run --dry-run` prints them. No disk, no clock: what the disk holds comes in as
// facts, read once under the job's lock.
import { basename, join } from "node:path";
import type { Job } from "../config/types.ts";
import { isCopySource, isRemoteSource } from "../config/source.ts";
import { canStopBackup, describeHook } from "../hooks/command.ts";
import { type RetentionDecision, applyRetention, policyOf } from "../retention/policy.ts";
import { MAX_LINK_DEST, rsyncArgv } from "../rsync/args.ts";
import { type Inventory, type Snapshot, byAge } from "../store/inventory.ts";
import { parseReplacedName, replacedName, resumeName, snapshotFromName, snapshotNameAt, stagingName } from "../store/names.ts";
import { isTimed } from "../time/cycle.ts";
import { formatBytes } from "../bytes.ts";
import type { Facts } from "./facts.ts";
import type { MakeRoom, Step } from "./steps.ts";

export interface Plan {
  job: Job;
  /** The snapshot this run makes (`PREFIX-YYYY-MM-DD`, or `PREFIX-YYYY-MM-DDTHHMMZ` for sub-daily jobs). */
  snapshot: Snapshot;
  snapshotPath: string;
  /** rsync writes here; renamed to `snapshotPath` only when rsync succeeds. */
  stagingPath: string;
  /** What rsync reads: the job's source, or for a `snapshotOf()` job the other job's snapshot directory. */
  source: string;
  /** The failed attempt this run links against first (`PREFIX-incomplete.prev`), if any. */
  resumeBase: string | undefined;
  /** Absolute link targets, newest first, at most 20. */
  linkDests: string[];
  rsyncArgv: string[];
  /** What happens to each complete snapshot once the new one is in place. */
  retention: RetentionDecision[];
  /** In order. */
  steps: Step[];
  /** What runs when a step fails. */
  onFailure: Step[];
}

export interface PlanOptions {
  /** Show rsync's progress (`--info=progress2`): a terminal is watching. */
  progress?: boolean;
}

/** Build the plan of one backup. Pure. */
export function planRun(job: Job, facts: Facts, now: Date, options: PlanOptions = {}): Plan {
  const path = (name: string) => join(job.backupDir, name);
  const { steps: recovery, inventory } = recover(job, facts.inventory);
  const made = snapshotFromName(job.prefix, snapshotNameAt(job.prefix, now, isTimed(job.cycle), job.timeZone), job.timeZone)!;
  const snapshot = { ...made, madeAt: now.getTime() };
  const stagingPath = path(stagingName(job.prefix));
  const previous = path(resumeName(job.prefix));
  const replaces = inventory.snapshots.some((s) => s.name === snapshot.name) ? snapshot.name : undefined;
  const resumeBase = inventory.staging || inventory.previous ? previous : undefined;
  const retention = applyRetention(inventory.snapshots, policyOf(job), now, { adding: snapshot });
  const room = job.freeSpace === undefined ? undefined : makeRoomStep(job, facts, retention.room.map((c) => ({ name: c.snapshot.name, why: c.why })), retention.roomLeaves);
  // Snapshots that may be deleted to make room are no link targets when the disk is short already.
  const mayGo = new Set(room !== undefined && room.freeBytes < room.needBytes ? room.candidates.map((c) => c.name) : []);
  const copied = facts.copy?.path;
  const newestFirst = [...inventory.snapshots].reverse().filter((s) => !mayGo.has(s.name)).map((s) => path(s.name));
  // A copy links against the snapshot it copies first: every file matches there, so nothing is copied.
  const linkDests = [...(copied === undefined ? [] : [copied]), ...(resumeBase === undefined ? [] : [resumeBase]), ...newestFirst].slice(0, MAX_LINK_DEST);
  const source = copied ?? (isCopySource(job.source) ? "" : job.source);
  const argv = rsyncArgv(job, { source, linkDests, destination: stagingPath, progress: options.progress ?? false });
  const plan: Plan = {
    job, snapshot, snapshotPath: path(snapshot.name), stagingPath, source, resumeBase, linkDests, rsyncArgv: argv,
    retention: retention.decisions, steps: [], onFailure: failureSteps(job),
  };
  const steps: Step[] = [...recovery];
  if (isCopySource(job.source) && facts.copy === undefined) {
    const other = job.copyOf?.name ?? job.source.job;
    steps.push({ kind: "refuse", why: `job ${other} has no complete snapshot in ${job.copyOf?.backupDir ?? "its backupDir"} yet; nothing to copy` });
    return { ...plan, steps };
  }
  if (job.hooks.pre !== undefined) {
    const stops = canStopBackup(job.hooks.pre);
    steps.push({ kind: "pre-hook", hook: describeHook(job.hooks.pre, job), stopsBackup: stops, why: stops ? "the job's pre hook; if it fails, the backup is skipped" : "the job's pre hook (a notification: it never stops the backup)" });
  }
  if (!isRemoteSource(source)) steps.push({ kind: "check-source", path: source, why: "a local source must exist and be readable (after the pre hook, which may mount it)" });
  if (room !== undefined) steps.push(room);
  steps.push(...stagingSteps(inventory, stagingPath, previous));
  steps.push({ kind: "make-staging", path: stagingPath, linkDests, why: `rsync writes into a fresh directory that no listing takes for a snapshot; ${linkDests.length === 0 ? "no link target: a full copy" : `${linkDests.length} link target(s), newest first`}` });
  steps.push({ kind: "rsync", argv, source, staging: stagingPath, vanishedOk: copied === undefined, why: copied === undefined ? "exit 0, or 24 (files vanished on the source), is a complete snapshot" : "a copy: exit 0 only (files vanishing from a snapshot mean it is being deleted)" });
  const newest = inventory.snapshots.at(-1);
  const against = copied ?? (newest === undefined ? undefined : path(newest.name));
  if (job.allowEmptySource !== true && against !== undefined) {
    steps.push({ kind: "check-not-empty", staging: stagingPath, against, why: `an empty source while ${basename(against)} is not is usually a disk that is not mounted: not published (allowEmptySource: true allows it)` });
  }
  steps.push({
    kind: "publish", from: stagingPath, to: plan.snapshotPath, replaces, setAside: replaces === undefined ? undefined : path(replacedName(replaces)),
    why: replaces === undefined ? "the complete snapshot takes its name" : `the complete snapshot takes its name; today's earlier ${replaces} is set aside first (put back if a crash intervenes)`,
  });
  const cleanUp = [
    ...(replaces === undefined ? [] : [{ path: path(replacedName(replaces)), why: `replaced today's earlier snapshot ${replaces}` }]),
    ...(resumeBase === undefined ? [] : [{ path: resumeBase, why: "the resumed failed attempt is no longer needed" }]),
  ];
  if (cleanUp.length > 0) steps.push({ kind: "clean-up", paths: cleanUp, why: "what the new snapshot made unnecessary goes to the trash" });
  if (job.hooks.after !== undefined) steps.push({ kind: "after-hook", hook: describeHook(job.hooks.after, job), why: "the job's after hook; its failure is logged, the snapshot stays good" });
  steps.push(pruneStep(retention.decisions));
  steps.push(emptyTrashStep(inventory));
  return { ...plan, steps };
}

/** The plan of `linkback prune`: recovery of an interrupted replacement, retention (nothing added), the trash. */
export function planPrune(job: Job, facts: Facts, now: Date): Step[] {
  const { steps, inventory } = recover(job, facts.inventory);
  const { decisions } = applyRetention(inventory.snapshots, policyOf(job), now);
  return [...steps, pruneStep(decisions), emptyTrashStep(inventory)];
}

/**
 * `PREFIX-DAY.replaced` means a same-day replacement stopped between its two renames: if the day's snapshot
 * is missing, the set-aside tree is put back (the new one is still in staging and is resumed from); if both
 * exist, the set-aside one is trashed. Returns the steps and the inventory as it is after them.
 */
function recover(job: Job, inventory: Inventory): { steps: Step[]; inventory: Inventory } {
  const steps: Step[] = [];
  const snapshots = [...inventory.snapshots];
  for (const name of inventory.replaced) {
    const day = parseReplacedName(job.prefix, name)!;
    const from = join(job.backupDir, name);
    if (snapshots.some((s) => s.name === day)) {
      steps.push({ kind: "discard-replaced", path: from, why: `it was replaced by ${day} in an interrupted run` });
    } else {
      steps.push({ kind: "restore-replaced", from, to: join(job.backupDir, day), why: `a run was interrupted while replacing ${day}: the set-aside snapshot is put back` });
      snapshots.push(snapshotFromName(job.prefix, day, job.timeZone)!);
    }
  }
  snapshots.sort(byAge);
  return { steps, inventory: { ...inventory, snapshots, replaced: [] } };
}

/** A failed attempt becomes the resume base; an empty one is just removed, keeping the older resume base. */
function stagingSteps(inventory: Inventory, stagingPath: string, previous: string): Step[] {
  if (inventory.stagingEmpty) return [{ kind: "clear-empty-staging", path: stagingPath, why: "an attempt that failed before rsync wrote anything; the earlier resume base, if any, stays" }];
  if (!inventory.staging) return [];
  return [
    ...(inventory.previous ? [{ kind: "discard-attempt" as const, path: previous, why: "two failed attempts are left over: the older one goes" }] : []),
    { kind: "resume", from: stagingPath, to: previous, why: "resuming: the failed attempt becomes the first link target, so what it transferred is not sent again" },
  ];
}

function makeRoomStep(job: Job, facts: Facts, candidates: MakeRoom["candidates"], leaves: number): MakeRoom {
  const need = job.freeSpace!;
  const total = facts.space?.totalBytes ?? 0;
  const needBytes = need.bytes ?? Math.ceil((total * (need.percent ?? 0)) / 100);
  const freeBytes = facts.space?.freeBytes ?? 0;
  const enough = freeBytes >= needBytes;
  const order = candidates.length === 0 ? "nothing may be deleted (minKeep)" : `delete ${candidates.map((c) => c.name).join(", then ")}`;
  const why = enough
    ? `${formatBytes(freeBytes)} free, minFreeSpace ${need.text} (${formatBytes(needBytes)}): enough, nothing to delete (if it is short when the step runs: ${order} until there is room)`
    : `${formatBytes(freeBytes)} free, minFreeSpace ${need.text} (${formatBytes(needBytes)}): ${candidates.length === 0 ? "nothing may be deleted (minKeep) → the run fails before rsync" : `delete ${candidates.map((c) => c.name).join(", then ")} until there is; still short after ${candidates.at(-1)!.name} → the run fails before rsync`}`;
  return { kind: "make-room", need: need.text, needBytes, freeBytes, candidates, leaves, why };
}

function pruneStep(decisions: RetentionDecision[]): Step {
  const doomed = decisions.filter((d) => d.action === "delete").length;
  return { kind: "prune", decisions, why: doomed === 0 ? "retention keeps every snapshot" : `retention prunes ${doomed} snapshot(s), each with its reason` };
}

function emptyTrashStep(inventory: Inventory): Step {
  const why = inventory.trash.length === 0 ? "after the lock is released: delete what this run put in the trash" : `after the lock is released: delete what this run put in the trash, and ${inventory.trash.length} tree(s) a dead run left there`;
  return { kind: "empty-trash", leftovers: inventory.trash, why };
}

function failureSteps(job: Job): Step[] {
  return job.hooks.fail === undefined ? [] : [{ kind: "fail-hook", hook: describeHook(job.hooks.fail, job), why: "the job's fail hook, when the run fails" }];
}
