// Total, used and free space of each filesystem that holds a backup directory (for the status header).
import { realpath, stat } from "node:fs/promises";
import { mountOf, readMounts } from "../disk/mounts.ts";
import { diskSpace } from "../disk/space.ts";
import type { FilesystemUsage } from "./report.ts";

/** One entry per filesystem (several backup directories on one disk share it). Unreadable ones are left out. */
export async function filesystemUsage(backupDirs: readonly string[]): Promise<FilesystemUsage[]> {
  const byDevice = new Map<number, FilesystemUsage>();
  const mounts = readMounts();
  for (const dir of [...new Set(backupDirs)].sort()) {
    try {
      const [info, space, real] = await Promise.all([stat(dir), diskSpace(dir), realpath(dir)]);
      const known = byDevice.get(info.dev);
      if (known !== undefined) {
        known.backupDirs.push(dir);
        continue;
      }
      const { totalBytes, usedBytes, freeBytes } = space;
      byDevice.set(info.dev, { path: mountOf(real, mounts)?.target ?? dir, backupDirs: [dir], totalBytes, usedBytes, freeBytes });
    } catch {
      // an unmounted disk whose backupDir is gone: the job's own state says so
    }
  }
  return [...byDevice.values()];
}
