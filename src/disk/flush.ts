// Making what is written durable before anything is published or deleted. One flush of the whole backup
// filesystem (syncfs(2), through `sync -f DIR`) instead of an fsync per file: after rsync has written a
// snapshot's new files, it costs one journal commit and the writeback of what rsync wrote (rsync --fsync,
// one fsync per file, is many times slower on small files). A directory's renames are made durable with an
// fsync of the directory itself.
import { open } from "node:fs/promises";
import { loadExeca } from "../process/execa.ts";

/**
 * Flush the filesystem that holds `path`: `sync -f` (coreutils ≥ 8.24, BusyBox ≥ 1.30), else plain `sync`
 * (every filesystem). Throws when neither works. `LINKBACK_FLUSH=off` skips it — for the benchmark that
 * measures its cost, never for real backups.
 */
export async function flushFilesystem(path: string, env: NodeJS.ProcessEnv = process.env): Promise<"syncfs" | "sync" | "off" | "missing"> {
  if (env.LINKBACK_FLUSH === "off") return "off";
  const execa = await loadExeca();
  const syncfs = await execa("sync", ["-f", path], { reject: false, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  if (syncfs.exitCode === 0) return "syncfs";
  // No sync program at all (a PATH without coreutils or BusyBox): said by the caller, never a failed backup.
  if (syncfs.exitCode === undefined && /ENOENT/.test(syncfs.message ?? "")) return "missing";
  const all = await execa("sync", [], { reject: false, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  if (all.exitCode === 0) return "sync";
  throw new Error(`cannot flush the backup filesystem: sync -f ${path}: ${String(syncfs.stderr).trim() || syncfs.shortMessage}`);
}

/** fsync a directory: the renames and unlinks in it are on the disk once this returns. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
