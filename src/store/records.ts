// What each snapshot is, as far as the run that made it knew: when, rsync's counts (files, how many were
// linked, the bytes stored anew), whether some files failed (a partial snapshot), whether the clock looked
// wrong, which metadata it keeps. One JSON file per job beside the snapshots —
// `BACKUPDIR/.linkback-PREFIX.meta/snapshots.json` — so a snapshot itself stays a plain copy of the source.
// Written temp + rename before the flush that precedes publishing; an entry whose snapshot is gone is
// ignored (and dropped at the next write).
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface SnapshotRecord {
  snapshot: string;
  startedAt: string;
  finishedAt: string;
  /** rsync's exit status. */
  exitCode: number;
  /** Entries (files, directories, symlinks …) and regular files in the snapshot, from rsync --stats. */
  files?: number;
  regularFiles?: number;
  /** Regular files hard-linked to an earlier snapshot (not stored anew). */
  linkedFiles?: number;
  /** The snapshot's apparent size, and the bytes of the files stored anew. */
  totalBytes?: number;
  newBytes?: number;
  /** rsync could not transfer some files (exit 23): the snapshot holds the rest. */
  partial?: { count: number; files: string[] };
  /** Made while the clock looked wrong: never the "newest" that later runs measure the clock against. */
  clockSuspect?: boolean;
  /** Nothing was linked although earlier snapshots existed: a full copy. */
  fullCopy?: boolean;
  /** The metadata kept besides rsync -a's. */
  keeps?: { acls: boolean; xattrs: boolean; sparse: boolean };
}

interface RecordFile {
  version: 1;
  prefix: string;
  snapshots: Record<string, SnapshotRecord>;
}

/** The job's metadata directory (one per prefix, beside its snapshots). */
export function metaDir(backupDir: string, prefix: string): string {
  return join(backupDir, `.linkback-${prefix}.meta`);
}

function recordsPath(backupDir: string, prefix: string): string {
  return join(metaDir(backupDir, prefix), "snapshots.json");
}

/** Every stored record (an empty map when there is none yet or the file is damaged). */
export async function readRecords(backupDir: string, prefix: string): Promise<Map<string, SnapshotRecord>> {
  try {
    const file = JSON.parse(await readFile(recordsPath(backupDir, prefix), "utf8")) as RecordFile;
    if (file.version !== 1 || typeof file.snapshots !== "object" || file.snapshots === null) return new Map();
    return new Map(Object.entries(file.snapshots));
  } catch {
    return new Map();
  }
}

/** Store `record` with the records of the snapshots in `keep` (the others are gone). */
export async function writeRecord(backupDir: string, prefix: string, record: SnapshotRecord, keep: ReadonlySet<string>): Promise<void> {
  const records = await readRecords(backupDir, prefix);
  records.set(record.snapshot, record);
  await storeRecords(backupDir, prefix, new Map([...records].filter(([name]) => name === record.snapshot || keep.has(name))));
}

/**
 * The record of `snapshot` as it was before this run wrote its own (none: removed): a same-day snapshot that
 * was not replaced after all keeps what describes it.
 */
export async function putBackRecord(backupDir: string, prefix: string, snapshot: string, before: SnapshotRecord | undefined): Promise<void> {
  const records = await readRecords(backupDir, prefix);
  if (before === undefined) records.delete(snapshot);
  else records.set(snapshot, before);
  await storeRecords(backupDir, prefix, records);
}

/** Temp file + rename: a reader or a crash sees the old file or the new one. */
async function storeRecords(backupDir: string, prefix: string, records: Map<string, SnapshotRecord>): Promise<void> {
  const snapshots = Object.fromEntries([...records].sort(([a], [b]) => (a < b ? -1 : 1)));
  const file: RecordFile = { version: 1, prefix, snapshots };
  const path = recordsPath(backupDir, prefix);
  await mkdir(metaDir(backupDir, prefix), { recursive: true, mode: 0o755 });
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, `${JSON.stringify(file, null, 1)}\n`, { mode: 0o644 });
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}
