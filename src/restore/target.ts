// Where a restore may write. A target is judged by where it really is — every symlink on the way resolved,
// and each directory above it compared by device and inode with every job's backup directory — so a path
// that reaches a snapshot through a symlink (or a backupDir that is itself a symlink) is refused like the
// plain path: writing into a snapshot changes every snapshot that shares its files.
import { lstat, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";

/** The target's real path: the deepest part that exists resolved, the rest (still to be made) appended. */
export async function realTarget(target: Buffer, cwd = process.cwd()): Promise<Buffer> {
  const text = target.toString("latin1"); // one char per byte: path arithmetic without losing any
  const absolute = isAbsolute(text) ? text : resolve(Buffer.from(cwd).toString("latin1"), text);
  let existing = absolute;
  const rest: string[] = [];
  for (;;) {
    const found = await realpath(Buffer.from(existing, "latin1"), { encoding: "buffer" }).catch(() => undefined);
    if (found !== undefined) return Buffer.from(join(found.toString("latin1"), ...rest.reverse()), "latin1");
    if (existing === "/") return Buffer.from(absolute, "latin1");
    rest.push(existing.slice(dirname(existing).length).replace(/^\//, ""));
    existing = dirname(existing);
  }
}

export interface BackupPlace {
  job: string;
  backupDir: string;
}

/**
 * The backup directory (of any job given) that the real target lies in, if any: the target itself or a
 * directory above it is that directory, by device and inode (a bind mount of it too).
 */
export async function backupDirHolding(target: Buffer, places: readonly BackupPlace[]): Promise<BackupPlace | undefined> {
  const ids = new Map<string, BackupPlace>();
  for (const place of places) {
    const info = await stat(place.backupDir).catch(() => undefined);
    if (info !== undefined) ids.set(`${info.dev}:${info.ino}`, place);
  }
  let path = target.toString("latin1");
  for (;;) {
    const info = await lstat(Buffer.from(path, "latin1")).catch(() => undefined);
    const place = info === undefined ? undefined : ids.get(`${info.dev}:${info.ino}`);
    if (place !== undefined) return place;
    if (path === "/") return undefined;
    path = dirname(path);
  }
}

/** True when `inner` is `outer` or below it (bytes, whole path segments). */
export function isWithin(inner: Buffer, outer: Buffer): boolean {
  if (inner.equals(outer)) return true;
  const prefix = outer.at(-1) === 0x2f ? outer : Buffer.concat([outer, Buffer.from("/")]);
  return inner.subarray(0, prefix.length).equals(prefix);
}
