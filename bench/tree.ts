// A realistic source tree for the benchmarks, the same for the same seed: nested directories, sizes from
// bytes to tens of MB (most files small, a few large), some hard links, symlinks and odd names.
import { link, mkdir, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { prng } from "../test/helpers/prng.ts";

export { prng };


const ODD = ["with space", "ünïcödé ✓", "quote'and\"double", "-leading-dash", "$(not a command)", "semi;colon", "*star*"];

/** Content of `size` bytes, different for every call. */
function content(size: number, random: () => number): Buffer {
  const out = Buffer.alloc(size, `${random().toString(36)} `);
  if (size >= 8) out.writeDoubleLE(random(), 0);
  return out;
}

function sizeOf(random: () => number): number {
  const r = random();
  if (r < 0.0001) return 10_000_000 + Math.floor(random() * 20_000_000); // a few tens of MB
  if (r < 0.002) return 100_000 + Math.floor(random() * 900_000);
  if (r < 0.3) return 2_000 + Math.floor(random() * 20_000);
  return Math.floor(random() * 2_000);
}

export interface Tree {
  files: string[];
  bytes: number;
}

/** Write `count` files below `dir`. Returns the regular files (relative paths) and their total size. */
export async function generateTree(dir: string, count: number, seed = 1): Promise<Tree> {
  const random = prng(seed);
  const files: string[] = [];
  let bytes = 0;
  const when = new Date("2026-01-01T00:00:00Z");
  for (let i = 0; i < count; i++) {
    const depth = 1 + Math.floor(random() * 4);
    const parts = Array.from({ length: depth }, (_, level) => `dir${level}-${Math.floor(random() * (level === 0 ? 20 : 8))}`);
    const folder = join(dir, ...parts);
    await mkdir(folder, { recursive: true });
    const odd = random() < 0.01 ? `${ODD[Math.floor(random() * ODD.length)]} ` : "";
    const rel = join(...parts, `${odd}file-${i}.dat`);
    const kind = random();
    if (kind < 0.01 && files.length > 0) {
      await link(join(dir, files[Math.floor(random() * files.length)]!), join(dir, rel)); // a hard link
      continue;
    }
    if (kind < 0.02 && files.length > 0) {
      await symlink(`/${files[Math.floor(random() * files.length)]!}`, join(dir, rel)); // a symlink (absolute, maybe dangling)
      continue;
    }
    const size = sizeOf(random);
    await writeFile(join(dir, rel), content(size, random));
    await utimes(join(dir, rel), when, when);
    files.push(rel);
    bytes += size;
  }
  return { files, bytes };
}

/** Change `fraction` of the files (new content, same size, a new mtime `when`). Returns how many changed. */
export async function changeFiles(dir: string, tree: Tree, fraction: number, when: Date, seed: number): Promise<number> {
  const random = prng(seed);
  const count = Math.max(1, Math.round(tree.files.length * fraction));
  for (let n = 0; n < count; n++) {
    const rel = tree.files[Math.floor(random() * tree.files.length)]!;
    const size = Math.min(sizeOf(random), 50_000);
    await writeFile(join(dir, rel), content(size, random));
    await utimes(join(dir, rel), when, when);
  }
  return count;
}
