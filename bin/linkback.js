#!/usr/bin/env node
// linkback's command. Runs, in this order of preference:
//   router/cli.js  the single-file build (committed; what routers run), when it was built from src/ as it is now
//                  (the sha256 of src/ in its first line; checking costs ~2 ms here);
//   dist/cli.js    the compiled sources (npm ci builds them), when not older than src/;
//   src/cli.ts     the sources through jiti (a tree with fresh edits).
// LINKBACK_ENTRY=bundle|dist|sources forces one (tests and CI run each); LINKBACK_FROM_SOURCES=1 = sources.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sourceHash } from "./source-hash.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);

/** Newest modification time of any file below `dir` (src/ is a few dozen files: well under a millisecond). */
function newest(dir) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

function bundleIsCurrent() {
  const bundle = `${root}router/cli.js`;
  if (!existsSync(bundle)) return false;
  const first = readFileSync(bundle, "utf8").slice(0, 120).split("\n")[0] ?? "";
  return first === `// linkback-src-sha256 ${sourceHash(root)}`;
}

function entry() {
  const forced = process.env.LINKBACK_FROM_SOURCES === "1" ? "sources" : process.env.LINKBACK_ENTRY;
  if (forced === "bundle" || forced === "dist" || forced === "sources") return forced;
  if (bundleIsCurrent()) return "bundle";
  const compiled = `${root}dist/cli.js`;
  if (existsSync(compiled) && statSync(compiled).mtimeMs >= newest(`${root}src`)) return "dist";
  return "sources";
}

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Fast path: no module graph for a version check.
  process.stdout.write(`linkback ${JSON.parse(readFileSync(`${root}package.json`, "utf8")).version}\n`);
} else {
  const which = entry();
  let cli;
  if (which === "bundle") cli = await import(`${root}router/cli.js`);
  else if (which === "dist") cli = await import(`${root}dist/cli.js`);
  else {
    const { createJiti } = await import("jiti");
    cli = await createJiti(import.meta.url, { fsCache: `${root}node_modules/.cache/linkback-jiti` }).import(`${root}src/cli.ts`);
  }
  await cli.start();
}
