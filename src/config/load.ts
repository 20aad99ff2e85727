// Find job files and load them with jiti. A broken job file is a ConfigError naming the file; it never
// stops the other jobs of `run --all`.
import { readdir } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { createJiti } from "jiti";
import { ConfigError, messageOf } from "../errors.ts";
import { JITI_CACHE, PUBLIC_ENTRY } from "../paths.ts";
import type { Job } from "./types.ts";
import { closest } from "./closest.ts";
import { validateJob } from "./validate.ts";

/**
 * How long a job module may take to load (a top-level await that never resolves is an error):
 * 30 s, or LINKBACK_LOAD_TIMEOUT seconds.
 */
export function loadTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.LINKBACK_LOAD_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 30_000;
}

export interface JobFile {
  name: string;
  file: string;
}

/** Every job in `dir`: `*.ts` files whose names do not start with `_` (templates and examples). */
export async function discoverJobs(dir: string): Promise<JobFile[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    throw new ConfigError(`jobs directory ${dir}: ${messageOf(error)}`);
  }
  return entries
    .filter((entry) => entry.endsWith(".ts") && !entry.endsWith(".d.ts") && !entry.startsWith("_") && !entry.startsWith("."))
    .sort()
    .map((entry) => ({ name: basename(entry, ".ts"), file: join(dir, entry) }));
}

/** The job files named on the command line: a job name in `dir`, or a path to a `.ts` file. */
export async function resolveJobs(names: readonly string[], dir: string): Promise<JobFile[]> {
  const known = await discoverJobs(dir).catch(() => [] as JobFile[]);
  return names.map((name) => {
    if (name.endsWith(".ts") || name.includes("/")) {
      const file = resolve(name);
      return { name: basename(file, extname(file)), file };
    }
    const found = known.find((job) => job.name === name);
    if (found !== undefined) return found;
    const guess = closest(name, known.map((job) => job.name));
    const hint = guess !== undefined ? ` — did you mean ${guess}?` : known.length > 0 ? ` (jobs: ${known.map((job) => job.name).join(", ")})` : "";
    throw new ConfigError(`no job named ${JSON.stringify(name)} in ${dir}${hint}`);
  });
}

let jiti: ReturnType<typeof createJiti> | undefined;

function loader(fsCache: string | false) {
  return createJiti(import.meta.url, {
    alias: { linkback: PUBLIC_ENTRY },
    fsCache,
    moduleCache: false,
    interopDefault: true,
  });
}

/**
 * Import a job file and validate it. Throws ConfigError with the file, field and value. A `snapshotOf()`
 * job also loads the job it names (from the same directory) to learn where that job's snapshots are.
 */
export async function loadJob(jobFile: JobFile): Promise<Job> {
  const job = await loadOne(jobFile);
  if (typeof job.source !== "object") return job;
  const name = job.source.job;
  const dir = dirname(job.file);
  const field = `${job.file}: \`source\`: snapshotOf(${JSON.stringify(name)})`;
  const known = await discoverJobs(dir).catch(() => [] as JobFile[]);
  const found = known.find((other) => other.name === name);
  if (found === undefined) {
    const guess = closest(name, known.map((other) => other.name));
    throw new ConfigError(`${field}: no job named ${JSON.stringify(name)} in ${dir}${guess === undefined ? "" : ` — did you mean ${guess}?`}`);
  }
  let source: Job;
  try {
    source = await loadOne(found);
  } catch (error) {
    throw new ConfigError(`${field}: that job does not load: ${messageOf(error)}`);
  }
  if (source.backupDir === job.backupDir && source.prefix === job.prefix) {
    throw new ConfigError(`${field}: both jobs use prefix ${JSON.stringify(job.prefix)} in ${job.backupDir}; give this one its own prefix (e.g. "${job.prefix}-weekly")`);
  }
  const copyOf = { name: source.name, file: source.file, prefix: source.prefix, backupDir: source.backupDir };
  return { ...job, copyOf: source.timeZone === undefined ? copyOf : { ...copyOf, timeZone: source.timeZone } };
}

async function loadOne(jobFile: JobFile): Promise<Job> {
  const raw = await importJobModule(jobFile.file);
  const result = validateJob(raw, jobFile);
  if (!result.ok) throw new ConfigError(result.errors.join("\n"));
  return result.job;
}

async function importJobModule(file: string): Promise<unknown> {
  jiti ??= loader(JITI_CACHE);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const ms = loadTimeoutMs();
    // Not unref-ed: a job whose top-level await waits on nothing would otherwise let the event loop run dry,
    // and Node would exit with status 13 before the other jobs of `run --all` ran.
    timer = setTimeout(() => reject(new ConfigError(`${file}: did not finish loading within ${ms / 1000} s (a top-level await that never resolves?)`)), ms);
  });
  try {
    return await Promise.race([importOnce(file), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function importOnce(file: string): Promise<unknown> {
  try {
    return await jiti!.import(file, { default: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && messageOf(error).includes(file)) throw new ConfigError(`${file}: no such job file`);
    // A cache write error (disk full, read-only) makes jiti reject: load again without the cache.
    if (code === "ENOSPC" || code === "EROFS" || code === "EACCES") {
      jiti = loader(false);
      return importOnce(file);
    }
    throw new ConfigError(`${file}: ${loadErrorMessage(error, file)}`);
  }
}

/** One clear line for a job that throws or does not parse, with file:line where the error has it. */
function loadErrorMessage(error: unknown, file: string): string {
  const message = messageOf(error).split("\n")[0] ?? "";
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  // Only the line: a column from a stack trace counts in jiti's transpiled code, not in the job file.
  const where = new RegExp(`${escape(file)}:(\\d+)`).exec(`${messageOf(error)}\n${stack}`);
  const location = where === null ? "" : ` (line ${where[1]})`;
  return `failed to load: ${message}${location}`;
}

function escape(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
