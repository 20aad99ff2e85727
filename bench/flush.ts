// What durability costs: linkback's incrementals with the flush of the backup filesystem before publishing
// (sync -f, then an fsync of backupDir, and of the trash before deleting) against the same runs without it
// (LINKBACK_FLUSH=off, for this measurement only), side by side, interleaved, on the generated tree: nothing
// changed, and 1% of the files changed (each run's new files are what the flush writes back).
// Usage: node --import tsx bench/flush.ts [--files N] [--repeat R]
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { BIN } from "../test/helpers/cli.ts";
import { type Timing, report } from "./measure.ts";
import { changeFiles, generateTree } from "./tree.ts";

const { values } = parseArgs({ options: { files: { type: "string" }, repeat: { type: "string" } } });
const FILES = Number(values.files ?? 50_000);
const REPEAT = Number(values.repeat ?? 7);

const root = await mkdtemp(join(tmpdir(), "linkback-bench-flush-"));
const summary = (seconds: number[]): Timing => {
  const sorted = [...seconds].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
};
try {
  const src = join(root, "src");
  const tree = await generateTree(src, FILES);
  console.log(`source: ${FILES} entries, ${tree.files.length} regular files, ${(tree.bytes / 1e6).toFixed(1)} MB on ${(await execa("df", ["-T", root])).stdout.split("\n")[1]?.split(/\s+/)[1]}`);
  const jobs = join(root, "jobs");
  await mkdir(jobs);
  for (const name of ["flushed", "unflushed"]) {
    await mkdir(join(root, name));
    await writeFile(join(jobs, `${name}.ts`), `export default { prefix: ${JSON.stringify(name)}, backupDir: ${JSON.stringify(join(root, name))}, source: ${JSON.stringify(src)}, keepDays: 3 };\n`);
  }
  const run = async (name: string, now: string) => {
    await execa("sync"); // each run starts with nothing of the other's left to write back
    const started = process.hrtime.bigint();
    await execa(process.execPath, [BIN, "run", name, "--jobs", jobs], {
      env: { LINKBACK_SYSLOG: "off", LINKBACK_LOG_DIR: join(root, "log"), LINKBACK_STATUS_DIR: join(root, "status"), LINKBACK_NOW: now, ...(name === "unflushed" ? { LINKBACK_FLUSH: "off" } : {}) },
    });
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  let day = 0;
  const nextDay = () => new Date(Date.UTC(2026, 0, 1 + ++day, 3)).toISOString();
  const first = nextDay();
  await run("flushed", first);
  await run("unflushed", first);
  for (const [label, fraction] of [["nothing changed", 0], ["1% of files changed", 0.01]] as const) {
    const times = { flushed: [] as number[], unflushed: [] as number[] };
    for (let i = 0; i < REPEAT; i++) {
      const now = nextDay();
      if (fraction > 0) await changeFiles(src, tree, fraction, new Date(now), 500 + day);
      for (const name of i % 2 === 0 ? ["flushed", "unflushed"] as const : ["unflushed", "flushed"] as const) times[name].push(await run(name, now));
    }
    report(`incremental, ${label} (${REPEAT} rounds)`, [
      { label: "linkback run, flushed before publishing", ...summary(times.flushed) },
      { label: "linkback run, LINKBACK_FLUSH=off (baseline)", ...summary(times.unflushed) },
    ]);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
