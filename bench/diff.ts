// Benchmark: `linkback diff` of two real snapshots (made by `linkback run` on two days, ~1% of the files
// changed, some deleted, some added between them), on the router/ bundle, against the baseline
// `rsync -ani --delete A/ B/` (a dry-run itemize of the same pair: the same comparison, in C). Side by side in
// one run, the rows taking turns going first each round; wall time, peak RSS, ratios. Caches are warm for all.
// The job keeps ACLs and xattrs where the disk can (linkback's default), so diff compares them too (getfattr,
// in batches); two more rows show that part apart: the same trees backed up by a job with
// `metadata: { acls: false, xattrs: false }` (no getfattr), and `rsync -aniAX` (rsync comparing them too).
// Peak RSS: the largest single process (ru_maxrss from wait4, /usr/bin/time -f %M), and all processes at once
// (polled every 5 ms: the highest VmRSS of the command's process plus the private memory of its descendants
// alive at that moment — Private_Clean + Private_Dirty of /proc/PID/smaps_rollup. A local rsync is three
// processes (sender, receiver, generator), linkback's others are its getfattr children. Not a plain sum of
// VmRSS: a child forked and not yet exec'd, or rsync's forks, share their parent's pages copy-on-write, and
// VmRSS counts those in each (measured: a getfattr child not yet exec'd showed up to 90 MB of its parent's
// pages, and the plain sum came out 20 MB above linkback's own peak).
// The outputs are counted too (linkback's changes, rsync's itemized lines by kind), so the rows do the same work:
// rsync A/ → B/ itemizes what would make B (newer) into A (older), so its "*deleting" are linkback's "+", its
// created entries linkback's "-", the rest (less directories whose only change is their times, which linkback
// does not report) linkback's "M". The script fails if the counts disagree.
// Everything runs on router/cli.js (LINKBACK_ENTRY=bundle), the snapshots' `run`s too (made with this Node).
// Usage: node --import tsx bench/diff.ts [--files N[,N…]] [--repeat R] [--node PATH]…
//   --files   entries per source tree (files, directories, symlinks); default 100000,50000 (a table each)
//   --node    another Node binary to run the bundle with (a row each, first), beside this one (process.execPath).
// The router's Node: Debian 12's Node 18, which needs /usr/share/nodejs (see .ci/node18): run this script in a
// mount namespace that provides it, e.g. `/work/node18/run node --import tsx bench/diff.ts --node /usr/bin/node`
// (node = 18 there), or with this Node 20 as the harness and `--node <path to node 18>` inside such a namespace.
import { mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { BIN } from "../test/helpers/cli.ts";

const { values } = parseArgs({ options: { files: { type: "string" }, repeat: { type: "string" }, node: { type: "string", multiple: true } } });
const SIZES = (values.files ?? "100000,50000").split(",").map(Number);
const REPEAT = Number(values.repeat ?? 5);
const NODES = [...(values.node ?? []), process.execPath];

interface Sample {
  seconds: number;
  /** ru_maxrss of the largest process (MB). */
  mb: number;
  /** The highest VmRSS of the command plus its descendants' private memory at one moment (MB), polled; the most
   * processes at once. */
  treeMb: number;
  processes: number;
}

/** Pids below `pid` (all threads' children), recursively. */
async function descendants(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children: number[] = [];
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "");
    for (const child of text.split(" ").filter(Boolean).map(Number)) children.push(child, ...(await descendants(child)));
  }
  return children;
}

/** Wall time and peak RSS of one command (stdout and stderr to /dev/null: printing is part of the work). */
async function sample(argv: string[], env: Record<string, string>, scratch: string): Promise<Sample> {
  const timeFile = join(scratch, "maxrss");
  const started = process.hrtime.bigint();
  const child = execa("/usr/bin/time", ["-f", "%M", "-o", timeFile, ...argv], { env, stdout: "ignore", stderr: "ignore", reject: false });
  let treeKb = 0;
  let processes = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      let sum = 0;
      let alive = 0;
      // [the command (time's child), its descendants…]
      const [command, ...others] = await descendants(child.pid!);
      if (command !== undefined) {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${command}/status`, "utf8").catch(() => ""))?.[1] ?? 0);
        sum += kb;
        if (kb > 0) alive++;
      }
      for (const pid of others) {
        const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
        const kb = [...rollup.matchAll(/^Private_(?:Clean|Dirty):\s+(\d+)/gm)].reduce((total, match) => total + Number(match[1]), 0);
        sum += kb;
        if (rollup !== "") alive++;
      }
      treeKb = Math.max(treeKb, sum);
      processes = Math.max(processes, alive);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const result = await child;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  polling = false;
  await poll;
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} exited ${result.exitCode}`);
  const kb = Number(readFileSync(timeFile, "utf8").trim().split("\n").at(-1));
  return { seconds, mb: kb / 1024, treeMb: Math.max(treeKb, kb) / 1024, processes };
}

const summary = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)]!, min: sorted[0]!, max: sorted.at(-1)! };
};

/** Source tree of about `entries` entries: directories of 100, ~2% symlinks, the rest small files. */
function makeSource(src: string, entries: number): void {
  let made = 1;
  for (let top = 0; made < entries; top++) {
    const topDir = join(src, `d${top}`);
    mkdirSync(topDir, { recursive: true });
    made++;
    for (let sub = 0; sub < 10 && made < entries; sub++) {
      const dir = join(topDir, `e${sub}`);
      mkdirSync(dir);
      made++;
      for (let k = 0; k < 99 && made < entries; k++, made++) {
        const n = top * 1000 + sub * 100 + k;
        if (k % 50 === 7) symlinkSync(`../e${(sub + 1) % 10}/f${n + 100}.txt`, join(dir, `l${n}`));
        else writeFileSync(join(dir, `f${n}.txt`), `file ${n}\n`.repeat(1 + (n % 50)));
      }
    }
  }
}

/** Day 2: ~1% of the files changed (half of them to the same size: their contents differ), 0.2% deleted,
 * 0.2% added, one directory of 99 entries deleted and one added, 1 in 50 symlinks pointed elsewhere. */
function changeSource(src: string, entries: number): void {
  const tops = Math.ceil(entries / 1000);
  for (let top = 0; top < tops; top++) {
    for (let sub = 0; sub < 10; sub++) {
      const dir = join(src, `d${top}`, `e${sub}`);
      for (let k = 0; k < 99; k++) {
        const n = top * 1000 + sub * 100 + k;
        const file = join(dir, `f${n}.txt`);
        try {
          if (k % 50 === 7) {
            if (n % 50 === 7) {
              unlinkSync(join(dir, `l${n}`));
              symlinkSync(`../elsewhere/f${n}.txt`, join(dir, `l${n}`));
            }
          } else if (k % 100 === 13) writeFileSync(file, `changed ${n}\n`.repeat(1 + (n % 50))); // other size
          else if (k % 100 === 63) writeFileSync(file, `FILE ${n}\n`.repeat(1 + (n % 50))); // same size
          else if (k % 500 === 31) unlinkSync(file);
          else if (k % 500 === 41) writeFileSync(join(dir, `g${n}.txt`), `new ${n}\n`);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // beyond the tree's last entry
        }
      }
    }
  }
  rmSync(join(src, "d0", "e5"), { recursive: true });
  mkdirSync(join(src, "d0", "new"));
  for (let k = 0; k < 98; k++) writeFileSync(join(src, "d0", "new", `n${k}.txt`), `new ${k}\n`);
}

/** rsync's itemized lines by kind. */
function rsyncKinds(out: string): { lines: number; deleting: number; created: number; changed: number; dirTimes: number } {
  const lines = out.split("\n").filter(Boolean);
  const deleting = lines.filter((line) => line.startsWith("*deleting")).length;
  const created = lines.filter((line) => /^[>c]\S\+{9}/.test(line)).length;
  const dirTimes = lines.filter((line) => /^\.d\S* /.test(line)).length;
  return { lines: lines.length, deleting, created, changed: lines.length - deleting - created - dirTimes, dirTimes };
}

const root = await mkdtemp(join(tmpdir(), "linkback-bench-diff-"));
try {
  const versions = new Map<string, string>();
  for (const node of NODES) versions.set(node, (await execa(node, ["--version"])).stdout.trim());
  const rsyncVersion = (await execa("rsync", ["--version"])).stdout.split("\n")[0]!.replace(/\s+/g, " ");
  for (const entries of SIZES) {
    const base = join(root, String(entries));
    const src = join(base, "src");
    const backup = join(base, "backup");
    const jobs = join(base, "jobs");
    await mkdir(backup, { recursive: true });
    await mkdir(jobs);
    makeSource(src, entries);
    await writeFile(join(jobs, "bench.ts"), `export default { prefix: "bench", backupDir: ${JSON.stringify(backup)}, source: ${JSON.stringify(src)} };\n`);
    // The same source, snapshots without ACLs and xattrs (diff then starts no getfattr).
    await mkdir(join(base, "backup-plain"));
    await writeFile(join(jobs, "plain.ts"), `export default { prefix: "plain", backupDir: ${JSON.stringify(join(base, "backup-plain"))}, source: ${JSON.stringify(src)}, metadata: { acls: false, xattrs: false } };\n`);
    const env = { LINKBACK_SYSLOG: "off", LINKBACK_LOG_DIR: join(base, "log"), LINKBACK_STATUS_DIR: join(base, "status"), LINKBACK_ENTRY: "bundle" };
    for (const day of [1, 2]) {
      if (day === 2) changeSource(src, entries);
      for (const job of ["bench", "plain"]) await execa(process.execPath, [BIN, "run", job, "--jobs", jobs], { env: { ...env, LINKBACK_NOW: `2026-11-0${day}T03:00:00` } });
    }
    const [a, b] = (await readdir(backup)).filter((name) => name.startsWith("bench-")).sort();
    const [A, B] = [join(backup, a!), join(backup, b!)];
    const walked = Number((await execa("sh", ["-c", `find "${B}" | wc -l`])).stdout) - 1;
    const bundle = env;
    const diffArgs = [BIN, "diff", "bench", a!, b!, "--jobs", jobs];
    const plainArgs = [BIN, "diff", "plain", "2026-11-01", "2026-11-02", "--jobs", jobs];
    const rsyncArgs = ["rsync", "-ani", "--delete", `${A}/`, `${B}/`];
    const rsyncAXArgs = ["rsync", "-aniAX", "--delete", `${A}/`, `${B}/`];

    // What each side reports, once, untimed.
    const linkbackOut = (await execa(process.execPath, diffArgs, { env: bundle })).stdout.split("\n");
    const changes = linkbackOut.slice(1, -1);
    const count = (sign: string) => changes.filter((line) => line.startsWith(`${sign} `)).length;
    const kinds = rsyncKinds((await execa(rsyncArgs[0]!, rsyncArgs.slice(1))).stdout);
    const plainCount = (await execa(process.execPath, plainArgs, { env: bundle })).stdout.split("\n").at(-1);
    const axCount = rsyncKinds((await execa(rsyncAXArgs[0]!, rsyncAXArgs.slice(1))).stdout).lines;
    const mismatches = [
      count("+") !== kinds.deleting && `added ${count("+")} ≠ rsync's *deleting ${kinds.deleting}`,
      count("-") !== kinds.created && `removed ${count("-")} ≠ rsync's created ${kinds.created}`,
      count("M") !== kinds.changed && `changed ${count("M")} ≠ rsync's other lines ${kinds.changed}`,
      linkbackOut.at(-1) !== `${changes.length} change(s)` && `last line "${linkbackOut.at(-1)}" ≠ "${changes.length} change(s)"`,
      plainCount !== linkbackOut.at(-1) && `without ACLs/xattrs "${plainCount}" ≠ "${linkbackOut.at(-1)}"`,
      axCount !== kinds.lines && `rsync -aniAX ${axCount} lines ≠ -ani ${kinds.lines}`,
    ].filter(Boolean);
    if (mismatches.length > 0) throw new Error(`the rows do not do the same work: ${mismatches.join("; ")}`);

    const rows = new Map<string, Sample[]>();
    const jobsOf: [string, string[], Record<string, string>][] = [
      ...NODES.map((node): [string, string[], Record<string, string>] => [`linkback diff, router bundle, Node ${versions.get(node)}`, [node, ...diffArgs], bundle]),
      [`linkback diff, router bundle, Node ${versions.get(NODES[0]!)}, snapshots without ACLs/xattrs (no getfattr)`, [NODES[0]!, ...plainArgs], bundle],
      ["rsync -aniAX --delete A/ B/ (ACLs and xattrs compared too)", rsyncAXArgs, {}],
      ["rsync -ani --delete A/ B/ (baseline)", rsyncArgs, {}],
    ];
    for (let round = 0; round < REPEAT; round++) {
      for (let k = 0; k < jobsOf.length; k++) {
        const [label, argv, runEnv] = jobsOf[(round + k) % jobsOf.length]!;
        const list = rows.get(label) ?? [];
        list.push(await sample(argv, runEnv, base));
        rows.set(label, list);
      }
    }
    const baseline = summary(rows.get(jobsOf.at(-1)![0])!.map((s) => s.seconds));
    const baselineMb = summary(rows.get(jobsOf.at(-1)![0])!.map((s) => s.mb));
    const baselineTree = summary(rows.get(jobsOf.at(-1)![0])!.map((s) => s.treeMb));
    console.log(`\ndiff of two snapshots of ${walked} entries (${entries} asked), ${REPEAT} rounds, interleaved; ${rsyncVersion}, ${cpus().length} CPUs`);
    console.log("| | wall median | min–max | ratio | peak RSS (largest process) | min–max | ratio | all processes at once (median) | ratio |\n|---|---|---|---|---|---|---|---|---|");
    for (const [label] of jobsOf) {
      const list = rows.get(label)!;
      const time = summary(list.map((s) => s.seconds));
      const mb = summary(list.map((s) => s.mb));
      const tree = summary(list.map((s) => s.treeMb));
      const processes = Math.max(...list.map((s) => s.processes));
      console.log(
        `| ${label} | ${time.median.toFixed(3)} s | ${time.min.toFixed(3)}–${time.max.toFixed(3)} s | ${(time.median / baseline.median).toFixed(2)} | ${mb.median.toFixed(1)} MB | ${mb.min.toFixed(1)}–${mb.max.toFixed(1)} MB | ${(mb.median / baselineMb.median).toFixed(2)} | ${tree.median.toFixed(1)} MB (${processes} process${processes === 1 ? "" : "es"}) | ${(tree.median / baselineTree.median).toFixed(2)} |`,
      );
    }
    console.log(
      `\nlinkback: ${changes.length} changes (${count("+")} added, ${count("-")} removed, ${count("M")} changed; last line "${linkbackOut.at(-1)}"). ` +
        `rsync A/ → B/: ${kinds.lines} itemized lines (${kinds.deleting} *deleting, ${kinds.created} created, ${kinds.changed} changed, ${kinds.dirTimes} directories with only other times): the counts match. ` +
        `Without ACLs/xattrs, linkback: "${plainCount}"; rsync -aniAX: ${axCount} lines.`,
    );
    await rm(base, { recursive: true, force: true });
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
