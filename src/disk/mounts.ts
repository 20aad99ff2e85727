// What is mounted where: /proc/self/mounts, read once per call. Mount points there escape spaces and other
// characters as octal (`\040`).
import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";

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
    const inside = realPath === mount.target || realPath.startsWith(mount.target === "/" ? "/" : `${mount.target}/`);
    if (inside && (best === undefined || mount.target.length >= best.target.length)) best = mount;
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
