// What is mounted where: /proc/self/mounts, read once per call; and /proc/self/mountinfo for where a path
// really is on its filesystem — a bind mount shows a directory of a filesystem at a second place
// (`mount --bind /backup/laptop-2026-06-01 /mnt/old`), and only mountinfo says that /mnt/old/home is
// /backup/laptop-2026-06-01/home. Both escape spaces and other characters as octal (`\040`).
import { readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";

export interface Mount {
  /** The device or source (`/dev/sda1`, `tmpfs`). */
  source: string;
  /** Where it is mounted. */
  target: string;
  /** The filesystem type (`ext4`, `vfat`, `fuse.exfat` …). */
  type: string;
}

const unescape = (field: string) => field.replaceAll(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** Every mount of this process's namespace, in mount order; empty when /proc is not there. */
export function readMounts(): Mount[] {
  let text: string;
  try {
    text = readFileSync("/proc/self/mounts", "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((line) => line !== "").map((line) => {
    const [source = "", target = "", type = ""] = line.split(" ");
    return { source: unescape(source), target: unescape(target), type };
  });
}

/** The mount that holds `realPath` (an absolute path with symlinks resolved): the longest mount point above it. */
export function mountOf(realPath: string, mounts: readonly Mount[] = readMounts()): Mount | undefined {
  let best: Mount | undefined;
  for (const mount of mounts) {
    if (within(realPath, mount.target) && (best === undefined || mount.target.length >= best.target.length)) best = mount;
  }
  return best;
}

/** True when `path` is a mount point now (listed in /proc/self/mounts, or on another device than its parent). */
export async function isMountPoint(path: string): Promise<boolean> {
  const mounts = readMounts();
  if (mounts.length > 0) return mounts.some((mount) => mount.target === path);
  const [self, parent] = await Promise.all([stat(path), stat(`${path}/..`)]).catch(() => [undefined, undefined]);
  return self !== undefined && parent !== undefined && self.dev !== parent.dev;
}

/** True when `inner` is `outer` or below it (whole path segments). */
export function within(inner: string, outer: string): boolean {
  if (inner === outer || outer === "/") return true;
  return inner.startsWith(outer.endsWith("/") ? outer : `${outer}/`);
}

export interface MountInfo {
  /** "major:minor" of the filesystem. */
  device: string;
  /** The directory of that filesystem shown at `mountPoint` ("/" unless a bind mount of a subtree). */
  root: string;
  mountPoint: string;
}

/** The mounts of /proc/self/mountinfo text, in order (a later mount at the same point hides an earlier one). */
export function parseMountinfo(text: string): MountInfo[] {
  return text.split("\n").filter(Boolean).flatMap((line) => {
    const fields = line.split(" ");
    if (fields.length < 5) return [];
    return [{ device: fields[2]!, root: unescape(fields[3]!), mountPoint: unescape(fields[4]!) }];
  });
}

/** /proc/self/mountinfo, its paths one char per byte (latin1: paths are bytes); empty when it is not there. */
export async function readMountinfo(): Promise<MountInfo[]> {
  return parseMountinfo(await readFile("/proc/self/mountinfo", "latin1").catch(() => ""));
}

/**
 * `path` (absolute, real: no symlinks) as its filesystem's own path: that filesystem, the path within it, and
 * the directory of it the holding mount shows (`root`: "/" unless a bind mount of a subtree).
 */
export function placeOnFilesystem(path: string, mounts: readonly MountInfo[]): { device: string; path: string; root: string } | undefined {
  let best: MountInfo | undefined;
  for (const mount of mounts) {
    if (within(path, mount.mountPoint) && (best === undefined || mount.mountPoint.length >= best.mountPoint.length)) best = mount;
  }
  if (best === undefined) return undefined;
  const rest = best.mountPoint === "/" ? path : path.slice(best.mountPoint.length);
  const inside = rest === "" || rest === "/" ? best.root : best.root === "/" ? rest : `${best.root}${rest}`;
  return { device: best.device, path: inside, root: best.root };
}

/**
 * `here` (a place on a filesystem) is shown by a bind mount of a directory strictly inside `there` (a
 * snapshot, a directory in one, when `there` is a backupDir). A mount that shows `there` itself or more is
 * not this (device and inode tell those); NFS shows every export as "/" on one device, so only a mount
 * root inside `there` counts.
 */
export function boundInside(here: { device: string; path: string; root: string }, there: { device: string; path: string }): boolean {
  return here.device === there.device && here.root !== there.path && within(here.root, there.path) && within(here.path, there.path);
}
