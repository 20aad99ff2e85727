// Job files run in a thread of their own (a worker): nothing one does reaches the runner or the other jobs.
// process.exit ends only its thread; process.kill of linkback itself and process.abort() are refused;
// process.env (PATH, TZ …) is the thread's own copy; globals are the
// thread's; a throw, an async hang or a synchronous one (a busy loop, execSync("sleep 60")) is bounded by
// the load timeout — the thread is stopped, the file named, the other jobs go on. The module's export comes
// back as data; its functions (function hooks, notify() message functions) stay in the thread and are called
// there, by id, until the job is done with.
//
// A thread waiting in a system call cannot be stopped until the call returns. The usual such wait is on a
// child process (execSync, spawnSync): every process the thread starts carries a mark in its environment,
// and stopping the thread kills them first. A thread that still does not end (a read from a FIFO nobody
// writes, a hung network mount) is reported as stuck: the other jobs go on, but the process cannot exit
// before the call returns.
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { THREAD_MARK, killMarked } from "../process/marked.ts";

/** The thread's code (CommonJS, evaluated: no file of its own, so it works from src/, dist/ and router/). */
const THREAD = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const { createJiti } = require(workerData.jiti);
// Processes started with an environment of their own carry the thread's mark too (so that they can be stopped).
const childProcess = require("node:child_process");
for (const name of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) {
  const original = childProcess[name];
  childProcess[name] = function (...args) {
    const at = args.findIndex((arg) => arg !== null && typeof arg === "object" && !Array.isArray(arg) && arg.env);
    if (at >= 0) args[at] = { ...args[at], env: { ...args[at].env, [workerData.markName]: workerData.mark } };
    return original.apply(this, args);
  };
}
require("node:module").syncBuiltinESMExports();
// Signals and abort() reach the whole process, not the thread: a job file may not stop linkback (or its
// process group, or everything, as -1 would as root) that way. Signal 0 (is it alive?) and other pids are fine.
const ownGroup = (() => {
  try {
    const stat = require("node:fs").readFileSync("/proc/self/stat", "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
})();
// Refused: this process, its group (0 or -pgrp), everything (-1) — unless signal 0, which only asks.
const isLinkback = (pid, signal) => {
  const target = Number(pid);
  return signal !== 0 && signal !== "0" && (target === process.pid || target === 0 || target === -1 || (ownGroup !== undefined && target === -ownGroup));
};
const refusal = (call) => new Error("a job file may not signal linkback itself (" + call + ")");
const kill = process.kill.bind(process);
process.kill = function (pid, signal) {
  if (isLinkback(pid, signal)) throw refusal("process.kill(" + String(pid) + (signal === undefined ? "" : ", " + JSON.stringify(signal)) + ")");
  return kill(pid, signal);
};
const rawKill = process._kill;
if (typeof rawKill === "function") {
  process._kill = function (pid, signal) {
    if (isLinkback(pid, signal)) throw refusal("process._kill(" + String(pid) + ", " + String(signal) + ")");
    return rawKill.call(process, pid, signal);
  };
}
process.abort = function () {
  throw new Error("a job file may not abort linkback (process.abort())");
};
const functions = [];
const FN = "__linkbackFunction";
function toData(value, seen) {
  if (typeof value === "function") {
    functions.push(value);
    return { [FN]: functions.length - 1, name: value.name || "" };
  }
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) throw new Error("the export refers to itself (a cycle)");
  seen.add(value);
  const out = Array.isArray(value) ? value.map((item) => toData(item, seen)) : Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toData(item, seen)]));
  seen.delete(value);
  return out;
}
function errorData(error) {
  return { message: String(error && error.message !== undefined ? error.message : error), stack: error && error.stack ? String(error.stack) : "", code: error && error.code };
}
async function load(file) {
  const options = { alias: { linkback: workerData.entry }, fsCache: workerData.cache, moduleCache: false, interopDefault: true };
  try {
    return await createJiti(workerData.base, options).import(file, { default: true });
  } catch (error) {
    // A cache that cannot be written (disk full, read-only) makes jiti reject: load again without it.
    if (["ENOSPC", "EROFS", "EACCES"].includes(error && error.code)) return createJiti(workerData.base, { ...options, fsCache: false }).import(file, { default: true });
    throw error;
  }
}
parentPort.on("message", async (message) => {
  try {
    if (message.type === "load") parentPort.postMessage({ id: message.id, ok: true, value: toData(await load(message.file), new Set()) });
    else {
      const result = await functions[message.fn](message.argument);
      parentPort.postMessage({ id: message.id, ok: true, value: typeof result === "string" ? result : undefined });
    }
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, error: errorData(error) });
  }
});
`;

export interface HostError {
  message: string;
  stack: string;
  code?: string;
}

/** Why a call into a job's thread did not return: it threw, it was too slow, or the thread ended. */
export class HostFailure extends Error {
  constructor(
    message: string,
    readonly kind: "threw" | "timeout" | "exited",
    readonly detail?: HostError,
  ) {
    super(message);
  }
}

export interface HostOptions {
  /** The module job files get for `import … from "linkback"`. */
  entry: string;
  /** jiti's cache directory (false: none). */
  cache: string | false;
  /** Resolves relative imports the way a module beside this one would. */
  base: string;
}

/** One job file's thread. */
export class JobHost {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: HostFailure) => void }>();
  private sequence = 0;
  private ended: string | undefined;
  private readonly mark = `${process.pid}.${randomBytes(6).toString("hex")}`;
  private exited: Promise<void>;
  /** How long a call into the thread may take: the job's hook timeout plus a margin, once it is known. */
  callTimeoutMs = 65_000;

  /** `onStuck`: told when the thread could not be stopped (it waits in a system call). */
  constructor(options: HostOptions, private readonly onStuck: (why: string) => void = () => {}) {
    const jiti = createRequire(import.meta.url).resolve("jiti");
    this.worker = new Worker(THREAD, {
      eval: true,
      workerData: { ...options, jiti, markName: THREAD_MARK, mark: this.mark },
      env: { ...process.env, [THREAD_MARK]: this.mark },
      // A job file that allocates without end fails alone (ERR_WORKER_OUT_OF_MEMORY), not the router.
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    });
    this.exited = new Promise((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.unref(); // a thread blocked in a job's execSync never keeps linkback alive
    this.worker.on("message", (reply: { id: number; ok: boolean; value?: unknown; error?: HostError }) => {
      const call = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) call?.resolve(reply.value);
      else call?.reject(new HostFailure(reply.error?.message ?? "failed", "threw", reply.error));
    });
    const end = (why: string) => {
      this.ended ??= why;
      for (const call of this.waiting.values()) call.reject(new HostFailure(why, "exited"));
      this.waiting.clear();
    };
    this.worker.on("error", (error) => end(`it threw outside any call: ${error.message}`));
    this.worker.on("exit", (code) => end(`it called process.exit(${code})`));
  }

  /** The module's default export as data; functions are `{ __linkbackFunction: id, name }`. */
  load(file: string, timeoutMs: number): Promise<unknown> {
    return this.send({ type: "load", file }, timeoutMs, `did not finish loading within ${timeoutMs / 1000} s (a synchronous hang, or a top-level await that never resolves?)`);
  }

  /** Call function `fn` of the job file with `argument` (structured-cloned); a string result comes back. */
  call(fn: number, argument: unknown, timeoutMs: number): Promise<unknown> {
    return this.send({ type: "call", fn, argument }, timeoutMs, `did not return within ${timeoutMs / 1000} s`);
  }

  /** Stop the thread without waiting (a thread that is done with: nothing of it runs any more). */
  release(): void {
    this.ended ??= "released";
    void this.worker.terminate().catch(() => {});
  }

  /**
   * Stop the thread and what it started: the processes with its mark are killed (a thread waiting on one
   * ends then), the thread terminated (a busy loop too). False when it has not ended within `graceMs`:
   * it is stuck in a system call.
   */
  async stop(graceMs = 2000): Promise<boolean> {
    this.ended ??= "stopped";
    killMarked(this.mark);
    void this.worker.terminate().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const ended = await Promise.race([this.exited.then(() => true), late]);
    clearTimeout(timer);
    if (!ended) killMarked(this.mark); // started meanwhile
    return ended;
  }

  private stopFor(why: string): Promise<string> {
    return this.stop().then((ended) => {
      if (ended) return why;
      this.onStuck(why);
      return `${why}; its thread is stuck in a system call and cannot be stopped (linkback cannot exit before the call returns)`;
    });
  }

  private send(message: Record<string, unknown>, timeoutMs: number, slow: string): Promise<unknown> {
    if (this.ended !== undefined) return Promise.reject(new HostFailure(this.ended, "exited"));
    const id = ++this.sequence;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        void this.stopFor(slow).then((why) => reject(new HostFailure(why, "timeout")));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.worker.postMessage({ ...message, id });
    });
  }
}

const FN = "__linkbackFunction";

/**
 * The export with each function marker turned back into a function that calls into the thread, each call
 * bounded by `host.callTimeoutMs`; the name stays the function's (for `function tellMonitoring` in a dry run).
 */
export function withFunctions(value: unknown, host: JobHost): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => withFunctions(item, host));
  const record = value as Record<string, unknown>;
  if (typeof record[FN] === "number") {
    const id = record[FN] as number;
    const fn = (argument: unknown) => host.call(id, argument, host.callTimeoutMs);
    Object.defineProperty(fn, "name", { value: String(record.name ?? "") });
    return fn;
  }
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, withFunctions(item, host)]));
}

/** True when the export holds a function (the thread must stay for the run). */
export function hasFunctions(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some(hasFunctions);
  const record = value as Record<string, unknown>;
  return typeof record[FN] === "number" || Object.values(record).some(hasFunctions);
}
