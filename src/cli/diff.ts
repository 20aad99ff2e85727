// `linkback diff <job> [A] [B]`: what changed between two snapshots ("when did this file change?").
import { join } from "node:path";
import { ExitCode, UsageError } from "../errors.ts";
import { loadJob } from "../config/load.ts";
import { checkBackupDir } from "../backup/preflight.ts";
import { jobsDir } from "../paths.ts";
import { compareTrees } from "../store/compare.ts";
import { pickSnapshot } from "../store/select.ts";
import { readInventory } from "../store/read.ts";
import { parseCommand, type Command } from "./options.ts";
import { selectJobs } from "./jobs.ts";

export const DIFF_HELP = `Usage: linkback diff <job> [A] [B] [--json] [--jobs DIR]

What changed from snapshot A to snapshot B: one line per path, "+" added, "-" removed, "M" changed (with
what: size, content, time, mode, owner, type, target). A and B are snapshot names or dates (YYYY-MM-DD: that
day's newest); B defaults to the newest snapshot, A to the one before B. Unchanged files are hard links to
one inode and are not read; files stored as different inodes are compared by their attributes, and by
content when their sizes agree. Changes nothing.

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
  const changes = await compareTrees(join(job.backupDir, older.name), join(job.backupDir, newer.name));
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ job: job.name, from: older.name, to: newer.name, changes }, null, 2)}\n`);
    return ExitCode.ok;
  }
  const sign = { added: "+", removed: "-", changed: "M" } as const;
  const lines = [`${older.name} → ${newer.name}: ${changes.length} change(s)`];
  for (const change of changes) lines.push(`${sign[change.kind]} ${change.path}${change.what === undefined ? "" : ` (${change.what.join(", ")})`}`);
  process.stdout.write(`${lines.join("\n")}\n`);
  return ExitCode.ok;
}

export const command: Command = { help: DIFF_HELP, run: diffCommand };
