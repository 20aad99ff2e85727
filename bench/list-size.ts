// Benchmark: `linkback list --size` (one walk over every snapshot, each inode counted once) against `du -s`
// of the same backup directory (the baseline: one C walk, hard links counted once), side by side in one run.
// Usage: node --import tsx bench/list-size.ts [--files N] [--snapshots S] [--repeat R]
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { BIN } from "../test/helpers/cli.ts";
import { measure, report } from "./measure.ts";

const { values } = parseArgs({ options: { files: { type: "string" }, snapshots: { type: "string" }, repeat: { type: "string" } } });
const FILES = Number(values.files ?? 100_000);
const SNAPSHOTS = Number(values.snapshots ?? 3);
const REPEAT = Number(values.repeat ?? 5);

const root = await mkdtemp(join(tmpdir(), "linkback-bench-size-"));
try {
  const src = join(root, "src");
  const backup = join(root, "backup");
  const jobs = join(root, "jobs");
  await mkdir(backup, { recursive: true });
  await mkdir(jobs);
  for (let i = 0; i < FILES; i++) {
    const dir = join(src, `d${Math.floor(i / 1000)}`, `e${Math.floor(i / 100) % 10}`);
    if (i % 100 === 0) await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `f${i}.txt`), `file ${i}\n`.repeat(1 + (i % 50)));
  }
  await writeFile(join(jobs, "bench.ts"), `export default { prefix: "bench", backupDir: ${JSON.stringify(backup)}, source: ${JSON.stringify(src)} };\n`);
  const env = { LINKBACK_SYSLOG: "off", LINKBACK_LOG_DIR: join(root, "log"), LINKBACK_STATUS_DIR: join(root, "status") };
  for (let day = 1; day <= SNAPSHOTS; day++) {
    for (let i = 0; i < FILES; i += 100) await writeFile(join(src, `d${Math.floor(i / 1000)}`, `e${Math.floor(i / 100) % 10}`, `f${i}.txt`), `changed on day ${day}\n`);
    await execa(process.execPath, [BIN, "run", "bench", "--jobs", jobs], { env: { ...env, LINKBACK_NOW: `2026-11-0${day}T03:00:00` } });
  }
  const linkback = await measure(REPEAT, () => execa(process.execPath, [BIN, "list", "bench", "--size", "--json", "--jobs", jobs], { env }));
  const du = await measure(REPEAT, () => execa("du", ["-s", backup]));
  report(`list --size over ${SNAPSHOTS} snapshots of ${FILES} files (1% changed a day)`, [
    { label: "linkback list --size", ...linkback },
    { label: "du -s (baseline)", ...du },
  ]);
} finally {
  await rm(root, { recursive: true, force: true });
}
