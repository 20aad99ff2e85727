// Read what the planner decides from, once: the job's inventory, the backup filesystem's space, and for a
// snapshotOf() job the snapshot it copies. A run reads them under the job's lock; `check` and dry runs
// read them without one.
import { join } from "node:path";
import { LinkbackError, messageOf } from "../errors.ts";
import type { CopySource, Job } from "../config/types.ts";
import { diskSpace } from "../disk/space.ts";
import type { Facts } from "../plan/facts.ts";
import { type Plan, type PlanOptions, planRun } from "../plan/plan.ts";
import { checkBackupDir } from "./preflight.ts";
import { readInventory } from "../store/read.ts";
import { readRecords } from "../store/records.ts";
import { type Reader, describeReaders, readReaders } from "../store/readers.ts";
import { type DiskFacts, probeDisk } from "../disk/probe.ts";
import { mountOf } from "../disk/mounts.ts";
import { rsyncCapabilities } from "../rsync/capabilities.ts";
import { realpath } from "node:fs/promises";

/**
 * `probe`: also make (and remove) a hard link in backupDir to learn whether the disk can hold hard-link
 * snapshots — a run and `check` do; a dry run, which changes nothing, does not.
 */
export async function gatherFacts(job: Job, options: { probe?: boolean; disk?: DiskFacts } = {}): Promise<Facts> {
  const inventory = await readInventory(job.backupDir, job.prefix, job.timeZone);
  const space = await diskSpace(job.backupDir).catch(() => undefined);
  const stored = await readRecords(job.backupDir, job.prefix);
  const records = new Map([...stored].filter(([name]) => inventory.snapshots.some((s) => s.name === name)));
  const disk = options.disk ?? (options.probe === true ? await probeDisk(job.backupDir).catch(() => undefined) : await diskType(job.backupDir));
  const reading = await readReaders(job.backupDir, job.prefix).catch(() => new Map<string, Reader[]>());
  const readers = new Map([...reading].map(([name, list]) => [name, describeReaders(list)]));
  const facts: Facts = { inventory, space, records, disk, rsync: await rsyncCapabilities(), readers };
  if (job.copyOf === undefined) return facts;
  const copyOf = job.copyOf;
  const copy = await newestSnapshotOf(copyOf).catch((error: unknown) => {
    throw new LinkbackError(`the snapshots of job ${copyOf.name}, which this job copies, cannot be read: ${messageOf(error)}`);
  });
  return { ...facts, copy };
}

/** The filesystem's type without probing it. */
async function diskType(backupDir: string): Promise<Facts["disk"]> {
  const mount = mountOf(await realpath(backupDir).catch(() => backupDir));
  return mount === undefined ? undefined : { type: mount.type, mountPoint: mount.target, hardLinks: undefined };
}

/** The other job's newest complete snapshot (name and absolute path), or undefined when it has none yet. */
export async function newestSnapshotOf(copy: CopySource): Promise<{ name: string; path: string } | undefined> {
  const newest = (await readInventory(copy.backupDir, copy.prefix, copy.timeZone)).snapshots.at(-1);
  return newest === undefined ? undefined : { name: newest.name, path: join(copy.backupDir, newest.name) };
}

/** The plan a run would follow now, from the disk as it is, without the lock (`check`, `run --dry-run`). */
export async function planNow(job: Job, now: Date, options: PlanOptions & { probe?: boolean } = {}): Promise<Plan> {
  await checkBackupDir(job);
  return planRun(job, await gatherFacts(job, options), now, options);
}
