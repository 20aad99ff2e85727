// A remote source over a real sshd on 127.0.0.1 (test/helpers/sshd.ts): the blog script's ssh string form
// and the structured form, hard links across days, remote() hooks, and what goes wrong with
// ssh (server down, key file missing, unknown host key).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createHash } from "node:crypto";
import { chmod, copyFile, link, lstat, mkdir, readFile, readdir, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { BIN, ROOT, inodeOf, linkback, listNames, tempDir, testEnv, writeJob, writeTree } from "../helpers/cli.ts";
import { type Sshd, skipUnlessCi, sshdMissing, startSshd } from "../helpers/sshd.ts";

const DAY1 = "2026-11-20T03:00:00";
const DAY2 = "2026-11-21T03:00:00";
const DAY3 = "2026-11-22T03:00:00";

const skip = skipUnlessCi(await sshdMissing());

describe("remote source over a real sshd on 127.0.0.1", { skip }, () => {
  let sshd: Sshd;
  let temp: { path: string; cleanup: () => Promise<void> };
  let counter = 0;

  before(async () => {
    temp = await tempDir("linkback-remote");
    sshd = await startSshd();
  });

  after(async () => {
    await sshd?.cleanup();
    await temp?.cleanup();
  });

  /** A fresh source tree, backup dir, jobs dir and log dir for one test. */
  async function setup(label: string) {
    const base = join(temp.path, `${label}-${++counter}`);
    const source = join(base, "src");
    const backup = join(base, "backups");
    const jobs = join(base, "jobs");
    const logs = join(base, "logs");
    await mkdir(backup, { recursive: true });
    await makeSource(source);
    return { base, source, backup, jobs, logs, remoteSource: `root@127.0.0.1:${source}` };
  }

  const blogSsh = (keyFile: string, extra = "") =>
    `ssh -i ${quote(keyFile)} -o UserKnownHostsFile=${sshd.knownHostsFile} -p ${sshd.port}${extra}`;

  const forms: { name: string; ssh: () => unknown }[] = [
    { name: "the blog script's ssh string", ssh: () => blogSsh(sshd.keyFile) },
    { name: "the ssh string with -o BatchMode=yes", ssh: () => blogSsh(sshd.keyFile, " -o BatchMode=yes") },
    {
      name: "the structured form",
      ssh: () => ({ identityFile: sshd.keyFile, knownHostsFile: sshd.knownHostsFile, port: sshd.port, options: { BatchMode: "yes" } }),
    },
  ];

  for (const form of forms) {
    test(`${form.name}: two days, unchanged files share inodes, each snapshot equals the source`, async () => {
      const t = await setup("form");
      await writeJob(t.jobs, "univac", { prefix: "univac", backupDir: t.backup, source: t.remoteSource, ssh: form.ssh(), keepDays: 30 });
      const env = (now: string) => testEnv({ logDir: t.logs, now });

      const first = await linkback(["run", "univac", "--jobs", t.jobs], env(DAY1));
      assert.equal(first.exitCode, 0, `${first.stderr}\nsshd:\n${sshd.log().slice(-2000)}`);
      const day1 = join(t.backup, "univac-2026-11-20");
      assert.deepEqual(await treeOf(day1), await treeOf(t.source));
      const day1Tree = await treeOf(day1);

      await writeFile(join(t.source, "etc/hostname"), "univac-renamed\n");
      await writeFile(join(t.source, "home/ben/new.txt"), "made on day 2\n");
      const second = await linkback(["run", "univac", "--jobs", t.jobs], env(DAY2));
      assert.equal(second.exitCode, 0, second.stderr);
      const day2 = join(t.backup, "univac-2026-11-21");
      assert.deepEqual(await listNames(t.backup), ["univac-2026-11-20", "univac-2026-11-21"]);
      assert.deepEqual(await treeOf(day2), await treeOf(t.source));
      assert.deepEqual(await treeOf(day1), day1Tree, "day 1 is unchanged by day 2");

      for (const unchanged of ["etc/fstab", "home/ben/photo.bin", "home/ben/notes.txt", "home/ben/notes-hardlink.txt", "root/secret"]) {
        const [a, b] = [await inodeOf(join(day1, unchanged)), await inodeOf(join(day2, unchanged))];
        assert.equal(b.ino, a.ino, `${unchanged} is hard-linked to day 1`);
      }
      // notes.txt and its hard link in the source, times two snapshots.
      assert.equal((await inodeOf(join(day2, "home/ben/notes.txt"))).nlink, 4);
      assert.notEqual((await inodeOf(join(day2, "etc/hostname"))).ino, (await inodeOf(join(day1, "etc/hostname"))).ino);
      assert.equal(await readFile(join(day1, "etc/hostname"), "utf8"), "univac\n");
      assert.equal((await inodeOf(join(day2, "home/ben/new.txt"))).nlink, 1);
    });
  }

  test("a key file path with spaces works for rsync and for remote() hooks", async () => {
    const t = await setup("spaces");
    const keyDir = join(t.base, "my keys");
    await mkdir(keyDir);
    const keyFile = join(keyDir, "id ed25519 (throwaway)");
    await copyFile(sshd.keyFile, keyFile);
    await chmod(keyFile, 0o600);
    const marker = join(t.base, "remote-hook-ran");
    await writeJob(
      t.jobs,
      "spaced",
      `import { defineJob, remote } from "linkback";
export default defineJob({
  prefix: "spaced",
  backupDir: ${JSON.stringify(t.backup)},
  source: ${JSON.stringify(t.remoteSource)},
  ssh: ${JSON.stringify(blogSsh(keyFile, " -o BatchMode=yes"))},
  hooks: { after: remote(${JSON.stringify(`echo "$SSH_CONNECTION" > ${marker}`)}) },
});
`,
    );
    const check = await linkback(["check", "spaced", "--jobs", t.jobs], testEnv({ logDir: t.logs }));
    assert.equal(check.exitCode, 0, check.stderr);
    const result = await linkback(["run", "spaced", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(await treeOf(join(t.backup, "spaced-2026-11-20")), await treeOf(t.source));
    assert.match(await readFile(marker, "utf8"), new RegExp(`^127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${sshd.port}\\n$`));
  });

  test("remote() hooks run on the source host over the job's ssh, with the run's outcome in order", async () => {
    const t = await setup("remote-hook");
    const record = join(t.base, "remote-hooks.txt");
    await writeJob(
      t.jobs,
      "hooked",
      `import { defineJob, remote } from "linkback";
export default defineJob({
  prefix: "hooked",
  backupDir: ${JSON.stringify(t.backup)},
  source: ${JSON.stringify(t.remoteSource)},
  ssh: ${JSON.stringify({ identityFile: sshd.keyFile, knownHostsFile: sshd.knownHostsFile, port: sshd.port, options: { BatchMode: "yes" } })},
  hooks: {
    pre: remote(${JSON.stringify(`echo "pre $(id -un) $SSH_CONNECTION" >> ${record}; test ! -e ${t.backup}/hooked-2026-11-20`)}),
    after: remote(${JSON.stringify(`echo "after $(id -un) $(cat ${t.backup}/hooked-2026-11-20/etc/hostname)" >> ${record}`)}),
  },
});
`,
    );
    const result = await linkback(["run", "hooked", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(result.exitCode, 0, result.stderr);
    const lines = (await readFile(record, "utf8")).trim().split("\n");
    assert.equal(lines.length, 2, lines.join("\n"));
    assert.match(lines[0]!, new RegExp(`^pre root 127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${sshd.port}$`));
    assert.equal(lines[1], "after root univac");
  });

  test("host unreachable (sshd stopped): exit 1 with ssh's own error and the host; fail hook runs; nothing pruned", async () => {
    const t = await setup("down");
    const failRecord = join(t.base, "fail-hook.txt");
    await writeJob(t.jobs, "downhost", {
      prefix: "downhost",
      backupDir: t.backup,
      source: t.remoteSource,
      ssh: blogSsh(sshd.keyFile, " -o BatchMode=yes -o ConnectTimeout=10"),
      keepDays: 1,
      hooks: { fail: `echo "$LINKBACK_STATUS $LINKBACK_EXIT_CODE $LINKBACK_ERROR" > ${quote(failRecord)}` },
    });
    const first = await linkback(["run", "downhost", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
    assert.equal(first.exitCode, 0, first.stderr);

    await sshd.stop();
    try {
      const down = await linkback(["run", "downhost", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY3 }));
      assert.equal(down.exitCode, 1, down.stderr);
      // rsync reports ssh's 255, or 12 when it notices the closed pipe before ssh has exited (a race in
      // rsync, about 1 run in 10 here): either way the line carries ssh's own words and the host.
      assert.match(down.stderr, /job downhost: rsync failed with exit (255|12) /);
      assert.ok(down.stderr.includes(`ssh: connect to host 127.0.0.1 port ${sshd.port}: Connection refused`), down.stderr);
      const names = await listNames(t.backup);
      assert.ok(names.includes("downhost-2026-11-20"), `day 1 must survive a failed day (keepDays 1): ${names.join(", ")}`);
      assert.ok(!names.includes("downhost-2026-11-22"), `no final-named snapshot after a failure: ${names.join(", ")}`);
      const hook = await readFile(failRecord, "utf8");
      assert.match(hook, /^failed (255|12) /);
      assert.match(hook, /127\.0\.0\.1/);
    } finally {
      await sshd.start();
    }

    const again = await linkback(["run", "downhost", "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY3 }));
    assert.equal(again.exitCode, 0, again.stderr);
    assert.deepEqual(await listNames(t.backup), ["downhost-2026-11-22"], "keepDays 1 prunes day 1 once a backup succeeded");
    assert.deepEqual(await treeOf(join(t.backup, "downhost-2026-11-22")), await treeOf(t.source));
  });

  test("an ssh key file that does not exist: exit 3 naming the `ssh` field and the path; nothing attempted", async () => {
    const t = await setup("nokey");
    const missingKey = join(t.base, "no such dir", "id_ed25519");
    const failRecord = join(t.base, "fail-hook.txt");
    for (const [name, ssh] of [
      ["nokey-string", blogSsh(missingKey)],
      ["nokey-structured", { identityFile: missingKey, knownHostsFile: sshd.knownHostsFile, port: sshd.port }],
    ] as const) {
      const file = await writeJob(t.jobs, name, {
        prefix: name,
        backupDir: t.backup,
        source: t.remoteSource,
        ssh,
        hooks: { fail: `touch ${quote(failRecord)}` },
      });
      const result = await linkback(["run", name, "--jobs", t.jobs], testEnv({ logDir: t.logs, now: DAY1 }));
      assert.equal(result.exitCode, 3, result.stderr);
      assert.ok(result.stderr.includes("`ssh`"), result.stderr);
      assert.ok(result.stderr.includes(missingKey), result.stderr);
      assert.ok(result.stderr.includes(file), result.stderr);
      const check = await linkback(["check", name, "--jobs", t.jobs], testEnv({ logDir: t.logs }));
      assert.equal(check.exitCode, 3, check.stderr);
      assert.ok(check.stderr.includes(missingKey), check.stderr);
    }
    assert.deepEqual(await listNames(t.backup), []);
  });

  test("an unknown host key fails the backup: host checking is never weakened", async () => {
    const t = await setup("hostkey");
    const emptyKnownHosts = join(t.base, "known_hosts.empty");
    await writeFile(emptyKnownHosts, "");
    const failRecord = join(t.base, "fail-hook.txt");
    for (const [name, ssh] of [
      // Without BatchMode, as from cron: no terminal to ask on (detached below), so ssh must refuse.
      ["strangerstring", `ssh -i ${quote(sshd.keyFile)} -o UserKnownHostsFile=${emptyKnownHosts} -p ${sshd.port}`],
      ["strangerstructured", { identityFile: sshd.keyFile, knownHostsFile: emptyKnownHosts, port: sshd.port, options: { BatchMode: "yes" } }],
    ] as const) {
      await writeJob(t.jobs, name, {
        prefix: name,
        backupDir: t.backup,
        source: t.remoteSource,
        ssh,
        hooks: { fail: `echo "$LINKBACK_EXIT_CODE" > ${quote(failRecord)}` },
      });
      const check = await linkback(["check", name, "--jobs", t.jobs], testEnv({ logDir: t.logs }));
      assert.equal(check.exitCode, 0, check.stderr);
      assert.doesNotMatch(check.stdout, /StrictHostKeyChecking/i);
      const result = await execa(process.execPath, [BIN, "run", name, "--jobs", t.jobs], {
        env: testEnv({ logDir: t.logs, now: DAY1 }),
        cwd: ROOT,
        reject: false,
        stdin: "ignore",
        detached: true, // a new session without a controlling terminal, like cron
        timeout: 60_000,
      });
      assert.equal(result.exitCode, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`job ${name}: rsync failed with exit (255|12) .*Host key verification failed`));
      assert.match(await readFile(join(t.logs, `${name}.rsync.log`), "utf8"), /Host key verification failed/);
      assert.match(await readFile(failRecord, "utf8"), /^(255|12)\n$/);
      assert.equal(await readFile(emptyKnownHosts, "utf8"), "", "the unknown host key was not added");
      assert.deepEqual((await listNames(t.backup)).filter((entry) => !entry.endsWith("-incomplete")), []);
    }
  });
});

/** A source tree like a small machine: nested dirs, an empty dir, a symlink, a hard-linked pair, a private file. */
async function makeSource(dir: string): Promise<void> {
  await writeTree(dir, {
    "etc/hostname": "univac\n",
    "etc/fstab": "UUID=1234 / ext4 defaults 0 1\n",
    "home/ben/notes.txt": "remember the milk\n",
    "home/ben/with space & 'quote'.txt": "awkward name\n",
    "root/secret": "hunter2\n",
  });
  await writeFile(join(dir, "home/ben/photo.bin"), createHash("sha512").update("photo").digest().toString("hex").repeat(2000));
  await link(join(dir, "home/ben/notes.txt"), join(dir, "home/ben/notes-hardlink.txt"));
  await symlink("../../etc/hostname", join(dir, "home/ben/hostname-link"));
  await mkdir(join(dir, "var/empty"), { recursive: true });
  await chmod(join(dir, "root/secret"), 0o600);
  await chmod(join(dir, "root"), 0o700);
}

/**
 * Everything rsync -aH must reproduce, per relative path: type, mode, owner, size, mtime (not for symlinks),
 * content hash or link target, and which other paths share the inode (hard links inside the tree).
 */
async function treeOf(root: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const inodes = new Map<number, string[]>();
  const walk = async (relative: string) => {
    const path = relative === "" ? root : join(root, relative);
    const info = await lstat(path);
    const key = relative === "" ? "." : relative;
    const common = `mode=${(info.mode & 0o7777).toString(8)} uid=${info.uid} gid=${info.gid}`;
    if (info.isSymbolicLink()) {
      entries[key] = `symlink -> ${await readlink(path)} uid=${info.uid}`;
    } else if (info.isDirectory()) {
      entries[key] = `dir ${common} mtime=${Math.floor(info.mtimeMs / 1000)}`;
      for (const name of (await readdir(path)).sort()) await walk(relative === "" ? name : join(relative, name));
    } else {
      const hash = createHash("sha256").update(await readFile(path)).digest("hex");
      entries[key] = `file ${common} size=${info.size} mtime=${Math.floor(info.mtimeMs / 1000)} sha256=${hash}`;
      inodes.set(info.ino, [...(inodes.get(info.ino) ?? []), key]);
    }
  };
  await walk("");
  for (const group of inodes.values()) {
    if (group.length > 1) for (const key of group) entries[key] += ` linked-with=${group.filter((other) => other !== key).join(",")}`;
  }
  return entries;
}

/** Quote a word for rsync's --rsh splitting and for sh (no single quotes in our temp paths). */
function quote(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word}'`;
}
