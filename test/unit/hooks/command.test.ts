// What a hook runs and how it reads in a plan; the LINKBACK_* variables command hooks get.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DAILY, threeTimes } from "../../../src/time/cycle.ts";
import { hookEnvironment } from "../../../src/hooks/run.ts";
import { describeHook } from "../../../src/hooks/command.ts";
import { notify, remote } from "../../../src/config/define.ts";
import type { HookContext, Job } from "../../../src/config/types.ts";

describe("hooks", () => {
  const job = (overrides: Partial<Job> = {}): Job => ({
    name: "univac", file: "/repo/jobs/univac.ts", prefix: "univac", backupDir: "/mnt/sda1/backups", source: "root@192.168.1.20:/",
    excludes: [], rsyncArgs: [], hooks: {}, cycle: DAILY, alertCycle: threeTimes(DAILY), enabled: true, minKeepCount: 1, shrinkLimit: 0.5, ...overrides,
  });

  test("hookEnvironment: every LINKBACK_* variable, as strings", () => {
    const failed: HookContext = { job: "univac", snapshot: "univac-2026-11-22", status: "failed", exitCode: 23, error: "rsync failed with exit 23", durationMs: 1234.6 };
    assert.deepEqual(hookEnvironment(failed), {
      LINKBACK_JOB: "univac",
      LINKBACK_SNAPSHOT: "univac-2026-11-22",
      LINKBACK_STATUS: "failed",
      LINKBACK_EXIT_CODE: "23",
      LINKBACK_ERROR: "rsync failed with exit 23",
      LINKBACK_DURATION_MS: "1235",
      LINKBACK_FAILED_FILES: "",
    });
    const partial = hookEnvironment({ ...failed, status: "partial", failedFiles: ["/etc/shadow", "/home/ben/with space"] });
    assert.equal(partial.LINKBACK_STATUS, "partial");
    assert.equal(partial.LINKBACK_FAILED_FILES, "/etc/shadow\n/home/ben/with space", "one path a line");
  });
  test("hookEnvironment: before rsync, exit code and error are empty, never 'undefined'", () => {
    const env = hookEnvironment({ job: "univac", snapshot: "univac-2026-11-22", status: "pending", durationMs: 0 });
    assert.equal(env.LINKBACK_STATUS, "pending");
    assert.equal(env.LINKBACK_EXIT_CODE, "");
    assert.equal(env.LINKBACK_ERROR, "");
    assert.equal(env.LINKBACK_DURATION_MS, "0");
    assert.equal(hookEnvironment({ job: "j", snapshot: "s", status: "ok", exitCode: 0, durationMs: 5 }).LINKBACK_EXIT_CODE, "0");
  });

  test("describeHook: a shell string is shown as run by sh, with its text", () => {
    const text = describeHook("logger -t backup 'univac backup failed'", job());
    assert.ok(text.includes("sh"));
    assert.ok(text.includes("logger -t backup 'univac backup failed'"));
  });
  test("describeHook: an argv array is its words", () => {
    assert.equal(describeHook(["logger", "-t", "backup", "done"], job()), "logger -t backup done");
  });
  test("describeHook: a function by name, or anonymous", () => {
    async function tellMonitoring() {}
    assert.ok(describeHook(tellMonitoring, job()).includes("tellMonitoring"));
    const anonymous = [async () => {}][0]!;
    assert.ok(describeHook(anonymous, job()).startsWith("function"));
  });
  test("describeHook: notify() says who, what, and the job's ssh to the source host that carries its script", () => {
    const ssh = "ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts";
    const text = describeHook(notify("Root backup done", { user: "ben", display: ":0.0" }), job({ ssh }));
    assert.equal(text, `notify ben on root@192.168.1.20: "Root backup done" (notify-send -a linkback -u normal; script on stdin of: ${ssh} root@192.168.1.20 'sh -s')`);
  });
  test("describeHook: notify() for a local source runs sh -s here", () => {
    assert.equal(describeHook(notify("done"), job({ source: "/home/ben" })), `notify the user ssh logs in as on this machine: "done" (notify-send -a linkback -u normal; script on stdin of: sh -s)`);
  });
  test("describeHook: remote() uses the structured ssh settings", () => {
    const text = describeHook(remote("uptime"), job({ source: "ben@laptop.lan:/home", ssh: { identityFile: "/k/id", port: 2222 } }));
    assert.ok(text.startsWith("ssh "), text);
    assert.ok(text.includes("-i /k/id") && text.includes("-p 2222"), text);
    assert.ok(text.endsWith(" ben@laptop.lan uptime"), text);
  });
  test("describeHook: remote() without ssh settings is plain ssh to the host", () => {
    assert.equal(describeHook(remote("uptime"), job()), "ssh root@192.168.1.20 uptime");
    assert.equal(describeHook(remote("uptime"), job({ source: "root@[::1]:/srv" })), "ssh root@::1 uptime");
  });
  test("describeHook: remote() with a source that has no ssh host is an error naming the source", () => {
    assert.throws(() => describeHook(remote("uptime"), job({ source: "/home/ben" })), /\/home\/ben/);
    assert.throws(() => describeHook(remote("uptime"), job({ source: "rsync://host/mod" })), /rsync:\/\/host\/mod/);
  });
});
