// Benchmarks of backups themselves, on a generated source tree (bench/tree.ts), each measured side by side
// with its baselines in one run, interleaved, reported as medians with their spread and ratios:
//   1. first full backup: linkback vs bare rsync with the same flags;
//   2. incrementals, nothing changed and 1% changed: linkback vs bare rsync --link-dest=<previous> vs
//      rsnapshot (Debian's package; its default cp -al mode, and link_dest 1), and bare rsync with the same
//      --link-dest list linkback passes (its earlier snapshots, newest first): linkback's own overhead;
//   3. an incremental after 25 earlier snapshots: linkback (20 --link-dest) vs bare rsync with 20 and with 1;
//   5. disk used after those days (du, hard links counted once): linkback vs rsnapshot vs bare rsync;
//   and the peak RSS of the linkback process (not rsync's) during its runs.
// Usage: node --import tsx bench/backup.ts [--files N] [--repeat R]      (needs rsync and rsnapshot)
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { BIN } from "../test/helpers/cli.ts";
import { type Timing, report } from "./measure.ts";
import { changeFiles, generateTree } from "./tree.ts";

const { values } = parseArgs({ options: { files: { type: "string" }, repeat: { type: "string" } } });
const FILES = Number(values.files ?? 50_000);
const REPEAT = Number(values.repeat ?? 5);
const FLAGS = ["-aH", "--numeric-ids", "--partial", "--itemize-changes", "--stats", "--timeout=1800"];

const root = await mkdtemp(join(tmpdir(), "linkback-bench-backup-"));
const summary = (seconds: number[]): Timing => {
  const sorted = [...seconds].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
};
async function timed(body: () => Promise<unknown>): Promise<number> {
  await execa("sync");
  const started = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - started) / 1e9;
}
/** Run linkback and return the peak RSS of its own process (VmHWM, polled until it exits). */
async function linkbackPeak(args: string[], env: Record<string, string>): Promise<number> {
  const child = execa(process.execPath, [BIN, ...args], { env, stdout: "ignore", stderr: "pipe" });
  let peak = 0;
  const poll = setInterval(async () => {
    const status = await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => "");
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    if (kb > peak) peak = kb;
  }, 5);
  await child;
  clearInterval(poll);
  return peak / 1024;
}
/** Run `steps` in round `round`'s order: each starts first in turn, so no tool always gets the coldest cache. */
async function inTurn(round: number, steps: (() => Promise<unknown>)[]): Promise<void> {
  for (let k = 0; k < steps.length; k++) await steps[(round + k) % steps.length]!();
}
let day = 0;
const nextDay = () => new Date(Date.UTC(2026, 0, 1 + ++day, 3)).toISOString();

try {
  const src = join(root, "src");
  const tree = await generateTree(src, FILES);
  console.log(`source: ${FILES} entries, ${tree.files.length} regular files, ${(tree.bytes / 1e6).toFixed(1)} MB; rsync ${(await execa("rsync", ["--version"])).stdout.split("\n")[0]}`);
  const env = (now: string) => ({ LINKBACK_SYSLOG: "off", LINKBACK_LOG_DIR: join(root, "log"), LINKBACK_STATUS_DIR: join(root, "status"), LINKBACK_NOW: now });
  const jobs = join(root, "jobs");
  await mkdir(jobs);
  const job = (name: string, backupDir: string) =>
    writeFile(join(jobs, `${name}.ts`), `export default { prefix: ${JSON.stringify(name)}, backupDir: ${JSON.stringify(backupDir)}, source: ${JSON.stringify(src)} };\n`);
  const linkback = (name: string, now: string) => execa(process.execPath, [BIN, "run", name, "--jobs", jobs], { env: env(now) });
  const bareRsync = (dest: string, linkDests: string[]) =>
    execa("rsync", [...FLAGS, ...linkDests.map((dir) => `--link-dest=${dir}`), "--", `${src}/`, `${dest}/`], { stdout: "ignore" });

  // 1. First full backup.
  const full = { linkback: [] as number[], rsync: [] as number[] };
  for (let i = 0; i < REPEAT; i++) {
    const a = join(root, `full-l-${i}`);
    const b = join(root, `full-r-${i}`);
    await mkdir(a);
    await job("full", a);
    const now = nextDay();
    await inTurn(i, [
      async () => full.linkback.push(await timed(() => linkback("full", now))),
      async () => full.rsync.push(await timed(() => bareRsync(b, []))),
    ]);
    await rm(a, { recursive: true, force: true });
    await rm(b, { recursive: true, force: true });
  }
  report("1. first full backup", [
    { label: "linkback run", ...summary(full.linkback) },
    { label: "rsync, same flags (baseline)", ...summary(full.rsync) },
  ]);

  // 2. Incrementals: four series kept in step, each snapshot of the same source state.
  const lRoot = join(root, "linkback");
  const rRoot = join(root, "rsync");
  const sRoots = { cp: join(root, "rsnapshot-cp"), link: join(root, "rsnapshot-linkdest") };
  for (const dir of [lRoot, rRoot, ...Object.values(sRoots)]) await mkdir(dir);
  await job("inc", lRoot);
  const conf = async (name: "cp" | "link") => {
    const file = join(root, `rsnapshot-${name}.conf`);
    await writeFile(file, [
      "config_version\t1.2", `snapshot_root\t${sRoots[name]}/`, "cmd_cp\t/bin/cp", "cmd_rm\t/bin/rm", "cmd_rsync\t/usr/bin/rsync",
      `link_dest\t${name === "link" ? 1 : 0}`, "rsync_short_args\t-aH", "rsync_long_args\t--delete --numeric-ids --relative --delete-excluded",
      "retain\tdaily\t60", `lockfile\t${join(root, `rsnapshot-${name}.pid`)}`, `backup\t${src}/\tlocalhost/`, "",
    ].join("\n"));
    return file;
  };
  const confs = { cp: await conf("cp"), link: await conf("link") };
  const rsnapshot = (name: "cp" | "link") => execa("rsnapshot", ["-c", confs[name], "daily"]);
  let rIndex = 0;
  const rsyncStep = async () => {
    const previous = join(rRoot, String(rIndex).padStart(3, "0"));
    const next = join(rRoot, String(++rIndex).padStart(3, "0"));
    return bareRsync(next, rIndex === 1 ? [] : [previous]);
  };
  /** linkback's snapshots of the incremental series, newest first. */
  const linkbackSnapshots = async () => (await readdir(lRoot)).filter((n) => /^inc-\d{4}-\d{2}-\d{2}$/.test(n)).sort().reverse();
  // The first snapshot of each series (not timed).
  await linkback("inc", nextDay());
  await rsyncStep();
  await rsnapshot("cp");
  await rsnapshot("link");
  const peaks: number[] = [];
  for (const [label, changes, rounds] of [["nothing changed", 0, REPEAT], ["1% of files changed", 0.01, Math.max(REPEAT, 10)]] as const) {
    const times = { linkback: [] as number[], same: [] as number[], rsync: [] as number[], cp: [] as number[], link: [] as number[] };
    for (let i = 0; i < rounds; i++) {
      const now = nextDay();
      if (changes > 0) await changeFiles(src, tree, changes, new Date(now), 1000 + day);
      const earlier = (await linkbackSnapshots()).map((name) => join(lRoot, name)).slice(0, 20);
      const same = join(root, "same-link-dests");
      await inTurn(i, [
        async () => times.linkback.push(await timed(() => linkback("inc", now))),
        async () => times.same.push(await timed(() => bareRsync(same, earlier))),
        async () => times.rsync.push(await timed(rsyncStep)),
        async () => times.cp.push(await timed(() => rsnapshot("cp"))),
        async () => times.link.push(await timed(() => rsnapshot("link"))),
      ]);
      await rm(same, { recursive: true, force: true });
    }
    report(`2. incremental, ${label} (${rounds} rounds)`, [
      { label: "linkback run", ...summary(times.linkback) },
      { label: "rsync with the --link-dest list linkback passed", ...summary(times.same) },
      { label: "rsnapshot, default (cp -al, then rsync --delete)", ...summary(times.cp) },
      { label: "rsnapshot, link_dest 1", ...summary(times.link) },
      { label: "rsync --link-dest=<previous> (baseline)", ...summary(times.rsync) },
    ]);
  }

  // 5. Disk used after those days.
  const du = async (dir: string) => Number((await execa("du", ["-s", "-B1", dir])).stdout.split("\t")[0]);
  const used = { linkback: await du(lRoot), rsync: await du(rRoot), cp: await du(sRoots.cp), link: await du(sRoots.link) };
  console.log(`\n5. disk used after ${rIndex} snapshots (du -s, hard links once)\n| | bytes | ratio to rsync --link-dest |\n|---|---|---|`);
  for (const [label, bytes] of [["linkback", used.linkback], ["rsnapshot, default", used.cp], ["rsnapshot, link_dest 1", used.link], ["rsync --link-dest (baseline)", used.rsync]] as const) {
    console.log(`| ${label} | ${(bytes / 1e6).toFixed(1)} MB | ${(bytes / used.rsync).toFixed(3)} |`);
  }

  // 3. After 25 earlier snapshots: 20 --link-dest against one.
  const snapshotCount = async () => (await linkbackSnapshots()).length;
  while ((await snapshotCount()) < 25) {
    const now = nextDay();
    await changeFiles(src, tree, 0.01, new Date(now), 2000 + day);
    await linkback("inc", now);
    await rsyncStep();
  }
  const many = { linkback: [] as number[], rsync20: [] as number[], rsync1: [] as number[] };
  const snapshots = linkbackSnapshots;
  for (let i = 0; i < REPEAT; i++) {
    const now = nextDay();
    await changeFiles(src, tree, 0.01, new Date(now), 3000 + day);
    const earlier = (await snapshots()).map((name) => join(lRoot, name));
    const a = join(root, "many-20");
    const b = join(root, "many-1");
    await inTurn(i, [
      async () => many.linkback.push(await timed(() => linkback("inc", now))),
      async () => many.rsync20.push(await timed(() => bareRsync(a, earlier.slice(0, 20)))),
      async () => many.rsync1.push(await timed(() => bareRsync(b, earlier.slice(0, 1)))),
    ]);
    await rm(a, { recursive: true, force: true });
    await rm(b, { recursive: true, force: true });
  }
  report(`3. incremental (1% changed) after ${(await snapshots()).length - REPEAT} earlier snapshots`, [
    { label: "linkback run (20 --link-dest, newest first)", ...summary(many.linkback) },
    { label: "rsync with the same 20 --link-dest", ...summary(many.rsync20) },
    { label: "rsync --link-dest=<newest> only (baseline)", ...summary(many.rsync1) },
  ]);

  // Peak RSS of the linkback process itself, in runs of their own (polling /proc is not free: not during timings).
  for (let i = 0; i < REPEAT; i++) {
    const now = nextDay();
    await changeFiles(src, tree, 0.01, new Date(now), 4000 + day);
    peaks.push(await linkbackPeak(["run", "inc", "--jobs", jobs], env(now)));
  }
  const rss = summary(peaks);
  console.log(`\npeak RSS of the linkback process (not rsync's) during incremental runs: median ${rss.median.toFixed(1)} MB (${rss.min.toFixed(1)}–${rss.max.toFixed(1)} MB), ${peaks.length} runs`);
} finally {
  await rm(root, { recursive: true, force: true });
}
