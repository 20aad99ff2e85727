// Which job a prefix in a backup directory belongs to. Two job files with the same prefix and backupDir
// (a copied template) would silently replace each other's snapshots; the first job to run claims the prefix.
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../errors.ts";

/** `.linkback-PREFIX.job`, beside the lock: the name of the job that owns PREFIX-* in this directory. */
export function ownerFile(backupDir: string, prefix: string): string {
  return join(backupDir, `.linkback-${prefix}.job`);
}

/** Claim `prefix` for `job`, or throw ConfigError if another job owns it. Call with the job's lock held. */
export async function claimPrefix(backupDir: string, prefix: string, job: { name: string; file: string }): Promise<void> {
  const path = ownerFile(backupDir, prefix);
  let owner: string | undefined;
  try {
    owner = (await readFile(path, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (owner === job.name) return;
  if (owner !== undefined && owner !== "") {
    throw new ConfigError(
      `${job.file}: \`prefix\`: ${JSON.stringify(prefix)} in ${backupDir} belongs to job ${JSON.stringify(owner)}; ` +
        `two jobs with one prefix would replace each other's snapshots. Give this job its own prefix ` +
        `(or, if you renamed the job file, delete ${path}).`,
    );
  }
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${job.name}\n`);
  await rename(temp, path);
}
