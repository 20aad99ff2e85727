// Helpers shared by the integration tests: temp directories, job files, running the real linkback binary.
import { mkdtemp, mkdir, rm, writeFile, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = join(ROOT, "bin/linkback.js");
/** Stand-ins for programs that cannot be made to behave a certain way for real (see test/fixtures/bin). */
export const FIXTURE_BIN = join(ROOT, "test/fixtures/bin");

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(label = "linkback-test"): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `${label}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/**
 * Write `jobs/<name>.ts` in `jobsDir` from a job config object (JSON-serialisable fields), or raw TypeScript.
 * The file imports from "linkback" exactly as a user's would.
 */
export async function writeJob(jobsDir: string, name: string, job: Record<string, unknown> | string): Promise<string> {
  await mkdir(jobsDir, { recursive: true });
  const file = join(jobsDir, `${name}.ts`);
  const body = typeof job === "string" ? job : `import { defineJob } from "linkback";\nexport default defineJob(${JSON.stringify(job, null, 2)});\n`;
  await writeFile(file, body);
  return file;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Environment for a linkback run in tests: syslog off unless asked, logs in `logDir`, status files in
 * `statusDir` (default `logDir`/status), clock at `now`.
 */
export function testEnv(options: { logDir: string; statusDir?: string; now?: string; extra?: Record<string, string> }): Record<string, string> {
  return {
    LINKBACK_LOG_DIR: options.logDir,
    LINKBACK_STATUS_DIR: options.statusDir ?? join(options.logDir, "status"),
    LINKBACK_SYSLOG: "off",
    ...(options.now === undefined ? {} : { LINKBACK_NOW: options.now }),
    ...options.extra,
  };
}

/** Run `node bin/linkback.js ...args` to completion. */
export async function linkback(args: string[], env: Record<string, string>, options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [BIN, ...args], {
    env,
    cwd: options.cwd ?? ROOT,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    stdin: "ignore",
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Start linkback without waiting (for signal and lock tests). */
export function startLinkback(args: string[], env: Record<string, string>): ResultPromise {
  return execa(process.execPath, [BIN, ...args], { env, cwd: ROOT, reject: false, stdin: "ignore" });
}

/** Names in a directory, sorted, hidden ones left out. */
export async function listNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !name.startsWith(".")).sort();
}

/** Inode number and link count of a path. */
export async function inodeOf(path: string): Promise<{ ino: number; nlink: number }> {
  const info = await stat(path);
  return { ino: info.ino, nlink: info.nlink };
}

/** Write files given as { "relative/path": "content" } below `dir`. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}
