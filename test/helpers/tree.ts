// Helpers for the integration tests that look at real trees: a workspace per test (source, backup dir, jobs,
// logs), manifests of trees (what a snapshot must equal), inode maps (what must be shared), full listings
// (what must not change at all), the JSON log, and processes still running.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, lstat, mkdir, readFile, readdir, readlink, utimes } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { type CliResult, FIXTURE_BIN, linkback, tempDir, testEnv, writeJob } from "./cli.ts";

export interface Workspace {
  root: string;
  /** The job's source tree. */
  src: string;
  /** backupDir: exists (linkback never creates it). */
  backup: string;
  jobs: string;
  logs: string;
  /** Environment for a run at `now` (TZ Europe/Berlin unless `extra` says otherwise). */
  env(now?: string, extra?: Record<string, string>): Record<string, string>;
  /** Write `jobs/<name>.ts` with defaults: prefix = name, backupDir/source of this workspace. */
  job(name: string, fields?: Record<string, unknown>): Promise<string>;
  /** `linkback run <names>` at `now`. */
  run(names: string[], now?: string, extra?: Record<string, string>, options?: { cwd?: string }): Promise<CliResult>;
  cleanup(): Promise<void>;
}

export async function workspace(label: string): Promise<Workspace> {
  const dir = await tempDir(`linkback-${label}`);
  const root = dir.path;
  const src = join(root, "src");
  const backup = join(root, "backup");
  const jobs = join(root, "jobs");
  const logs = join(root, "logs");
  for (const path of [src, backup, jobs]) await mkdir(path, { recursive: true });
  const env = (now?: string, extra: Record<string, string> = {}) =>
    testEnv({ logDir: logs, ...(now === undefined ? {} : { now }), extra: { TZ: "Europe/Berlin", ...extra } });
  return {
    root,
    src,
    backup,
    jobs,
    logs,
    env,
    job: (name, fields = {}) => writeJob(jobs, name, { prefix: name, backupDir: backup, source: src, ...fields }),
    run: (names, now, extra, options = {}) => linkback(["run", ...names, "--jobs", jobs], env(now, extra), options),
    cleanup: dir.cleanup,
  };
}

/** PATH with the stand-ins of test/fixtures/bin first. */
export function standInPath(): string {
  return `${FIXTURE_BIN}:${process.env.PATH ?? "/usr/bin:/bin"}`;
}

export type Manifest = Record<string, string>;

/**
 * What a tree holds, path → description: type, permission bits, and the content's hash (files), the link
 * target (symlinks) or nothing (directories). Two trees with equal manifests hold the same backup.
 * The top directory itself is "." (its mode counts too).
 */
export async function manifest(dir: string): Promise<Manifest> {
  const out: Manifest = {};
  const walk = async (path: string, rel: string) => {
    const info = await lstat(path);
    const mode = (info.mode & 0o7777).toString(8).padStart(4, "0");
    if (info.isSymbolicLink()) out[rel] = `symlink -> ${await readlink(path)}`;
    else if (info.isFile()) out[rel] = `file ${mode} ${info.size} ${createHash("sha256").update(await readFile(path)).digest("hex").slice(0, 16)} mtime=${Math.floor(info.mtimeMs / 1000)}`;
    else if (info.isDirectory()) {
      out[rel] = `dir ${mode}`;
      for (const entry of (await readdir(path)).sort()) await walk(join(path, entry), rel === "." ? entry : `${rel}/${entry}`);
    } else out[rel] = `other ${mode}`;
  };
  await walk(dir, ".");
  return out;
}

/** Inode number and link count of every regular file below `dir`, by relative path. */
export async function inodes(dir: string): Promise<Record<string, { ino: number; nlink: number }>> {
  const out: Record<string, { ino: number; nlink: number }> = {};
  const walk = async (path: string, rel: string) => {
    const info = await lstat(path);
    if (info.isFile()) out[rel] = { ino: info.ino, nlink: info.nlink };
    else if (info.isDirectory()) {
      for (const entry of await readdir(path)) await walk(join(path, entry), rel === "" ? entry : `${rel}/${entry}`);
    }
  };
  await walk(dir, "");
  return out;
}

/**
 * Everything about a tree that any write would change: every entry (hidden ones too) with type, mode,
 * size, mtime, inode, link count (unless `nlink: false`: new snapshots add links to shared inodes), and the
 * content hash of files. For "changes nothing on disk".
 */
export async function fullListing(dir: string, options: { nlink?: boolean } = {}): Promise<string[]> {
  const withLinks = options.nlink ?? true;
  const out: string[] = [];
  const walk = async (path: string, rel: string) => {
    const info = await lstat(path);
    let extra = "";
    if (info.isFile()) extra = createHash("sha256").update(await readFile(path)).digest("hex").slice(0, 16);
    if (info.isSymbolicLink()) extra = `-> ${await readlink(path)}`;
    out.push(`${rel} ${info.mode.toString(8)} size=${info.size} mtime=${info.mtimeMs} ino=${info.ino}${withLinks ? ` nlink=${info.nlink}` : ""} ${extra}`);
    if (info.isDirectory()) for (const entry of (await readdir(path)).sort()) await walk(join(path, entry), `${rel}/${entry}`);
  };
  await walk(dir, ".");
  return out;
}

/** Every name directly in `dir`, hidden ones included, sorted. */
export async function allNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Set a path's mtime and atime (files written in one second must still look changed to rsync). */
export async function touch(path: string, when: Date): Promise<void> {
  await utimes(path, when, when);
}

export interface LogEntry {
  level: number;
  msg: string;
  job?: string;
  argv?: string[];
  [key: string]: unknown;
}

/** The JSON lines of `LOGDIR/linkback.log`. */
export async function readLog(logDir: string): Promise<LogEntry[]> {
  const path = join(logDir, "linkback.log");
  if (!existsSync(path)) return [];
  return (await readFile(path, "utf8"))
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LogEntry);
}

/** The argv linkback logged for rsync in its most recent "rsync exited" line. */
export async function lastRsyncArgv(logDir: string): Promise<string[]> {
  const entries = (await readLog(logDir)).filter((entry) => Array.isArray(entry.argv));
  const last = entries.at(-1);
  if (last === undefined) throw new Error(`no rsync argv in ${logDir}/linkback.log`);
  return last.argv!;
}

/** rsync's own log of the job's last run. */
export async function rsyncLog(logDir: string, job: string): Promise<string> {
  return readFile(join(logDir, `${job}.rsync.log`), "utf8");
}

/** "Number of regular files transferred: N" from rsync --stats output. */
export function filesTransferred(rsyncOutput: string): number {
  const match = /Number of regular files transferred: ([\d,]+)/.exec(rsyncOutput);
  if (match?.[1] === undefined) throw new Error(`no --stats totals in rsync output:\n${rsyncOutput.slice(0, 2000)}`);
  return Number(match[1].replaceAll(",", ""));
}

/** pids of live processes (not zombies) whose command line contains `text`. */
export async function processesMentioning(text: string): Promise<{ pid: number; cmdline: string }[]> {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, "utf8")).replaceAll("\0", " ");
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z" && cmdline.includes(text)) found.push({ pid: Number(entry), cmdline: cmdline.trim() });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Wait until `check` returns true (polling), or fail after `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** True if `program` runs (e.g. rsync, setpriv). */
export async function hasProgram(program: string, args = ["--version"]): Promise<boolean> {
  const result = await execa(program, args, { reject: false, stdin: "ignore" });
  return result.exitCode === 0;
}

/** chown -R (numeric ids). */
export async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const info = await lstat(path);
  if (info.isSymbolicLink()) return;
  await chown(path, uid, gid);
  if (info.isDirectory()) for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
}
