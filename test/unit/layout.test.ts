// The house rules of src/, checked on every import (type-only ones too): a module imports only from its own
// folder or from a lower layer, and there is no import cycle, between files or between folders. A new
// folder must be given its layer here.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");

/** Lowest first. Top-level files are their own units (`errors.ts` …); cli.ts and index.ts are the top. */
const LAYERS: string[][] = [
  ["errors.ts", "clock.ts", "paths.ts", "bytes.ts", "time", "process"],
  ["config"],
  ["store", "disk", "lock", "log", "rsync", "hooks", "retention", "schedule"],
  ["plan"],
  ["backup", "restore"],
  ["status"],
  ["due"],
  ["cli"],
  ["cli.ts", "index.ts"],
];
const layerOf = new Map(LAYERS.flatMap((units, rank) => units.map((unit) => [unit, rank] as const)));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The unit a file belongs to: its top folder under src/, or the file itself at the top. */
const unitOf = (file: string) => relative(SRC, file).split("/")[0]!;

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]!);
  return specs.map((spec) => resolve(dirname(file), spec));
}

const files = sources(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

test("every unit of src/ has a layer", () => {
  const missing = [...new Set(files.map(unitOf))].filter((unit) => !layerOf.has(unit));
  assert.deepEqual(missing, [], "give each new folder (or top-level file) a layer in LAYERS");
});

test("no import goes up a layer, or sideways into another unit of the same layer that imports back", () => {
  const upward: string[] = [];
  const between = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = unitOf(file);
    for (const target of targets) {
      assert.ok(graph.has(target), `${relative(SRC, file)} imports ${relative(SRC, target)}, which does not exist`);
      const to = unitOf(target);
      if (from === to) continue;
      if (layerOf.get(to)! > layerOf.get(from)!) upward.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      if (!between.has(from)) between.set(from, new Set());
      between.get(from)!.add(to);
    }
  }
  assert.deepEqual(upward, [], "imports from a higher layer");
  const cycles: string[] = [];
  for (const [from, tos] of between) for (const to of tos) if (between.get(to)?.has(from) === true && from < to) cycles.push(`${from} ⇄ ${to}`);
  assert.deepEqual(cycles, [], "two units that import each other");
});

test("no file imports itself through others", () => {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (file: string) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") {
      cycles.push([...stack.slice(stack.indexOf(file)), file].map((f) => relative(SRC, f)).join(" → "));
      return;
    }
    state.set(file, "visiting");
    stack.push(file);
    for (const target of graph.get(file) ?? []) visit(target);
    stack.pop();
    state.set(file, "done");
  };
  for (const file of files) visit(file);
  assert.deepEqual(cycles, []);
});
