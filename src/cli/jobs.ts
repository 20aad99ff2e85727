// Which job files a command works on: the ones named, or every job in the directory with --all.
import { ConfigError, UsageError } from "../errors.ts";
import { type JobFile, discoverJobs, resolveJobs } from "../config/load.ts";

export async function selectJobs(command: string, names: string[], all: boolean, dir: string): Promise<JobFile[]> {
  if (all && names.length > 0) throw new UsageError(`linkback ${command}: give job names or --all, not both`);
  if (!all && names.length === 0) throw new UsageError(`linkback ${command}: name at least one job, or use --all (see linkback ${command} --help)`);
  const files = all ? await discoverJobs(dir) : await resolveJobs(names, dir);
  if (files.length === 0) throw new ConfigError(`no jobs in ${dir} (job files are *.ts; names starting with _ are templates)`);
  return files;
}
