// notify(): a desktop notification on the backed-up machine. One POSIX sh script, read by `sh -s` from
// stdin on that machine (over the job's ssh, or here for a local source), so that no word of the message
// ever passes through a shell's parser: the data are single-quoted assignments at the top, the code below is
// fixed. The script finds the user's session bus, becomes the user (directly, sudo -n, or runuser as root),
// and runs notify-send with DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR set: under sudo, notify-send has
// neither, finds no bus, and nothing reaches the desktop (the blog script's `sudo -u USER notify-send`).
import type { HookContext, NotifyHook } from "../config/types.ts";
import { shellQuote } from "../process/shellWords.ts";

/** The script's exit status for "delivered to nobody, on purpose" (EX_TEMPFAIL); its stdout says why. */
export const NOTIFY_SKIPPED = 75;
const SKIPPED_MARK = "linkback-notify: skipped: ";

/** Runs as the desktop user: $1 user, $2 uid, $3 host, $4 DISPLAY, $5 WAYLAND_DISPLAY, $6 bus; then notify-send's arguments. */
const DELIVER = String.raw`user=$1 uid=$2 host=$3 display=$4 wayland=$5 bus=$6
shift 6
run=/run/user/$uid
# The session bus: the one the job names; systemd's per-user bus; the one this login has; else one that a
# process of the user's (a dbus-launch session) carries in its environment.
if [ -z "$bus" ] && [ -S "$run/bus" ]; then bus=unix:path=$run/bus; fi
if [ -z "$bus" ]; then bus=${'$'}{DBUS_SESSION_BUS_ADDRESS:-}; fi
if [ -z "$bus" ]; then
  for environ in /proc/[0-9]*/environ; do
    [ -O "$environ" ] && [ -r "$environ" ] || continue
    bus=$(tr '\000' '\n' <"$environ" 2>/dev/null | sed -n 's/^DBUS_SESSION_BUS_ADDRESS=//p' | head -n 1)
    [ -n "$bus" ] && break
  done
fi
if [ -z "$bus" ]; then
  echo "${SKIPPED_MARK}no desktop session for $user on $host"
  exit ${NOTIFY_SKIPPED}
fi
export DBUS_SESSION_BUS_ADDRESS="$bus"
if [ -d "$run" ]; then export XDG_RUNTIME_DIR="$run"; fi
if [ -n "$display" ]; then export DISPLAY="$display"; fi
if [ -n "$wayland" ]; then export WAYLAND_DISPLAY="$wayland"; fi
if ! command -v notify-send >/dev/null 2>&1; then
  echo "notify-send is not installed on $host (Debian/Ubuntu: libnotify-bin; Fedora, Arch: libnotify)" >&2
  exit 127
fi
if out=$(notify-send "$@" 2>&1); then exit 0; fi
case $out in
  *"Could not connect"*|*"Connection refused"*)
    echo "${SKIPPED_MARK}no desktop session for $user on $host (the session bus $bus does not answer)"
    exit ${NOTIFY_SKIPPED} ;;
  *ServiceUnknown*|*"StartServiceByName for org.freedesktop.Notifications"*)
    echo "${SKIPPED_MARK}no notification service in the session of $user on $host ($(printf '%s' "$out" | tr '\n' ' '))"
    exit ${NOTIFY_SKIPPED} ;;
esac
echo "notify-send failed for $user on $host: $out" >&2
exit 1
`;

/** Runs as whoever the job's ssh logs in as (or linkback's own user, for a local source). */
const BECOME = String.raw`host=$(uname -n)
me=$(id -un) || exit 1
if [ -z "$user" ]; then user=$me; fi
if ! uid=$(id -u -- "$user" 2>/dev/null); then
  echo "there is no user $user on $host" >&2
  exit 1
fi
if [ "$user" = "$me" ]; then
  exec sh -c "$deliver" linkback-notify "$user" "$uid" "$host" "$display" "$wayland" "$bus" "$@"
fi
if command -v sudo >/dev/null 2>&1; then
  if ! refused=$(sudo -n -u "$user" -- true 2>&1); then
    echo "$me on $host may not run commands as $user through sudo without a password ($refused): allow it in sudoers, or let the job's ssh log in as $user" >&2
    exit 1
  fi
  exec sudo -n -u "$user" -- sh -c "$deliver" linkback-notify "$user" "$uid" "$host" "$display" "$wayland" "$bus" "$@"
fi
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null 2>&1; then
  exec runuser -u "$user" -- sh -c "$deliver" linkback-notify "$user" "$uid" "$host" "$display" "$wayland" "$bus" "$@"
fi
echo "$me on $host cannot become $user: sudo is not installed; install it, or let the job's ssh log in as $user" >&2
exit 1
`;

/** The message (a function of the run's facts, called in the job file's thread, or fixed text). */
export async function notifyMessage(hook: NotifyHook, context: HookContext): Promise<string> {
  return typeof hook.message === "function" ? String(await hook.message({ ...context })) : hook.message;
}

/** notify-send's argv after the program name: options, `--`, then the message and the body as data. */
export function notifySendArgs(hook: NotifyHook, message: string): string[] {
  const args = ["-a", hook.appName ?? "linkback", "-u", hook.urgency ?? "normal"];
  if (hook.icon !== undefined) args.push("-i", hook.icon);
  if (hook.expireTime !== undefined) args.push("-t", String(hook.expireTime));
  // notify-send reads backslash escapes in the body (g_strcompress: \n, \\): doubled, each arrives as written.
  return [...args, "--", message, ...(hook.body === undefined ? [] : [hook.body.replaceAll("\\", "\\\\")])];
}

/** The whole script for `sh -s`: data as quoted assignments and `set --`, then fixed code. */
export function notifyScript(hook: NotifyHook, message: string): string {
  const data = [
    `user=${shellQuote(hook.user ?? "")}`,
    `display=${shellQuote(hook.display ?? "")}`,
    `wayland=${shellQuote(hook.waylandDisplay ?? "")}`,
    `bus=${shellQuote(hook.bus ?? "")}`,
    `deliver=${shellQuote(DELIVER)}`,
    `set -- ${notifySendArgs(hook, message).map(shellQuote).join(" ")}`,
  ];
  return `# linkback notify()\n${data.join("\n")}\n${BECOME}`;
}

/** A skipped notification's reason ("no desktop session for ben on univac"), from the script's status and output. */
export function skippedBecause(exitCode: number | undefined, output: string): string | undefined {
  if (exitCode !== NOTIFY_SKIPPED) return undefined;
  const line = output.split("\n").find((text) => text.startsWith(SKIPPED_MARK));
  return line?.slice(SKIPPED_MARK.length).trim();
}

/** How a notify hook reads in a dry run: who gets which text where, and the command that carries the script. */
export function describeNotify(hook: NotifyHook, where: string, carrier: string): string {
  const who = hook.user ?? "the user ssh logs in as";
  const text = typeof hook.message === "function" ? "the text its function returns" : JSON.stringify(hook.message);
  const args = notifySendArgs(hook, "");
  return `notify ${who} on ${where}: ${text} (notify-send ${args.slice(0, args.indexOf("--")).map(shellQuote).join(" ")}; script on stdin of: ${carrier})`;
}
