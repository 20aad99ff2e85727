// `linkback restore`: copy a file or tree out of a snapshot with rsync, here or back onto the source host.
import { lstat, mkdir, readdir } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, resolve } from "node:path";
import { loadExeca } from "../process/execa.ts";
import { ExitCode, LinkbackError, UsageError } from "../errors.ts";
import { loadJob } from "../config/load.ts";
import { checkBackupDir } from "../backup/preflight.ts";
import { isShellSource, sourceHost } from "../config/source.ts";
import { rshString, sshArgv } from "../config/ssh.ts";
import { jobsDir } from "../paths.ts";
import { quoteArgv, shellQuote } from "../process/shellWords.ts";
import { rsyncMeaning } from "../rsync/exitCodes.ts";
import { pickSnapshot } from "../store/select.ts";
import { readInventory } from "../store/read.ts";
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
  const [file] = await selectJobs("restore", [name], false, jobsDir(values.jobs));
  const job = await loadJob(file!);
  await checkBackupDir(job);
  const snapshot = pickSnapshot(await readInventory(job.backupDir, job.prefix, job.timeZone), job.name, values.snapshot ?? values.date);

  const relative = normalize(inside).replace(/^\/+/, "");
  if (relative === ".." || relative.startsWith("../")) throw new UsageError(`linkback restore: ${JSON.stringify(inside)} leads out of the snapshot`);
  const root = join(job.backupDir, snapshot.name);
  const from = relative === "" || relative === "." ? root : join(root, relative);
  const info = await lstat(from).catch(() => undefined);
  if (info === undefined) throw new UsageError(`linkback restore: ${snapshot.name} has no ${JSON.stringify(`/${relative}`)}`);
  const isDir = info.isDirectory();

  const remote = values["to-source"] === true;
  const host = remote ? sourceHost(job.source) : undefined;
  if (remote && (host === undefined || !isShellSource(job.source))) throw new UsageError(`linkback restore --to-source: job ${job.name}'s source is not an ssh source (user@host:/path)`);
  if (remote && !isAbsolute(target)) throw new UsageError(`linkback restore --to-source: the target must be an absolute path on ${host} (got ${JSON.stringify(target)})`);
  const destination = remote ? target : resolve(target);
  if (!remote && (destination === job.backupDir || destination.startsWith(`${job.backupDir}/`))) {
    throw new UsageError(`linkback restore: ${destination} is inside the backup directory; writing into a snapshot would change every snapshot that shares its files`);
  }
  if (values.force !== true && !(await targetIsFree(destination, remote ? { job, host: host! } : undefined))) {
    throw new UsageError(`linkback restore: ${remote ? `${host}:` : ""}${destination} exists and is not an empty directory; give --force to write into it`);
  }

  const argv = ["rsync", "-aH", "--numeric-ids", "-s"];
  if (values["dry-run"] === true) argv.push("--dry-run", "--itemize-changes");
  if (values.delete === true) argv.push("--delete");
  // Missing parent directories of the target are made: here by linkback, there by rsync (3.2.3 or later).
  if (remote) argv.push("--mkpath", `--rsh=${rshString(sshArgv(job.ssh))}`);
  else if (values["dry-run"] !== true) await mkdir(isDir ? destination : dirname(destination), { recursive: true });
  const to = remote ? `${host}:${destination}` : destination;
  argv.push("--", isDir ? `${from}/` : from, isDir ? `${to}/` : to);
  process.stderr.write(`restoring /${relative === "." ? "" : relative} from ${snapshot.name} to ${to}\n  ${quoteArgv(argv)}\n`);
  const execa = await loadExeca();
  const result = await execa(argv[0]!, argv.slice(1), { reject: false, stdin: "ignore", stdout: "inherit", stderr: "inherit" });
  if (result.exitCode !== 0) {
    throw new LinkbackError(`restore failed: rsync exited ${result.exitCode ?? "?"} (${rsyncMeaning(result.exitCode ?? -1)})`);
  }
  return ExitCode.ok;
}

/** True when nothing is at `path`, or an empty directory. */
async function targetIsFree(path: string, remote: { job: { ssh?: Parameters<typeof sshArgv>[0] }; host: string } | undefined): Promise<boolean> {
  if (remote === undefined) {
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) return true;
    return info.isDirectory() && (await readdir(path)).length === 0;
  }
  const [ssh, ...options] = sshArgv(remote.job.ssh);
  const execa = await loadExeca();
  const quoted = shellQuote(path);
  const check = `test ! -e ${quoted} && test ! -L ${quoted} || { test -d ${quoted} && test -z "$(ls -A ${quoted})"; }`;
  const result = await execa(ssh!, [...options, "-o", "BatchMode=yes", remote.host, check], { reject: false, stdin: "ignore" });
  if (result.exitCode === 255) throw new LinkbackError(`cannot reach ${remote.host} to check the target: ${String(result.stderr).trim().split("\n").at(-1) ?? ""}`);
  return result.exitCode === 0;
}

export const command: Command = { help: RESTORE_HELP, run: restoreCommand };
