// A real OpenSSH server on 127.0.0.1 for tests: its own config, a throwaway host key and client key, a
// known_hosts file for the host key, a random non-standard port. Nothing of the machine's sshd is used or
// changed (only /run/sshd, sshd's privilege separation directory, is created when missing).
import { spawn, type ChildProcess } from "node:child_process";
import { access, chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { tempDir } from "./cli.ts";

export const SSHD = "/usr/sbin/sshd";

export interface Sshd {
  host: "127.0.0.1";
  port: number;
  /** The throwaway client private key (ed25519, no passphrase). */
  keyFile: string;
  /** A known_hosts file holding the server's host key as `[127.0.0.1]:PORT ssh-ed25519 …`. */
  knownHostsFile: string;
  /** The temp directory holding keys, config and logs (removed by cleanup). */
  dir: string;
  /** What sshd wrote on stderr (-e): for failure messages. */
  log(): string;
  /** Stop the server (connections are refused afterwards). */
  stop(): Promise<void>;
  /** Start it again on the same port after stop(). */
  start(): Promise<void>;
  /** Stop and remove everything. */
  cleanup(): Promise<void>;
}

export interface SshdOptions {
  /** `SetEnv` lines of sshd_config: the environment of every remote command (PATH, for one). */
  setEnv?: Record<string, string>;
  /**
   * Directories bind-mounted over others for sshd and everything it runs only, in a private mount namespace
   * (e.g. a directory of stand-in programs over /usr/local/sbin, where sudo's secure_path finds them).
   */
  binds?: { source: string; target: string }[];
}

/** Why a real sshd cannot run here, or undefined when it can. */
export async function sshdMissing(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "sshd tests need root (sshd must switch users and own its host key)";
  for (const program of [SSHD, "/usr/bin/ssh", "/usr/bin/ssh-keygen"]) {
    try {
      await access(program, constants.X_OK);
    } catch {
      return `${program} is not installed (apt-get install openssh-server openssh-client)`;
    }
  }
  return undefined;
}

/**
 * The skip reason for a suite that needs system components. With CI=true a missing component is a
 * failure, not a skip: a failing test is registered that names what is missing.
 */
export function skipUnlessCi(reason: string | undefined): string | false {
  if (reason === undefined) return false;
  if (process.env.CI === "true") {
    test(`required system component: ${reason}`, () => {
      throw new Error(`CI=true and ${reason}`);
    });
  }
  return reason;
}

/** Start a throwaway sshd; resolves once it accepts connections. */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const temp = await tempDir("linkback-sshd");
  const dir = temp.path;
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  const hostKey = join(dir, "host_ed25519");
  const keyFile = join(dir, "client_ed25519");
  const authorizedKeys = join(dir, "authorized_keys");
  const knownHostsFile = join(dir, "known_hosts");
  const configFile = join(dir, "sshd_config");
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "linkback-test-host", "-f", hostKey]);
  await execa("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "linkback-test-client", "-f", keyFile]);
  await writeFile(authorizedKeys, await readFile(`${keyFile}.pub`));
  // sshd reads authorized_keys as the user logging in: any local user may log in with the test key.
  await chmod(dir, 0o755);
  await chmod(authorizedKeys, 0o644);
  const hostPublic = (await readFile(`${hostKey}.pub`, "utf8")).trim().split(/\s+/).slice(0, 2).join(" ");

  let port = 0;
  let child: ChildProcess | undefined;
  let stderr = "";
  const killOnExit = () => child?.kill("SIGKILL");
  process.on("exit", killOnExit);

  const config = (listenPort: number) =>
    [
      `Port ${listenPort}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "StrictModes no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PrintMotd no",
      "LogLevel VERBOSE",
      ...Object.entries(options.setEnv ?? {}).map(([key, value]) => `SetEnv ${key}=${value}`),
      "",
    ].join("\n");

  /** Spawn sshd on `listenPort`; resolves true when it listens, false when the port was taken. */
  const launch = async (listenPort: number): Promise<boolean> => {
    await writeFile(configFile, config(listenPort));
    stderr = "";
    // setpriv --pdeathsig: sshd dies with the test process even if the test is killed (no orphan listener).
    let argv = ["setpriv", "--pdeathsig", "KILL", "--", SSHD, "-D", "-e", "-f", configFile];
    if (options.binds !== undefined && options.binds.length > 0) {
      const mounts = options.binds.map(({ source, target }) => `mount --bind ${shellQuote(source)} ${shellQuote(target)}`).join(" && ");
      argv = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", `${mounts} && exec "$@"`, "sh", ...argv];
    }
    const started = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
    child = started;
    started.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => started.once("exit", () => resolve()));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (started.exitCode !== null || started.signalCode !== null) {
        if (/Address already in use/.test(stderr)) return false;
        throw new Error(`sshd exited (${started.exitCode ?? started.signalCode}) before listening:\n${stderr}`);
      }
      if (stderr.includes(`Server listening on 127.0.0.1 port ${listenPort}`) && (await banner(listenPort))) return true;
      await Promise.race([exited, sleep(50)]);
    }
    started.kill("SIGKILL");
    throw new Error(`sshd did not accept connections on port ${listenPort} within 15 s:\n${stderr}`);
  };

  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
    running.kill("SIGTERM");
    const timer = setTimeout(() => running.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  for (let attempt = 0; port === 0; attempt++) {
    if (attempt === 20) throw new Error(`sshd: no free port found after 20 attempts:\n${stderr}`);
    const candidate = 20_000 + Math.floor(Math.random() * 40_000);
    if (!(await portFree(candidate))) continue;
    if (await launch(candidate)) port = candidate;
  }
  await writeFile(knownHostsFile, `[127.0.0.1]:${port} ${hostPublic}\n`);
  await chmod(keyFile, 0o600);

  return {
    host: "127.0.0.1",
    port,
    keyFile,
    knownHostsFile,
    dir,
    log: () => stderr,
    stop,
    async start() {
      if (child !== undefined) return;
      if (!(await launch(port))) throw new Error(`sshd: port ${port} was taken while the server was stopped`);
    },
    async cleanup() {
      await stop();
      process.off("exit", killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** True when nothing listens on 127.0.0.1:port (checked by binding it). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** True when an SSH server answers on the port with its `SSH-2.0-` banner. */
function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("SSH-2.0-")));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Quote a word for sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
