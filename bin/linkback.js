#!/usr/bin/env node
// linkback's command. Runs the compiled dist/ when it is there and not older than src/ (npm ci builds it);
// otherwise loads the TypeScript sources through jiti, so an install without the compiler (a router's
// `npm ci --omit=dev`) and a working tree with fresh edits both run the code as it is.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

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

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Fast path: no module graph for a version check.
  process.stdout.write(`linkback ${JSON.parse(readFileSync(`${root}package.json`, "utf8")).version}\n`);
} else {
  const compiled = `${root}dist/cli.js`;
  const useCompiled =
    process.env.LINKBACK_FROM_SOURCES !== "1" && existsSync(compiled) && statSync(compiled).mtimeMs >= newest(`${root}src`);
  let cli;
  if (useCompiled) {
    cli = await import(compiled);
  } else {
    const { createJiti } = await import("jiti");
    cli = await createJiti(import.meta.url, { fsCache: `${root}node_modules/.cache/linkback-jiti` }).import(`${root}src/cli.ts`);
  }
  await cli.start();
}
