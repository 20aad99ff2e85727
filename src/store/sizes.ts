// What each snapshot costs: the bytes only it holds (what deleting it frees) and its apparent size. One walk
// over all of a job's snapshots, counting each inode once: a file whose every hard link lies inside one
// snapshot is that snapshot's alone; a file also linked from another snapshot (or from anywhere else, such
// as a weekly copy) frees nothing when one snapshot goes. Disk usage is counted as `du` does (blocks).
// Names are read as bytes (they need not be UTF-8); entries that vanish during the walk (a prune running
// beside it) are not counted, and a snapshot that vanished altogether is `gone` — and then the others are
// measured again without it: the link counts seen so far counted its links, so what only they hold was
// undercounted.
import { lstatSync, readdirSync } from "node:fs";
import { childPath } from "./pathBytes.ts";

export interface SnapshotSize {
  /** Disk space (512-byte blocks × 512) of the inodes with every link inside this snapshot: what deleting it frees. */
  uniqueBytes: number;
  /** Sum of the sizes of its files, directories and symlinks, each inode once (`du -s --apparent-size -b`). */
  apparentBytes: number;
  /** Entries walked. */
  entries: number;
  /** The snapshot was deleted while it was walked (by a prune beside this command). */
  gone?: boolean;
}

interface InodeUse {
  bytes: number;
  nlink: number;
  /** Links seen so far, in all walked snapshots. */
  seen: number;
  /** The one snapshot all links seen so far are in, or null once they are in two. */
  owner: string | null;
}

/**
 * Sizes of the snapshots `names` in `backupDir`. Synchronous calls on purpose: a promise per lstat costs
 * more than the lstat itself (`list --size` over 3 × 100,000 files: 4.0 s with promises in batches of 64,
 * 1.75 s synchronous; `du -s` 0.69 s — bench/list-size.ts, BENCHMARKS.md), and a command that only reads has
 * nothing else to do meanwhile.
 */
export async function snapshotSizes(backupDir: string, names: readonly string[]): Promise<Map<string, SnapshotSize>> {
  const gone = new Map<string, SnapshotSize>();
  for (;;) {
    const sizes = measure(backupDir, names.filter((name) => !gone.has(name)));
    const vanished = [...sizes].filter(([, size]) => size.gone === true);
    if (vanished.length === 0) return new Map(names.map((name) => [name, gone.get(name) ?? sizes.get(name)!]));
    for (const [name, size] of vanished) gone.set(name, size);
  }
}

/** One walk over the snapshots `names`; a snapshot not there at the end (or at the start) is `gone`. */
function measure(backupDir: string, names: readonly string[]): Map<string, SnapshotSize> {
  const inodes = new Map<number, InodeUse>();
  const sizes = new Map<string, SnapshotSize>();
  for (const name of names) {
    const size: SnapshotSize = { uniqueBytes: 0, apparentBytes: 0, entries: 0 };
    sizes.set(name, size);
    const seenHere = new Set<number>();
    const visit = (info: { ino: number; blocks: number; size: number; nlink: number; isDirectory(): boolean }) => {
      size.entries++;
      if (!seenHere.has(info.ino)) {
        seenHere.add(info.ino);
        size.apparentBytes += info.size;
      }
      const bytes = info.blocks * 512;
      if (info.isDirectory()) {
        size.uniqueBytes += bytes; // directories are never hard-linked
        return;
      }
      const use = inodes.get(info.ino);
      if (use === undefined) inodes.set(info.ino, { bytes, nlink: info.nlink, seen: 1, owner: name });
      else {
        use.seen++;
        if (use.owner !== name) use.owner = null;
      }
    };
    const root = Buffer.from(`${backupDir}/${name}`);
    const top = lstatSync(root, { throwIfNoEntry: false });
    if (top === undefined) {
      size.gone = true;
      continue;
    }
    visit(top);
    const directories: Buffer[] = [root];
    while (directories.length > 0) {
      const dir = directories.pop()!;
      for (const entry of entriesOf(dir)) {
        const path = childPath(dir, entry);
        const info = lstatSync(path, { throwIfNoEntry: false });
        if (info === undefined) continue; // deleted meanwhile
        visit(info);
        if (info.isDirectory()) directories.push(path);
      }
    }
  }
  for (const [name, size] of sizes) {
    if (lstatSync(`${backupDir}/${name}`, { throwIfNoEntry: false }) === undefined) size.gone = true;
  }
  for (const use of inodes.values()) {
    if (use.owner !== null && use.seen === use.nlink) sizes.get(use.owner)!.uniqueBytes += use.bytes;
  }
  return sizes;
}

/** A directory's names as bytes; none when it was deleted meanwhile. */
function entriesOf(dir: Buffer): Buffer[] {
  try {
    return readdirSync(dir, { encoding: "buffer" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw error;
  }
}
