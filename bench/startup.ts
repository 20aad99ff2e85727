// Start-up: `linkback --version`, and `linkback check` with 20 job files with a cold and a warm jiti cache,
// through each entry (router/ bundle, dist/, sources through jiti), against bare `node -e ""`; with the peak
// RSS of each. Side by side in one run, interleaved; medians, spread, ratios.
// Usage: node --import tsx bench/startup.ts [--repeat R]
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { BIN, ROOT } from "../test/helpers/cli.ts";
import { type Timing, report } from "./measure.ts";

const { values } = parseArgs({ options: { repeat: { type: "string" } } });
const REPEAT = Number(values.repeat ?? 10);
const CACHE = join(ROOT, "node_modules/.cache/linkback-jiti");

const root = await mkdtemp(join(tmpdir(), "linkback-bench-startup-"));
const summary = (values: number[]): Timing => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
};
/** Wall time and peak RSS (MB, VmHWM polled) of one command. */
async function run(argv: string[], env: Record<string, string> = {}): Promise<{ seconds: number; mb: number }> {
  const started = process.hrtime.bigint();
  const child = execa(argv[0]!, argv.slice(1), { env, stdout: "ignore", stderr: "ignore", reject: false });
  let peak = 0;
  const poll = setInterval(async () => {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => ""))?.[1] ?? 0);
    if (kb > peak) peak = kb;
  }, 2);
  await child;
  clearInterval(poll);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, mb: peak / 1024 };
}

try {
  const jobs = join(root, "jobs");
  await mkdir(join(root, "backup"), { recursive: true });
  await mkdir(jobs);
  for (let i = 0; i < 20; i++) {
    await writeFile(join(jobs, `machine-${String(i).padStart(2, "0")}.ts`), `import { defineJob } from "linkback";
export default defineJob({
  prefix: "machine-${i}",
  backupDir: ${JSON.stringify(join(root, "backup"))},
  source: "root@192.168.1.${20 + i}:/",
  ssh: { options: { ConnectTimeout: 10 } },
  excludes: ["/proc/*", "/sys/*", "/dev/*", "/run/*", "/tmp/*"],
  keep: { daily: 10, weekly: 8, monthly: 12 },
  every: "1d",
});
`);
  }
  const env = { LINKBACK_SYSLOG: "off", LINKBACK_STATUS_DIR: join(root, "status"), LINKBACK_LOG_DIR: join(root, "log") };
  const rows: Record<string, { seconds: number[]; mb: number[] }> = {};
  const add = (label: string, result: { seconds: number; mb: number }) => {
    rows[label] ??= { seconds: [], mb: [] };
    rows[label]!.seconds.push(result.seconds);
    rows[label]!.mb.push(result.mb);
  };
  for (let i = 0; i < REPEAT; i++) {
    add("node -e '' (baseline)", await run([process.execPath, "-e", ""]));
    add("linkback --version", await run([process.execPath, BIN, "--version"], env));
    for (const entry of ["bundle", "dist", "sources"]) {
      await rm(CACHE, { recursive: true, force: true });
      add(`check, 20 jobs, cold jiti cache (${entry})`, await run([process.execPath, BIN, "check", "--jobs", jobs], { ...env, LINKBACK_ENTRY: entry }));
      add(`check, 20 jobs, warm jiti cache (${entry})`, await run([process.execPath, BIN, "check", "--jobs", jobs], { ...env, LINKBACK_ENTRY: entry }));
    }
  }
  const baseline = "node -e '' (baseline)";
  const ordered = [...Object.keys(rows).filter((label) => label !== baseline), baseline];
  report(`start-up (${REPEAT} rounds, interleaved)`, ordered.map((label) => ({ label, ...summary(rows[label]!.seconds) })));
  console.log("\npeak RSS (VmHWM) of the same runs\n| | median | min–max |\n|---|---|---|");
  for (const label of ordered) {
    const mb = summary(rows[label]!.mb);
    console.log(`| ${label} | ${mb.median.toFixed(1)} MB | ${mb.min.toFixed(1)}–${mb.max.toFixed(1)} MB |`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
