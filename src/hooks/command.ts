// What a hook runs, as data: the program and its arguments (a shell line, an argv, ssh to the source host
// for remote(), `sh -s` with notify()'s script on stdin), how it reads in a plan, and whether its failure
// stops a backup. Pure: hooks/run.ts starts the process.
import type { Hook, HookContext, Job, NotifyHook, RemoteHook } from "../config/types.ts";
import { describeSource, sourceHost } from "../config/source.ts";
import { sshArgv } from "../config/ssh.ts";
import { quoteArgv } from "../process/shellWords.ts";
import { describeNotify, notifyScript } from "./notify.ts";

/** A failing notify hook is a warning only: a notification must never cost a backup. */
export function canStopBackup(hook: Hook): boolean {
  return !isNotify(hook);
}

/** How a hook is shown in logs and dry runs. */
export function describeHook(hook: Hook, job: Job): string {
  if (typeof hook === "function") return `function ${hook.name || "(anonymous)"}`;
  const { file, args, shell } = commandOf(hook, job, undefined);
  if (isNotify(hook)) return describeNotify(hook, sourceHost(job.source) ?? "this machine", quoteArgv([file, ...args]));
  return shell ? `sh -c ${JSON.stringify(file)}` : [file, ...args].join(" ");
}

export function isNotify(hook: Hook): hook is NotifyHook {
  return typeof hook === "object" && "kind" in hook && hook.kind === "notify";
}

export interface HookCommand {
  file: string;
  args: string[];
  shell: boolean;
  /** What the command reads on stdin (notify's script), else stdin is closed. */
  input?: string;
}

/**
 * The process a hook runs. `context` is undefined only for describing it; a notify hook's message function
 * must have been called already (hooks/run.ts passes the hook with its text).
 */
export function commandOf(hook: Exclude<Hook, Function>, job: Job, context: HookContext | undefined): HookCommand {
  if (typeof hook === "string") return { file: hook, args: [], shell: true };
  if (Array.isArray(hook)) return { file: hook[0]!, args: hook.slice(1), shell: false };
  const host = sourceHost(job.source);
  const notifying = isNotify(hook as Hook);
  if (host === undefined && !notifying) throw new Error(`remote hook needs an ssh source (user@host:/path), not ${describeSource(job.source)}`);
  // notify() runs its script with `sh -s` where the backed-up files are: over ssh, or on this machine.
  const remoteCommand = notifying ? "sh -s" : (hook as RemoteHook).command;
  const input = notifying && context !== undefined ? notifyScript(hook as NotifyHook, textOf(hook as NotifyHook)) : undefined;
  const extra = input === undefined ? {} : { input };
  if (host === undefined) return { file: "sh", args: ["-s"], shell: false, ...extra };
  const [ssh, ...options] = sshArgv(job.ssh);
  return { file: ssh!, args: [...options, host, remoteCommand], shell: false, ...extra };
}


function textOf(hook: NotifyHook): string {
  if (typeof hook.message !== "string") throw new Error("notify(): its message function was not called before the hook ran");
  return hook.message;
}
