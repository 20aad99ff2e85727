// The checks of `hooks`: each a shell line, an argv, a function, remote() (an ssh source needed) or
// notify() (its options checked one by one).
import type { Hook, Hooks } from "./types.ts";
import { type Problem, describe, isPlainObject, unknownFields } from "./checks.ts";
import { type SourceSpec, describeSource, isRemoteSource, isShellSource } from "./source.ts";

const HOOK_FIELDS = ["pre", "after", "fail", "timeout"] as const;

export function checkHooks(hooks: unknown, source: SourceSpec | undefined, problem: Problem): Hooks | undefined {
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
