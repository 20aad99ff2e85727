// validateJob(raw) checks a job module's export without touching disk and collects every problem at once:
// one checker per field, in a table, run in its order (a field may look at one checked before it: `ssh` at
// `source`). Each problem is one line naming the file, the field and the value.
import { isAbsolute, resolve } from "node:path";
import type { FreeSpace, Hooks, Job } from "./types.ts";
import { isTimeZone } from "../time/zone.ts";
import type { Cycle } from "../time/cycle.ts";
import { type SourceSpec, isRemoteSource } from "./source.ts";
import { type Problem, describe, isPlainObject, requiredString, stringList, unknownFields } from "./checks.ts";
import { checkCycles, checkKeep, checkRsyncArgs, checkSource, checkSsh } from "./fieldChecks.ts";
import { checkHooks } from "./hookChecks.ts";
import { parseFreeSpace } from "./freeSpace.ts";

export { closest } from "./closest.ts";

export type Validation = { ok: true; job: Job } | { ok: false; errors: string[] };

/** What the checkers found, for the job that is built when there is no problem. */
interface Checked {
  backupDir?: string;
  source?: SourceSpec;
  excludes?: string[];
  rsyncArgs?: string[];
  hooks?: Hooks;
  cycle?: Cycle;
  alertCycle?: Cycle;
  freeSpace?: FreeSpace;
  freeInodes?: Job["freeInodes"];
  shrinkLimit?: number;
}

interface FieldContext {
  raw: Record<string, unknown>;
  /** The job's name (its file's name): what snapshotOf() may not name. */
  name: string;
  problem: Problem;
  checked: Checked;
}

type Checker = (value: unknown, context: FieldContext) => void;

const PREFIX = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** A field that is true or false when given. */
function flag(field: string): Checker {
  return (value, { problem }) => {
    if (value !== undefined && typeof value !== "boolean") problem(field, `must be true or false (got ${describe(value)})`);
  };
}

/** A whole number, 1 or more, when given. */
function count(field: string, hint: string): Checker {
  return (value, { problem }) => {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) problem(field, `must be a whole number${hint} (got ${describe(value)})`);
  };
}

/** Every field a job file may set, with its checker, in the order they are checked. */
const FIELDS: Record<string, Checker> = {
  prefix: (_value, { raw, problem }) => {
    const prefix = requiredString(raw, "prefix", problem);
    if (prefix !== undefined && !PREFIX.test(prefix)) {
      problem("prefix", `may hold only letters, digits, \`.\`, \`_\` and \`-\`, and may not start with \`.\` or \`-\` (got ${JSON.stringify(prefix)})`);
    } else if (prefix !== undefined && prefix.length > 200) {
      problem("prefix", `is ${prefix.length} characters; at most 200 leave room for the date in a 255-byte name`);
    }
  },
  backupDir: (_value, { raw, problem, checked }) => {
    const backupDir = requiredString(raw, "backupDir", problem);
    if (backupDir !== undefined && !isAbsolute(backupDir)) problem("backupDir", `must be an absolute path (got ${JSON.stringify(backupDir)})`);
    else if (backupDir !== undefined) checked.backupDir = backupDir;
  },
  source: (value, { name, problem, checked }) => {
    const source = checkSource(value, name, problem);
    if (source !== undefined) checked.source = source;
  },
  ssh: (value, { problem, checked }) => {
    checkSsh(value, problem);
    const source = checked.source;
    if (value !== undefined && typeof source === "string" && !isRemoteSource(source)) {
      problem("ssh", `is set, but source ${JSON.stringify(source)} is a local path; remove \`ssh\` or use user@host:/path`);
    }
    if (value !== undefined && typeof source === "object") {
      problem("ssh", `is set, but the source is another job's snapshot (${JSON.stringify(source.job)}), read from this disk; remove \`ssh\``);
    }
  },
  excludes: (_value, { raw, problem, checked }) => {
    checked.excludes = stringList(raw, "excludes", problem) ?? [];
  },
  rsyncArgs: (_value, { raw, problem, checked }) => {
    const rsyncArgs = stringList(raw, "rsyncArgs", problem);
    checkRsyncArgs(rsyncArgs, problem);
    checked.rsyncArgs = rsyncArgs ?? [];
  },
  allowEmptySource: flag("allowEmptySource"),
  keepDays: count("keepDays", " of days, 1 or more; omit it to keep every snapshot"),
  hooks: (value, { problem, checked }) => {
    checked.hooks = checkHooks(value, checked.source, problem) ?? {};
  },
  every: (value, { raw, problem, checked }) => {
    Object.assign(checked, checkCycles(value, raw.alertAfter, problem));
  },
  alertAfter: () => {}, // checked with `every`, which it must not be shorter than
  enabled: flag("enabled"),
  keep: (value, { problem }) => void checkKeep(value, problem),
  minKeep: count("minKeep", ", 1 or more: the newest snapshot is never pruned"),
  timeZone: (value, { problem }) => {
    if (value !== undefined && (typeof value !== "string" || !isTimeZone(value))) {
      problem("timeZone", `must be an IANA time zone name such as "Europe/Berlin" or "UTC" (got ${describe(value)}; POSIX TZ strings like "CET-1CEST,M3.5.0,M10.5.0/3" are not understood by Node)`);
    }
  },
  minFreeSpace: (value, { problem, checked }) => {
    if (value === undefined) return;
    const freeSpace = parseFreeSpace(value);
    if (typeof freeSpace === "string") problem("minFreeSpace", `${freeSpace} (got ${describe(value)})`);
    else checked.freeSpace = freeSpace;
  },
  minFreeInodes: (value, { problem, checked }) => {
    if (value === undefined) return;
    const percent = typeof value === "string" ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
    if (Number.isInteger(value) && (value as number) >= 0) checked.freeInodes = { text: `${value as number} inodes`, count: value as number };
    else if (percent !== null && Number(percent[1]) > 0 && Number(percent[1]) < 100) checked.freeInodes = { text: `${Number(percent[1])}%`, percent: Number(percent[1]) };
    else problem("minFreeInodes", `must be a whole number of inodes, or a percentage of the filesystem's inodes above 0 and below 100 like "5%" (got ${describe(value)})`);
  },
  maxShrink: (value, { problem, checked }) => {
    const percent = typeof value === "string" ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value) : null;
    if (value === undefined) checked.shrinkLimit = 0.5;
    else if (percent !== null && Number(percent[1]) > 0 && Number(percent[1]) <= 100) checked.shrinkLimit = Number(percent[1]) / 100;
    else problem("maxShrink", `must be a percentage above 0 and at most 100 like "50%": how much of the source may disappear between two snapshots ("100%": no limit) (got ${describe(value)})`);
  },
  metadata: (value, { problem }) => {
    if (value === undefined) return;
    if (!isPlainObject(value)) {
      problem("metadata", `must be an object like { acls: false } (got ${describe(value)})`);
      return;
    }
    unknownFields(value, ["acls", "xattrs", "sparse"], "metadata.", problem);
    for (const key of ["acls", "xattrs", "sparse"] as const) {
      if (value[key] !== undefined && typeof value[key] !== "boolean") problem(`metadata.${key}`, `must be true or false (got ${describe(value[key])})`);
    }
  },
  mount: (value, { problem, checked }) => {
    if (value === undefined) return;
    if (typeof value !== "string" || !isAbsolute(value)) problem("mount", `must be the absolute path of a mount point listed in /etc/fstab (got ${describe(value)})`);
    else if (checked.backupDir !== undefined && !isInside(resolve(checked.backupDir), resolve(value))) {
      problem("mount", `${JSON.stringify(value)} does not contain backupDir ${JSON.stringify(checked.backupDir)}; backupDir must be on the disk mounted there`);
    }
  },
  requireMount: flag("requireMount"),
  niceDelete: flag("niceDelete"),
};

/** Check `raw` (a job module's default export) and return the job, or every problem found. */
export function validateJob(raw: unknown, origin: { name: string; file: string }): Validation {
  const errors: string[] = [];
  const problem: Problem = (field, text) => errors.push(`${origin.file}: \`${field}\`: ${text}`);
  if (!isPlainObject(raw)) {
    problem("default export", `must be an object from defineJob({...}) (got ${describe(raw)})`);
    return { ok: false, errors };
  }
  unknownFields(raw, Object.keys(FIELDS), "", problem);
  const context: FieldContext = { raw, name: origin.name, problem, checked: {} };
  for (const [field, check] of Object.entries(FIELDS)) check(raw[field], context);
  if (errors.length > 0) return { ok: false, errors };
  const { checked } = context;
  const job: Job = {
    ...(raw as unknown as Job),
    backupDir: resolve(checked.backupDir!), // `/mnt//usb/backups/` → `/mnt/usb/backups`
    name: origin.name,
    file: origin.file,
    excludes: checked.excludes!,
    rsyncArgs: checked.rsyncArgs!,
    hooks: checked.hooks!,
    cycle: checked.cycle!,
    alertCycle: checked.alertCycle!,
    enabled: raw.enabled !== false,
    minKeepCount: (raw.minKeep as number | undefined) ?? 1,
    ...(checked.freeSpace === undefined ? {} : { freeSpace: checked.freeSpace }),
    ...(checked.freeInodes === undefined ? {} : { freeInodes: checked.freeInodes }),
    shrinkLimit: checked.shrinkLimit!,
    ...(typeof raw.mount === "string" ? { mount: resolve(raw.mount) } : {}),
  };
  return { ok: true, job };
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}
