// Where a path really is on its filesystem, from /proc/self/mountinfo: a bind mount shows a directory of a
// filesystem at a second place (`mount --bind /backup/laptop-2026-06-01 /mnt/old`), and only the mount
// table says that /mnt/old/home is /backup/laptop-2026-06-01/home. Linux only; elsewhere nothing is known.
import { readFile } from "node:fs/promises";

export interface Mount {
  /** "major:minor" of the filesystem. */
  device: string;
  /** The directory of that filesystem shown at `mountPoint` ("/" unless a bind mount of a subtree). */
  root: string;
  mountPoint: string;
}

/** mountinfo's octal escapes (\040 a space, \011 a tab, \012 a newline, \134 a backslash), one char per byte. */
const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** The mounts of /proc/self/mountinfo text, in order (a later mount at the same point hides an earlier one). */
export function parseMountinfo(text: string): Mount[] {
  return text.split("\n").filter(Boolean).flatMap((line) => {
    const fields = line.split(" ");
    if (fields.length < 5) return [];
    return [{ device: fields[2]!, root: unescape(fields[3]!), mountPoint: unescape(fields[4]!) }];
  });
}

export async function readMounts(): Promise<Mount[]> {
  // latin1: paths are bytes; one char per byte keeps them comparable with the latin1 paths of target.ts.
  return parseMountinfo(await readFile("/proc/self/mountinfo", "latin1").catch(() => ""));
}

/** `path` (absolute, real: no symlinks) as its filesystem's own path: that filesystem and the path within it. */
export function placeOnFilesystem(path: string, mounts: readonly Mount[]): { device: string; path: string } | undefined {
  let best: Mount | undefined;
  for (const mount of mounts) {
    if (!within(path, mount.mountPoint)) continue;
    if (best === undefined || mount.mountPoint.length >= best.mountPoint.length) best = mount;
  }
  if (best === undefined) return undefined;
  const rest = best.mountPoint === "/" ? path : path.slice(best.mountPoint.length);
  return { device: best.device, path: joinPath(best.root, rest) };
}

/** True when `inner` is `outer` or below it (whole path segments). */
export function within(inner: string, outer: string): boolean {
  if (inner === outer || outer === "/") return true;
  return inner.startsWith(outer.endsWith("/") ? outer : `${outer}/`);
}

function joinPath(root: string, rest: string): string {
  if (rest === "" || rest === "/") return root;
  return root === "/" ? rest : `${root}${rest}`;
}
