// Trees on the backup disk: is a directory empty, is it a real directory, and deleting a tree that is already
// out of the snapshot namespace (in the trash). Never follows symlinks.
import { chmod, lstat, opendir, readdir, rm } from "node:fs/promises";
import { loadExeca } from "../process/execa.ts";
import { childPath } from "./pathBytes.ts";

/** True for a directory with no entries at all. */
export async function isEmptyDirectory(path: string): Promise<boolean> {
  const dir = await opendir(path);
  try {
    return (await dir.read()) === null;
  } finally {
    await dir.close().catch(() => {});
  }
}

/** True if `path` is a real directory (not a symlink to one). */
export async function isRealDirectory(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Delete trees that are out of the namespace (in the trash). With `rm -rf`, which is faster than Node's
 * fs.rm (bench/prune.ts: 100,000 files, fs.rm 2.6× rm's time); `nice`: under `nice -n 19 ionice -c3` (the
 * idle I/O class: a router's other work goes first), or nice alone where there is no ionice (some BusyBox
 * builds). Where rm cannot (read-only directories when not root, no rm), linkback's own deletion finishes.
 */
export async function deleteTrees(paths: readonly string[], options: { nice?: boolean } = {}): Promise<void> {
  for (const path of paths) {
    if (!(await rmTree(path, options.nice === true))) await deleteTree(path);
  }
}

async function rmTree(path: string, nice: boolean): Promise<boolean> {
  const execa = await loadExeca();
  const rm = ["rm", "-rf", "--", path];
  const ways = nice ? [["nice", "-n", "19", "ionice", "-c3", ...rm], ["nice", "-n", "19", ...rm], rm] : [rm];
  for (const argv of ways) {
    const result = await execa(argv[0]!, argv.slice(1), { reject: false, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    if (result.exitCode === 0) return true;
    // nice or ionice missing (127, or ionice refused by a container): the next way; rm itself failed: give up here.
    if (result.exitCode !== 127 && result.exitCode !== undefined && !/ionice|nice:/.test(String(result.stderr))) return false;
  }
  return false;
}

/**
 * Delete a tree that is already out of the namespace. Symlinks are removed, never followed. Read-only
 * directories (common in system backups; without root, their entries cannot be removed) are made writable
 * first — directories are never hard-linked, so this changes nothing that another snapshot shares; files are
 * never chmod-ed. Names are bytes all the way (a name that is not UTF-8 is deleted like any other).
 */
export async function deleteTree(path: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const problem = await removeOnce(path);
    if (problem === undefined) return;
    if (attempt === 3) throw problem;
    await makeDirectoriesWritable(Buffer.from(path));
  }
}

/** rm -rf (bytes-safe, fast); Node's fs.rm where there is no rm. The error, or undefined when it is gone. */
async function removeOnce(path: string): Promise<Error | undefined> {
  const execa = await loadExeca();
  const result = await execa("rm", ["-rf", "--", path], { reject: false, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  if (result.exitCode === 0) return undefined;
  if (result.exitCode !== undefined && result.exitCode !== 127) {
    return new Error(`rm -rf ${path}: ${String(result.stderr).trim().split("\n").at(-1) ?? `exit ${result.exitCode}`}`);
  }
  try {
    await rm(path, { recursive: true, force: true });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // fs.rm deletes children in parallel and rejects at the first error: the walk below tolerates entries
    // vanishing under it, and the deletion is tried again.
    if (code !== "EACCES" && code !== "EPERM" && code !== "ENOTEMPTY") throw error;
    return error as Error;
  }
}

async function makeDirectoriesWritable(path: Buffer): Promise<void> {
  const gone = (error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  };
  let stat;
  try {
    stat = await lstat(path);
  } catch (error) {
    return gone(error);
  }
  if (!stat.isDirectory()) return;
  if ((stat.mode & 0o700) !== 0o700) await chmod(path, (stat.mode & 0o7777) | 0o700).catch(gone);
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true, encoding: "buffer" });
  } catch (error) {
    return gone(error);
  }
  for (const entry of entries) {
    if (entry.isDirectory()) await makeDirectoriesWritable(childPath(path, entry.name));
  }
}
