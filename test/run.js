#!/usr/bin/env node
// The test command (`npm test` runs it after the build and type check): every test/**/*.test.ts, passed to
// node's test runner by name (Node 20 does not find .ts files itself), with tsx to load TypeScript.
// `node test/run.js test/unit` runs one folder; extra node --test flags may follow `--`.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const separator = process.argv.indexOf("--");
const targets = (separator < 0 ? process.argv.slice(2) : process.argv.slice(2, separator));
const extra = separator < 0 ? [] : process.argv.slice(separator + 1);

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith(".test.ts") ? [path] : [];
  return readdirSync(path).sort().flatMap((entry) => (entry === "fixtures" ? [] : collect(join(path, entry))));
}

const files = (targets.length > 0 ? targets : ["test"]).flatMap((target) => collect(join(root, target))).map((file) => relative(root, file));
if (files.length === 0) {
  console.error("test/run.js: no test files found");
  process.exit(1);
}
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", ...extra, ...files], { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
