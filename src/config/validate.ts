// validateJob(raw) checks a job module's export without touching disk and collects every problem at once.
import { isAbsolute, resolve } from "node:path";
import type { FreeSpace, Hook, Hooks, Job, KeepRules, SnapshotOf, SshOptions } from "./types.ts";
import { isTimeZone } from "../time/zone.ts";
import { type SourceSpec, describeSource, isRemoteSource, isShellSource } from "./source.ts";
import { type Cycle, DAILY, cycleMs, isTimed, parseCycle, threeTimes } from "../time/cycle.ts";

const JOB_FIELDS = [
  "prefix", "backupDir", "source", "ssh", "excludes", "keepDays", "hooks", "rsyncArgs", "allowEmptySource", "every", "alertAfter", "enabled",
  "keep", "minKeep", "timeZone", "minFreeSpace", "mount", "requireMount", "niceDelete",
] as const;
const KEEP_FIELDS = ["hourly", "daily", "weekly", "monthly", "yearly"] as const;
/** What a job name (a job file's name) may be: what snapshotOf() may name. */
export const JOB_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const SSH_FIELDS = ["identityFile", "knownHostsFile", "port", "options", "command"] as const;
const HOOK_FIELDS = ["pre", "after", "fail", "timeout"] as const;
const PREFIX = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

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

export type Validation = { ok: true; job: Job } | { ok: false; errors: string[] };

/** Check `raw` (a job module's default export) and return the job, or every problem found. */
export function validateJob(raw: unknown, origin: { name: string; file: string }): Validation {
  const errors: string[] = [];
  const problem = (field: string, text: string) => errors.push(`${origin.file}: \`${field}\`: ${text}`);

  if (!isPlainObject(raw)) {
    problem("default export", `must be an object from defineJob({...}) (got ${describe(raw)})`);
    return { ok: false, errors };
  }
  unknownFields(raw, JOB_FIELDS, "", problem);

  const prefix = requiredString(raw, "prefix", problem);
  if (prefix !== undefined && !PREFIX.test(prefix)) {
    problem("prefix", `may hold only letters, digits, \`.\`, \`_\` and \`-\`, and may not start with \`.\` or \`-\` (got ${JSON.stringify(prefix)})`);
  } else if (prefix !== undefined && prefix.length > 200) {
    problem("prefix", `is ${prefix.length} characters; at most 200 leave room for the date in a 255-byte name`);
  }

  const backupDir = requiredString(raw, "backupDir", problem);
  if (backupDir !== undefined && !isAbsolute(backupDir)) {
    problem("backupDir", `must be an absolute path (got ${JSON.stringify(backupDir)})`);
  }

  const source = checkSource(raw.source, origin.name, problem);
  const remote = source !== undefined && isRemoteSource(source);

  checkSsh(raw.ssh, problem);
  if (raw.ssh !== undefined && typeof source === "string" && !remote) {
    problem("ssh", `is set, but source ${JSON.stringify(source)} is a local path; remove \`ssh\` or use user@host:/path`);
  }
  if (raw.ssh !== undefined && typeof source === "object") {
    problem("ssh", `is set, but the source is another job's snapshot (${JSON.stringify(source.job)}), read from this disk; remove \`ssh\``);
  }

  const excludes = stringList(raw, "excludes", problem);
  const rsyncArgs = stringList(raw, "rsyncArgs", problem);
  for (const arg of rsyncArgs ?? []) {
    if (typeof arg !== "string") continue; // reported above
    const option = arg.split("=")[0] ?? arg;
    const why = FORBIDDEN_RSYNC_ARGS[option] ?? (clusterHasDryRun(arg) ? FORBIDDEN_RSYNC_ARGS["-n"] : undefined);
    if (why !== undefined) problem("rsyncArgs", `${JSON.stringify(arg)} is not allowed: ${why}`);
  }

  if (raw.allowEmptySource !== undefined && typeof raw.allowEmptySource !== "boolean") {
    problem("allowEmptySource", `must be true or false (got ${describe(raw.allowEmptySource)})`);
  }
  if (raw.keepDays !== undefined && !(Number.isInteger(raw.keepDays) && (raw.keepDays as number) >= 1)) {
    problem("keepDays", `must be a whole number of days, 1 or more; omit it to keep every snapshot (got ${describe(raw.keepDays)})`);
  }

  const hooks = checkHooks(raw.hooks, source, problem);
  const { cycle, alertCycle } = checkCycles(raw.every, raw.alertAfter, problem);
  for (const field of ["enabled", "requireMount", "niceDelete"] as const) {
    if (raw[field] !== undefined && typeof raw[field] !== "boolean") problem(field, `must be true or false (got ${describe(raw[field])})`);
  }
  checkKeep(raw.keep, problem);
  if (raw.minKeep !== undefined && !(Number.isInteger(raw.minKeep) && (raw.minKeep as number) >= 1)) {
    problem("minKeep", `must be a whole number, 1 or more: the newest snapshot is never pruned (got ${describe(raw.minKeep)})`);
  }
  if (raw.timeZone !== undefined && (typeof raw.timeZone !== "string" || !isTimeZone(raw.timeZone))) {
    problem("timeZone", `must be an IANA time zone name such as "Europe/Berlin" or "UTC" (got ${describe(raw.timeZone)}; POSIX TZ strings like "CET-1CEST,M3.5.0,M10.5.0/3" are not understood by Node)`);
  }
  const freeSpace = raw.minFreeSpace === undefined ? undefined : parseFreeSpace(raw.minFreeSpace);
  if (typeof freeSpace === "string") problem("minFreeSpace", `${freeSpace} (got ${describe(raw.minFreeSpace)})`);
  if (raw.mount !== undefined) {
    if (typeof raw.mount !== "string" || !isAbsolute(raw.mount)) problem("mount", `must be the absolute path of a mount point listed in /etc/fstab (got ${describe(raw.mount)})`);
    else if (backupDir !== undefined && isAbsolute(backupDir) && !isInside(resolve(backupDir), resolve(raw.mount))) {
      problem("mount", `${JSON.stringify(raw.mount)} does not contain backupDir ${JSON.stringify(backupDir)}; backupDir must be on the disk mounted there`);
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  const job: Job = {
    ...(raw as unknown as Job),
    backupDir: resolve(backupDir!), // `/mnt//usb/backups/` → `/mnt/usb/backups`
    name: origin.name,
    file: origin.file,
    excludes: excludes ?? [],
    rsyncArgs: rsyncArgs ?? [],
    hooks: hooks ?? {},
    cycle: cycle!,
    alertCycle: alertCycle!,
    enabled: raw.enabled !== false,
    minKeepCount: (raw.minKeep as number | undefined) ?? 1,
    ...(freeSpace === undefined ? {} : { freeSpace: freeSpace as FreeSpace }),
    ...(typeof raw.mount === "string" ? { mount: resolve(raw.mount) } : {}),
  };
  return { ok: true, job };
}

/** `keep`: an object of periods, each a whole number of periods (1 or more) or "all". */
function checkKeep(keep: unknown, problem: Problem): KeepRules | undefined {
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

const UNITS: Record<string, number> = { "": 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** `minFreeSpace`: bytes as a number, "500MB", "2GiB", or "10%". The problem as a string when it is none. */
export function parseFreeSpace(value: unknown): FreeSpace | string {
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0 ? { text: `${value} bytes`, bytes: Math.floor(value) } : "must be a number of bytes, 0 or more";
  }
  const match = typeof value === "string" ? /^\s*(\d+(?:\.\d+)?)\s*(%|[kmgt]i?b|b)?\s*$/i.exec(value) : null;
  if (match === null) return `must be bytes (a number, or a string like "500MB", "2GB", "1GiB") or a percentage of the backup filesystem like "10%"`;
  const amount = Number(match[1]);
  const unit = (match[2] ?? "").toLowerCase();
  if (unit === "%") return amount > 0 && amount < 100 ? { text: `${amount}%`, percent: amount } : "a percentage must be above 0 and below 100";
  return { text: (value as string).trim(), bytes: Math.floor(amount * UNITS[unit]!) };
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

/** `source`: an absolute path, a remote address, or snapshotOf("job") naming another job. */
function checkSource(source: unknown, self: string, problem: Problem): SourceSpec | undefined {
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
function checkCycles(every: unknown, alertAfter: unknown, problem: Problem): { cycle: Cycle | undefined; alertCycle: Cycle | undefined } {
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

type Problem = (field: string, text: string) => void;

/** `-avn`: short options bundled in one word, `n` (dry run) among them before any option that takes a value. */
function clusterHasDryRun(arg: string): boolean {
  const cluster = /^-([A-Za-z0-9]+)$/.exec(arg)?.[1] ?? "";
  for (const letter of cluster) {
    if (letter === "n") return true;
    if ("BefMT".includes(letter)) return false; // the rest of the word is this option's value
  }
  return false;
}

function requiredString(raw: Record<string, unknown>, field: string, problem: Problem): string | undefined {
  const value = raw[field];
  if (value === undefined) {
    problem(field, "is required");
    return undefined;
  }
  if (typeof value !== "string" || value.trim() === "") {
    problem(field, `must be a non-empty string (got ${describe(value)})`);
    return undefined;
  }
  return value;
}

function stringList(raw: Record<string, unknown>, field: string, problem: Problem): string[] | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problem(field, `must be an array of strings (got ${describe(value)})`);
    return undefined;
  }
  value.forEach((item, index) => {
    if (typeof item !== "string" || item === "") problem(`${field}[${index}]`, `must be a non-empty string (got ${describe(item)})`);
  });
  return value as string[];
}

function checkSsh(ssh: unknown, problem: Problem): void {
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

function checkHooks(hooks: unknown, source: SourceSpec | undefined, problem: Problem): Hooks | undefined {
  if (hooks === undefined) return undefined;
  if (!isPlainObject(hooks)) {
    problem("hooks", `must be an object { pre, after, fail } (got ${describe(hooks)})`);
    return undefined;
  }
  unknownFields(hooks, HOOK_FIELDS, "hooks.", problem);
  for (const phase of ["pre", "after", "fail"] as const) {
    const hook = hooks[phase];
    if (hook === undefined) continue;
    checkHook(hook, source, `hooks.${phase}`, problem);
  }
  const timeout = hooks.timeout;
  if (timeout !== undefined && !isSeconds(timeout)) {
    problem("hooks.timeout", `must be a number of seconds above 0 (got ${describe(timeout)})`);
  }
  return hooks as Hooks;
}

function isSeconds(value: unknown): boolean {
  return typeof value === "number" && value > 0 && Number.isFinite(value);
}

function checkHook(hook: unknown, source: SourceSpec | undefined, field: string, problem: Problem): void {
  if (typeof hook === "function") return;
  if (typeof hook === "string") {
    if (hook.trim() === "") problem(field, `must not be an empty command (got ${describe(hook)})`);
    return;
  }
  if (Array.isArray(hook)) {
    if (hook.length === 0 || !hook.every((word) => typeof word === "string") || hook[0] === "") {
      problem(field, `must be a non-empty array of strings, program first (got ${describe(hook)})`);
    }
    return;
  }
  if (isPlainObject(hook) && hook.kind === "remote") {
    if (typeof hook.command !== "string" || hook.command.trim() === "") problem(field, `remote() needs a command (got ${describe(hook.command)})`);
    else if (source !== undefined && !isShellSource(source)) problem(field, "remote() needs an ssh source (user@host:/path) to know which host to reach and how");
    return;
  }
  if (isPlainObject(hook) && hook.kind === "notify") {
    checkNotify(hook, source, field, problem);
    return;
  }
  problem(field, `must be a shell command string, an argv array, a function, remote() or notify() (got ${describe(hook as Hook)})`);
}

const NOTIFY_FIELDS = ["kind", "message", "user", "display", "waylandDisplay", "bus", "urgency", "icon", "appName", "expireTime", "body", "timeout"] as const;
const NOTIFY_TEXT_FIELDS = ["display", "waylandDisplay", "bus", "icon", "appName", "body"] as const;

/** notify(message, { user, display, waylandDisplay, bus, urgency, icon, appName, expireTime, body, timeout }). */
function checkNotify(hook: Record<string, unknown>, source: SourceSpec | undefined, field: string, problem: Problem): void {
  unknownFields(hook, NOTIFY_FIELDS, `${field}.`, problem);
  const message = hook.message;
  if (typeof message !== "function" && (typeof message !== "string" || message.trim() === "")) {
    problem(`${field}.message`, `notify() needs a message: text, or a function of the run that returns it (got ${describe(message)})`);
  }
  if (hook.user !== undefined && (typeof hook.user !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$/.test(hook.user))) {
    problem(`${field}.user`, `must be a user name on the backed-up machine, e.g. "ben"; leave it out to notify the user ssh logs in as (got ${describe(hook.user)})`);
  }
  for (const key of NOTIFY_TEXT_FIELDS) {
    const value = hook[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) problem(`${field}.${key}`, `must be a non-empty string (got ${describe(value)})`);
  }
  if (hook.urgency !== undefined && !["low", "normal", "critical"].includes(hook.urgency as string)) {
    problem(`${field}.urgency`, `must be "low", "normal" or "critical" (got ${describe(hook.urgency)})`);
  }
  if (hook.expireTime !== undefined && !(Number.isInteger(hook.expireTime) && (hook.expireTime as number) >= 0)) {
    problem(`${field}.expireTime`, `must be whole milliseconds, 0 or more (0: until dismissed), as notify-send -t (got ${describe(hook.expireTime)})`);
  }
  if (hook.timeout !== undefined && !isSeconds(hook.timeout)) problem(`${field}.timeout`, `must be a number of seconds above 0 (got ${describe(hook.timeout)})`);
  if (source !== undefined && isRemoteSource(source) && !isShellSource(source)) {
    problem(field, `notify() reaches the backed-up machine through ssh, but source ${describeSource(source)} is an rsync daemon; use user@host:/path, or a command hook`);
  }
}

function unknownFields(object: Record<string, unknown>, known: readonly string[], path: string, problem: Problem): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    problem(`${path}${key}`, `unknown field${guess === undefined ? ` (known: ${known.join(", ")})` : ` — did you mean \`${path}${guess}\`?`}`);
  }
}

/** The known name nearest to a misspelt one, if it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "function") return "a function";
  if (typeof value === "number") return `number ${String(value)}`; // JSON would say null for NaN and Infinity
  if (Array.isArray(value)) return `an array ${truncate(JSON.stringify(value))}`;
  if (typeof value === "object") return `an object ${truncate(JSON.stringify(value))}`;
  return `${typeof value} ${truncate(JSON.stringify(value))}`;
}

function truncate(text: string | undefined): string {
  if (text === undefined) return "";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
