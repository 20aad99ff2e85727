// The pure core: (job, facts, now) → the plan of a run, every decision a step with its reason. The executor
// carries the steps out; `run --dry-run` prints them. No disk, no clock: what the disk holds comes in as
// facts, read once under the job's lock.
import { isAbsolute, join, resolve } from "node:path";
import type { Job } from "../config/types.ts";
import { isCopySource, isRemoteSource } from "../config/source.ts";
import { canStopBackup, describeHook } from "../hooks/command.ts";
import { type RetentionDecision, applyRetention, policyOf } from "../retention/policy.ts";
import { MAX_LINK_DEST, type RsyncCommand, rsyncArgv } from "../rsync/args.ts";
import { type Inventory, type Snapshot, byAge } from "../store/inventory.ts";
import { parseReplacedName, replacedName, resumeName, snapshotFromName, snapshotNameAt, stagingName } from "../store/names.ts";
import { isTimed } from "../time/cycle.ts";
import { metaDir } from "../store/records.ts";
import type { Facts } from "./facts.ts";
import { type Keeps, clockProblem, hardLinkRefusal, makeRoomStep, metadataKept, ownDirsInSource, shrinkStep, spareReadSnapshots } from "./guards.ts";
import type { Rsync, Step } from "./steps.ts";

export interface Plan {
  job: Job;
  /** The snapshot this run makes (`PREFIX-YYYY-MM-DD`, or `PREFIX-YYYY-MM-DDTHHMMZ` for sub-daily jobs). */
  snapshot: Snapshot;
  snapshotPath: string;
  /** rsync writes here; renamed to `snapshotPath` only when rsync succeeds. */
  stagingPath: string;
  /** What rsync reads: the job's source, or for a `snapshotOf()` job the other job's snapshot directory. */
  source: string;
  /** Absolute link targets, newest first, at most 20. */
  linkDests: string[];
  rsyncArgv: string[];
  /** What happens to each complete snapshot once the new one is in place. */
  retention: RetentionDecision[];
  /** In order. */
  steps: Step[];
  /** What runs when a step fails: the fail hook, then (after the lock) the trash, as after success. */
  onFailure: Step[];
}

export interface PlanOptions {
  /** Show rsync's progress (`--info=progress2`): a terminal is watching. */
  progress?: boolean;
  /** linkback's own directories (logs, status): excluded when they are inside a local source. */
  ownDirs?: { path: string; what: string }[];
  /** `run --accept-shrink`: this run publishes a source that shrank beyond maxShrink. */
  acceptShrink?: boolean;
  /** `run --trust-clock`: the clock is right even though it is far past the newest snapshot. */
  trustClock?: boolean;
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
  const clock = options.trustClock === true ? undefined : clockProblem(job, facts, now);
  const partial = new Set([...facts.records].filter(([, record]) => record.partial !== undefined).map(([name]) => name));
  const retentionOptions = { adding: snapshot, frozen: clock, partial };
  const retention = applyRetention(inventory.snapshots, policyOf(job), now, retentionOptions);
  const ifPartial = applyRetention(inventory.snapshots, policyOf(job), now, { ...retentionOptions, partial: new Set([...partial, snapshot.name]) });
  const roomCandidates = retention.room.filter((c) => !facts.readers?.has(c.snapshot.name)).map((c) => ({ name: c.snapshot.name, why: c.why }));
  const room = makeRoomStep(job, facts, roomCandidates, retention.roomLeaves);
  const copied = facts.copy?.path;
  const newestFirst = [...inventory.snapshots].reverse().map((s) => path(s.name));
  // A copy links against the snapshot it copies first: every file matches there, so nothing is copied.
  const linkDests = [...(copied === undefined ? [] : [copied]), ...(resumeBase === undefined ? [] : [resumeBase]), ...newestFirst].slice(0, MAX_LINK_DEST);
  const source = copied ?? (isCopySource(job.source) ? "" : job.source);
  const excluded = ownDirsInSource(job, source, [{ path: job.backupDir, what: "backupDir" }, ...(options.ownDirs ?? [])]);
  const { keeps, why: keepsWhy } = metadataKept(job, facts);
  const command = { source, linkDests, destination: stagingPath, progress: options.progress ?? false, keep: keeps, ownExcludes: excluded.map((e) => `/${e.path}/`) };
  const argv = rsyncArgv(job, command);
  const plan: Plan = {
    job, snapshot, snapshotPath: path(snapshot.name), stagingPath, source, linkDests, rsyncArgv: argv,
    retention: retention.decisions, steps: [], onFailure: [...failureSteps(job), emptyTrashStep(inventory)],
  };
  const steps: Step[] = [...recovery];
  const refusal = refusalOf(job, facts, source, replaces);
  if (refusal !== undefined) return { ...plan, steps: [...steps, { kind: "refuse", why: refusal }] };
  if (job.hooks.pre !== undefined) {
    const stops = canStopBackup(job.hooks.pre);
    steps.push({ kind: "pre-hook", hook: describeHook(job.hooks.pre, job), stopsBackup: stops, why: stops ? "the job's pre hook; if it fails, the backup is skipped" : "the job's pre hook (a notification: it never stops the backup)" });
  }
  if (!isRemoteSource(source)) steps.push({ kind: "check-source", path: source, why: "a local source must exist and be readable (after the pre hook, which may mount it)" });
  if (room !== undefined) steps.push(room);
  steps.push(...stagingSteps(inventory, stagingPath, previous));
  const lessRoom = room === undefined || room.candidates.length === 0 ? "" : " (those make-room deletes are left out of rsync's command)";
  steps.push({ kind: "make-staging", path: stagingPath, linkDests, why: `rsync writes into a fresh directory that no listing takes for a snapshot; ${linkDests.length === 0 ? "no link target: a full copy" : `${linkDests.length} link target(s), newest first${lessRoom}`}` });
  steps.push(rsyncStep(job, facts, inventory, command, excluded, keepsWhy, copied));
  steps.push(...publishSteps(job, facts, inventory, { stagingPath, snapshotPath: plan.snapshotPath, replaces, resumeBase, copied, clock, keeps, linkDests: linkDests.length, acceptShrink: options.acceptShrink === true }));
  if (job.hooks.after !== undefined || job.hooks.fail !== undefined) {
    const after = job.hooks.after === undefined ? undefined : describeHook(job.hooks.after, job);
    const fail = job.hooks.fail === undefined ? undefined : describeHook(job.hooks.fail, job);
    steps.push({ kind: "after-hook", hook: after, ifPartial: fail, why: "the job's after hook (its failure is logged, the snapshot stays good); if the run ended partial, the fail hook instead, with the files that failed" });
  }
  steps.push(pruneStep(spareReadSnapshots(retention.decisions, facts), spareReadSnapshots(ifPartial.decisions, facts), clock));
  steps.push(emptyTrashStep(inventory));
  return { ...plan, steps };
}

/** The transfer: one argv, what is excluded and why, a fallback without ACLs/xattrs for a remote rsync, the notes. */
function rsyncStep(job: Job, facts: Facts, inventory: Inventory, command: RsyncCommand & { keep: Keeps }, excluded: Rsync["excluded"], keepsWhy: string, copied: string | undefined): Rsync {
  const keeps = command.keep;
  const fallbacks = (keeps.acls || keeps.xattrs) && isRemoteSource(command.source)
    ? [{ when: "metadata" as const, argv: rsyncArgv(job, { ...command, keep: { ...keeps, acls: false, xattrs: false } }), why: "if rsync on the source cannot keep ACLs or xattrs: once more without them (the log says what is not kept)" }]
    : [];
  const newest = inventory.snapshots.at(-1);
  return {
    kind: "rsync", argv: rsyncArgv(job, command), source: command.source, staging: command.destination, vanishedOk: copied === undefined, partialOk: copied === undefined, excluded, fallbacks,
    notes: [keepsWhy, ...keepsChange(keeps, newest === undefined ? undefined : facts.records.get(newest.name)?.keeps, newest !== undefined)],
    why: copied === undefined
      ? `exit 0, or 24 (files vanished on the source), is a complete snapshot; 23 with files transferred is a partial one (published, marked partial); ${keepsWhy}`
      : `a copy: exit 0 only (files vanishing from a snapshot mean it is being deleted); ${keepsWhy}`,
  };
}

interface Publishing {
  stagingPath: string;
  snapshotPath: string;
  replaces: string | undefined;
  resumeBase: string | undefined;
  copied: string | undefined;
  clock: string | undefined;
  keeps: Keeps;
  linkDests: number;
  acceptShrink: boolean;
}

/** After the transfer: the shrink guard, the record, the flush, publishing, and the clean-up. */
function publishSteps(job: Job, facts: Facts, inventory: Inventory, p: Publishing): Step[] {
  const path = (name: string) => join(job.backupDir, name);
  const steps: Step[] = [];
  const newest = inventory.snapshots.at(-1);
  const against = p.copied ?? (newest === undefined ? undefined : path(newest.name));
  const shrink = against === undefined ? undefined : shrinkStep(job, facts, p.stagingPath, { path: against, snapshot: p.copied === undefined ? newest : undefined }, p.acceptShrink);
  if (shrink !== undefined) steps.push(shrink);
  steps.push({
    kind: "record", path: metaDir(job.backupDir, job.prefix), clockSuspect: p.clock !== undefined, keeps: p.keeps, linkDests: p.linkDests,
    existing: inventory.snapshots.map((s) => s.name),
    why: `what the snapshot holds (files, what was linked, the bytes stored anew${p.clock === undefined ? "" : ", made while the clock looked wrong"}), kept outside its tree`,
  });
  steps.push({ kind: "flush", path: job.backupDir, why: "one flush of the backup filesystem (sync -f): rsync's files and the record are on the disk before the snapshot takes its name" });
  const { replaces } = p;
  steps.push({
    kind: "publish", from: p.stagingPath, to: p.snapshotPath, replaces, setAside: replaces === undefined ? undefined : path(replacedName(replaces)),
    ...(replaces === undefined ? {} : { recordBefore: facts.records.get(replaces) }),
    why: `${replaces === undefined ? "the complete snapshot takes its name" : `the complete snapshot takes its name; today's earlier ${replaces} is set aside first (put back if a crash intervenes)`}; then an fsync of ${job.backupDir}`,
  });
  const cleanUp = [
    ...(replaces === undefined ? [] : [{ path: path(replacedName(replaces)), why: `replaced today's earlier snapshot ${replaces}` }]),
    ...(p.resumeBase === undefined ? [] : [{ path: p.resumeBase, why: "the resumed failed attempt is no longer needed" }]),
  ];
  if (cleanUp.length > 0) steps.push({ kind: "clean-up", paths: cleanUp, why: "what the new snapshot made unnecessary goes to the trash" });
  return steps;
}

/**
 * Metadata kept now that the newest snapshot did not keep: rsync links no file across an ACL or xattr
 * difference, so the files that carry them are stored anew once (never the whole tree).
 */
function keepsChange(keeps: { acls: boolean; xattrs: boolean }, before: { acls: boolean; xattrs: boolean } | undefined, hasSnapshots: boolean): string[] {
  if (!hasSnapshots) return [];
  const turnedOn = [...(keeps.acls && before?.acls !== true ? ["ACLs"] : []), ...(keeps.xattrs && before?.xattrs !== true ? ["xattrs"] : [])];
  if (turnedOn.length === 0) return [];
  return [`${turnedOn.join(" and ")} kept from this snapshot on (the newest did not keep them${before === undefined ? ", or was made before linkback recorded it" : ""}): files that carry them are stored anew once — rsync links no file across an ACL or xattr difference — the others are linked as always`];
}

/**
 * Why the run cannot go ahead at all, before any hook: nothing to copy, a disk that cannot hard-link, today's
 * snapshot being read (replacing it would change what a restore or diff is reading, mid-way).
 */
function refusalOf(job: Job, facts: Facts, source: string, replaces: string | undefined): string | undefined {
  const reading = replaces === undefined ? undefined : facts.readers?.get(replaces);
  if (reading !== undefined) {
    return `today's ${replaces} is being read by ${reading}: a second run today would replace it under the reader; nothing is done — run again when it is done`;
  }
  if (isCopySource(job.source) && facts.copy === undefined) {
    return `job ${job.copyOf?.name ?? job.source.job} has no complete snapshot in ${job.copyOf?.backupDir ?? "its backupDir"} yet; nothing to copy`;
  }
  const links = hardLinkRefusal(facts.disk);
  if (links !== undefined) return links;
  if (!isRemoteSource(source) && isAbsolute(source) && resolve(job.backupDir) === resolve(source)) {
    return `backupDir ${job.backupDir} is the source itself`;
  }
  return undefined;
}

/** The plan of `linkback prune`: recovery of an interrupted replacement, retention (nothing added), the trash. */
export function planPrune(job: Job, facts: Facts, now: Date): Step[] {
  const { steps, inventory } = recover(job, facts.inventory);
  const partial = new Set([...facts.records].filter(([, record]) => record.partial !== undefined).map(([name]) => name));
  const clock = clockProblem(job, facts, now);
  const decisions = spareReadSnapshots(applyRetention(inventory.snapshots, policyOf(job), now, { frozen: clock, partial }).decisions, facts);
  return [...steps, pruneStep(decisions, decisions, clock), emptyTrashStep(inventory)];
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

function pruneStep(decisions: RetentionDecision[], ifPartial: RetentionDecision[], clock?: string): Step {
  const doomed = decisions.filter((d) => d.action === "delete").length;
  const why = clock !== undefined ? clock : doomed === 0 ? "retention keeps every snapshot" : `retention prunes ${doomed} snapshot(s), each with its reason`;
  const spared = ifPartial.filter((d, i) => d.action === "keep" && decisions[i]?.action === "delete").map((d) => d.snapshot.name);
  return { kind: "prune", decisions, ifPartial, frozen: clock, why: spared.length === 0 ? why : `${why}; should this run end partial, ${spared.join(", ")} stays too (the newest complete snapshot)` };
}

function emptyTrashStep(inventory: Inventory): Step {
  const why = inventory.trash.length === 0 ? "after the lock is released: delete what this run put in the trash" : `after the lock is released: delete what this run put in the trash, and ${inventory.trash.length} tree(s) a dead run left there`;
  return { kind: "empty-trash", leftovers: inventory.trash, why };
}

function failureSteps(job: Job): Step[] {
  return job.hooks.fail === undefined ? [] : [{ kind: "fail-hook", hook: describeHook(job.hooks.fail, job), why: "the job's fail hook, when the run fails" }];
}
