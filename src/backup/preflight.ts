// Checks of a valid job against the machine, before anything is attempted: the backup directory is there,
// the ssh files it names exist, the local source exists.
import { access, lstat, readlink, stat } from "node:fs/promises";
import { constants } from "node:fs";
import { ConfigError, LinkbackError, messageOf } from "../errors.ts";
import type { Job } from "../config/types.ts";
import { isRemoteSource } from "../config/source.ts";
import { sshArgv, sshFiles } from "../config/ssh.ts";

/** ssh key, config and known_hosts files named by the job must exist (a typo is a config error). */
export async function checkSshFiles(job: Job): Promise<void> {
  if (!isRemoteSource(job.source) || job.ssh === undefined) return;
  const missing: string[] = [];
  for (const { option, path } of sshFiles(sshArgv(job.ssh))) {
    try {
      await access(path, constants.R_OK);
    } catch (error) {
      missing.push(`${option} ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : messageOf(error)}`);
    }
  }
  if (missing.length > 0) throw new ConfigError(`${job.file}: \`ssh\`: ${missing.join("; ")}`);
}

/** The backup directory must exist and be a directory: never created, so an unmounted disk fails loudly. */
export async function checkBackupDir(job: Job): Promise<void> {
  let info;
  try {
    info = await stat(job.backupDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "does not exist (is the backup disk mounted?); linkback never creates it" : messageOf(error);
    throw new LinkbackError(`job ${job.name}: backupDir ${job.backupDir} ${why}`);
  }
  if (!info.isDirectory()) throw new LinkbackError(`job ${job.name}: backupDir ${job.backupDir} is not a directory`);
}

/** A local source (`source`: the plan's, which for a snapshotOf() job is the snapshot it copies) must exist and be readable. */
export async function checkLocalSource(job: Job, source: string): Promise<void> {
  if (isRemoteSource(source)) return;
  try {
    await access(source, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LinkbackError(`job ${job.name}: source ${source} ${code === "ENOENT" ? "does not exist" : `cannot be read (${messageOf(error)})`}`);
  }
}

/** The backup directory as the run found it (device and inode, through a symlink if it is one). */
export async function backupDirIdentity(job: Job): Promise<string> {
  const info = await stat(job.backupDir);
  return `${info.dev}:${info.ino}`;
}

/**
 * Why the backup directory is no longer the one the run started in (moved away, replaced by a symlink or
 * another directory), or undefined while it is the same. Checked before each step: nothing is written,
 * renamed or deleted in a directory the run did not plan for.
 */
export async function backupDirChanged(job: Job, identity: string): Promise<string | undefined> {
  const now = await stat(job.backupDir).catch(() => undefined);
  if (now !== undefined && `${now.dev}:${now.ino}` === identity) return undefined;
  const link = await lstat(job.backupDir).then((info) => (info.isSymbolicLink() ? readlink(job.backupDir) : undefined), () => undefined);
  const what = now === undefined ? "is gone" : link !== undefined ? `is now a symlink to ${link}` : "is now another directory";
  return `job ${job.name}: backupDir ${job.backupDir} changed during the run (it ${what}); nothing more is written there, and what the run made stays where it was`;
}
