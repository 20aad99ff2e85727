// Benchmark: deleting one pruned snapshot — `linkback prune` (rename into the trash under the lock, then
// `rm -rf` after it; with niceDelete under `nice -n 19 ionice -c3`) against a bare `rm -rf` of an identical
// tree, side by side in one run; and `linkback prune` with nothing to delete, its fixed cost (Node's start,
// loading the job file, the lock). The doomed tree is a `cp -al` copy of a 100,000-file
// snapshot, so (as in real life) every file is a hard link shared with the snapshot that stays.
// Usage: node --import tsx bench/prune.ts [--files N] [--repeat R]
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { BIN } from "../test/helpers/cli.ts";
import { type Timing, report } from "./measure.ts";

const { values } = parseArgs({ options: { files: { type: "string" }, repeat: { type: "string" } } });
const FILES = Number(values.files ?? 100_000);
const REPEAT = Number(values.repeat ?? 5);

const root = await mkdtemp(join(tmpdir(), "linkback-bench-prune-"));
try {
  const backup = join(root, "backup");
  const keep = join(backup, "bench-2026-01-02");
  for (let i = 0; i < FILES; i++) {
    const dir = join(keep, `d${Math.floor(i / 1000)}`, `e${Math.floor(i / 100) % 10}`);
    if (i % 100 === 0) await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `f${i}.txt`), `file ${i}\n`);
  }
  const jobs = join(root, "jobs");
  await mkdir(jobs);
  const env = { LINKBACK_SYSLOG: "off", LINKBACK_LOG_DIR: join(root, "log"), LINKBACK_STATUS_DIR: join(root, "status"), LINKBACK_NOW: "2026-01-02T12:00:00" };
  const job = (nice: boolean) =>
    writeFile(join(jobs, "bench.ts"), `export default { prefix: "bench", backupDir: ${JSON.stringify(backup)}, source: "/nonexistent", keepDays: 1, niceDelete: ${nice} };\n`);
  const timed = async (prepare: () => Promise<unknown>, body: () => Promise<unknown>): Promise<number> => {
    await prepare();
    await execa("sync");
    const started = process.hrtime.bigint();
    await body();
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  const doomed = join(backup, "bench-2026-01-01");
  const spare = join(root, "spare");
  const results: Record<string, number[]> = { prune: [], pruneNice: [], fixed: [], rm: [] };
  for (let i = 0; i < REPEAT; i++) {
    // Interleaved, so that load on the machine falls on all three alike.
    await job(false);
    results.prune!.push(await timed(() => execa("cp", ["-al", keep, doomed]), () => execa(process.execPath, [BIN, "prune", "bench", "--jobs", jobs], { env })));
    await job(true);
    results.pruneNice!.push(await timed(() => execa("cp", ["-al", keep, doomed]), () => execa(process.execPath, [BIN, "prune", "bench", "--jobs", jobs], { env })));
    results.fixed!.push(await timed(async () => {}, () => execa(process.execPath, [BIN, "prune", "bench", "--jobs", jobs], { env })));
    results.rm!.push(await timed(() => execa("cp", ["-al", keep, spare]), () => execa("rm", ["-rf", spare])));
  }
  const summary = (seconds: number[]): Timing => {
    const sorted = [...seconds].sort((a, b) => a - b);
    return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
  };
  const fixed = summary(results.fixed!);
  report(`deleting one pruned snapshot of ${FILES} files (hard links shared with a kept snapshot)`, [
    { label: "linkback prune", ...summary(results.prune!) },
    { label: "linkback prune, niceDelete (nice + ionice -c3)", ...summary(results.pruneNice!) },
    { label: "linkback prune with nothing to delete (fixed cost)", ...fixed },
    { label: "rm -rf (baseline)", ...summary(results.rm!) },
  ]);
  const deletion = summary(results.prune!).median - fixed.median;
  console.log(`\nlinkback prune minus its fixed cost: ${deletion.toFixed(3)} s, ${(deletion / summary(results.rm!).median).toFixed(2)} × rm -rf`);
} finally {
  await rm(root, { recursive: true, force: true });
}
