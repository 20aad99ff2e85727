// notify()'s pure parts: notify-send's argv (the message and body after `--`, as data), the script's data
// lines, how a skipped notification is read back, and how the hook reads in a dry run. The script itself runs
// against a real desktop session in test/integration/notify.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { spawnSync } from "node:child_process";
import { notify } from "../../../src/config/define.ts";
import { NOTIFY_SKIPPED, describeNotify, notifyMessage, notifyScript, notifySendArgs, skippedBecause } from "../../../src/hooks/notify.ts";

const CONTEXT = { job: "univac", snapshot: "univac-2026-11-22", status: "failed", error: "rsync exit 23", durationMs: 5 } as const;

describe("notify-send's arguments", () => {
  test("defaults: app name linkback, normal urgency, the message after --", () => {
    assert.deepEqual(notifySendArgs(notify("done"), "done"), ["-a", "linkback", "-u", "normal", "--", "done"]);
  });
  test("every option in notify-send's own terms; a body's backslashes doubled (notify-send reads escapes there)", () => {
    const hook = notify("x", { urgency: "critical", icon: "drive-harddisk", appName: "backup", expireTime: 0, body: "C:\\\\new \\n" });
    assert.deepEqual(notifySendArgs(hook, "-- x"), ["-a", "backup", "-u", "critical", "-i", "drive-harddisk", "-t", "0", "--", "-- x", "C:\\\\\\\\new \\\\n"]);
  });
  test("a message function gets the run's facts", async () => {
    assert.equal(await notifyMessage(notify((c) => `${c.job}: ${c.error ?? ""}`), CONTEXT), "univac: rsync exit 23");
  });
});

describe("the script", () => {
  test("is valid sh, with the data in assignments that a real sh gives back unchanged", () => {
    const message = `it's "$(rm -rf /)" \`id\`\n; $HOME \\ 100%`;
    const script = notifyScript(notify(message, { user: "ben", display: ":0.0" }), message);
    // Run only the data lines (everything before the fixed code) and print what they hold.
    const data = script.slice(0, script.indexOf("host=$(uname -n)"));
    const printed = spawnSync("sh", ["-c", `${data}\nprintf '%s\\0' "$user" "$display" "$@"`], { encoding: "utf8" });
    assert.equal(printed.status, 0, printed.stderr);
    assert.deepEqual(printed.stdout.split("\0").slice(0, -1), ["ben", ":0.0", "-a", "linkback", "-u", "normal", "--", message]);
    assert.equal(spawnSync("sh", ["-n"], { input: script }).status, 0, "sh -n accepts the whole script");
  });
});

describe("a skipped notification", () => {
  test("is read from the script's status 75 and its marked line", () => {
    assert.equal(skippedBecause(NOTIFY_SKIPPED, "linkback-notify: skipped: no desktop session for ben on univac\n"), "no desktop session for ben on univac");
    assert.equal(skippedBecause(1, "linkback-notify: skipped: no desktop session for ben on univac\n"), undefined, "only with status 75");
    assert.equal(skippedBecause(NOTIFY_SKIPPED, "some other program's 75\n"), undefined, "only with the marked line");
  });
});

test("a dry run says who gets what, where and how", () => {
  assert.equal(describeNotify(notify("Backing up…", { user: "ben", urgency: "low" }), "root@univac", "ssh root@univac 'sh -s'"), `notify ben on root@univac: "Backing up…" (notify-send -a linkback -u low; script on stdin of: ssh root@univac 'sh -s')`);
  assert.equal(describeNotify(notify(() => "x"), "this machine", "sh -s"), "notify the user ssh logs in as on this machine: the text its function returns (notify-send -a linkback -u normal; script on stdin of: sh -s)");
});
