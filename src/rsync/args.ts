// The one rsync command line of a backup, built as an argv array (never a shell string).
import type { Job } from "../config/types.ts";
import { isRemoteSource, rsyncSource } from "../config/source.ts";
import { rshString, sshArgv } from "../config/ssh.ts";

/** rsync refuses more than 20 `--link-dest` (MAX_BASIS_DIRS in rsync.h). */
export const MAX_LINK_DEST = 20;

/**
 * linkback's default rsync flags (README "rsync flags" says why each is there):
 * -a archive (recursive, symlinks, perms, times, group, owner, devices/specials); -H hard links;
 * --numeric-ids (the backup box lacks the source's users: keep uid/gid numbers exact for restores);
 * --partial (an interrupted large file is kept in staging and resumed as a delta);
 * --itemize-changes and --stats for the per-job rsync log; --timeout=1800 so a hung connection cannot hold
 * the lock forever. Not default: -x, -A, -X (add them with rsyncArgs); --delete (rsync always writes into
 * a fresh staging directory, so there is nothing to delete).
 */
export const DEFAULT_RSYNC_FLAGS = ["-aH", "--numeric-ids", "--partial", "--itemize-changes", "--stats", "--timeout=1800"] as const;

export interface RsyncCommand {
  /** What rsync reads (the job's source, or the snapshot a `snapshotOf()` job copies). */
  source: string;
  /** Absolute link targets, newest first, at most 20. */
  linkDests: string[];
  /** Absolute destination directory (the staging directory). */
  destination: string;
  dryRun?: boolean;
  /** Overall progress for a terminal (`--info=progress2`): bytes, percent, rate, files. */
  progress?: boolean;
  /** Metadata to keep beyond -a: ACLs (-A), extended attributes and file capabilities (-X), holes (--sparse). */
  keep?: { acls: boolean; xattrs: boolean; sparse: boolean };
  /** Excludes of linkback's own (its backup, log and status directories inside a local source), anchored at the source root. */
  ownExcludes?: string[];
}

/** The full argv, program first. */
export function rsyncArgv(job: Job, command: RsyncCommand): string[] {
  if (command.linkDests.length > MAX_LINK_DEST) {
    throw new Error(`rsync accepts at most ${MAX_LINK_DEST} --link-dest, got ${command.linkDests.length}`);
  }
  const argv = ["rsync", ...DEFAULT_RSYNC_FLAGS];
  if (command.dryRun === true) argv.push("--dry-run");
  if (command.progress === true) argv.push("--info=progress2");
  if (command.keep?.acls === true) argv.push("-A");
  if (command.keep?.xattrs === true) argv.push("-X");
  if (command.keep?.sparse === true) argv.push("--sparse");
  // With a daemon source (host::module, rsync://), --rsh makes rsync reach the daemon over ssh (rsync(1)
  // "USING RSYNC-DAEMON FEATURES VIA A REMOTE-SHELL CONNECTION").
  if (isRemoteSource(job.source) && job.ssh !== undefined) argv.push(`--rsh=${rshString(sshArgv(job.ssh))}`);
  for (const pattern of command.ownExcludes ?? []) argv.push(`--exclude=${pattern}`);
  for (const pattern of job.excludes) argv.push(`--exclude=${pattern}`);
  for (const dir of command.linkDests) argv.push(`--link-dest=${dir}`);
  argv.push(...job.rsyncArgs);
  // `--` ends the options: a source or destination starting with `-` is still a path.
  argv.push("--", rsyncSource(command.source), `${command.destination}/`);
  return argv;
}
