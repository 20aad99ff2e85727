// What changed between two snapshots: paths added, removed, changed. Files that are the same inode (hard
// links, which is how unchanged files are stored) are unchanged without reading them; for different inodes,
// size, time, mode, owner and symlink target are compared, and the contents when the sizes agree.
import { createReadStream } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";

interface Entry {
  type: "file" | "dir" | "symlink" | "other";
  ino: number;
  size: number;
  mtimeMs: number;
  mode: number;
  uid: number;
  gid: number;
  target?: string;
}

export interface Change {
  path: string;
  kind: "added" | "removed" | "changed";
  /** For changed paths: what differs (content, size, mode, owner, type, target, time). */
  what?: string[];
}

async function walk(root: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  const pending: string[] = [""];
  while (pending.length > 0) {
    const rel = pending.pop()!;
    for (const dirent of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel === "" ? dirent.name : `${rel}/${dirent.name}`;
      const info = await lstat(join(root, path));
      const type = info.isFile() ? "file" : info.isDirectory() ? "dir" : info.isSymbolicLink() ? "symlink" : "other";
      const entry: Entry = { type, ino: info.ino, size: info.size, mtimeMs: Math.floor(info.mtimeMs / 1000), mode: info.mode & 0o7777, uid: info.uid, gid: info.gid };
      if (type === "symlink") entry.target = await readlink(join(root, path));
      entries.set(path, entry);
      if (type === "dir") pending.push(path);
    }
  }
  return entries;
}

async function digest(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The changes from tree `a` to tree `b`, sorted by path. */
export async function compareTrees(a: string, b: string): Promise<Change[]> {
  const [before, after] = await Promise.all([walk(a), walk(b)]);
  const changes: Change[] = [];
  for (const [path, old] of before) {
    const now = after.get(path);
    if (now === undefined) {
      changes.push({ path, kind: "removed" });
      continue;
    }
    if (old.ino === now.ino && old.type !== "dir") continue; // one inode: the same file in both
    const what: string[] = [];
    if (old.type !== now.type) what.push("type");
    else {
      if (old.type === "file" && old.size !== now.size) what.push("size");
      if (old.target !== now.target) what.push("target");
      if (old.mode !== now.mode) what.push("mode");
      if (old.uid !== now.uid || old.gid !== now.gid) what.push("owner");
      if (old.type === "file" && old.mtimeMs !== now.mtimeMs) what.push("time");
      // Same size: read both (only files stored as different inodes get here; unchanged ones share one).
      if (old.type === "file" && old.size === now.size && (await digest(join(a, path))) !== (await digest(join(b, path)))) what.push("content");
    }
    if (what.length > 0) changes.push({ path, kind: "changed", what });
  }
  for (const path of after.keys()) if (!before.has(path)) changes.push({ path, kind: "added" });
  return changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
