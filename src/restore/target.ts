// Where a restore may write. A target is judged by where it really is — every symlink on the way resolved,
// and each directory above it compared by device and inode with every job's backup directory — so a path
// that reaches a snapshot through a symlink (or a backupDir that is itself a symlink) is refused like the
// plain path: writing into a snapshot changes every snapshot that shares its files. A bind mount of a
// snapshot (or of a directory in one) is seen through the mount table; and a directory that holds
// linkback's own entries (`.linkback-PREFIX.meta`, the trash) is a backup directory whatever the job files
// say — a job disabled (`_name.ts`), broken, or on another machine's jobs directory.
import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { boundInside, placeOnFilesystem, readMountinfo } from "../disk/mounts.ts";

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
 * The backup directory that the real target lies in, if any: the target itself or a directory above it is a
 * job's backupDir (by device and inode), is one by the mount table (a bind mount of it, or of a snapshot
 * or a directory in one), or holds linkback's own entries (then `job` is undefined: no job given has it).
 */
export async function backupDirHolding(target: Buffer, places: readonly BackupPlace[]): Promise<{ job: string | undefined; backupDir: string } | undefined> {
  const ids = new Map<string, BackupPlace>();
  for (const place of places) {
    const info = await stat(place.backupDir).catch(() => undefined);
    if (info !== undefined) ids.set(`${info.dev}:${info.ino}`, place);
  }
  const bound = await throughMounts(target.toString("latin1"), places);
  if (bound !== undefined) return bound;
  let path = target.toString("latin1");
  for (;;) {
    const info = await lstat(Buffer.from(path, "latin1")).catch(() => undefined);
    const place = info === undefined ? undefined : ids.get(`${info.dev}:${info.ino}`);
    if (place !== undefined) return place;
    if (info?.isDirectory() === true && (await holdsLinkbackEntries(path))) return { job: undefined, backupDir: path };
    if (path === "/") return undefined;
    path = dirname(path);
  }
}

/** The place whose backupDir holds `target` through a bind mount of a part of it (a snapshot, a directory in one). */
async function throughMounts(target: string, places: readonly BackupPlace[]): Promise<BackupPlace | undefined> {
  const mounts = await readMountinfo();
  const here = placeOnFilesystem(target, mounts);
  if (here === undefined) return undefined;
  for (const place of places) {
    const real = await realpath(Buffer.from(place.backupDir), { encoding: "buffer" }).catch(() => undefined);
    const there = real === undefined ? undefined : placeOnFilesystem(real.toString("latin1"), mounts);
    if (there !== undefined && boundInside(here, there)) return place;
  }
  return undefined;
}

/** `.linkback-PREFIX.meta`, `.linkback-PREFIX.job` (the owner marker) or `.linkback-trash`: what only a backup directory holds. */
async function holdsLinkbackEntries(dir: string): Promise<boolean> {
  const entries = await readdir(Buffer.from(dir, "latin1")).catch(() => [] as string[]);
  return entries.some((name) => name === ".linkback-trash" || (name.startsWith(".linkback-") && (name.endsWith(".meta") || name.endsWith(".job"))));
}

/** True when `inner` is `outer` or below it (bytes, whole path segments). */
export function isWithin(inner: Buffer, outer: Buffer): boolean {
  if (inner.equals(outer)) return true;
  const prefix = outer.at(-1) === 0x2f ? outer : Buffer.concat([outer, Buffer.from("/")]);
  return inner.subarray(0, prefix.length).equals(prefix);
}
