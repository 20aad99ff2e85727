// `linkback list <job>`: every snapshot of a job, with its date, its state, and the rule that keeps it (or
// "would be pruned"); with --size, what deleting each would free and its apparent size. Changes nothing.
import { ExitCode, UsageError } from "../errors.ts";
import { now as clock } from "../clock.ts";
import { loadJob } from "../config/load.ts";
import { jobsDir } from "../paths.ts";
import { gatherFacts } from "../backup/facts.ts";
import { checkBackupDir } from "../backup/preflight.ts";
import { planRun } from "../plan/plan.ts";
import { describePolicy, policyOf } from "../retention/policy.ts";
import { formatBytes } from "../bytes.ts";
import { type SnapshotSize, snapshotSizes } from "../store/sizes.ts";
import { resumeName, stagingName } from "../store/names.ts";
import { localTime } from "../status/text.ts";
import { parseCommand, type Command } from "./options.ts";
import { selectJobs } from "./jobs.ts";

export const LIST_HELP = `Usage: linkback list <job> [--size] [--json] [--jobs DIR]

List a job's snapshots, oldest first: name, date, state (complete; partial: some files could not be read;
or an interrupted attempt that the next run resumes from), what its run stored anew (NEW), and the retention rule that keeps each one — or "pruned by the next run": what the
next successful run deletes (a run now makes PREFIX-<today>, which takes its place in retention, so
\`linkback prune\` alone may delete fewer). Changes nothing.

Options:
  --size        also what deleting each snapshot would free (the disk space of the files only it holds,
                counted as du does) and its apparent size; walks every file once
  --json        the same as JSON
  --jobs DIR    jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  -h, --help    this help

Exit status: 0 listed; 1 the backup directory cannot be read; 2 usage error; 3 the job file is invalid.`;

export interface ListedSnapshot {
  name: string;
  day: string | null;
  at: string | null;
  /** `gone`: deleted while `list --size` walked it (a prune beside it). */
  state: "complete" | "partial" | "interrupted" | "gone";
  /** What the run that made it stored anew (null: made before linkback recorded it). */
  newBytes: number | null;
  keep: boolean;
  rule: string | null;
  reason: string;
  uniqueBytes?: number;
  apparentBytes?: number;
}

export async function listCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("list", args, { size: { type: "boolean" }, json: { type: "boolean" } });
  if (values.help === true) {
    process.stdout.write(`${LIST_HELP}\n`);
    return ExitCode.ok;
  }
  if (positionals.length !== 1) throw new UsageError(`linkback list: name one job (see linkback list --help)`);
  const [file] = await selectJobs("list", positionals, false, jobsDir(values.jobs));
  const job = await loadJob(file!);
  const now = clock();
  // What the next successful run leaves: the plan of a run now, whose snapshot takes its place in retention.
  await checkBackupDir(job);
  const facts = await gatherFacts(job);
  const plan = planRun(job, facts, now);
  const inventory = facts.inventory;
  const existing = new Set(inventory.snapshots.map((s) => s.name));
  const decisions = plan.retention.filter((d) => existing.has(d.snapshot.name));
  const rows: ListedSnapshot[] = decisions.map((decision) => ({
    name: decision.snapshot.name,
    day: decision.snapshot.day,
    at: decision.snapshot.at ?? null,
    state: facts.records.get(decision.snapshot.name)?.partial === undefined ? "complete" : "partial",
    newBytes: facts.records.get(decision.snapshot.name)?.newBytes ?? null,
    keep: decision.action === "keep",
    rule: decision.rule ?? null,
    reason: decision.reason,
  }));
  const attempts: [string, string][] = [
    [resumeName(job.prefix), "an earlier interrupted attempt: the first link target of the next run"],
    [stagingName(job.prefix), "an interrupted attempt: the next run resumes from it"],
  ];
  for (const [name, reason] of attempts) {
    if (name === stagingName(job.prefix) ? inventory.staging : inventory.previous) {
      rows.push({ name, day: null, at: null, state: "interrupted", newBytes: null, keep: true, rule: null, reason });
    }
  }
  if (values.size === true) {
    const sizes = await snapshotSizes(job.backupDir, rows.map((row) => row.name));
    for (const row of rows) Object.assign(row, pick(sizes.get(row.name)));
  }
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ job: job.name, backupDir: job.backupDir, policy: describePolicy(policyOf(job)), nextSnapshot: plan.snapshot.name, snapshots: rows }, null, 2)}\n`);
    return ExitCode.ok;
  }
  process.stdout.write(renderList(job.name, describePolicy(policyOf(job)), plan.snapshot.name, rows, values.size === true));
  return ExitCode.ok;
}

function pick(size: SnapshotSize | undefined): Partial<Pick<ListedSnapshot, "uniqueBytes" | "apparentBytes" | "state" | "reason">> {
  if (size?.gone === true) return { state: "gone", reason: "deleted while it was measured (a prune ran meanwhile)" };
  return size === undefined ? {} : { uniqueBytes: size.uniqueBytes, apparentBytes: size.apparentBytes };
}

function renderList(job: string, policy: string, next: string, rows: ListedSnapshot[], sizes: boolean): string {
  const header = ["SNAPSHOT", "DATE", "STATE", "NEW", ...(sizes ? ["FREES", "SIZE"] : []), "RETENTION"];
  const cells = rows.map((row) => [
    row.name,
    row.at !== null ? localTime(row.at) : (row.day ?? "-"),
    row.state,
    row.newBytes === null ? "-" : formatBytes(row.newBytes),
    ...(sizes ? (row.state === "gone" ? ["-", "-"] : [formatBytes(row.uniqueBytes ?? 0), formatBytes(row.apparentBytes ?? 0)]) : []),
    row.state === "interrupted" || row.state === "gone" ? row.reason : row.keep ? `kept: ${row.reason}` : `pruned by the next run: ${row.reason}`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column]!.length)));
  const lines = [
    `${job}: ${rows.filter((row) => row.state === "complete").length} snapshot(s); retention: ${policy}`,
    `(kept or pruned as the next successful run leaves them: a run now makes ${next}, which counts)`,
  ];
  for (const row of [header, ...cells]) lines.push(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  "));
  if (sizes) {
    const pruned = rows.filter((row) => !row.keep).reduce((sum, row) => sum + (row.uniqueBytes ?? 0), 0);
    lines.push(`pruning would free at least ${formatBytes(pruned)} (more where files are shared only among the pruned)`);
  }
  return `${lines.join("\n")}\n`;
}

export const command: Command = { help: LIST_HELP, run: listCommand };
