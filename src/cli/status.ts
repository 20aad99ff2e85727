// `linkback status`: every job's state now, as text (status.txt's format) or JSON (status.json's). Reads job
// files, backup directories and the records in the status directory; writes nothing. Its exit status is
// for monitoring: 1 when a job is failed or overdue.
import { ExitCode } from "../errors.ts";
import { now as clock } from "../clock.ts";
import { discoverJobs } from "../config/load.ts";
import { createRunLog } from "../log/logger.ts";
import { jobsDir, statusDir } from "../paths.ts";
import { gatherReport } from "../status/publish.ts";
import { StatusRecorder } from "../status/recorder.ts";
import { surveyJobs } from "../status/survey.ts";
import { renderText } from "../status/text.ts";
import { parseCommand, type Command } from "./options.ts";

export const STATUS_HELP = `Usage: linkback status [<job>...] [--json] [--jobs DIR] [--status-dir DIR]

Print every job's state: ok, running, failed, offline, overdue or disabled, with its newest complete
snapshot and its age, its cycle, when it is next due and the last error; and the space on each backup disk.
The same as status.txt (or, with --json, status.json) in the status directory, but computed now. Changes
nothing.

Options:
  --json             the status as JSON (the schema of status.json: see README "Status files")
  --jobs DIR         jobs directory (default: $LINKBACK_JOBS, else the jobs/ folder of this clone)
  --status-dir DIR   status directory (default: $LINKBACK_STATUS_DIR, else the status/ folder of this clone)
  -h, --help         this help

Exit status: 0 every job is ok, running, offline or disabled; 1 a job is failed or overdue (for
monitoring: \`linkback status >/dev/null || …\`); 2 usage error; 3 the jobs directory cannot be read.`;

export async function statusCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand("status", args, { json: { type: "boolean" }, "status-dir": { type: "string" } });
  if (values.help === true) {
    process.stdout.write(`${STATUS_HELP}\n`);
    return ExitCode.ok;
  }
  const files = await discoverJobs(jobsDir(values.jobs));
  const wanted = positionals.length === 0 ? files : files.filter((file) => positionals.includes(file.name));
  const run = createRunLog({ logDir: undefined, consoleLevel: "warn", syslog: false });
  try {
    const now = clock();
    const recorder = new StatusRecorder(statusDir(values["status-dir"]), run.logger, { readOnly: true });
    const surveyed = await surveyJobs(wanted, recorder, now);
    const report = await gatherReport(surveyed.map((entry) => entry.record), now);
    process.stdout.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
    return report.problems ? ExitCode.failed : ExitCode.ok;
  } finally {
    await run.close();
  }
}

export const command: Command = { help: STATUS_HELP, run: statusCommand };
