// Create the log directory one level at a time (Node's recursive mkdirSync spins forever below /proc).
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** Make `path` and its missing parents; throws the first real error (EACCES, ENOTDIR, EROFS …). */
export function ensureDir(path: string): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    const parent = dirname(path);
    if (code !== "ENOENT" || parent === path) throw error;
    ensureDir(parent);
    mkdirSync(path);
  }
}
