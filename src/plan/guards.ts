// The plan's judgements about the machine as it is, each pure and explained: is the clock plausible, what
// metadata the backup disk can keep, what of linkback's own lies inside the source, how much the source may
// shrink, how much room the run needs.
import { isAbsolute, relative, resolve } from "node:path";
import type { Job } from "../config/types.ts";
import { isCopySource, isRemoteSource } from "../config/source.ts";
import { type DiskFacts, keepsHoles, keepsXattrs } from "../disk/probe.ts";
import { formatBytes } from "../bytes.ts";
import { cycleMs } from "../time/cycle.ts";
import type { Snapshot } from "../store/inventory.ts";
import type { RetentionDecision } from "../retention/policy.ts";
import type { Facts } from "./facts.ts";
import type { CheckShrink, MakeRoom, Rsync } from "./steps.ts";

const DAY_MS = 86_400_000;

/**
 * A clock that jumped forward (a router without a battery-backed clock, a bad NTP answer) must never prune
 * by age. "Implausible": now is more than max(30 days, 10 × every, alertAfter) after the newest snapshot made
 * under a trusted clock (snapshots made while the clock looked wrong are marked so in their records).
 * Returns why, when it looks wrong.
 */
export function clockProblem(job: Job, facts: Facts, now: Date): string | undefined {
  const trusted = facts.inventory.snapshots.filter((s) => facts.records.get(s.name)?.clockSuspect !== true && s.madeAt <= now.getTime());
  const newest = trusted.at(-1);
  if (newest === undefined) return undefined;
  const limit = Math.max(30 * DAY_MS, 10 * cycleMs(job.cycle), cycleMs(job.alertCycle));
  const gap = now.getTime() - newest.madeAt;
  if (gap <= limit) return undefined;
  return `the clock looks wrong: now (${now.toISOString().slice(0, 16)}Z) is ${Math.floor(gap / DAY_MS)} days after the newest snapshot ${newest.name}, more than ${Math.round(limit / DAY_MS)} days; nothing is pruned by age until it is right (if it is right: linkback run ${job.name} --trust-clock)`;
}

/** A backup filesystem that cannot hard-link is refused: every snapshot would be a full copy (and no lock could be taken). */
export function hardLinkRefusal(disk: DiskFacts | undefined): string | undefined {
  if (disk?.hardLinks !== false) return undefined;
  return `the backup filesystem at ${disk.mountPoint} (${disk.type}) cannot make hard links: every snapshot would be a full copy. Use a disk formatted ext4, btrfs or xfs (exFAT, FAT32 and NTFS through FUSE cannot hold hard-link snapshots)`;
}

export interface Keeps {
  acls: boolean;
  xattrs: boolean;
  sparse: boolean;
}

/** ACLs, xattrs and holes: kept where the job, the backup filesystem and this machine's rsync allow. */
export function metadataKept(job: Job, facts: Facts): { keeps: Keeps; why: string } {
  const type = facts.disk?.type;
  const disk = type !== undefined && keepsXattrs(type);
  const keeps: Keeps = {
    acls: job.metadata?.acls ?? (disk && facts.rsync?.acls === true),
    xattrs: job.metadata?.xattrs ?? (disk && facts.rsync?.xattrs === true),
    sparse: job.metadata?.sparse ?? (type === undefined || keepsHoles(type)),
  };
  const names = { acls: "ACLs", xattrs: "xattrs (file capabilities among them)", sparse: "holes of sparse files" } as const;
  const kept = (Object.keys(names) as (keyof Keeps)[]).filter((key) => keeps[key]).map((key) => names[key]);
  const lost = (Object.keys(names) as (keyof Keeps)[]).filter((key) => !keeps[key]).map((key) => {
    const reason = job.metadata?.[key] === false ? "the job says so" : key === "sparse" ? `${type} has no holes` : type === undefined || !disk ? `the backup filesystem (${type ?? "unknown"}) cannot store them` : "this machine's rsync was built without them";
    return `${names[key]} (${reason})`;
  });
  return { keeps, why: `kept beyond rsync -a: ${kept.length === 0 ? "nothing" : kept.join(", ")}${lost.length === 0 ? "" : `; not kept: ${lost.join(", ")}`}` };
}

/**
 * The backup directory (and linkback's log and status directories) inside a local source would be copied
 * into every snapshot, each containing all the earlier ones: excluded, anchored at the source root.
 */
export function ownDirsInSource(job: Job, source: string, dirs: { path: string; what: string }[]): Rsync["excluded"] {
  if (isRemoteSource(source) || isCopySource(job.source) || !isAbsolute(source)) return [];
  const root = resolve(source);
  const excluded: Rsync["excluded"] = [];
  for (const { path, what } of dirs) {
    const inside = relative(root, resolve(path));
    if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) continue;
    if (excluded.some((e) => inside === e.path || inside.startsWith(`${e.path}/`))) continue;
    excluded.push({ path: inside, why: `${what} ${path} is inside the source: not backed up into itself` });
  }
  return excluded;
}

/** The shrink guard against the newest snapshot (the empty-source guard, generalised). */
export function shrinkStep(job: Job, facts: Facts, staging: string, against: { path: string; snapshot: Snapshot | undefined }, accepted: boolean): CheckShrink | undefined {
  if (job.allowEmptySource === true || job.shrinkLimit >= 1) return undefined;
  const record = against.snapshot === undefined ? undefined : facts.records.get(against.snapshot.name);
  const previous = record?.regularFiles === undefined || record.totalBytes === undefined ? undefined : { regularFiles: record.regularFiles, totalBytes: record.totalBytes };
  const percent = `${Math.round(job.shrinkLimit * 100)}%`;
  const measure = previous === undefined
    ? "empty while it is not"
    : `more than ${percent} of its ${previous.regularFiles} files or ${formatBytes(previous.totalBytes)} gone (maxShrink ${percent})`;
  const why = accepted
    ? "--accept-shrink: a source that shrank is published as it is"
    : `a source that lost its content (a data disk not mounted below it) is not published: refused when ${measure} compared with ${against.snapshot?.name ?? "the copied snapshot"}; nothing is pruned then`;
  return { kind: "check-shrink", staging, against: against.path, previous, limit: job.shrinkLimit, accepted, why };
}

/** The make-room step: the space (and inodes) needed, and the snapshots that may go, in order. */
export function makeRoomStep(job: Job, facts: Facts, candidates: MakeRoom["candidates"], leaves: number): MakeRoom | undefined {
  if (job.freeSpace === undefined && job.freeInodes === undefined) return undefined;
  const space = facts.space;
  const need = job.freeSpace;
  const needBytes = need === undefined ? 0 : (need.bytes ?? Math.ceil(((space?.totalBytes ?? 0) * (need.percent ?? 0)) / 100));
  const inodes = job.freeInodes;
  const needInodes = inodes === undefined ? 0 : (inodes.count ?? Math.ceil(((space?.totalInodes ?? 0) * (inodes.percent ?? 0)) / 100));
  const wanted = space === undefined
    ? `the disk's free space could not be read now (measured when the step runs): minFreeSpace ${need?.text ?? "-"}, minFreeInodes ${inodes?.text ?? "-"}`
    : [
      ...(need === undefined ? [] : [`${formatBytes(space.freeBytes)} free, minFreeSpace ${need.text} (${formatBytes(needBytes)})`]),
      ...(inodes === undefined ? [] : [`${space.freeInodes} inodes free, minFreeInodes ${inodes.text} (${needInodes})`]),
    ].join("; ");
  const order = candidates.length === 0 ? "nothing may be deleted (minKeep)" : `delete ${candidates.map((c) => c.name).join(", then ")}`;
  const enough = space !== undefined && space.freeBytes >= needBytes && space.freeInodes >= needInodes;
  const why = enough || space === undefined
    ? `${wanted}: ${enough ? "enough, nothing to delete " : ""}(if it is short when the step runs: ${order} until there is room)`
    : `${wanted}: ${candidates.length === 0 ? `${order} → the run fails before rsync` : `${order} until there is; still short after ${candidates.at(-1)!.name} → the run fails before rsync`}`;
  return {
    kind: "make-room", need: need?.text ?? "", needBytes, needPercent: need?.percent, needInodes, needInodesPercent: inodes?.percent, needInodesText: inodes?.text ?? "",
    freeBytes: space?.freeBytes, candidates, leaves, why,
  };
}

/**
 * Retention's deletes of snapshots a `restore` or `diff` is reading, turned into keeps for this time (the
 * next run prunes them); the executor checks again as it deletes, for readers that came since.
 */
export function spareReadSnapshots(decisions: RetentionDecision[], facts: Facts): RetentionDecision[] {
  const readers = facts.readers;
  if (readers === undefined || readers.size === 0) return decisions;
  return decisions.map((decision) => {
    const who = readers.get(decision.snapshot.name);
    if (decision.action !== "delete" || who === undefined) return decision;
    return { ...decision, action: "keep", rule: "being read", reason: `being read by ${who}: kept this time, the next run prunes it (${decision.reason})` };
  });
}
