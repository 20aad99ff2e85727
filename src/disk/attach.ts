// The backup disk: `mount: "/mnt/usb"` mounts it (by its /etc/fstab entry) when it is not mounted, and
// unmounts it afterwards only if linkback mounted it; `requireMount: true` refuses a backupDir that is on the
// root filesystem (the empty mount point of a disk that is not there). Either way, nothing is written into
// an empty mount point.
import { stat } from "node:fs/promises";
import { loadExeca } from "../process/execa.ts";
import { messageOf } from "../errors.ts";
import type { Job } from "../config/types.ts";
import { isMountPoint } from "./mounts.ts";

export type DiskState = { ready: true; mountedByUs: boolean } | { ready: false; reason: string };

/** Make the job's backup disk ready: mount it if the job says where and it is not mounted; check requireMount. */
export async function attachDisk(job: Job): Promise<DiskState> {
  if (job.mount !== undefined) {
    if (await isMountPoint(job.mount)) return { ready: true, mountedByUs: false };
    const execa = await loadExeca();
    const result = await execa("mount", [job.mount], { reject: false, stdin: "ignore", timeout: 120_000 });
    if (await isMountPoint(job.mount)) return { ready: true, mountedByUs: true };
    const said = `${String(result.stderr)}\n${result.originalMessage ?? ""}`.split("\n").map((line) => line.trim()).filter((line) => line !== "").at(-1);
    return { ready: false, reason: `the backup disk is not mounted at ${job.mount}, and \`mount ${job.mount}\` did not mount it${said === undefined ? "" : ` (${said})`}` };
  }
  if (job.requireMount === true) {
    try {
      const [dir, root] = await Promise.all([stat(job.backupDir), stat("/")]);
      if (dir.dev === root.dev) return { ready: false, reason: `backupDir ${job.backupDir} is on the root filesystem — is the backup disk mounted? (requireMount: true)` };
    } catch (error) {
      return { ready: false, reason: `backupDir ${job.backupDir}: ${messageOf(error)} — is the backup disk mounted? (requireMount: true)` };
    }
  }
  return { ready: true, mountedByUs: false };
}

/** Unmount what attachDisk mounted. Returns a problem to log, if any (a busy disk stays mounted). */
export async function detachDisk(job: Job, state: DiskState): Promise<string | undefined> {
  if (!state.ready || !state.mountedByUs || job.mount === undefined) return undefined;
  const execa = await loadExeca();
  const result = await execa("umount", [job.mount], { reject: false, stdin: "ignore", timeout: 120_000 });
  return result.exitCode === 0 ? undefined : `could not unmount ${job.mount}: ${String(result.stderr).trim() || result.shortMessage}`;
}

/** For a dry run: why the disk is not ready as it is (a run would mount it, or refuse), else undefined. Mounts nothing. */
export async function diskWouldMount(job: Job): Promise<string | undefined> {
  if (job.mount !== undefined && !(await isMountPoint(job.mount))) {
    return `the backup disk is not mounted at ${job.mount}: a run mounts it first (mount ${job.mount}) and plans from what is on it; nothing more to show without it`;
  }
  if (job.mount === undefined && job.requireMount === true) {
    const state = await attachDisk(job); // with requireMount only, attachDisk only looks
    if (!state.ready) return `${state.reason}; a run would write nothing`;
  }
  return undefined;
}
