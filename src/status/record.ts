// What linkback remembers about each job between runs: `STATUSDIR/jobs/<job>.json`. When it was first seen,
// the last attempt and the last success, failures in a row, whether the overdue alarm went off, and the job
// as last seen (its settings and newest snapshots), so that any run can rewrite the status of every job
// without loading every job file.
import { mkdir, readFile, readdir, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Cycle } from "../time/cycle.ts";
import type { Attempt } from "../schedule/schedule.ts";
import type { Snapshot } from "../store/inventory.ts";
import { stampInstant } from "../store/names.ts";
import { writeFileAtomic } from "./atomicFile.ts";
import { withMutex } from "../lock/mutex.ts";

export interface LastAttempt extends Attempt {
  /** The snapshot it made (or would have made). */
  snapshot?: string;
  durationMs?: number;
  /** rsync's exit status, when rsync ran. */
  exitCode?: number;
  /** What needed attention although the run went on (the clock looked wrong, nothing was linked). */
  warnings?: string[];
}

export interface LastSuccess {
  at: string;
  snapshot: string;
  durationMs: number;
  filesTransferred?: number;
  bytesReceived?: number;
  bytesSent?: number;
  /** Bytes the snapshot stored anew (the rest is hard-linked to earlier snapshots). */
  newBytes?: number;
  /** Entries, regular files, and the snapshot's apparent size, from rsync --stats. */
  files?: number;
  regularFiles?: number;
  totalBytes?: number;
  transferredBytes?: number;
  pruned: number;
}

/** The job as last seen: enough to show and schedule it without loading its file. */
export interface JobView {
  file: string;
  /** Why the job file does not load or validate; the other fields are then missing. */
  configError?: string;
  enabled?: boolean;
  cycle?: Cycle;
  alertCycle?: Cycle;
  source?: string;
  backupDir?: string;
  prefix?: string;
  /** The job's `timeZone`, when it has one. */
  timeZone?: string;
  /** How many complete snapshots there were. */
  count?: number;
  /**
   * The newest complete snapshot and any dated after the time it was seen (what scheduling needs). Records
   * written before snapshots carried `madeAt` lack it: see `viewSnapshots`.
   */
  snapshots?: StoredSnapshot[];
}

/** A snapshot as a record keeps it. */
export type StoredSnapshot = Omit<Snapshot, "madeAt"> & { madeAt?: number };

/** The view's snapshots, each with its instant (from its name where an older record did not store it). */
export function viewSnapshots(view: JobView | undefined): Snapshot[] {
  return (view?.snapshots ?? []).map((s) => ({ ...s, madeAt: s.madeAt ?? stampInstant(s, view?.timeZone) }));
}

export interface JobRecord {
  version: 1;
  job: string;
  firstSeen: string;
  lastAttempt?: LastAttempt;
  lastSuccess?: LastSuccess;
  /** Failed attempts in a row. */
  failures: number;
  /** The overdue alarm went off, while `newest` was the newest snapshot (null: there was none). */
  overdueAlert?: { at: string; newest: string | null };
  view?: JobView;
}

const JOBS = "jobs";
const MUTEX = ".lock";

/** The mutex that serialises every change in the status directory. */
export function statusMutex(statusDir: string): string {
  return join(statusDir, MUTEX);
}

function recordPath(statusDir: string, job: string): string {
  return join(statusDir, JOBS, `${job}.json`);
}

/** The stored record of a job, or undefined when there is none or it is damaged. */
async function loadRecord(statusDir: string, job: string): Promise<JobRecord | undefined> {
  try {
    const record = JSON.parse(await readFile(recordPath(statusDir, job), "utf8")) as JobRecord;
    if (record.version === 1 && record.job === job && typeof record.firstSeen === "string") return record;
  } catch {
    // missing or damaged: start again (only the first-seen time and the alarm flag are lost)
  }
  return undefined;
}

/** A job's record, or a fresh one (first seen now) when there is none or it cannot be read. */
export async function readRecord(statusDir: string, job: string, now: Date): Promise<JobRecord> {
  return (await loadRecord(statusDir, job)) ?? freshRecord(job, now);
}

function freshRecord(job: string, now: Date): JobRecord {
  return { version: 1, job, firstSeen: now.toISOString(), failures: 0 };
}

/** Every record in the status directory. */
export async function readAllRecords(statusDir: string): Promise<JobRecord[]> {
  let names: string[];
  try {
    names = await readdir(join(statusDir, JOBS));
  } catch {
    return [];
  }
  const records: JobRecord[] = [];
  for (const name of names.filter((entry) => entry.endsWith(".json")).sort()) {
    const record = await loadRecord(statusDir, name.slice(0, -".json".length));
    if (record !== undefined) records.push(record);
  }
  return records;
}

/**
 * Read, change and write back a job's record, with the status directory's mutex held. An unchanged record
 * is not rewritten (`due` looks at every job every ten minutes; a router's flash need not see that).
 */
export async function updateRecord(statusDir: string, job: string, now: Date, change: (record: JobRecord) => void): Promise<JobRecord> {
  await mkdir(join(statusDir, JOBS), { recursive: true, mode: 0o755 });
  return withMutex(statusMutex(statusDir), async () => {
    const stored = await loadRecord(statusDir, job);
    const record = stored === undefined ? freshRecord(job, now) : (JSON.parse(JSON.stringify(stored)) as JobRecord);
    change(record);
    const text = `${JSON.stringify(record, null, 2)}\n`;
    if (stored === undefined || text !== `${JSON.stringify(stored, null, 2)}\n`) await writeFileAtomic(recordPath(statusDir, job), text);
    return record;
  });
}

/**
 * Forget the jobs of `jobsDir` whose files are gone (their rows leave the status). Records of jobs from
 * another jobs directory sharing this status directory are left alone.
 */
export async function forgetRecords(statusDir: string, jobsDir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const gone = (await readAllRecords(statusDir))
    .filter((record) => record.view !== undefined && dirname(record.view.file) === jobsDir && !keep.has(record.job))
    .map((record) => record.job);
  for (const job of gone) await unlink(recordPath(statusDir, job)).catch(() => {});
  return gone;
}
