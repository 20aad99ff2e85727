// A real desktop session for notify() tests, made the way current Debian, Ubuntu and Fedora desktops make
// one: a user with /run/user/UID (mode 0700, theirs) and a `dbus-daemon --session` listening on
// unix:path=/run/user/UID/bus, an X display (Xvfb), and a real notification daemon (dunst) on that bus.
// What arrived is read back with `dunstctl history`, as the user, on the user's bus. Users are created with
// useradd and removed again with userdel; every process dies with the test (setpriv --pdeathsig).
import { spawn, type ChildProcess } from "node:child_process";
import { access, chmod, chown, mkdir, rm, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";

const PROGRAMS = ["/usr/bin/Xvfb", "/usr/bin/dbus-daemon", "/usr/bin/dunst", "/usr/bin/dunstctl", "/usr/bin/dbus-send", "/usr/bin/notify-send", "/usr/bin/sudo", "/usr/sbin/useradd", "/usr/bin/setpriv"];

/** Why a real desktop session cannot be made here, or undefined when it can. */
export async function desktopMissing(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "a desktop session for another user needs root (useradd, /run/user/UID)";
  for (const program of PROGRAMS) {
    try {
      await access(program, constants.X_OK);
    } catch {
      return `${program} is not installed (apt-get install xvfb dbus dunst libnotify-bin sudo util-linux passwd)`;
    }
  }
  return undefined;
}

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
}

/** Create a login user (shell /bin/sh, a home, a password field that is not locked, so sshd lets the key in). */
export async function createUser(name: string): Promise<TestUser> {
  await execa("userdel", ["-r", name], { reject: false }); // a leftover of a killed test run
  await execa("useradd", ["-m", "-s", "/bin/sh", name]);
  await execa("usermod", ["-p", "*", name]);
  const uid = Number((await execa("id", ["-u", name])).stdout);
  const gid = Number((await execa("id", ["-g", name])).stdout);
  return { name, uid, gid };
}

export async function removeUser(user: TestUser): Promise<void> {
  await execa("pkill", ["-KILL", "-u", String(user.uid)], { reject: false });
  await execa("userdel", ["-r", user.name], { reject: false });
  await rm(`/run/user/${user.uid}`, { recursive: true, force: true });
}

/** What dunst shows of one notification. */
export interface Shown {
  summary: string;
  body: string;
  appname: string;
  icon: string;
  /** dunst's id: numbered in the order they arrived. */
  id: number;
  /** Milliseconds it stays (notify-send -t, else the urgency's default in dunstrc; 0 = until dismissed). */
  timeoutMs: number;
}

export interface Desktop {
  user: TestUser;
  /** The session bus address (`unix:path=…`). */
  bus: string;
  /** The X display (`:N`), or undefined without one. */
  display: string | undefined;
  /** Every notification dunst has received, newest first by id (shown ones are closed first, so history holds them all). */
  notifications(): Promise<Shown[]>;
  /** Stop dunst, the bus and the display. */
  stop(): Promise<void>;
}

export interface DesktopOptions {
  /** Where the bus listens (default /run/user/UID/bus, systemd's place). */
  busPath?: string;
  /** Start dunst (default true). Without it the bus has no notification service. */
  dunst?: boolean;
  /**
   * Only the services the bus knows: "none" gives a bus with no .service files (a session that runs, with
   * nothing that shows notifications, as on a login screen with lingering); default: the system's.
   */
  services?: "system" | "none";
  /** A process of the user that carries the bus address in its environment (a dbus-launch session). */
  environHolder?: boolean;
}

/** Start a session for `user`. */
export async function startDesktop(user: TestUser, options: DesktopOptions = {}): Promise<Desktop> {
  const runDir = `/run/user/${user.uid}`;
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  await chown(runDir, user.uid, user.gid);
  await chmod(runDir, 0o700);
  const busPath = options.busPath ?? join(runDir, "bus");
  const bus = `unix:path=${busPath}`;
  const children: ChildProcess[] = [];
  const env = { HOME: `/home/${user.name}`, USER: user.name, LOGNAME: user.name, PATH: "/usr/bin:/bin", DBUS_SESSION_BUS_ADDRESS: bus };
  const asUser = (argv: string[], extraEnv: Record<string, string> = {}) => {
    const child = spawn("setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "--pdeathsig", "KILL", "--", ...argv], {
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    return child;
  };
  try {
    const config = join(runDir, "linkback-test-bus.conf");
    await writeFile(config, busConfig(busPath, options.services ?? "system"));
    asUser(["dbus-daemon", `--config-file=${config}`, "--nofork", "--nopidfile"]);
    const ping = ["dbus-send", `--bus=${bus}`, "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"];
    await waitFor(async () => (await runAs(user, bus, ping)).exitCode === 0, `the session bus of ${user.name} at ${busPath}`);
    let display: string | undefined;
    if (options.dunst !== false) {
      display = await startXvfb(children);
      asUser(["dunst"], { DISPLAY: display });
      await waitFor(async () => (await dunstctl(user, bus, ["is-paused"])).exitCode === 0, `dunst on ${display} for ${user.name}`);
    }
    if (options.environHolder === true) asUser(["sleep", "3600"]);
    return {
      user,
      bus,
      display,
      async notifications() {
        await dunstctl(user, bus, ["close-all"]);
        const history = await dunstctl(user, bus, ["history"]);
        if (history.exitCode !== 0) throw new Error(`dunstctl history failed: ${history.stderr}`);
        const parsed = JSON.parse(history.stdout) as { data: Record<string, { data: unknown }>[][] };
        const shown = (parsed.data[0] ?? []).map((entry) => ({
          id: Number(entry.id?.data ?? 0),
          summary: String(entry.summary?.data ?? ""),
          body: String(entry.body?.data ?? ""),
          appname: String(entry.appname?.data ?? ""),
          icon: String(entry.icon_path?.data ?? ""),
          timeoutMs: Number(entry.timeout?.data ?? -1) / 1000,
        }));
        // History is in the order they were closed, and close-all closes the shown ones in its own order.
        return shown.sort((a, b) => b.id - a.id);
      },
      stop: () => stopAll(children),
    };
  } catch (error) {
    await stopAll(children);
    throw error;
  }
}

/** A session bus as dbus-daemon --session makes it, on `path`, with or without the system's activatable services. */
function busConfig(path: string, services: "system" | "none"): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${path}</listen>
  ${services === "system" ? "<standard_session_servicedirs/>" : ""}
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`;
}

/** Xvfb on a display number it picks itself (-displayfd): no clash with another test or a real X server. */
async function startXvfb(children: ChildProcess[]): Promise<string> {
  const xvfb = spawn("setpriv", ["--pdeathsig", "KILL", "--", "Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "640x480x24"], { stdio: ["ignore", "ignore", "pipe", "pipe"] });
  children.push(xvfb);
  const number = await new Promise<string>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("Xvfb did not report its display within 15 s")), 15_000);
    (xvfb.stdio[3] as NodeJS.ReadableStream).on("data", (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes("\n")) {
        clearTimeout(timer);
        resolve(text.trim());
      }
    });
    xvfb.once("exit", (code) => reject(new Error(`Xvfb exited (${code}) before reporting its display`)));
  });
  return `:${number}`;
}

/** A command as the user, on the user's bus (a session bus lets in no one else, root neither). */
function runAs(user: TestUser, bus: string, argv: string[]) {
  return execa("setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--init-groups", "--", ...argv], {
    env: { DBUS_SESSION_BUS_ADDRESS: bus, PATH: "/usr/bin:/bin", HOME: `/home/${user.name}` },
    reject: false,
  });
}

function dunstctl(user: TestUser, bus: string, args: string[]) {
  return runAs(user, bus, ["dunstctl", ...args]);
}

async function waitFor(ready: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not come up within 15 s`);
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.reverse().map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 2000).unref();
  })));
}
