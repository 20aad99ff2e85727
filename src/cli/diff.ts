// `linkback diff <job> [A] [B]`: what changed between two snapshots ("when did this file change?").
import { join } from "node:path";
import { ExitCode, LinkbackError, UsageError } from "../errors.ts";
import { now } from "../clock.ts";
import { loadJob } from "../config/load.ts";
import { checkBackupDir } from "../backup/preflight.ts";
import { jobsDir } from "../paths.ts";
import { type Change, type CompareResult, compareTrees } from "../store/compare.ts";
import { readRecords } from "../store/records.ts";
import { SnapshotGone, startReading } from "../store/readers.ts";
import { pickSnapshot } from "../store/select.ts";
import { readInventory } from "../store/read.ts";
import { parseCommand, type Command } from "./options.ts";
import { selectJobs } from "./jobs.ts";

export const DIFF_HELP = `Usage: linkback diff <job> [A] [B] [--json] [--jobs DIR]

What changed from snapshot A to snapshot B: one line per path, "+" added, "-" removed, "M" changed (with
what: type, device, size, target, mode, owner, time, xattrs, content), as it is found, then the count. A and
B are snapshot names or dates (YYYY-MM-DD: that day's newest); B defaults to the newest snapshot, A to the
one before B. Unchanged files are hard links to one inode and are not read; other entries are compared by
everything the snapshots keep: type (fifos, sockets and devices apart, with device numbers), mode, owner,
times to the nanosecond (symlinks' too; not directories', which follow their entries), symlink targets,
xattrs and ACLs when the snapshots keep them (with getfattr), and contents when the sizes agree. Names that
are not UTF-8 are shown the way rsync shows them (caf\#351). Both snapshots are marked as being read: a
prune meanwhile keeps them. Changes nothing else.

Options:
  --json        the changes as JSON
  --jobs DIR    jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  -h, --help    this help

Exit status: 0 compared (whether or not anything changed); 1 the backup directory cannot be read; 2 usage
error (no such snapshot); 3 the job file is invalid.`;

export async function diffCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("diff", args, { json: { type: "boolean" } });
  if (values.help === true) {
    process.stdout.write(`${DIFF_HELP}\n`);
    return ExitCode.ok;
  }
  const [name, first, second, ...extra] = positionals;
  if (name === undefined || extra.length > 0) throw new UsageError("linkback diff: give a job and at most two snapshots (see linkback diff --help)");
  const [file] = await selectJobs("diff", [name], false, jobsDir(values.jobs));
  const job = await loadJob(file!);
  await checkBackupDir(job);
  const inventory = await readInventory(job.backupDir, job.prefix, job.timeZone);
  const newer = pickSnapshot(inventory, job.name, second);
  const older = first === undefined ? inventory.snapshots[inventory.snapshots.indexOf(newer) - 1] : pickSnapshot(inventory, job.name, first);
  if (older === undefined) throw new UsageError(`job ${job.name} has only one snapshot (${newer.name}): nothing to compare it with`);
  const records = await readRecords(job.backupDir, job.prefix);
  const keeps = [records.get(older.name)?.keeps, records.get(newer.name)?.keeps];
  const xattrs = keeps.some((kept) => kept?.xattrs === true || kept?.acls === true);
  const readers = [];
  try {
    for (const snapshot of [older, newer]) readers.push(await startReading(job.backupDir, job.prefix, snapshot.name, "linkback diff", now()));
  } catch (error) {
    for (const reader of readers) await reader.release();
    if (error instanceof SnapshotGone) throw new LinkbackError(`diff: ${error.message}`);
    throw error;
  }
  for (const { unmarked } of readers) if (unmarked !== undefined) process.stderr.write(`linkback diff: warning: ${unmarked}\n`);
  try {
    await printChanges(job.name, older.name, newer.name, values.json === true, (emit) => compareTrees(join(job.backupDir, older.name), join(job.backupDir, newer.name), emit, { xattrs }));
  } finally {
    for (const reader of readers) await reader.release();
  }
  return ExitCode.ok;
}

/** Stream the changes: text lines, or one JSON document written as the changes come. */
async function printChanges(job: string, from: string, to: string, json: boolean, walk: (emit: (change: Change) => void) => Promise<CompareResult>): Promise<void> {
  const out = new LineWriter();
  const sign = { added: "+", removed: "-", changed: "M" } as const;
  let first = true;
  if (json) out.write(`{\n  "job": ${JSON.stringify(job)},\n  "from": ${JSON.stringify(from)},\n  "to": ${JSON.stringify(to)},\n  "changes": [`);
  else out.write(`${from} → ${to}\n`);
  const result = await walk((change) => {
    if (json) out.write(`${first ? "" : ","}\n    ${JSON.stringify(change)}`);
    else out.write(`${sign[change.kind]} ${change.path}${change.what === undefined ? "" : ` (${change.what.join(", ")})`}\n`);
    first = false;
  });
  if (json) out.write(`${first ? "" : "\n  "}],\n  "count": ${result.count},\n  "notes": ${JSON.stringify(result.notes)}\n}\n`);
  else out.write(`${result.count} change(s)${result.notes.map((note) => `; ${note}`).join("")}\n`);
  await out.end();
}

/** stdout in chunks of about 64 KiB: one write per change would cost more than the walk. */
class LineWriter {
  private parts: string[] = [];
  private size = 0;
  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 65536) this.drain();
  }
  drain(): void {
    if (this.parts.length > 0) process.stdout.write(this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
  async end(): Promise<void> {
    this.drain();
    await new Promise((resolve) => process.stdout.write("", resolve));
  }
}

export const command: Command = { help: DIFF_HELP, run: diffCommand };
