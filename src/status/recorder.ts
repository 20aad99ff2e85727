// What `run` and `due` tell the status directory: a job seen, an attempt finished, the job offline, the
// overdue alarm given. Each is a record update followed by new status files. A status directory that cannot
// be written is reported and never fails a backup.
import { messageOf } from "../errors.ts";
import type { Job } from "../config/types.ts";
import type { Logger } from "../log/logger.ts";
import type { JobOutcome } from "../backup/outcome.ts";
import type { AttemptResult } from "../schedule/schedule.ts";
import { readInventory } from "../store/read.ts";
import { publishStatus } from "./publish.ts";
import { type JobRecord, type JobView, readRecord, updateRecord } from "./record.ts";
import { brokenView, viewOf } from "./view.ts";
import { recordStuck } from "./stuck.ts";

export class StatusRecorder {
  readonly dir: string;
  private readonly log: Logger;
  private readonly readOnly: boolean;
  private warned = false;

  /** `readOnly`: records are changed in memory only and no file is written (`status`, `due --dry-run`). */
  constructor(dir: string, log: Logger, options: { readOnly?: boolean } = {}) {
    this.dir = dir;
    this.log = log;
    this.readOnly = options.readOnly ?? false;
  }

  /**
   * Refresh a job's view from its file and its backup directory; returns the record. `lookAtDisk: false`
   * (a `run` about to read the disk under its lock anyway): the snapshots last recorded stay, unless there
   * are none yet.
   */
  async seen(job: Job, now: Date, options: { lookAtDisk?: boolean } = {}): Promise<JobRecord> {
    const stored = options.lookAtDisk === false ? (await readRecord(this.dir, job.name, now)).view?.snapshots : undefined;
    const fresh = stored === undefined ? await this.freshView(job, now) : (previous: JobView | undefined) => ({ ...viewOf(job, [], now), count: previous?.count ?? 0, snapshots: previous?.snapshots ?? [] });
    return this.update(job.name, now, (record) => {
      record.view = fresh(record.view);
    });
  }

  /** A job file that does not load: the status shows it failed, with the reason. */
  async broken(name: string, file: string, error: string, now: Date): Promise<JobRecord> {
    return this.update(name, now, (record) => {
      record.view = brokenView(file, error);
    });
  }

  /** An attempt ended (`outcome`), or found the source offline (`offline` reason). */
  async attempted(job: Job, started: Date, now: Date, ended: { outcome: JobOutcome } | { offline: string }): Promise<JobRecord> {
    // A successful run knows the snapshots it left; only other endings look at the disk again.
    const known = "outcome" in ended ? ended.outcome.snapshots : undefined;
    const fresh = known === undefined ? await this.freshView(job, now) : () => viewOf(job, known, now);
    return this.update(job.name, now, (record) => {
      record.view = fresh(record.view);
      if ("offline" in ended) {
        record.lastAttempt = { at: started.toISOString(), result: "offline", error: `offline: ${ended.offline}` };
        return;
      }
      const { outcome } = ended;
      const result = attemptResult(outcome);
      // Another run held the job: nothing was attempted, and what the last real attempt said still stands.
      if (result === "locked") return;
      if (result === "offline") {
        record.lastAttempt = { at: started.toISOString(), result, error: `offline: ${outcome.message ?? "backup disk not there"}` };
        return;
      }
      record.lastAttempt = {
        at: started.toISOString(),
        result,
        ...(outcome.message === undefined || result === "ok" ? {} : { error: outcome.message }),
        ...(outcome.warnings === undefined || outcome.warnings.length === 0 ? {} : { warnings: outcome.warnings }),
        ...(outcome.snapshot === undefined ? {} : { snapshot: outcome.snapshot }),
        durationMs: Math.round(outcome.durationMs),
        ...(outcome.rsync === undefined ? {} : { exitCode: outcome.rsync.exitCode }),
      };
      if (result === "ok" || result === "partial") {
        // A partial snapshot is a snapshot: the job is not due again until its next cycle.
        record.failures = 0;
        delete record.overdueAlert;
        record.lastSuccess = {
          at: started.toISOString(),
          snapshot: outcome.snapshot ?? "",
          durationMs: Math.round(outcome.durationMs),
          ...outcome.rsync?.stats,
          ...(outcome.newBytes === undefined ? {} : { newBytes: outcome.newBytes }),
          pruned: outcome.pruned.length,
        };
      } else if (result === "failed" || result === "interrupted" || result === "shrunk") {
        record.failures += 1;
      }
    });
  }

  /** The overdue alarm went off while `newest` was the newest snapshot. */
  async alerted(name: string, newest: string | undefined, now: Date): Promise<void> {
    await this.update(name, now, (record) => {
      record.overdueAlert = { at: now.toISOString(), newest: newest ?? null };
    });
  }

  /** Job files this process is stuck in (status/stuck.ts): the next tick does not load them while it runs. */
  async stuck(files: readonly { file: string; why: string }[], now: Date): Promise<void> {
    if (this.readOnly || files.length === 0) return;
    try {
      await recordStuck(this.dir, files, now);
    } catch (error) {
      this.problem(error);
    }
  }

  /** Rewrite status.txt/json/html. */
  async publish(now: Date): Promise<void> {
    if (this.readOnly) return;
    try {
      await publishStatus(this.dir, now);
    } catch (error) {
      this.problem(error);
    }
  }

  /** Change a job's record and write it; the changed record is returned even when it cannot be written. */
  private async update(name: string, now: Date, change: (record: JobRecord) => void): Promise<JobRecord> {
    if (!this.readOnly) {
      try {
        return await updateRecord(this.dir, name, now, change);
      } catch (error) {
        this.problem(error);
      }
    }
    const record = await readRecord(this.dir, name, now);
    change(record);
    return record;
  }

  /**
   * The job's view from its file and its backup directory. When the directory cannot be read (a disk not
   * mounted), the snapshots last seen stay: the status still says what the newest backup is.
   */
  private async freshView(job: Job, now: Date): Promise<(previous: JobView | undefined) => JobView> {
    try {
      const view = viewOf(job, (await readInventory(job.backupDir, job.prefix, job.timeZone)).snapshots, now);
      return () => view;
    } catch {
      const view = viewOf(job, [], now);
      return (previous) => ({ ...view, count: previous?.count ?? 0, snapshots: previous?.snapshots ?? [] });
    }
  }

  /** Say once per invocation that the status directory cannot be written (a line per job would be noise). */
  problem(error: unknown, consequence = "the backups go on; the status files are not updated"): void {
    if (this.warned) return;
    this.warned = true;
    this.log.warn(`cannot write the status in ${this.dir}: ${messageOf(error)}; ${consequence}`);
  }
}

function attemptResult(outcome: JobOutcome): AttemptResult {
  switch (outcome.status) {
    case "ok":
      return "ok";
    case "partial":
      return "partial";
    case "shrunk":
      return "shrunk";
    case "locked":
      return "locked";
    case "interrupted":
      return "interrupted";
    case "offline":
      return "offline";
    default:
      return "failed";
  }
}
