// The status of every job at one moment, as data (status.json is exactly this). Pure: records, which jobs are
// running, the backup filesystems and now go in; the text and HTML pages are rendered from what comes out.
import { DAILY, threeTimes } from "../time/cycle.ts";
import { type JobState, type Schedule, ageText, dueOrder, scheduleJob } from "../schedule/schedule.ts";
import { type JobRecord, type LastAttempt, type LastSuccess, viewSnapshots } from "./record.ts";

/** Bump when a field changes meaning or goes away (adding fields keeps the version). */
export const STATUS_VERSION = 1;

export interface FilesystemUsage {
  /** Mount point (or the backup directory, when the mount point cannot be found). */
  path: string;
  backupDirs: string[];
  totalBytes: number;
  usedBytes: number;
  /** Free for linkback (not counting blocks reserved for root). */
  freeBytes: number;
}

export interface JobStatus {
  name: string;
  state: JobState;
  /** `every`, e.g. "1d". */
  every: string | null;
  alertAfter: string | null;
  source: string | null;
  backupDir: string | null;
  lastSnapshot: { name: string; day: string; at: string | null; age: string } | null;
  snapshotCount: number | null;
  /** When the job is next due (ISO 8601); null when it cannot run (disabled, broken job file). */
  nextDue: string | null;
  dueNow: boolean;
  /** Why the job is failed, offline or overdue, in a few words; null when it is fine. */
  lastError: string | null;
  lastAttempt: LastAttempt | null;
  lastSuccess: LastSuccess | null;
  failures: number;
  /** Snapshots dated after now (the clock moved back): never treated as the newest, never pruned. */
  futureSnapshots: string[];
  /** What needs attention although the last run went on: the clock looked wrong, nothing was linked. */
  warnings: string[];
  /** Bytes the newest snapshot stored anew (null when its run did not say). */
  newBytes: number | null;
}

export interface StatusReport {
  version: typeof STATUS_VERSION;
  generatedAt: string;
  host: string;
  /** True when a job is failed or overdue (`linkback status` exits 1). */
  problems: boolean;
  filesystems: FilesystemUsage[];
  jobs: JobStatus[];
}

/** The schedule of a job from its record. `running`: a live process holds its lock. */
export function scheduleOf(record: JobRecord, running: boolean, now: Date): Schedule {
  const view = record.view;
  const cycle = view?.cycle ?? DAILY;
  return scheduleJob(
    {
      name: record.job,
      cycle,
      alertCycle: view?.alertCycle ?? threeTimes(cycle),
      enabled: view?.enabled ?? true,
      snapshots: viewSnapshots(view),
      firstSeen: record.firstSeen,
      lastAttempt: record.lastAttempt,
      failures: record.failures,
      running,
      configError: view === undefined ? "never seen" : view.configError,
      timeZone: view?.timeZone,
    },
    now,
  );
}

/** Build the report. Jobs are listed in due order: the most overdue first. */
export function buildReport(input: {
  records: readonly JobRecord[];
  running: ReadonlySet<string>;
  filesystems: FilesystemUsage[];
  now: Date;
  host: string;
}): StatusReport {
  const { now } = input;
  const rows = input.records.map((record) => ({ record, schedule: scheduleOf(record, input.running.has(record.job), now) }));
  rows.sort((a, b) => dueOrder(a.schedule, b.schedule));
  const jobs = rows.map(({ record, schedule }): JobStatus => {
    const view = record.view;
    const newest = schedule.newest;
    return {
      name: record.job,
      state: schedule.state,
      every: view?.cycle?.text ?? null,
      alertAfter: view?.alertCycle?.text ?? null,
      source: view?.source ?? null,
      backupDir: view?.backupDir ?? null,
      lastSnapshot: newest === undefined ? null : { name: newest.name, day: newest.day, at: newest.at ?? null, age: ageText(schedule, now, view?.timeZone) },
      snapshotCount: view?.count ?? null,
      nextDue: schedule.dueAt === undefined ? null : schedule.dueAt.toISOString(),
      dueNow: schedule.due,
      lastError: lastError(record, schedule),
      lastAttempt: record.lastAttempt ?? null,
      lastSuccess: record.lastSuccess ?? null,
      failures: record.failures,
      futureSnapshots: schedule.future.map((s) => s.name),
      warnings: record.lastAttempt?.warnings ?? [],
      newBytes: record.lastSuccess?.newBytes ?? null,
    };
  });
  return {
    version: STATUS_VERSION,
    generatedAt: now.toISOString(),
    host: input.host,
    problems: jobs.some((job) => needsAttention(job)),
    filesystems: input.filesystems,
    jobs,
  };
}

/** Failed, overdue, a partial or refused snapshot, or a warning (the clock, a full copy): `linkback status` exits 1. */
export function needsAttention(job: JobStatus): boolean {
  return job.state === "failed" || job.state === "overdue" || job.state === "partial" || job.state === "shrunk" || job.warnings.length > 0;
}

function lastError(record: JobRecord, schedule: Schedule): string | null {
  if (record.view?.configError !== undefined) return `job file: ${record.view.configError}`;
  const attempt = record.lastAttempt;
  const attemptError = attempt !== undefined && attempt.result !== "ok" ? (attempt.error ?? attempt.result) : undefined;
  if (schedule.state === "overdue") {
    const since = schedule.newest === undefined ? "never backed up" : `no complete snapshot since ${schedule.newest.name}`;
    return attemptError === undefined ? since : `${since}; last: ${attemptError}`;
  }
  if (schedule.state === "failed" || schedule.state === "offline" || schedule.state === "partial" || schedule.state === "shrunk") return attemptError ?? schedule.state;
  return null;
}
