// Run a pre/after/fail hook: a shell string, an argv array, an async function, remote() over SSH, or notify().
// Each has a timeout; command hooks get the run's facts as LINKBACK_* variables.
import { loadExeca } from "../process/execa.ts";
import { type Hook, type HookContext, type Job, hookTimeout } from "../config/types.ts";
import { commandOf, isNotify } from "./command.ts";
import { notifyMessage, skippedBecause } from "./notify.ts";
import { messageOf } from "../errors.ts";

/** `skipped`: a notification nobody could be shown (no desktop session), said at info level. */
export type HookResult = { ok: true; skipped?: string } | { ok: false; error: string };

/** Run one hook to completion. Never throws: a broken hook is a result, logged by the caller. */
export async function runHook(hook: Hook, job: Job, context: HookContext, cancelSignal?: AbortSignal): Promise<HookResult> {
  const timeoutSeconds = hookTimeout(hook, job.hooks);
  try {
    if (typeof hook === "function") {
      await withTimeout(Promise.resolve(hook({ ...context })), timeoutSeconds, cancelSignal);
      return { ok: true };
    }
    // A message function runs in the job file's thread, bounded by the hook's timeout like the rest of it.
    const ready = isNotify(hook) ? { ...hook, message: await withTimeout(notifyMessage(hook, context), timeoutSeconds, cancelSignal) } : hook;
    const command = commandOf(ready, job, context);
    const execa = await loadExeca();
    // A process group of its own: a timeout or a signal stops everything the hook started (a shell line's
    // `sleep` or `ssh` too), not only the shell — an orphan would also hold the pipes and keep the run waiting.
    const subprocess = execa(command.file, command.args, {
      shell: command.shell,
      env: hookEnvironment(context),
      ...(command.input === undefined ? { stdin: "ignore" as const } : { input: command.input }),
      buffer: false,
      reject: false,
      detached: true,
    });
    const group = processGroup(subprocess.pid);
    const timer = setTimeout(() => group.stop(`timed out after ${timeoutSeconds} s`), timeoutSeconds * 1000);
    const onAbort = () => group.stop("stopped by a signal");
    cancelSignal?.addEventListener("abort", onAbort, { once: true });
    if (cancelSignal?.aborted === true) onAbort();
    const tail = collectTail(subprocess.stderr, subprocess.stdout);
    const result = await subprocess;
    clearTimeout(timer);
    cancelSignal?.removeEventListener("abort", onAbort);
    group.done();
    if (group.stoppedBecause !== undefined) return { ok: false, error: group.stoppedBecause };
    const skipped = isNotify(hook) ? skippedBecause(result.exitCode, tail()) : undefined;
    if (skipped !== undefined) return { ok: true, skipped: `${skipped}: notification skipped` };
    if (result.failed) {
      const output = tail().replaceAll(/\s+/g, " ").trim();
      const why = result.exitCode === undefined ? result.shortMessage : `exit status ${result.exitCode}`;
      return { ok: false, error: `${why}${output === "" ? "" : `: ${output}`}` };
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

/** The LINKBACK_* variables command hooks receive (on top of linkback's own environment). */
export function hookEnvironment(context: HookContext): Record<string, string> {
  return {
    LINKBACK_JOB: context.job,
    LINKBACK_SNAPSHOT: context.snapshot,
    LINKBACK_STATUS: context.status,
    LINKBACK_EXIT_CODE: context.exitCode === undefined ? "" : String(context.exitCode),
    LINKBACK_ERROR: context.error ?? "",
    LINKBACK_DURATION_MS: String(Math.round(context.durationMs)),
    LINKBACK_FAILED_FILES: (context.failedFiles ?? []).join("\n"),
  };
}

/** Stop a hook's whole process group: SIGTERM, then SIGKILL 2 s later if anything is left. */
function processGroup(pid: number | undefined) {
  let reason: string | undefined;
  let force: NodeJS.Timeout | undefined;
  const kill = (signal: NodeJS.Signals) => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone already
    }
  };
  return {
    get stoppedBecause() {
      return reason;
    },
    stop(why: string) {
      if (reason !== undefined) return;
      reason = why;
      kill("SIGTERM");
      force = setTimeout(() => kill("SIGKILL"), 2000);
    },
    done() {
      clearTimeout(force);
    },
  };
}

function collectTail(...streams: (NodeJS.ReadableStream | null | undefined)[]): () => string {
  let text = "";
  for (const stream of streams) {
    stream?.on("data", (chunk: Buffer | string) => {
      text = (text + chunk.toString()).slice(-500);
    });
  }
  return () => text;
}

/** A function hook cannot be killed: after its timeout (or a signal) linkback stops waiting for it. */
async function withTimeout<T>(promise: Promise<T>, seconds: number, signal: AbortSignal | undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${seconds} s`)), seconds * 1000);
    onAbort = () => reject(new Error("stopped by a signal"));
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([promise, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
}
