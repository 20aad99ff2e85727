// Where linkback lives and keeps its own files (not the backups: those are in each job's backupDir).
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root (the git clone), found from this module's own location in src/ or dist/. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** True when running the TypeScript sources (through jiti or tsx) rather than the compiled dist/. */
export const RUNNING_SOURCES = import.meta.url.endsWith(".ts");

/** The module job files get for `import … from "linkback"`: index beside this module (src/, dist/ or router/). */
export const PUBLIC_ENTRY = join(dirname(fileURLToPath(import.meta.url)), RUNNING_SOURCES ? "index.ts" : "index.js");

/** Jobs directory: --jobs, else LINKBACK_JOBS, else the clone's jobs/. */
export function jobsDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env.LINKBACK_JOBS || join(PACKAGE_ROOT, "jobs")));
}

/** Log directory: --log-dir, else LINKBACK_LOG_DIR, else the clone's log/. */
export function logDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env.LINKBACK_LOG_DIR || join(PACKAGE_ROOT, "log")));
}

/** Status directory (status.txt/json/html and each job's record): --status-dir, else LINKBACK_STATUS_DIR, else the clone's status/. */
export function statusDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag ?? (env.LINKBACK_STATUS_DIR || join(PACKAGE_ROOT, "status")));
}

/** jiti's transpile cache: a directory of linkback's own, never a shared world-writable /tmp. */
export const JITI_CACHE = join(PACKAGE_ROOT, "node_modules", ".cache", "linkback-jiti");
