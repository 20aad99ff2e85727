// A restore, as data and then done: what is copied from where to where, with which rsync options, and the
// checks that keep it from rewriting history — the path stays inside its snapshot, the target is nowhere in
// any job's backup directory (by real path), and the snapshot is marked as being read so that no prune
// deletes it halfway. Paths are bytes throughout (names need not be UTF-8).
import { lstat, mkdir, readdir, realpath } from "node:fs/promises";
import { dirname } from "node:path";
import { UsageError } from "../errors.ts";
import type { Job } from "../config/types.ts";
import { mountOf } from "../disk/mounts.ts";
import { escapeName, insidePath } from "../store/pathBytes.ts";
import { readRecords } from "../store/records.ts";
import type { Snapshot } from "../store/inventory.ts";
import { type BackupPlace, backupDirHolding, isWithin, realTarget } from "./target.ts";
import { restoreFlags } from "./flags.ts";

export interface RestoreRequest {
  job: Job;
  snapshot: Snapshot;
  /** The path inside the snapshot, as given (bytes). */
  inside: Buffer;
  /** The target: a local path (bytes), or an absolute path on the source host (`remote`). */
  target: Buffer;
  remote?: { host: string; rsh: string } | undefined;
  /** Every job's backup directory: none may receive a restore. */
  places: readonly BackupPlace[];
  force: boolean;
  dryRun: boolean;
  deleteExtra: boolean;
}

export interface RestorePlan {
  /** `/path` in the snapshot, escaped for people. */
  shown: string;
  from: Buffer;
  /** The real target (local), or the path on the host. */
  to: Buffer;
  isDirectory: boolean;
  /** rsync's argv (bytes where names need them). */
  argv: (string | Buffer)[];
  /** What the snapshot keeps that this target cannot take. */
  left: string[];
}

const slash = (path: Buffer) => Buffer.concat([path, Buffer.from("/")]);

/** Look at the snapshot and the target, and say what rsync will do; throws UsageError for what is refused. */
export async function planRestore(request: RestoreRequest): Promise<RestorePlan> {
  const { job, snapshot, remote } = request;
  const relative = insidePath(request.inside);
  if (relative === undefined) throw new UsageError(`linkback restore: ${JSON.stringify(escapeName(request.inside))} leads out of the snapshot`);
  const shown = `/${escapeName(relative)}`;
  const root = Buffer.from(`${job.backupDir}/${snapshot.name}`);
  const from = relative.length === 0 ? root : Buffer.concat([slash(root), relative]);
  const info = await lstat(from).catch(() => undefined);
  if (info === undefined) throw new UsageError(`linkback restore: ${snapshot.name} has no ${JSON.stringify(shown)}`);
  // The directories on the way are the snapshot's own: a symlink in the snapshot does not lead out of it.
  const parent = relative.length === 0 ? root : Buffer.from(dirname(from.toString("latin1")), "latin1");
  const realRoot = await realpath(root, { encoding: "buffer" });
  if (!isWithin(await realpath(parent, { encoding: "buffer" }), realRoot)) {
    throw new UsageError(`linkback restore: ${shown} leads out of ${snapshot.name} through a symlink in the snapshot; give the path the link points to inside the snapshot`);
  }
  const to = remote === undefined ? await realTarget(request.target) : request.target;
  if (remote === undefined) await refuseBackupTarget(to, request.places, request.deleteExtra);
  if (!request.force && !(await targetIsFreeHere(to, remote))) return refuseBusy(to, remote);
  const kept = (await readRecords(job.backupDir, job.prefix)).get(snapshot.name)?.keeps;
  const targetType = remote === undefined ? mountOf(to.toString("utf8"))?.type : undefined;
  const flags = restoreFlags(kept, job, targetType);
  const argv: (string | Buffer)[] = ["rsync", "-aH", "--numeric-ids", "-s", ...flags.args];
  if (request.dryRun) argv.push("--dry-run", "--itemize-changes");
  if (request.deleteExtra) argv.push("--delete");
  // Missing parent directories of the target are made: here by linkback, there by rsync (3.2.3 or later).
  if (remote !== undefined) argv.push("--mkpath", `--rsh=${remote.rsh}`);
  const isDirectory = info.isDirectory();
  const destination = remote === undefined ? to : Buffer.concat([Buffer.from(`${remote.host}:`), to]);
  argv.push("--", isDirectory ? slash(from) : from, isDirectory ? slash(destination) : destination);
  return { shown, from, to: destination, isDirectory, argv, left: flags.left };
}

/** Make the target's missing parents (a local restore that is not a dry run). */
export async function makeTargetParents(plan: RestorePlan): Promise<void> {
  const dir = plan.isDirectory ? plan.to : Buffer.from(dirname(plan.to.toString("latin1")), "latin1");
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    // A file, or a symlink that leads nowhere, where a directory of the target must be; a directory not ours.
    const code = (error as NodeJS.ErrnoException).code ?? "";
    throw new UsageError(`linkback restore: cannot make the target's directory ${escapeName(dir)} (${code === "ENOTDIR" || code === "EEXIST" ? "something on the way is not a directory — a file, or a symlink that leads nowhere" : (error as Error).message}); nothing restored`);
  }
}

async function refuseBackupTarget(to: Buffer, places: readonly BackupPlace[], deleteExtra: boolean): Promise<void> {
  if (deleteExtra) {
    // --delete into a directory that holds a backup directory (a whole-system restore to /) would delete it.
    for (const place of places) {
      const real = await realpath(Buffer.from(place.backupDir), { encoding: "buffer" }).catch(() => Buffer.from(place.backupDir));
      if (isWithin(real, to)) throw new UsageError(`linkback restore: --delete into ${escapeName(to)} would delete job ${place.job}'s backup directory ${place.backupDir}, which is inside it; restore without --delete, or to a directory that does not hold it`);
    }
  }
  const holder = await backupDirHolding(to, places);
  if (holder === undefined) return;
  throw new UsageError(`linkback restore: ${escapeName(to)} is inside the backup directory; writing into a snapshot would change every snapshot that shares its files (by its real path it is in ${holder.backupDir}, ${holder.job === undefined ? "which holds linkback's own entries (a job not given, disabled or broken)" : `job ${holder.job}'s`})`);
}

function refuseBusy(to: Buffer, remote: RestoreRequest["remote"]): never {
  throw new UsageError(`linkback restore: ${remote === undefined ? "" : `${remote.host}:`}${escapeName(to)} exists and is not an empty directory; give --force to write into it`);
}

/** Locally: true when nothing is at the target, or an empty directory. Remote targets are checked by the caller. */
async function targetIsFreeHere(path: Buffer, remote: RestoreRequest["remote"]): Promise<boolean> {
  if (remote !== undefined) return true;
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return true;
  return info.isDirectory() && (await readdir(path)).length === 0;
}
