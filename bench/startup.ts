// Start-up: `linkback --version`, and `linkback check` with 20 job files with a cold and a warm jiti cache,
// through each entry (router/ bundle, dist/, sources through jiti), against bare `node -e ""`; with the peak
// RSS of each. What the job files' threads cost (issue 12): `check` of the 20 files and `run` of one local
// job on the router/ bundle, each beside the same with LINKBACK_JOB_THREADS=off (the job file loaded in
// linkback's own thread, as before). Side by side in one run, interleaved; medians, spread, ratios.
// Usage: node --import tsx bench/startup.ts [--repeat R] [--threads-only]   (only the rows about the threads)
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { BIN, ROOT } from "../test/helpers/cli.ts";
import { type Timing, report } from "./measure.ts";

const { values } = parseArgs({ options: { repeat: { type: "string" }, "threads-only": { type: "boolean" } } });
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
  // One local job with a function hook (its thread stays for the run) for `run`, in a jobs directory of its own.
  const runJobs = join(root, "run-jobs");
  await mkdir(join(root, "source"), { recursive: true });
  for (let i = 0; i < 50; i++) await writeFile(join(root, "source", `file-${i}.txt`), `${i}\n`.repeat(100));
  // plain: no function in the export (its thread ends after the load); hook: a function hook (it stays).
  for (const name of ["plain-threads", "plain-nothreads", "hook-threads", "hook-nothreads"]) {
    await mkdir(join(root, `backup-${name}`), { recursive: true });
    await mkdir(runJobs, { recursive: true });
    const hook = name.startsWith("hook") ? `\n  hooks: { after: async (context) => { if (context.status !== "ok") throw new Error(context.status); } },` : "";
    await writeFile(join(runJobs, `${name}.ts`), `import { defineJob } from "linkback";
export default defineJob({
  prefix: ${JSON.stringify(name)},
  backupDir: ${JSON.stringify(join(root, `backup-${name}`))},
  source: ${JSON.stringify(join(root, "source"))},
  keep: { daily: 7 },${hook}
});
`);
  }
  const rows: Record<string, { seconds: number[]; mb: number[] }> = {};
  const add = (label: string, result: { seconds: number; mb: number }) => {
    rows[label] ??= { seconds: [], mb: [] };
    rows[label]!.seconds.push(result.seconds);
    rows[label]!.mb.push(result.mb);
  };
  const bundle = { ...env, LINKBACK_ENTRY: "bundle" };
  const inThisThread = { ...bundle, LINKBACK_JOB_THREADS: "off" };
  for (let i = 0; i < REPEAT; i++) {
    add("node -e '' (baseline)", await run([process.execPath, "-e", ""]));
    const day = { LINKBACK_NOW: new Date(Date.UTC(2026, 0, 1 + i, 3)).toISOString() };
    const isolation: [string, () => Promise<{ seconds: number; mb: number }>][] = [
      ["run, 1 local job (bundle, job file in a thread)", () => run([process.execPath, BIN, "run", "plain-threads", "--jobs", runJobs], { ...bundle, ...day })],
      ["run, 1 local job (bundle, job file in linkback's thread)", () => run([process.execPath, BIN, "run", "plain-nothreads", "--jobs", runJobs], { ...inThisThread, ...day })],
      ["run, 1 local job with a function hook (bundle, its thread kept for the run)", () => run([process.execPath, BIN, "run", "hook-threads", "--jobs", runJobs], { ...bundle, ...day })],
      ["run, 1 local job with a function hook (bundle, in linkback's thread)", () => run([process.execPath, BIN, "run", "hook-nothreads", "--jobs", runJobs], { ...inThisThread, ...day })],
      ["check, 20 jobs, warm jiti cache (bundle, job files in threads)", () => run([process.execPath, BIN, "check", "--jobs", jobs], bundle)],
      ["check, 20 jobs, warm jiti cache (bundle, job files in linkback's thread)", () => run([process.execPath, BIN, "check", "--jobs", jobs], inThisThread)],
    ];
    for (let k = 0; k < isolation.length; k++) {
      const [label, measure] = isolation[(i + k) % isolation.length]!;
      add(label, await measure());
    }
    if (values["threads-only"] !== true) add("linkback --version", await run([process.execPath, BIN, "--version"], env));
    for (const entry of values["threads-only"] === true ? [] : ["bundle", "dist", "sources"]) {
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
