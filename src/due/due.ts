// `due`'s work: from the surveyed jobs, run those that are due (most overdue first, `parallel` at a time),
// skip remote ones whose host does not answer (offline: no fail hook), and give the overdue alarm (the fail
// hook) once per gap in a job's backups.
import { now as clock } from "../clock.ts";
import { runHook } from "../hooks/run.ts";
import { checkReachable } from "./reachable.ts";
import type { Job } from "../config/types.ts";
import type { Session } from "../backup/session.ts";
import { type Schedule, dueOrder } from "../schedule/schedule.ts";
import { isTimed } from "../time/cycle.ts";
import { snapshotNameAt } from "../store/names.ts";
import { readRecord } from "../status/record.ts";
import type { StatusRecorder } from "../status/recorder.ts";
import { type SurveyedJob, scheduleNow } from "../status/survey.ts";
import { attemptJob } from "./attempt.ts";
import { releaseJob } from "../config/load.ts";
import type { JobOutcome } from "../backup/outcome.ts";

type Scheduled = { entry: SurveyedJob; schedule: Schedule };

/**
 * Every surveyed job with its schedule, in the order `due` runs them: most overdue first, except that a
 * snapshotOf() job due in the same tick as the job it copies runs right after that job (a weekly copies
 * today's daily, not yesterday's).
 */
export async function dueJobs(surveyed: readonly SurveyedJob[], now: Date): Promise<Scheduled[]> {
  const all: Scheduled[] = [];
  for (const entry of surveyed) all.push({ entry, schedule: await scheduleNow(entry, now) });
  all.sort((a, b) => dueOrder(a.schedule, b.schedule));
  const ordered: Scheduled[] = [];
  const waiting = new Map<string, Scheduled[]>();
  const place = (item: Scheduled) => {
    ordered.push(item);
    for (const follower of waiting.get(item.entry.name) ?? []) place(follower);
    waiting.delete(item.entry.name);
  };
  for (const item of all) {
    const source = item.entry.job?.copyOf?.name;
    const sourceDueLater = item.schedule.due && all.some((other) => other.entry.name === source && other.schedule.due && !ordered.includes(other));
    if (source !== undefined && sourceDueLater) waiting.set(source, [...(waiting.get(source) ?? []), item]);
    else place(item);
  }
  for (const followers of waiting.values()) ordered.push(...followers); // copies of each other: no order helps
  return ordered;
}

/** Run what is due. Returns the outcomes of the jobs that ran (offline jobs did not run). */
export async function runDue(surveyed: readonly SurveyedJob[], session: Session, recorder: StatusRecorder, parallel: number): Promise<JobOutcome[]> {
  const { signal } = session;
  const scheduled = await dueJobs(surveyed, clock());
  // Jobs not run now cannot end their gap this time: the alarm, if any, goes off at once.
  // A job file's thread (kept for its function hooks) is let go as soon as the job is done with this tick.
  for (const { entry, schedule } of scheduled) {
    if (schedule.due && entry.job !== undefined) continue;
    await alarmIfOverdue(entry, schedule, session, recorder);
    releaseJob(entry.file);
  }
  const queue = scheduled.filter(({ entry, schedule }) => schedule.due && entry.job !== undefined).map(({ entry }) => entry);
  // An idle tick (every ten minutes) says nothing to linkback.log unless -v.
  if (queue.length === 0) session.logger.trace("nothing is due");
  else session.logger.debug(`due, in this order: ${queue.map((entry) => entry.name).join(", ")}`);
  const outcomes: JobOutcome[] = [];
  const worker = async () => {
    for (let entry = queue.shift(); entry !== undefined && !signal.aborted; entry = queue.shift()) {
      const outcome = await runOne(entry.job!, session, recorder);
      if (outcome !== undefined) outcomes.push(outcome);
      if (signal.aborted) break;
      const updated = { ...entry, record: await readRecord(recorder.dir, entry.name, clock()) };
      await alarmIfOverdue(updated, await scheduleNow(updated, clock()), session, recorder);
      releaseJob(entry.file);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, queue.length)) }, worker));
  return outcomes;
}

async function runOne(job: Job, session: Session, recorder: StatusRecorder): Promise<JobOutcome | undefined> {
  const started = clock();
  const reach = await checkReachable(job, session.signal);
  if (session.signal.aborted) return undefined;
  if (!reach.online) {
    session.logger.info({ job: job.name }, `offline: ${reach.reason}; trying again next time`);
    await recorder.attempted(job, started, clock(), { offline: reach.reason });
    await recorder.publish(clock());
    return undefined;
  }
  return attemptJob(job, session, recorder, started);
}

/**
 * A job with no complete snapshot for `alertAfter` is overdue: say so as an error and run its fail hook —
 * once for each gap (the record remembers the newest snapshot the alarm was given for).
 */
async function alarmIfOverdue(entry: SurveyedJob, schedule: Schedule, session: Session, recorder: StatusRecorder): Promise<void> {
  const job = entry.job;
  if (job === undefined || !schedule.overdue || !job.enabled || session.signal.aborted) return;
  const newest = schedule.newest?.name ?? null;
  if (entry.record.overdueAlert !== undefined && entry.record.overdueAlert.newest === newest) return;
  const now = clock();
  const last = entry.record.lastAttempt;
  const lastWords = last !== undefined && last.result !== "ok" ? `; last attempt: ${last.error ?? last.result}` : "";
  const message = `job ${job.name} is overdue: ${newest === null ? "no complete snapshot yet" : `no complete snapshot since ${newest}`} (alertAfter ${job.alertCycle.text})${lastWords}`;
  const log = session.logger.child({ job: job.name });
  log.error(message);
  if (job.hooks.fail !== undefined) {
    const snapshot = snapshotNameAt(job.prefix, now, isTimed(job.cycle), job.timeZone);
    const result = await runHook(job.hooks.fail, job, { job: job.name, snapshot, status: "failed", error: message, durationMs: 0 }, session.signal);
    if (!result.ok) log.warn({ phase: "fail" }, `fail hook failed: ${result.error}`);
    else if (result.skipped !== undefined) log.info({ phase: "fail" }, result.skipped);
  }
  await recorder.alerted(job.name, newest ?? undefined, now);
  await recorder.publish(now);
}
