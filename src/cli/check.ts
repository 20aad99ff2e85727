// `linkback check`: load and validate every job, check it against the machine, print the rsync argv it
// would run (rsnapshot's configtest and -t in one). Changes nothing.
import { loadExeca } from "../process/execa.ts";
import { ConfigError, ExitCode, LinkbackError, messageOf } from "../errors.ts";
import { now } from "../clock.ts";
import { loadJob } from "../config/load.ts";
import { checkSshFiles } from "../backup/preflight.ts";
import { jobsDir } from "../paths.ts";
import { quoteArgv } from "../process/shellWords.ts";
import { planNow } from "../backup/facts.ts";
import { ownDirs, parseCommand, type Command } from "./options.ts";
import { selectJobs } from "./jobs.ts";

export const CHECK_HELP = `Usage: linkback check [<job>...] [--jobs DIR]

Load and validate every job (or the named ones), check that each backupDir exists and the ssh files it
names are there, and print the exact rsync command each job would run now. Changes nothing.

Options:
  --jobs DIR   jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  -h, --help   this help

Exit status: 0 every job is valid; 3 a job file is invalid; 1 a job is valid but cannot run here
(backupDir missing, rsync not installed).`;

export async function checkCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("check", args, {});
  if (values.help === true) {
    process.stdout.write(`${CHECK_HELP}\n`);
    return ExitCode.ok;
  }
  const files = await selectJobs("check", positionals, positionals.length === 0, jobsDir(values.jobs));
  const codes: number[] = [];
  const execa = await loadExeca();
  const rsync = await execa("rsync", ["--version"], { reject: false });
  if (rsync.exitCode !== 0) {
    process.stderr.write(`rsync is not installed (or not on PATH=${process.env.PATH ?? ""}): every job needs it\n`);
    codes.push(ExitCode.failed);
  }
  const owners = new Map<string, string>();
  for (const file of files) {
    try {
      const job = await loadJob(file);
      const key = `${job.backupDir}\0${job.prefix}`;
      const other = owners.get(key);
      if (other !== undefined) {
        throw new ConfigError(`${job.file}: \`prefix\`: ${JSON.stringify(job.prefix)} in ${job.backupDir} is also job ${other}'s; two jobs with one prefix would replace each other's snapshots`);
      }
      owners.set(key, job.name);
      await checkSshFiles(job);
      const plan = await planNow(job, now(), { probe: true, ownDirs: ownDirs({}) });
      const refusal = plan.steps.find((step) => step.kind === "refuse");
      if (refusal !== undefined) throw new LinkbackError(`job ${job.name}: ${refusal.why}`);
      const rsyncStep = plan.steps.find((step) => step.kind === "rsync");
      const notes = [
        ...(rsyncStep?.excluded ?? []).map((e) => `not backed up: /${e.path} (${e.why})`),
        ...(rsyncStep === undefined ? [] : [rsyncStep.why.slice(rsyncStep.why.indexOf("kept beyond"))]),
      ];
      process.stdout.write(`${job.name}: ok (${job.file})\n  ${quoteArgv(plan.rsyncArgv)}\n${notes.map((note) => `  ${note}\n`).join("")}`);
    } catch (error) {
      if (!(error instanceof LinkbackError)) throw error;
      process.stderr.write(`${file.name}: ${messageOf(error)}\n`);
      codes.push(error.exitCode);
    }
  }
  return codes.includes(ExitCode.config) ? ExitCode.config : codes.length > 0 ? ExitCode.failed : ExitCode.ok;
}

export const command: Command = { help: CHECK_HELP, run: checkCommand };
