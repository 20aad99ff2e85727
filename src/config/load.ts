// Find job files and load them with jiti. A broken job file is a ConfigError naming the file; it never
// stops the other jobs of `run --all`.
import { readdir } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { ConfigError, messageOf } from "../errors.ts";
import { JITI_CACHE, PUBLIC_ENTRY } from "../paths.ts";
import { type Hook, type Job, hookTimeout } from "./types.ts";
import { closest } from "./closest.ts";
import { validateJob } from "./validate.ts";
import { noteStuck } from "./stuckThreads.ts";
import { type HostError, HostFailure, JobHost, hasFunctions, withFunctions } from "./host.ts";

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
  let unreadable: string | undefined;
  const known = await discoverJobs(dir).catch((error: unknown) => {
    unreadable = messageOf(error); // a directory that is not there, or not this user's to read
    return [] as JobFile[];
  });
  return names.map((name) => {
    if (name.endsWith(".ts") || name.includes("/")) {
      const file = resolve(name);
      return { name: basename(file, extname(file)), file };
    }
    const found = known.find((job) => job.name === name);
    if (found !== undefined) return found;
    if (unreadable !== undefined) throw new ConfigError(`job ${JSON.stringify(name)}: cannot read the ${unreadable}`);
    const guess = closest(name, known.map((job) => job.name));
    const hint = guess !== undefined ? ` — did you mean ${guess}?` : known.length > 0 ? ` (jobs: ${known.map((job) => job.name).join(", ")})` : "";
    throw new ConfigError(`no job named ${JSON.stringify(name)} in ${dir}${hint}`);
  });
}

/** The threads of the job files whose exports hold functions, by file: kept until the job is done with. */
const hosts = new Map<string, JobHost>();


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
    source = await loadOne(found, false); // only its fields: where its snapshots are
  } catch (error) {
    throw new ConfigError(`${field}: that job does not load: ${messageOf(error)}`);
  }
  if (source.backupDir === job.backupDir && source.prefix === job.prefix) {
    throw new ConfigError(`${field}: both jobs use prefix ${JSON.stringify(job.prefix)} in ${job.backupDir}; give this one its own prefix (e.g. "${job.prefix}-weekly")`);
  }
  const copyOf = { name: source.name, file: source.file, prefix: source.prefix, backupDir: source.backupDir };
  return { ...job, copyOf: source.timeZone === undefined ? copyOf : { ...copyOf, timeZone: source.timeZone } };
}

async function loadOne(jobFile: JobFile, keepFunctions = true): Promise<Job> {
  const raw = await importJobModule(jobFile.file, keepFunctions);
  const result = validateJob(raw, jobFile);
  if (!result.ok) {
    releaseJob(jobFile.file);
    throw new ConfigError(result.errors.join("\n"));
  }
  const host = hosts.get(jobFile.file);
  // A call into the thread (a function hook, a message function) is bounded by the longest hook timeout;
  // past it the thread is stopped (a busy loop too). runHook's own timeout answers first, with its words.
  if (host !== undefined) host.callTimeoutMs = Math.max(0, ...hooksOf(result.job).map((hook) => hookTimeout(hook, result.job.hooks))) * 1000 + 1000;
  return result.job;
}

/** Stop the thread of a job file, when it kept one (its function hooks cannot be called after this). */
export function releaseJob(file: string): void {
  hosts.get(file)?.release();
  hosts.delete(file);
}

/** Load the file in a thread of its own; keep the thread only when the export holds functions (and they are wanted). */
async function importJobModule(file: string, keepFunctions: boolean): Promise<unknown> {
  if (process.env.LINKBACK_JOB_THREADS === "off") return importInThisThread(file);
  releaseJob(file);
  const host = new JobHost({ entry: PUBLIC_ENTRY, cache: JITI_CACHE, base: import.meta.url }, (why) => noteStuck(file, why));
  let data: unknown;
  try {
    data = await host.load(file, loadTimeoutMs());
  } catch (error) {
    host.release();
    if (!(error instanceof HostFailure)) throw error;
    const code = error.detail?.code;
    if (code === "ENOENT" && error.message.includes(file)) throw new ConfigError(`${file}: no such job file`);
    if (error.kind === "threw") throw new ConfigError(`${file}: ${loadErrorMessage(error.detail!, file)}`);
    throw new ConfigError(`${file}: ${error.message}${error.kind === "exited" ? " while loading (a job file only exports its job)" : ""}; the other jobs are not affected`);
  }
  if (!keepFunctions || !hasFunctions(data)) {
    host.release();
    return data;
  }
  hosts.set(file, host);
  return withFunctions(data, host);
}

/**
 * The loader before job files had threads: in linkback's own thread, unprotected. Only for bench/startup.ts,
 * which measures what the threads cost beside it (LINKBACK_JOB_THREADS=off); never for real backups.
 */
async function importInThisThread(file: string): Promise<unknown> {
  const { createJiti } = await import("jiti");
  const jiti = createJiti(import.meta.url, { alias: { linkback: PUBLIC_ENTRY }, fsCache: JITI_CACHE, moduleCache: false, interopDefault: true });
  try {
    return await jiti.import(file, { default: true });
  } catch (error) {
    throw new ConfigError(`${file}: failed to load: ${messageOf(error)}`);
  }
}

/** One clear line for a job that throws or does not parse, with file:line where the error has it. */
function loadErrorMessage(error: HostError, file: string): string {
  const message = error.message.split("\n")[0] ?? "";
  // Only the line: a column from a stack trace counts in jiti's transpiled code, not in the job file.
  const where = new RegExp(`${escape(file)}:(\\d+)`).exec(`${error.message}\n${error.stack}`);
  const location = where === null ? "" : ` (line ${where[1]})`;
  return `failed to load: ${message}${location}`;
}

function escape(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function hooksOf(job: Job): Hook[] {
  return [job.hooks.pre, job.hooks.after, job.hooks.fail].filter((hook): hook is Hook => hook !== undefined);
}
