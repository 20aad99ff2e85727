// `linkback restore`: copy a file or tree out of a snapshot with rsync, here or back onto the source host.
import { isAbsolute } from "node:path";
import { loadExeca } from "../process/execa.ts";
import { argumentBytes, bytesOfArgument, commandWithBytes } from "../process/byteArgs.ts";
import { ExitCode, LinkbackError, UsageError } from "../errors.ts";
import { now } from "../clock.ts";
import { discoverJobs, loadJob } from "../config/load.ts";
import type { Job } from "../config/types.ts";
import { checkBackupDir } from "../backup/preflight.ts";
import { isShellSource, sourceHost } from "../config/source.ts";
import { rshString, sshArgv } from "../config/ssh.ts";
import { jobsDir } from "../paths.ts";
import { quoteArgv, shellQuote } from "../process/shellWords.ts";
import { rsyncMeaning } from "../rsync/exitCodes.ts";
import { pickSnapshot } from "../store/select.ts";
import { readInventory } from "../store/read.ts";
import { escapeName, unescapeName } from "../store/pathBytes.ts";
import { SnapshotGone, startReading } from "../store/readers.ts";
import { type BackupPlace } from "../restore/target.ts";
import { makeTargetParents, planRestore } from "../restore/restore.ts";
import { signalWords } from "../rsync/exitCodes.ts";
import { parseCommand, type Command } from "./options.ts";
import { selectJobs } from "./jobs.ts";

export const RESTORE_HELP = `Usage: linkback restore <job> [--snapshot NAME | --date YYYY-MM-DD] <path-in-snapshot> <target> [options]

Copy a file or a directory out of a snapshot with rsync -aH --numeric-ids (hard links, symlinks, modes,
times, and owners by number, as they were stored). The newest snapshot unless --snapshot or --date says.
A directory's contents go into <target> (created if needed); a file becomes <target>. Never deletes
anything at the target unless --delete is given; refuses a target that exists and is not an empty
directory unless --force is given.

Options:
  --snapshot NAME   restore from this snapshot (\`linkback list <job>\` lists them)
  --date DAY        restore from that day's newest snapshot
  --to-source       <target> is a path on the job's source host, reached over the job's ssh settings
  --force           write into a target that exists (files there that the snapshot also has are replaced)
  --delete          also delete files at the target that are not in the snapshot (rsync --delete)
  --dry-run         show what rsync would do; change nothing
  --jobs DIR        jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  -h, --help        this help

Exit status: 0 restored; 1 rsync failed (its meaning is printed); 2 usage error (no such snapshot or
path, a non-empty target without --force); 3 the job file is invalid.`;

export async function restoreCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("restore", args, {
    snapshot: { type: "string" },
    date: { type: "string" },
    "to-source": { type: "boolean" },
    force: { type: "boolean" },
    delete: { type: "boolean" },
    "dry-run": { type: "boolean" },
  });
  if (values.help === true) {
    process.stdout.write(`${RESTORE_HELP}\n`);
    return ExitCode.ok;
  }
  const [name, inside, target, ...extra] = positionals;
  if (name === undefined || inside === undefined || target === undefined || extra.length > 0) {
    throw new UsageError("linkback restore: give a job, a path in the snapshot and a target (see linkback restore --help)");
  }
  if (values.snapshot !== undefined && values.date !== undefined) throw new UsageError("linkback restore: give --snapshot or --date, not both");
  const dir = jobsDir(values.jobs);
  const [file] = await selectJobs("restore", [name], false, dir);
  const job = await loadJob(file!);
  await checkBackupDir(job);
  const snapshot = pickSnapshot(await readInventory(job.backupDir, job.prefix, job.timeZone), job.name, values.snapshot ?? values.date);

  const remote = values["to-source"] === true ? remoteTarget(job, target) : undefined;
  const raw = argumentBytes();
  // A name that is not UTF-8 comes as its bytes (from the command line as given), or written as rsync writes it: \#351.
  const bytes = (value: string) => {
    const given = bytesOfArgument(value, raw);
    return given.equals(Buffer.from(value)) ? unescapeName(value) : given;
  };
  const places = await backupPlaces(job, dir);
  const plan = await planRestore({
    job, snapshot, inside: bytes(inside), target: bytes(target), remote, places,
    force: values.force === true, dryRun: values["dry-run"] === true, deleteExtra: values.delete === true,
  });
  if (remote !== undefined && values.force !== true && !(await remoteTargetIsFree(target, job, remote.host))) {
    throw new UsageError(`linkback restore: ${remote.host}:${target} exists and is not an empty directory; give --force to write into it`);
  }
  if (remote === undefined && values["dry-run"] !== true) await makeTargetParents(plan);
  for (const what of plan.left) process.stderr.write(`linkback restore: not restored: ${what}\n`);
  const shownArgv = plan.argv.map((arg) => (typeof arg === "string" ? arg : escapeName(arg)));
  process.stderr.write(`restoring ${plan.shown} from ${snapshot.name} to ${escapeName(plan.to)}\n  ${quoteArgv(shownArgv)}\n`);
  // Marked as being read: a prune meanwhile keeps this snapshot (and says so) instead of deleting it under rsync.
  let reading;
  try {
    reading = await startReading(job.backupDir, job.prefix, snapshot.name, "linkback restore", now());
  } catch (error) {
    if (error instanceof SnapshotGone) throw new LinkbackError(`restore failed: ${error.message}; \`linkback list ${job.name}\` shows what is there now`);
    throw error;
  }
  if (reading.unmarked !== undefined) process.stderr.write(`linkback restore: warning: ${reading.unmarked}\n`);
  try {
    const { file: program, args: argv } = commandWithBytes(plan.argv);
    const execa = await loadExeca();
    const result = await execa(program, argv, { reject: false, stdin: "ignore", stdout: "inherit", stderr: "inherit" });
    if (result.signal !== undefined) throw new LinkbackError(`restore failed: rsync was ${signalWords(result.signal)}`);
    if (result.exitCode !== 0) throw new LinkbackError(`restore failed: rsync exited ${result.exitCode ?? "?"} (${rsyncMeaning(result.exitCode ?? -1)})`);
  } finally {
    await reading.release();
  }
  return ExitCode.ok;
}

function remoteTarget(job: Job, target: string): { host: string; rsh: string } {
  const host = sourceHost(job.source);
  if (host === undefined || !isShellSource(job.source)) throw new UsageError(`linkback restore --to-source: job ${job.name}'s source is not an ssh source (user@host:/path)`);
  if (!isAbsolute(target)) throw new UsageError(`linkback restore --to-source: the target must be an absolute path on ${host} (got ${JSON.stringify(target)})`);
  return { host, rsh: rshString(sshArgv(job.ssh)) };
}

/** Every job's backup directory (the jobs that load), this job's first: a restore may write into none. */
async function backupPlaces(job: Job, dir: string): Promise<BackupPlace[]> {
  const places: BackupPlace[] = [{ job: job.name, backupDir: job.backupDir }];
  for (const other of await discoverJobs(dir).catch(() => [])) {
    if (other.name === job.name) continue;
    const loaded = await loadJob(other).catch(() => undefined);
    if (loaded !== undefined) places.push({ job: loaded.name, backupDir: loaded.backupDir });
  }
  return places;
}

/** Over ssh: true when nothing is at `path` on the host, or an empty directory. */
async function remoteTargetIsFree(path: string, job: Job, host: string): Promise<boolean> {
  const [ssh, ...options] = sshArgv(job.ssh);
  const execa = await loadExeca();
  const quoted = shellQuote(path);
  const check = `test ! -e ${quoted} && test ! -L ${quoted} || { test -d ${quoted} && test -z "$(ls -A ${quoted})"; }`;
  const result = await execa(ssh!, [...options, "-o", "BatchMode=yes", host, check], { reject: false, stdin: "ignore" });
  if (result.exitCode === 255) throw new LinkbackError(`cannot reach ${host} to check the target: ${String(result.stderr).trim().split("\n").at(-1) ?? ""}`);
  return result.exitCode === 0;
}

export const command: Command = { help: RESTORE_HELP, run: restoreCommand };
