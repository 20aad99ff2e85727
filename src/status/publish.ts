// Write status.txt, status.json and status.html into the status directory from every job's record, each
// atomically (temp file + rename): a reader in a loop never sees half a file.
import { mkdir } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { isHeldBy } from "../lock/lock.ts";
import { filesystemUsage } from "./disks.ts";
import { renderHtml } from "./html.ts";
import { type JobRecord, readAllRecords, statusMutex } from "./record.ts";
import { type StatusReport, buildReport } from "./report.ts";
import { renderText } from "./text.ts";
import { writeFileAtomic } from "./atomicFile.ts";
import { withMutex } from "../lock/mutex.ts";

/** The report for these records now: which jobs are running (their lock is held) and the disks' space. */
export async function gatherReport(records: readonly JobRecord[], now: Date): Promise<StatusReport> {
  const running = new Set<string>();
  for (const record of records) {
    const { backupDir, prefix } = record.view ?? {};
    if (backupDir === undefined || prefix === undefined) continue;
    if (await isHeldBy(backupDir, prefix, record.job)) running.add(record.job);
  }
  const dirs = records.flatMap((record) => (record.view?.backupDir === undefined ? [] : [record.view.backupDir]));
  return buildReport({ records, running, filesystems: await filesystemUsage(dirs), now, host: hostname() });
}

/** Rewrite the three status files from the records in `statusDir`. */
export async function publishStatus(statusDir: string, now: Date): Promise<StatusReport> {
  await mkdir(statusDir, { recursive: true, mode: 0o755 });
  return withMutex(statusMutex(statusDir), async () => {
    const report = await gatherReport(await readAllRecords(statusDir), now);
    await writeFileAtomic(join(statusDir, "status.json"), `${JSON.stringify(report, null, 2)}\n`);
    await writeFileAtomic(join(statusDir, "status.txt"), renderText(report));
    await writeFileAtomic(join(statusDir, "status.html"), renderHtml(report));
    return report;
  });
}
