// Before `due` starts a remote job: is the source host there at all? A ping says nothing about sshd, so this
// is ssh itself, in batch mode with a short connect timeout, through the job's own ssh settings (an rsync
// daemon without ssh: a TCP connection to its port). Unreachable means `offline`: no fail hook, no alarm.
import { createConnection } from "node:net";
import { loadExeca } from "../process/execa.ts";
import type { Job } from "../config/types.ts";
import { isCopySource, isRemoteSource, isShellSource, sourceHost } from "../config/source.ts";
import { sshArgv } from "../config/ssh.ts";
import { newestSnapshotOf } from "../backup/facts.ts";
import { messageOf } from "../errors.ts";

export type Reachability = { online: true } | { online: false; reason: string };

/** Seconds ssh may take to connect (the job's own `ConnectTimeout` option wins: ssh takes the first value). */
export const CONNECT_TIMEOUT = 10;

/**
 * ssh's words for "the host is not there" (asleep, away, sshd not running, name not known here): offline.
 * Anything else ssh says (a refused key, a changed host key) is a real failure: the run goes ahead and
 * reports it, with the fail hook.
 */
const AWAY = /Connection refused|Connection timed out|timed out|No route to host|Network is unreachable|Host is down|Could not resolve hostname|Name or service not known|Temporary failure in name resolution|Connection closed by remote host|Connection reset|kex_exchange_identification/i;

export async function checkReachable(job: Job, signal?: AbortSignal): Promise<Reachability> {
  if (isCopySource(job.source)) {
    const copy = job.copyOf;
    if (copy === undefined) return { online: true };
    const newest = await newestSnapshotOf(copy).catch(() => "unreadable");
    return newest === undefined ? { online: false, reason: `job ${copy.name} has no complete snapshot yet` } : { online: true };
  }
  if (!isRemoteSource(job.source)) return { online: true };
  const host = isShellSource(job.source) ? sourceHost(job.source) : daemonHost(job.source).host;
  if (isShellSource(job.source) || job.ssh !== undefined) return sshReachable(job, host!, signal);
  const { host: daemon, port } = daemonHost(job.source);
  return tcpReachable(daemon, port);
}

async function sshReachable(job: Job, host: string, signal: AbortSignal | undefined): Promise<Reachability> {
  const [ssh, ...options] = sshArgv(job.ssh);
  const argv = [...options, "-o", "BatchMode=yes", "-o", `ConnectTimeout=${CONNECT_TIMEOUT}`, "-n", "-T", host, "true"];
  const execa = await loadExeca();
  const result = await execa(ssh!, argv, {
    reject: false,
    stdin: "ignore",
    timeout: (CONNECT_TIMEOUT * 2 + 5) * 1000,
    ...(signal === undefined ? {} : { cancelSignal: signal }),
  });
  if (result.timedOut) return { online: false, reason: `${host}: no answer within ${CONNECT_TIMEOUT * 2 + 5} s` };
  // Any status but 255 means ssh got through (a forced command such as rrsync may refuse `true`: still there).
  if (result.exitCode !== 255) return { online: true };
  const said = String(result.stderr).split("\n").map((line) => line.trim()).filter((line) => line !== "").at(-1) ?? "ssh failed";
  return AWAY.test(said) ? { online: false, reason: said } : { online: true };
}

/** `rsync://[user@]host[:port]/module` or `[user@]host::module` → host and port (default 873). */
export function daemonHost(source: string): { host: string; port: number } {
  const address = source.startsWith("rsync://") ? source.slice("rsync://".length).split("/")[0]! : source.slice(0, source.indexOf("::"));
  const hostPort = address.slice(address.lastIndexOf("@") + 1);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  if (bracketed !== null) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 873) };
  const [host, port] = hostPort.split(":");
  return { host: host!, port: Number(port ?? 873) };
}

function tcpReachable(host: string, port: number): Promise<Reachability> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (result: Reachability) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(CONNECT_TIMEOUT * 1000, () => done({ online: false, reason: `${host}:${port}: no answer within ${CONNECT_TIMEOUT} s` }));
    socket.once("connect", () => done({ online: true }));
    socket.once("error", (error) => done({ online: false, reason: `${host}:${port}: ${messageOf(error)}` }));
  });
}
