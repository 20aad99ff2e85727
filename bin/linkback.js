#!/usr/bin/env node
// linkback's command. Runs the compiled dist/ when it is there (made by `npm ci`/`npm run build`);
// otherwise loads the TypeScript sources through jiti (an install without the build step still works).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Fast path: no module graph for a version check.
  process.stdout.write(`linkback ${JSON.parse(readFileSync(`${root}package.json`, "utf8")).version}\n`);
} else {
  const compiled = `${root}dist/cli.js`;
  let cli;
  if (existsSync(compiled) && process.env.LINKBACK_FROM_SOURCES !== "1") {
    cli = await import(compiled);
  } else {
    const { createJiti } = await import("jiti");
    cli = await createJiti(import.meta.url, { fsCache: `${root}node_modules/.cache/linkback-jiti` }).import(`${root}src/cli.ts`);
  }
  await cli.start();
}
