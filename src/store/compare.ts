// What changed between two snapshots, found by walking both trees side by side — each directory's names
// sorted by their bytes and merged — and given out change by change as it is found: memory is the
// directories on the way down, not the trees (100,000 entries in a few MB). Files that are the same inode
// (hard links, which is how unchanged files are stored) are unchanged without reading them; otherwise
// everything a snapshot keeps is compared: the type (fifo, socket, char and block devices apart, with
// their device numbers), mode, owner, times to the nanosecond (symlinks' too), symlink targets, sizes, the
// contents when the sizes agree, and extended attributes and ACLs when the snapshots keep them. Names are
// bytes; an entry that vanishes during the walk is simply not there.
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type BigIntStats } from "node:fs";
import { LinkbackError } from "../errors.ts";
import { childPath, escapeName } from "./pathBytes.ts";
import { readXattrs } from "./xattrs.ts";

export interface Change {
  /** The path inside the snapshot, escaped where its bytes are not plain UTF-8 (`caf\#351`). */
  path: string;
  kind: "added" | "removed" | "changed";
  /** For changed paths, in this order: type, device, size, target, mode, owner, time, xattrs, content. */
  what?: string[];
}

export interface CompareOptions {
  /** Compare extended attributes and ACLs (the snapshots keep them). */
  xattrs?: boolean;
}

export interface CompareResult {
  count: number;
  /** What could not be compared ("xattrs: getfattr is not installed"). */
  notes: string[];
}

/** A pair of entries whose xattrs still need comparing before the change can be given out. */
interface Pending {
  change: Change;
  a?: Buffer;
  b?: Buffer;
}

const BATCH = 128;

/** Walk `a` (older) and `b` (newer), calling `emit` for each change in walk order. */
export async function compareTrees(a: string, b: string, emit: (change: Change) => void, options: CompareOptions = {}): Promise<CompareResult> {
  const result: CompareResult = { count: 0, notes: [] };
  let xattrs = options.xattrs === true;
  let queue: Pending[] = [];
  const flush = async () => {
    const waiting = queue.filter((item) => item.a !== undefined);
    if (xattrs && waiting.length > 0) {
      const [before, after] = [await readXattrs(waiting.map((item) => item.a!)), await readXattrs(waiting.map((item) => item.b!))];
      if (before === undefined || after === undefined) {
        xattrs = false;
        result.notes.push("xattrs and ACLs were not compared: getfattr is not installed (Debian: apt-get install attr)");
      } else {
        for (const item of waiting) {
          if (before.get(item.a!.toString("latin1")) !== after.get(item.b!.toString("latin1"))) insertWhat(item.change, "xattrs");
        }
      }
    }
    for (const { change } of queue) {
      if (change.kind === "changed" && change.what!.length === 0) continue;
      result.count++;
      emit(change);
    }
    queue = [];
  };
  const give = async (item: Pending) => {
    queue.push(item);
    if (queue.length >= BATCH) await flush();
  };
  unread.count = 0;
  await compareDirectory(Buffer.from(a), Buffer.from(b), Buffer.alloc(0), { give, xattrs: () => xattrs });
  await flush();
  if (unread.count > 0) result.notes.push(`the contents of ${unread.count} file(s) of the same size in both could not be compared: this user may not read them (run diff as the backups' owner)`);
  return result;
}

interface Walk {
  give: (item: Pending) => Promise<void>;
  xattrs: () => boolean;
}

async function compareDirectory(a: Buffer, b: Buffer, rel: Buffer, walk: Walk): Promise<void> {
  const older = names(a);
  const newer = names(b);
  let i = 0;
  let j = 0;
  while (i < older.length || j < newer.length) {
    const order = i >= older.length ? 1 : j >= newer.length ? -1 : Buffer.compare(older[i]!, newer[j]!);
    const name = order <= 0 ? older[i]! : newer[j]!;
    if (order <= 0) i++;
    if (order >= 0) j++;
    const [fromA, fromB] = [childPath(a, name), childPath(b, name)];
    // Most entries are one inode in both (how unchanged files are stored): known without BigInt stats.
    if (order === 0 && isOneFile(fromA, fromB)) continue;
    const left = order <= 0 ? lstat(fromA) : undefined;
    const right = order >= 0 ? lstat(fromB) : undefined;
    await compareEntry(fromA, left, fromB, right, rel.length === 0 ? name : childPath(rel, name), walk);
  }
}

/** Both paths are the same inode and not a directory: unchanged, nothing to give out or walk. */
function isOneFile(a: Buffer, b: Buffer): boolean {
  try {
    const left = lstatSync(a, { throwIfNoEntry: false });
    const right = left === undefined || left.isDirectory() ? undefined : lstatSync(b, { throwIfNoEntry: false });
    // Inode numbers beyond 2^53 (CIFS, some NFS servers) are not exact as numbers: the BigInt path decides.
    if (right === undefined || left!.ino > Number.MAX_SAFE_INTEGER) return false;
    return left!.ino === right.ino && left!.dev === right.dev;
  } catch {
    return false; // compared the slow way, which says why
  }
}

async function compareEntry(a: Buffer, left: BigIntStats | undefined, b: Buffer, right: BigIntStats | undefined, path: Buffer, walk: Walk): Promise<void> {
  if (left === undefined && right === undefined) return; // vanished from both meanwhile
  if (left === undefined || right === undefined) {
    await oneSide(left === undefined ? b : a, path, left === undefined ? "added" : "removed", walk);
    return;
  }
  const change: Change = { path: escapeName(path), kind: "changed", what: [] };
  const same = left.ino === right.ino && left.dev === right.dev;
  if (!same) change.what = await differences(a, left, b, right);
  const bothDirectories = left.isDirectory() && right.isDirectory();
  const xattrs = walk.xattrs() && !same;
  await walk.give(xattrs ? { change, a, b } : { change });
  if (bothDirectories) await compareDirectory(a, b, path, walk);
  else if (left.isDirectory()) await descendants(a, path, "removed", walk);
  else if (right.isDirectory()) await descendants(b, path, "added", walk);
}

/** An entry on one side only: it, and everything below it. */
async function oneSide(full: Buffer, path: Buffer, kind: "added" | "removed", walk: Walk): Promise<void> {
  const info = lstat(full);
  if (info === undefined) return;
  await walk.give({ change: { path: escapeName(path), kind } });
  if (info.isDirectory()) await descendants(full, path, kind, walk);
}

async function descendants(full: Buffer, rel: Buffer, kind: "added" | "removed", walk: Walk): Promise<void> {
  for (const name of names(full)) await oneSide(childPath(full, name), childPath(rel, name), kind, walk);
}

/** Two symlinks' targets differ; a link that vanished since it was listed (a prune meanwhile) differs in nothing. */
function targetsDiffer(a: Buffer, b: Buffer): boolean {
  const target = (path: Buffer) => {
    try {
      return readlinkSync(path, { encoding: "buffer" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  };
  const [left, right] = [target(a), target(b)];
  return left !== undefined && right !== undefined && !left.equals(right);
}

/** What differs between two entries that are not one inode. */
async function differences(a: Buffer, left: BigIntStats, b: Buffer, right: BigIntStats): Promise<string[]> {
  const what: string[] = [];
  const type = [typeOf(left), typeOf(right)];
  if (type[0] !== type[1]) return [`type (${type[0]} → ${type[1]})`];
  const kind = type[0];
  if ((kind === "char device" || kind === "block device") && left.rdev !== right.rdev) what.push(`device (${deviceNumbers(left.rdev)} → ${deviceNumbers(right.rdev)})`);
  if (kind === "file" && left.size !== right.size) what.push("size");
  if (kind === "symlink" && targetsDiffer(a, b)) what.push("target");
  if ((left.mode & 0o7777n) !== (right.mode & 0o7777n)) what.push("mode");
  if (left.uid !== right.uid || left.gid !== right.gid) what.push("owner");
  // A directory's time follows its entries (their changes are listed themselves): not compared.
  if (kind !== "directory" && left.mtimeNs !== right.mtimeNs) what.push("time");
  if (kind === "file" && left.size === right.size) {
    const same = sameContent(a, b);
    if (same === "unreadable") unread.count++;
    else if (!same) what.push("content");
  }
  return what;
}

/** `xattrs` goes before `content` (the order of `what`). */
function insertWhat(change: Change, item: string): void {
  const what = change.what ?? [];
  const content = what.indexOf("content");
  if (content < 0) what.push(item);
  else what.splice(content, 0, item);
  change.what = what;
}

function typeOf(info: BigIntStats): string {
  if (info.isFile()) return "file";
  if (info.isDirectory()) return "directory";
  if (info.isSymbolicLink()) return "symlink";
  if (info.isFIFO()) return "fifo";
  if (info.isSocket()) return "socket";
  if (info.isCharacterDevice()) return "char device";
  if (info.isBlockDevice()) return "block device";
  return "unknown";
}

/** `major,minor` of a device number (glibc's encoding). */
function deviceNumbers(rdev: bigint): string {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return `${major},${minor}`;
}

/** A directory's names sorted by their bytes; none when it vanished meanwhile. */
function names(dir: Buffer): Buffer[] {
  try {
    return readdirSync(dir, { encoding: "buffer" }).sort(Buffer.compare);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw new LinkbackError(`cannot read ${escapeName(dir)}: ${code ?? (error as Error).message}`);
  }
}

function lstat(path: Buffer): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Two reusable read buffers: comparing contents makes no garbage (a stream per file made megabytes of it). */
const CHUNK = 64 * 1024;
const chunks = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)] as const;

/** Same-size files whose contents could not be read (EACCES: a diff by a user who may not read them). */
const unread = { count: 0 };

/**
 * Byte for byte, stopping at the first difference; a file that vanished is not the same; one this user may
 * not read is "unreadable" (counted, and said once, instead of claimed changed or unchanged).
 */
function sameContent(a: Buffer, b: Buffer): boolean | "unreadable" {
  let fds: number[] = [];
  try {
    fds = [openSync(a, "r")];
    fds.push(openSync(b, "r"));
    for (;;) {
      const [one, two] = [readFully(fds[0]!, chunks[0]), readFully(fds[1]!, chunks[1])];
      if (one !== two || !chunks[0].subarray(0, one).equals(chunks[1].subarray(0, two))) return false;
      if (one === 0) return true;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "EACCES" || code === "EPERM" ? "unreadable" : false; // vanished: not the same
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/** Fill `buffer` from `fd` (short reads happen); the bytes read, 0 at the end. */
function readFully(fd: number, buffer: Buffer): number {
  let filled = 0;
  while (filled < buffer.length) {
    const got = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (got === 0) break;
    filled += got;
  }
  return filled;
}
