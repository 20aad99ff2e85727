// notify() against a real desktop session (test/helpers/desktop.ts: /run/user/UID, dbus-daemon --session,
// Xvfb, dunst) on the backed-up machine, reached over a real sshd on 127.0.0.1: the blog script's setup
// (ssh as root, notify the desktop user through sudo), ssh as the desktop user itself (sudo made unusable),
// a session whose bus is only in a process's environment (dbus-launch), a message that is shell syntax,
// nobody logged in, a bus with no notification service, an ssh user sudo refuses, and a local job. What
// arrived is read from dunst's own history.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { access, chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { linkback, listNames, tempDir, testEnv, writeJob, writeTree } from "../helpers/cli.ts";
import { type Desktop, type TestUser, createUser, desktopMissing, removeUser, startDesktop } from "../helpers/desktop.ts";
import { type Sshd, skipUnlessCi, sshdMissing, startSshd } from "../helpers/sshd.ts";

const DAY1 = "2026-11-20T03:00:00";
const DAY2 = "2026-11-21T03:00:00";
const skip = skipUnlessCi((await sshdMissing()) ?? (await desktopMissing()));
const HOST = hostname();

describe("notify() reaches a real desktop session", { skip }, () => {
  let sshd: Sshd;
  /** An sshd whose sessions see a /usr/bin/sudo that fails loudly: proves a path needs no sudo. */
  let sshdWithoutSudo: Sshd;
  let temp: { path: string; cleanup: () => Promise<void> };
  const users: Record<"desk" | "x11" | "idle" | "ops", TestUser> = {} as never;
  const desktops: Desktop[] = [];
  let desk: Desktop;
  let counter = 0;

  before(async () => {
    temp = await tempDir("linkback-notify");
    await chmod(temp.path, 0o755); // the desktop and ssh users read the sources below it
    for (const role of ["desk", "x11", "idle", "ops"] as const) users[role] = await createUser(`lbn-${role}`);
    desk = await startDesktop(users.desk);
    desktops.push(desk);
    sshd = await startSshd();
    const fakeSudo = join(temp.path, "sudo-must-not-run");
    await writeFile(fakeSudo, "#!/bin/sh\necho 'sudo was run' >&2\nexit 99\n");
    await chmod(fakeSudo, 0o755);
    sshdWithoutSudo = await startSshd({ binds: [{ source: fakeSudo, target: "/usr/bin/sudo" }] });
  });

  after(async () => {
    for (const desktop of desktops) await desktop.stop();
    await sshd?.cleanup();
    await sshdWithoutSudo?.cleanup();
    for (const user of Object.values(users)) await removeUser(user);
    await temp?.cleanup();
  });

  async function setup(label: string) {
    const base = join(temp.path, `${label}-${++counter}`);
    const source = join(base, "src");
    const backup = join(base, "backups");
    await writeTree(source, { "etc/hostname": "univac\n", "home/ben/notes.txt": "remember the milk\n" });
    await mkdir(backup, { recursive: true });
    return { base, source, backup, jobs: join(base, "jobs"), logs: join(base, "logs") };
  }

  const ssh = (server: Sshd) => ({ identityFile: server.keyFile, knownHostsFile: server.knownHostsFile, port: server.port, options: { BatchMode: "yes" } });

  /** A job file with the given hooks (TypeScript text), as a user writes it. */
  async function job(t: Awaited<ReturnType<typeof setup>>, name: string, fields: { source: string; ssh?: unknown; hooks: string }) {
    await writeJob(
      t.jobs,
      name,
      `import { defineJob, notify } from "linkback";
export default defineJob({
  prefix: ${JSON.stringify(name)},
  backupDir: ${JSON.stringify(t.backup)},
  source: ${JSON.stringify(fields.source)},
  ${fields.ssh === undefined ? "" : `ssh: ${JSON.stringify(fields.ssh)},`}
  hooks: ${fields.hooks},
});
`,
    );
  }

  /** The notifications that arrived since `before` (oldest first). */
  async function arrivedSince(desktop: Desktop, before: number) {
    const all = await desktop.notifications();
    return all.slice(0, all.length - before).reverse();
  }

  /** linkback.log's entries of one run. */
  async function logEntries(logs: string): Promise<{ level: number; msg: string; phase?: string }[]> {
    return (await readFile(join(logs, "linkback.log"), "utf8")).trim().split("\n").map((line) => JSON.parse(line) as { level: number; msg: string });
  }

  test("ssh as root, sudo to the desktop user: pre and after arrive, then pre and fail (with the error) on a failed run", async () => {
    const t = await setup("blog");
    await job(t, "univac", {
      source: `root@127.0.0.1:${t.source}`,
      ssh: ssh(sshd),
      hooks: `{
    pre: notify("Backing up system to router…", { user: "lbn-desk", display: ${JSON.stringify(desk.display)}, icon: "drive-harddisk" }),
    after: notify((c) => "Root backup done: " + c.snapshot, { user: "lbn-desk" }),
    fail: notify((c) => "Backup FAILED: " + c.error, { user: "lbn-desk", urgency: "critical", appName: "backup" }),
  }`,
    });
    const before = (await desk.notifications()).length;
    const ok = await linkback(["run", "univac", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(ok.exitCode, 0, ok.stderr);
    let got = await arrivedSince(desk, before);
    assert.deepEqual(got.map((n) => n.summary), ["Backing up system to router…", "Root backup done: univac-2026-11-20"]);
    assert.deepEqual(got.map((n) => n.appname), ["linkback", "linkback"]);
    assert.match(got[0]!.icon, /drive-harddisk/, "the icon name reached dunst (which resolves it to a file)");

    await rename(t.source, `${t.source}.gone`); // the source path is missing: rsync 23
    const failed = await linkback(["run", "univac", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY2 }));
    assert.equal(failed.exitCode, 1, failed.stderr);
    got = await arrivedSince(desk, before);
    assert.equal(got.length, 4, JSON.stringify(got));
    assert.equal(got[2]!.summary, "Backing up system to router…");
    assert.match(got[3]!.summary, /^Backup FAILED: job univac: rsync failed with exit 23 /);
    assert.equal(got[3]!.appname, "backup");
    assert.equal(got[3]!.timeoutMs, 0, "critical: stays until dismissed (dunstrc's urgency_critical timeout 0)");
    assert.deepEqual(await listNames(t.backup), ["univac-2026-11-20", "univac-incomplete"], "the failed day published nothing");
  });

  test("a message of shell syntax arrives verbatim and runs nothing: quotes, $(…), backticks, a newline, a leading dash", async () => {
    const t = await setup("hostile");
    const canary = join(t.base, "canary");
    const message = `-- it's "done" $(touch ${canary}) \`touch ${canary}\` ; touch ${canary} & $HOME\nsecond line 100%`;
    const body = `<b>bold?</b> $(touch ${canary}) '\\''`;
    await job(t, "hostile", {
      source: `root@127.0.0.1:${t.source}`,
      ssh: ssh(sshd),
      hooks: `{ after: notify(${JSON.stringify(message)}, { user: "lbn-desk", body: ${JSON.stringify(body)}, expireTime: 4321 }) }`,
    });
    const before = (await desk.notifications()).length;
    const result = await linkback(["run", "hostile", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(result.exitCode, 0, result.stderr);
    const [shown, ...more] = await arrivedSince(desk, before);
    assert.equal(more.length, 0);
    assert.equal(shown!.summary, message);
    assert.equal(shown!.body, body);
    assert.equal(shown!.timeoutMs, 4321);
    await assert.rejects(access(canary), "nothing in the message ran");
  });

  test("ssh as the desktop user: delivered without sudo (sudo fails loudly on that sshd)", async () => {
    const t = await setup("self");
    await job(t, "selfie", {
      source: `lbn-desk@127.0.0.1:${t.source}`,
      ssh: ssh(sshdWithoutSudo),
      hooks: `{ pre: notify("as myself, no user given"), after: notify("as myself, user given", { user: "lbn-desk" }) }`,
    });
    const before = (await desk.notifications()).length;
    const result = await linkback(["run", "selfie", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /hook failed/);
    assert.deepEqual((await arrivedSince(desk, before)).map((n) => n.summary), ["as myself, no user given", "as myself, user given"]);
  });

  test("a dbus-launch session (no /run/user bus; the address only in the user's processes) is found", async () => {
    const t = await setup("x11");
    const busDir = join(t.base, "x11-bus");
    await mkdir(busDir);
    await chmod(busDir, 0o777);
    const x11 = await startDesktop(users.x11, { busPath: join(busDir, "bus"), environHolder: true });
    desktops.push(x11);
    await job(t, "oldx", { source: `root@127.0.0.1:${t.source}`, ssh: ssh(sshd), hooks: `{ after: notify("found by environ", { user: "lbn-x11" }) }` });
    const result = await linkback(["run", "oldx", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual((await x11.notifications()).map((n) => n.summary), ["found by environ"]);
  });

  test("nobody logged in: the backup succeeds and the log says, at info, that the notification was skipped", async () => {
    const t = await setup("idle");
    await job(t, "asleep", {
      source: `root@127.0.0.1:${t.source}`,
      ssh: ssh(sshd),
      hooks: `{ pre: notify("start", { user: "lbn-idle" }), after: notify("done", { user: "lbn-idle" }) }`,
    });
    const result = await linkback(["run", "asleep", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await listNames(t.backup), ["asleep-2026-11-20"]);
    const skipped = (await logEntries(t.logs)).filter((entry) => entry.msg.includes("notification skipped"));
    assert.deepEqual(skipped.map((entry) => [entry.level, entry.phase, entry.msg]), [
      [30, "pre", `no desktop session for lbn-idle on ${HOST}: notification skipped`],
      [30, "after", `no desktop session for lbn-idle on ${HOST}: notification skipped`],
    ]);
    assert.doesNotMatch(result.stderr, /hook failed/);
  });

  test("a session bus with no notification service (a login screen with lingering): skipped at info, not an error", async () => {
    const t = await setup("noservice");
    const quiet = await startDesktop(users.idle, { dunst: false, services: "none" });
    desktops.push(quiet);
    try {
      await job(t, "lingering", { source: `root@127.0.0.1:${t.source}`, ssh: ssh(sshd), hooks: `{ after: notify("done", { user: "lbn-idle" }) }` });
      const result = await linkback(["run", "lingering", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
      assert.equal(result.exitCode, 0, result.stderr);
      const [entry, ...others] = (await logEntries(t.logs)).filter((e) => e.msg.includes("notification skipped"));
      assert.equal(others.length, 0);
      assert.equal(entry!.level, 30);
      assert.match(entry!.msg, new RegExp(`^no notification service in the session of lbn-idle on ${HOST} \\(.*ServiceUnknown.*\\): notification skipped$`));
    } finally {
      await quiet.stop();
    }
  });

  test("an ssh user that sudo refuses: a warning that says so, and the backup still runs (a notify pre hook never stops it)", async () => {
    const t = await setup("ops");
    await job(t, "opsbox", {
      source: `lbn-ops@127.0.0.1:${t.source}`,
      ssh: ssh(sshd),
      hooks: `{ pre: notify("start", { user: "lbn-desk" }) }`,
    });
    const before = (await desk.notifications()).length;
    const result = await linkback(["run", "opsbox", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.match(result.stderr, /warn .*pre hook failed: exit status 1: lbn-ops on \S+ may not run commands as lbn-desk through sudo without a password .*; backing up anyway/);
    assert.deepEqual(await listNames(t.backup), ["opsbox-2026-11-20"]);
    assert.equal((await arrivedSince(desk, before)).length, 0);
  });

  test("a local job notifies the desktop of this machine", async () => {
    const t = await setup("local");
    await job(t, "here", { source: t.source, hooks: `{ after: notify((c) => c.job + " " + c.status, { user: "lbn-desk" }) }` });
    const before = (await desk.notifications()).length;
    const result = await linkback(["run", "here", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual((await arrivedSince(desk, before)).map((n) => n.summary), ["here ok"]);
  });
});
