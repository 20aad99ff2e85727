// The metadata a restore brings back: what the snapshot kept (its record), where the target can hold it.
// A job with ACLs, xattrs (file capabilities) and holes in its snapshots gets them back; a target that
// cannot take them (a FAT stick) gets the files, and the restore says what it could not bring.
import type { Job } from "../config/types.ts";
import { keepsHoles, keepsXattrs } from "../disk/probe.ts";
import type { SnapshotRecord } from "../store/records.ts";

export interface RestoreFlags {
  /** rsync options beyond -aH --numeric-ids. */
  args: string[];
  /** What the snapshot keeps that the target cannot take, in words. */
  left: string[];
}

/**
 * `kept`: the snapshot's record (undefined for snapshots older than records: then what the job's
 * `metadata` says). `targetType`: the target filesystem's type, undefined when unknown (remote).
 */
export function restoreFlags(kept: SnapshotRecord["keeps"], job: Job, targetType: string | undefined): RestoreFlags {
  const keeps = kept ?? { acls: job.metadata?.acls ?? false, xattrs: job.metadata?.xattrs ?? false, sparse: job.metadata?.sparse ?? true };
  const xattrsFit = targetType === undefined || keepsXattrs(targetType);
  const holesFit = targetType === undefined || keepsHoles(targetType);
  const args: string[] = [];
  const left: string[] = [];
  if (keeps.acls) (xattrsFit ? args.push("-A") : left.push(`ACLs (${targetType} cannot hold them)`));
  if (keeps.xattrs) (xattrsFit ? args.push("-X") : left.push(`xattrs and file capabilities (${targetType} cannot hold them)`));
  if (keeps.sparse) (holesFit ? args.push("--sparse") : left.push(`holes (${targetType} cannot hold them: sparse files come back fully allocated)`));
  return { args, left };
}
