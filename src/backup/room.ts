// minFreeSpace: before rsync, the backup filesystem must have the space the job asks for. When it does not,
// snapshots go, oldest first — first those retention would prune anyway, then any beyond minKeep — and the
// space is measured again after each. Still short: the run fails early with the numbers, instead of halfway
// through with rsync's exit 11.
import { statfs } from "node:fs/promises";
import type { FreeSpace } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import { formatBytes } from "./outcome.ts";
import type { RetentionDecision } from "../retention/policy.ts";
import type { Snapshot } from "../store/inventory.ts";
import { deleteTree, moveToTrash } from "../store/store.ts";

export interface Space {
  freeBytes: number;
  totalBytes: number;
}

export async function freeSpace(path: string): Promise<Space> {
  const info = await statfs(path);
  return { freeBytes: info.bavail * info.bsize, totalBytes: info.blocks * info.bsize };
}

/** The bytes `need` asks for on a filesystem of `totalBytes`. */
export function neededBytes(need: FreeSpace, totalBytes: number): number {
  return need.bytes ?? Math.ceil((totalBytes * (need.percent ?? 0)) / 100);
}

/**
 * Free space for a run. `decisions` is the retention of the complete snapshots (oldest first), `minKeep` how
 * many must stay. Returns undefined when there is enough space (after deletions, if any), else the problem.
 */
export async function makeRoom(
  backupDir: string,
  need: FreeSpace,
  decisions: readonly RetentionDecision[],
  minKeep: number,
  log: Logger,
  now: Date,
): Promise<string | undefined> {
  let space = await freeSpace(backupDir);
  const wanted = neededBytes(need, space.totalBytes);
  if (space.freeBytes >= wanted) return undefined;
  const short = (free: number) => `${formatBytes(free)} free of ${formatBytes(space.totalBytes)}, minFreeSpace ${need.text} (${formatBytes(wanted)})`;
  log.warn(`backup disk short of space: ${short(space.freeBytes)}; deleting the oldest snapshots (minKeep ${minKeep})`);
  const doomed = decisions.filter((d) => d.action === "delete").map((d) => d.snapshot);
  const kept = decisions.filter((d) => d.action === "keep" && d.rule !== "future").map((d) => d.snapshot);
  const candidates: [Snapshot, string][] = [
    ...doomed.map((s): [Snapshot, string] => [s, "retention would prune it"]),
    ...kept.slice(0, Math.max(0, kept.length - minKeep)).map((s): [Snapshot, string] => [s, `the oldest beyond minKeep ${minKeep}`]),
  ];
  // Every candidate counts against minKeep: the doomed ones too, so never fewer than minKeep remain.
  let remaining = doomed.length + kept.length;
  for (const [snapshot, why] of candidates) {
    if (remaining <= minKeep) break;
    log.warn({ reason: `minFreeSpace: ${short(space.freeBytes)}; ${why}` }, `deleting ${snapshot.name}`);
    await deleteTree(await moveToTrash(backupDir, snapshot.name, now)); // out of the namespace first, then gone
    remaining--;
    space = await freeSpace(backupDir);
    if (space.freeBytes >= wanted) return undefined;
  }
  return `backup disk full: ${short(space.freeBytes)}; minKeep ${minKeep} keeps the remaining ${remaining} snapshot(s); nothing written`;
}
