// The shape of a job file (`jobs/<machine>.ts`): what users write, and what the runner works from.
import type { Cycle } from "../time/cycle.ts";

/** Structured SSH settings; turned into rsync's `--rsh` and used by `remote()` hooks. */
export interface SshOptions {
  /** Private key (`ssh -i`). Must exist. */
  identityFile?: string;
  /** known_hosts file (`-o UserKnownHostsFile=`). Host checking stays on. */
  knownHostsFile?: string;
  /** Port of the remote sshd. */
  port?: number;
  /** Extra `-o` options, e.g. `{ ConnectTimeout: "10" }`. */
  options?: Record<string, string | number>;
  /** The ssh program (default `ssh`). */
  command?: string;
}

/** What a hook learns about the run. Command hooks get the same as `LINKBACK_*` variables. */
export interface HookContext {
  /** Job name (the job file's name without `.ts`). */
  job: string;
  /** Snapshot name this run makes, e.g. `univac-2026-11-22`. */
  snapshot: string;
  /** `pending` for pre, `ok` for after, `failed` for fail, `partial` for fail after a partial snapshot. */
  status: "pending" | "ok" | "failed" | "partial";
  /** rsync's exit code, when rsync ran. */
  exitCode?: number | undefined;
  /** Why the run failed (fail hook only). */
  error?: string | undefined;
  /** A partial snapshot: the files rsync could not transfer (the first 100). */
  failedFiles?: string[] | undefined;
  /** Milliseconds since the run started. */
  durationMs: number;
}

/** A command run on the source host over the job's SSH settings (see `remote()`). */
export interface RemoteHook {
  readonly kind: "remote";
  /** Shell command line, run by the remote user's shell. */
  readonly command: string;
  /** Seconds before the hook is stopped. */
  readonly timeout?: number;
}

/** How urgent a desktop notification is (notify-send `-u`). */
export type NotifyUrgency = "low" | "normal" | "critical";

/** Where and how `notify()` shows a message; every field is optional. */
export interface NotifyOptions {
  /** The desktop user to notify. Default: the user the job's ssh logs in as (no sudo needed then). */
  user?: string;
  /** X display (`DISPLAY`), e.g. ":0". Set only when given: notify-send itself needs only the session bus. */
  display?: string;
  /** Wayland display (`WAYLAND_DISPLAY`), e.g. "wayland-0". Set only when given. */
  waylandDisplay?: string;
  /** The session bus address (`DBUS_SESSION_BUS_ADDRESS`). Default: found on the machine (`/run/user/UID/bus`, else the user's processes). */
  bus?: string;
  /** notify-send `-u`: "low", "normal" (default) or "critical". */
  urgency?: NotifyUrgency;
  /** notify-send `-i`: an icon name ("drive-harddisk") or file. */
  icon?: string;
  /** notify-send `-a`: the application name shown (default "linkback"). */
  appName?: string;
  /** notify-send `-t`: milliseconds the notification stays (the desktop's default when not given; 0: until dismissed). */
  expireTime?: number;
  /** A second line of text under the message (notify-send's body). */
  body?: string;
  /** Seconds the hook may run (default: `hooks.timeout`, else 60). */
  timeout?: number;
}

/** A desktop notification on the backed-up machine (see `notify()`). */
export interface NotifyHook extends NotifyOptions {
  readonly kind: "notify";
  /** The text, or a function of the run's facts (`(c) => \`backup failed: ${c.error}\``). */
  readonly message: string | ((context: HookContext) => string | Promise<string>);
}

/** A hook: a shell command line, an argv array (no shell), an async function, `remote()` or `notify()`. */
export type Hook = string | readonly string[] | RemoteHook | NotifyHook | ((context: HookContext) => unknown);

/** Seconds a hook may run when neither it nor the job says. */
export const DEFAULT_HOOK_TIMEOUT = 60;

/** Seconds a hook may run: its own timeout, else the job's, else the default. */
export function hookTimeout(hook: Hook, hooks: Hooks): number {
  return (typeof hook === "object" && "kind" in hook ? hook.timeout : undefined) ?? hooks.timeout ?? DEFAULT_HOOK_TIMEOUT;
}

export interface Hooks {
  /** Before rsync. If it fails, the backup is skipped and `fail` runs. */
  pre?: Hook;
  /** After a successful backup. */
  after?: Hook;
  /** After a failed backup (including a failed `pre`). */
  fail?: Hook;
  /** Seconds each hook may run (default 60). */
  timeout?: number;
}

/** The newest complete snapshot of another job, as a source (see `snapshotOf()`): a weekly made from a daily. */
export interface SnapshotOf {
  readonly kind: "snapshotOf";
  /** The other job's name (its file name in the same jobs directory, without `.ts`). */
  readonly job: string;
}

/** How many of the newest calendar periods keep their newest snapshot (`"all"`: every period). */
export interface KeepRules {
  hourly?: number | "all";
  daily?: number | "all";
  weekly?: number | "all";
  monthly?: number | "all";
  yearly?: number | "all";
}

/** `minFreeSpace`, parsed: bytes, or a percentage of the backup filesystem. */
export interface FreeSpace {
  text: string;
  bytes?: number;
  percent?: number;
}

/** A job as written in a job file. */
export interface JobConfig {
  /** Snapshot names are `PREFIX-YYYY-MM-DD`. Letters, digits, `.`, `_`, `-`. */
  prefix: string;
  /** Absolute path of an existing directory that holds the snapshots. Never created by linkback. */
  backupDir: string;
  /**
   * A local path, `user@host:/path`, `rsync://host/module/path`, or `snapshotOf("job")` (the newest complete
   * snapshot of another job). Its contents become the snapshot.
   */
  source: string | SnapshotOf;
  /** rsync's `--rsh` as one string (the blog script's form), or structured settings. */
  ssh?: string | SshOptions;
  /** rsync `--exclude` patterns. */
  excludes?: string[];
  /** Keep the snapshots of the last N calendar days, today included (with `keep`, either keeps a snapshot; with neither, every snapshot is kept). */
  keepDays?: number;
  hooks?: Hooks;
  /**
   * Publish a snapshot even when the source turned out empty while the last snapshot is not. Off by
   * default: an empty source is usually an unmounted disk, and publishing it would let pruning remove
   * the real snapshots.
   */
  allowEmptySource?: boolean;
  /** Extra rsync arguments, appended after linkback's own. */
  rsyncArgs?: string[];
  /** How often `linkback due` backs the job up: "30m", "6h", "1d" (default), "1w". */
  every?: string;
  /** With no complete snapshot for this long the job is `overdue`: the fail hook runs once. Default 3 × every. */
  alertAfter?: string;
  /** `false`: `due` and `run --all` skip the job and the status shows it `disabled`. Default true. */
  enabled?: boolean;
  /** Keep the newest snapshot of each of the last N hours, days, ISO weeks, months, years (combinable with keepDays). */
  keep?: KeepRules;
  /** Never fewer complete snapshots than this, whatever their age (default 1). */
  minKeep?: number;
  /** IANA time zone of the job's days, weeks, months (default: the system's). */
  timeZone?: string;
  /** Space the backup filesystem must have before a run: bytes (a number, or "500MB", "2GB") or a percentage ("10%"). */
  minFreeSpace?: number | string;
  /** Inodes the backup filesystem must have free before a run: a number, or a percentage ("5%"). */
  minFreeInodes?: number | string;
  /**
   * The share of the source's files or bytes that may disappear between two snapshots before the run refuses
   * to publish (a data disk not mounted below the source): "50%" (default); "100%" turns the guard off.
   */
  maxShrink?: string;
  /**
   * Metadata kept beyond rsync -a: ACLs, extended attributes (file capabilities are xattrs) and holes of
   * sparse files. Each defaults to true where the backup filesystem and this machine's rsync can keep it.
   */
  metadata?: { acls?: boolean; xattrs?: boolean; sparse?: boolean };
  /** Mount point of the backup disk: mounted (fstab) before the run if it is not, unmounted after if linkback mounted it. */
  mount?: string;
  /** Refuse to write when backupDir is on the same filesystem as `/` (an unmounted disk's empty mount point). */
  requireMount?: boolean;
  /** Delete pruned snapshots under `nice -n 19` and `ionice -c3` (the idle I/O class). */
  niceDelete?: boolean;
}

/** The job a `snapshotOf()` source reads from: where its snapshots are. */
export interface CopySource {
  name: string;
  file: string;
  prefix: string;
  backupDir: string;
  timeZone?: string;
}

/** A validated job, with where it came from. */
export interface Job extends JobConfig {
  /** The job's name: its file name without `.ts`. */
  name: string;
  /** Absolute path of the job file. */
  file: string;
  excludes: string[];
  rsyncArgs: string[];
  hooks: Hooks;
  /** `every`, parsed (default one day). */
  cycle: Cycle;
  /** `alertAfter`, parsed (default three cycles). */
  alertCycle: Cycle;
  enabled: boolean;
  /** For a `snapshotOf()` source: the other job (filled in by the loader). */
  copyOf?: CopySource;
  /** `minKeep`, with its default. */
  minKeepCount: number;
  /** `minFreeSpace`, parsed. */
  freeSpace?: FreeSpace;
  /** `minFreeInodes`, parsed (a count, or a percentage of the filesystem's inodes). */
  freeInodes?: { text: string; count?: number; percent?: number };
  /** `maxShrink` as a fraction (0.5 by default); 1: no shrink guard. */
  shrinkLimit: number;
}
