// Write a file so that no reader ever sees half of it: a temp file in the same directory, renamed over the
// old one (rename(2) replaces it in one step). No fsync: these files are rewritten every few minutes, and an
// fsync right after rsync forces the file system's journal to commit all of rsync's metadata on the spot
// (measured: part of linkback's overhead over bare rsync, bench/backup.ts); ext4 flushes a file renamed over
// another before the rename itself (auto_da_alloc), so a power cut leaves the old version or the new one.
import { rename, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeFileAtomic(path: string, content: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, content, { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}
