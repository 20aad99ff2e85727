// Total, used and free space of each filesystem that holds a backup directory (for the status header).
import { readFileSync } from "node:fs";
import { realpath, stat, statfs } from "node:fs/promises";
import type { FilesystemUsage } from "./report.ts";

/** One entry per filesystem (several backup directories on one disk share it). Unreadable ones are left out. */
export async function filesystemUsage(backupDirs: readonly string[]): Promise<FilesystemUsage[]> {
  const byDevice = new Map<number, FilesystemUsage>();
  const mounts = mountPoints();
  for (const dir of [...new Set(backupDirs)].sort()) {
    try {
      const [info, space, real] = await Promise.all([stat(dir), statfs(dir), realpath(dir)]);
      const known = byDevice.get(info.dev);
      if (known !== undefined) {
        known.backupDirs.push(dir);
        continue;
      }
      byDevice.set(info.dev, {
        path: mounts.filter((mount) => real === mount || real.startsWith(mount === "/" ? "/" : `${mount}/`)).sort((a, b) => b.length - a.length)[0] ?? dir,
        backupDirs: [dir],
        totalBytes: space.blocks * space.bsize,
        usedBytes: (space.blocks - space.bfree) * space.bsize,
        freeBytes: space.bavail * space.bsize,
      });
    } catch {
      // an unmounted disk whose backupDir is gone: the job's own state says so
    }
  }
  return [...byDevice.values()];
}

/** Mount points from /proc/self/mounts (spaces and other characters there are octal escapes like \040). */
function mountPoints(): string[] {
  try {
    return readFileSync("/proc/self/mounts", "utf8")
      .split("\n")
      .map((line) => line.split(" ")[1])
      .filter((field): field is string => field !== undefined && field !== "")
      .map((field) => field.replaceAll(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
  } catch {
    return [];
  }
}
