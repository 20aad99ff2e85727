// The checks of the fields that are more than a type: the source, ssh, rsyncArgs, every/alertAfter, keep.
import { isAbsolute } from "node:path";
import type { KeepRules, SnapshotOf, SshOptions } from "./types.ts";
import { type Problem, describe, isPlainObject, unknownFields } from "./checks.ts";
import { type SourceSpec, isRemoteSource } from "./source.ts";
import { type Cycle, DAILY, cycleMs, isTimed, parseCycle, threeTimes } from "../time/cycle.ts";

const KEEP_FIELDS = ["hourly", "daily", "weekly", "monthly", "yearly"] as const;
const SSH_FIELDS = ["identityFile", "knownHostsFile", "port", "options", "command"] as const;
/** What a job name (a job file's name) may be: what snapshotOf() may name. */
export const JOB_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** rsync options a job may not pass: linkback manages them, or they would change files of older snapshots. */
const FORBIDDEN_RSYNC_ARGS: Record<string, string> = {
  "--link-dest": "linkback chooses the link targets",
  "--compare-dest": "linkback chooses the link targets",
  "--copy-dest": "linkback chooses the link targets",
  "--inplace": "it would rewrite files that older snapshots share through hard links",
  "--append": "it would rewrite files that older snapshots share through hard links",
  "--append-verify": "it would rewrite files that older snapshots share through hard links",
  "--remove-source-files": "a backup must not delete the source",
  "--dry-run": "use `linkback run --dry-run`",
  "-n": "use `linkback run --dry-run`",
  "--only-write-batch": "a snapshot must be written",
  "--list-only": "every snapshot would be empty",
  "--existing": "files new on the source would never reach a snapshot (rsync writes into an empty directory)",
  "--ignore-non-existing": "files new on the source would never reach a snapshot (rsync writes into an empty directory)",
};

/** Each of `rsyncArgs` that linkback manages or that would change older snapshots is a problem. */
export function checkRsyncArgs(rsyncArgs: readonly unknown[] | undefined, problem: Problem): void {
  for (const arg of rsyncArgs ?? []) {
    if (typeof arg !== "string") continue; // reported as a type error
    const option = arg.split("=")[0] ?? arg;
    const why = FORBIDDEN_RSYNC_ARGS[option] ?? (clusterHasDryRun(arg) ? FORBIDDEN_RSYNC_ARGS["-n"] : undefined);
    if (why !== undefined) problem("rsyncArgs", `${JSON.stringify(arg)} is not allowed: ${why}`);
  }
}

/** `-avn`: short options bundled in one word, `n` (dry run) among them before any option that takes a value. */
function clusterHasDryRun(arg: string): boolean {
  const cluster = /^-([A-Za-z0-9]+)$/.exec(arg)?.[1] ?? "";
  for (const letter of cluster) {
    if (letter === "n") return true;
    if ("BefMT".includes(letter)) return false; // the rest of the word is this option's value
  }
  return false;
}

/** `source`: an absolute path, a remote address, or snapshotOf("job") naming another job. */
export function checkSource(source: unknown, self: string, problem: Problem): SourceSpec | undefined {
  if (source === undefined) {
    problem("source", "is required");
    return undefined;
  }
  if (isPlainObject(source) && source.kind === "snapshotOf") {
    const job: unknown = source.job;
    if (typeof job !== "string" || !JOB_NAME.test(job)) {
      problem("source", `snapshotOf() needs the name of another job file in this directory, without .ts (got ${describe(job)})`);
      return undefined;
    }
    if (job === self) {
      problem("source", `snapshotOf(${JSON.stringify(job)}) names this job itself; name the job whose snapshots this one copies`);
      return undefined;
    }
    return source as unknown as SnapshotOf;
  }
  if (typeof source === "string" && source.trim() === "") {
    problem("source", `must be a non-empty string (got ${describe(source)})`);
    return undefined;
  }
  if (typeof source !== "string") {
    problem("source", `must be a path, user@host:/path, rsync://host/module or snapshotOf("job") (got ${describe(source)})`);
    return undefined;
  }
  if (!isRemoteSource(source) && !isAbsolute(source)) {
    problem("source", `must be an absolute local path, user@host:/path or rsync://host/module (got ${JSON.stringify(source)})`);
    return undefined;
  }
  return source;
}

/** `every` (default one day) and `alertAfter` (default three cycles, never shorter than one). */
export function checkCycles(every: unknown, alertAfter: unknown, problem: Problem): { cycle: Cycle | undefined; alertCycle: Cycle | undefined } {
  let cycle: Cycle | undefined = DAILY;
  if (every !== undefined) {
    const parsed = parseCycle(every);
    cycle = typeof parsed === "string" ? undefined : parsed;
    if (typeof parsed === "string") problem("every", `${parsed} (got ${describe(every)})`);
  }
  if (alertAfter === undefined) return { cycle, alertCycle: cycle === undefined ? undefined : threeTimes(cycle) };
  const parsed = parseCycle(alertAfter);
  if (typeof parsed === "string") {
    problem("alertAfter", `${parsed} (got ${describe(alertAfter)})`);
    return { cycle, alertCycle: undefined };
  }
  if (cycle === undefined) return { cycle, alertCycle: parsed };
  if (!isTimed(cycle) && isTimed(parsed)) {
    problem("alertAfter", `a job with every ${JSON.stringify(cycle.text)} makes one snapshot a day, dated by day and not by time, so alertAfter must be whole days or weeks (got ${describe(alertAfter)})`);
    return { cycle, alertCycle: undefined };
  }
  if (cycleMs(parsed) < cycleMs(cycle)) {
    problem("alertAfter", `must be at least \`every\` (${cycle.text}): a job cannot be overdue before it is due (got ${describe(alertAfter)})`);
    return { cycle, alertCycle: undefined };
  }
  return { cycle, alertCycle: parsed };
}

/** `keep`: an object of periods, each a whole number of periods (1 or more) or "all". */
export function checkKeep(keep: unknown, problem: Problem): KeepRules | undefined {
  if (keep === undefined) return undefined;
  if (!isPlainObject(keep)) {
    problem("keep", `must be an object like { daily: 7, weekly: 4, monthly: 12 } (got ${describe(keep)})`);
    return undefined;
  }
  unknownFields(keep, KEEP_FIELDS, "keep.", problem);
  if (Object.keys(keep).length === 0) problem("keep", "names no period; give e.g. { daily: 7, weekly: 4 }, or leave keep out");
  for (const period of KEEP_FIELDS) {
    const value = keep[period];
    if (value === undefined || value === "all" || (Number.isInteger(value) && (value as number) >= 1)) continue;
    problem(`keep.${period}`, `must be a whole number of ${period} periods, 1 or more, or "all"; leave it out to keep none by this rule (got ${describe(value)})`);
  }
  return keep as KeepRules;
}

export function checkSsh(ssh: unknown, problem: Problem): void {
  if (ssh === undefined) return;
  if (typeof ssh === "string") {
    if (ssh.trim() === "") problem("ssh", `must not be empty; omit it to use plain \`ssh\` (got ${describe(ssh)})`);
    return;
  }
  if (!isPlainObject(ssh)) {
    problem("ssh", `must be a string like "ssh -i /key" or { identityFile, knownHostsFile, port, options } (got ${describe(ssh)})`);
    return;
  }
  unknownFields(ssh, SSH_FIELDS, "ssh.", problem);
  const options = ssh as SshOptions & Record<string, unknown>;
  for (const field of ["identityFile", "knownHostsFile"] as const) {
    const value: unknown = options[field];
    if (value !== undefined && (typeof value !== "string" || !isAbsolute(value))) {
      problem(`ssh.${field}`, `must be an absolute path (got ${describe(value)})`);
    }
  }
  if (options.command !== undefined && (typeof options.command !== "string" || options.command === "")) {
    problem("ssh.command", `must be a non-empty string (got ${describe(options.command)})`);
  }
  const port: unknown = options.port;
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
    problem("ssh.port", `must be a port number 1–65535 (got ${describe(port)})`);
  }
  if (options.options !== undefined) {
    if (!isPlainObject(options.options)) {
      problem("ssh.options", `must be an object like { ConnectTimeout: 10 } (got ${describe(options.options)})`);
    } else {
      for (const [key, value] of Object.entries(options.options)) {
        if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) problem(`ssh.options.${key}`, "is not an ssh option name");
        if (typeof value !== "string" && typeof value !== "number") {
          problem(`ssh.options.${key}`, `must be a string or number (got ${describe(value)})`);
        }
      }
    }
  }
}
