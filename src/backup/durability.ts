// The steps that make a snapshot durable before it is published: its record (what it holds, kept outside
// its tree), then one flush of the backup filesystem.
import { performance } from "node:perf_hooks";
import { basename } from "node:path";
import { flushFilesystem } from "../disk/flush.ts";
import type { Flush, WriteRecord } from "../plan/steps.ts";
import { type SnapshotRecord, writeRecord } from "../store/records.ts";
import { formatBytes } from "../bytes.ts";
import { type Execution, OK, type StepResult, failed } from "./execution.ts";

/** The record of the snapshot this run made, from rsync's counts. A record that cannot be written never fails the backup. */
export async function record(step: WriteRecord, run: Execution): Promise<StepResult> {
  const stats = run.rsync?.stats ?? {};
  const regularFiles = stats.files === undefined ? undefined : (stats.regularFiles ?? 0);
  const linkedFiles = regularFiles === undefined || stats.filesTransferred === undefined ? undefined : Math.max(0, regularFiles - stats.filesTransferred);
  // rsync stopped linking (an rsyncArgs like --ignore-times, an rsync regression, a filesystem): say so loudly.
  const fullCopy = step.linkDests > 0 && regularFiles !== undefined && regularFiles >= 10 && linkedFiles === 0;
  const entry: SnapshotRecord = {
    snapshot: run.snapshot,
    startedAt: run.now.toISOString(),
    finishedAt: new Date(run.now.getTime() + (performance.now() - run.started)).toISOString(),
    exitCode: run.rsync?.exitCode ?? 0,
    ...(stats.files === undefined ? {} : { files: stats.files }),
    ...(regularFiles === undefined ? {} : { regularFiles }),
    ...(linkedFiles === undefined ? {} : { linkedFiles }),
    ...(stats.totalBytes === undefined ? {} : { totalBytes: stats.totalBytes }),
    ...(stats.transferredBytes === undefined ? {} : { newBytes: stats.transferredBytes }),
    ...(run.partial === undefined ? {} : { partial: run.partial }),
    ...(step.clockSuspect ? { clockSuspect: true } : {}),
    ...(fullCopy ? { fullCopy: true } : {}),
    keeps: step.keeps,
  };
  if (fullCopy) {
    run.log.warn(`NOTHING WAS LINKED: ${run.snapshot} is a full copy (${regularFiles} files, ${formatBytes(stats.transferredBytes ?? 0)} stored anew) although ${step.linkDests} earlier snapshot(s) were link targets — an rsyncArgs like --ignore-times, an rsync that stopped linking, or a changed filesystem; every run like this stores everything again`);
  }
  try {
    await writeRecord(run.job.backupDir, run.job.prefix, entry, new Set(step.existing));
  } catch (error) {
    run.log.warn(`the snapshot's record could not be written in ${step.path} (the snapshot itself is fine): ${(error as Error).message}`);
  }
  run.record = entry;
  return OK;
}

export async function flush(step: Flush, run: Execution): Promise<StepResult> {
  const started = performance.now();
  try {
    const how = await flushFilesystem(step.path);
    if (how === "missing") run.log.warn(`there is no \`sync\` program on PATH: ${run.snapshot} is published without a flush of the backup filesystem (install coreutils, or BusyBox's sync)`);
    run.log.debug({ how, seconds: Number(((performance.now() - started) / 1000).toFixed(3)) }, `flushed the backup filesystem of ${basename(step.path) || step.path}`);
    return OK;
  } catch (error) {
    return failed(`job ${run.job.name}: ${(error as Error).message}; nothing published`);
  }
}
