// Space on a filesystem, as statfs(2) gives it: bytes and inodes, what linkback may use (not counting the
// blocks reserved for root, as df does).
import { statfs } from "node:fs/promises";

export interface DiskSpace {
  totalBytes: number;
  /** Bytes in use (total minus free, the reserved blocks included). */
  usedBytes: number;
  /** Bytes free for an ordinary writer (`df`'s Avail). */
  freeBytes: number;
  totalInodes: number;
  freeInodes: number;
}

export async function diskSpace(path: string): Promise<DiskSpace> {
  const info = await statfs(path);
  return {
    totalBytes: info.blocks * info.bsize,
    usedBytes: (info.blocks - info.bfree) * info.bsize,
    freeBytes: info.bavail * info.bsize,
    totalInodes: info.files,
    freeInodes: info.ffree,
  };
}
