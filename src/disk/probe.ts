// What the backup filesystem can do, found out by doing it: a hard link in the backup directory (exFAT,
// FAT32, some FUSE and NTFS mounts cannot: every snapshot would be a full copy), and its type, which says
// whether ACLs, extended attributes and holes can be kept.
import { link, lstat, realpath, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mountOf } from "./mounts.ts";

export interface DiskFacts {
  /** The filesystem type as the kernel names it (`ext4`, `vfat`, `fuseblk` …). */
  type: string;
  mountPoint: string;
  /** A hard link could be made; undefined when the probe could not tell (a read-only or full disk). */
  hardLinks: boolean | undefined;
}

/** Filesystems that keep POSIX ACLs and extended attributes (file capabilities are `security.capability` xattrs). */
const XATTR_FILESYSTEMS = new Set(["ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "jfs", "reiserfs", "bcachefs", "tmpfs"]);
/** Filesystems without holes: a sparse file is stored in full whatever rsync does. */
const NO_HOLES = new Set(["vfat", "msdos", "exfat", "fuseblk", "fuse.exfat", "fuse.fusefat", "ntfs", "ntfs3"]);

export function keepsXattrs(type: string): boolean {
  return XATTR_FILESYSTEMS.has(type);
}

export function keepsHoles(type: string): boolean {
  return !NO_HOLES.has(type);
}

export async function probeDisk(backupDir: string): Promise<DiskFacts> {
  const mount = mountOf(await realpath(backupDir));
  return { type: mount?.type ?? "unknown", mountPoint: mount?.target ?? backupDir, hardLinks: await canHardLink(backupDir) };
}

/** Make a file and a hard link to it in `dir`, then remove both. */
async function canHardLink(dir: string): Promise<boolean | undefined> {
  const file = join(dir, `.linkback-probe.${process.pid}`);
  const second = `${file}.link`;
  try {
    await writeFile(file, "");
  } catch {
    return undefined; // read-only, full, not ours: the run says so in its own words
  }
  try {
    await link(file, second);
    return (await lstat(file)).nlink === 2;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "EPERM" || code === "EOPNOTSUPP" || code === "ENOTSUP" || code === "ENOSYS" ? false : undefined;
  } finally {
    await unlink(second).catch(() => {});
    await unlink(file).catch(() => {});
  }
}
