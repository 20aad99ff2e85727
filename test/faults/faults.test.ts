// Fault injection. Every case starts from a job with two good snapshots and checksums of all of them, breaks
// something for real, and then checks the same four things:
//   1. the exit status and the message;
//   2. no snapshot with a final name is incomplete (a new one equals the source it was taken from);
//   3. no earlier snapshot lost or changed a file (checksums, modes, times, link targets as before);
//   4. the next normal run succeeds, and its snapshot equals the source.
// Real rsync, a real sshd on 127.0.0.1, a real small filesystem (tmpfs), real signals. rsync is slowed with
// its own --bwlimit where a fault must land mid-transfer.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { chmod, lstat, mkdir, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { randomBytes } from "node:crypto";
import { execa, type ResultPromise } from "execa";
import { BIN, type CliResult, ROOT, linkback, startLinkback, tempDir, testEnv, writeJob } from "../helpers/cli.ts";
import { type Manifest, hasProgram, manifest, processesMentioning, touch, waitFor } from "../helpers/tree.ts";
import { type Sshd, skipUnlessCi, sshdMissing, startSshd } from "../helpers/sshd.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;
const ROOT_USER = process.getuid?.() === 0;
const rootOnly = (what: string) => (skip !== false ? skip : skipUnlessCi(ROOT_USER ? undefined : `${what} needs root`));

const SNAPSHOT = /^[a-z0-9-]+-\d{4}-\d{2}-\d{2}$/;

/** A job with two good snapshots, and what they held. */
interface World {
  root: string;
  src: string;
  backup: string;
  jobs: string;
  logs: string;
  taken: Map<string, Manifest>;
  env(now: string, extra?: Record<string, string>): Record<string, string>;
  run(now: string, args?: string[], extra?: Record<string, string>): Promise<CliResult>;
  cleanup(): Promise<void>;
}

async function world(label: string, fields: Record<string, unknown> = {}, options: { backup?: string; source?: Record<string, string> } = {}): Promise<World> {
  const dir = await tempDir(`linkback-fault-${label}`);
  const root = dir.path;
  const src = join(root, "src");
  const backup = options.backup ?? join(root, "backup");
  const jobs = join(root, "jobs");
  const logs = join(root, "logs");
  await mkdir(backup, { recursive: true });
  await mkdir(join(src, "docs"), { recursive: true });
  for (const [path, content] of Object.entries(options.source ?? { "docs/a.txt": "alpha\n", "docs/b.txt": "bravo\n", "big.bin": "x".repeat(200_000) })) {
    await mkdir(join(src, path, ".."), { recursive: true });
    await writeFile(join(src, path), content);
  }
  await writeJob(jobs, "job", { prefix: "job", backupDir: backup, source: src, ...fields });
  const env = (now: string, extra: Record<string, string> = {}) => testEnv({ logDir: logs, now, extra: { TZ: "Europe/Berlin", ...extra } });
  const w: World = {
    root, src, backup, jobs, logs, taken: new Map(), env,
    run: (now, args = [], extra = {}) => linkback(["run", "job", "--jobs", jobs, ...args], env(now, extra)),
    cleanup: async () => {
      await execa("chmod", ["-R", "u+w", root], { reject: false });
      await dir.cleanup();
    },
  };
  for (const [index, day] of ["2026-09-01", "2026-09-02"].entries()) {
    await writeFile(join(src, "docs/a.txt"), `alpha, day ${index + 1}\n`);
    await touch(join(src, "docs/a.txt"), new Date(`${day}T01:00:00Z`));
    const result = await w.run(`${day}T03:00:00`);
    assert.equal(result.exitCode, 0, result.stderr);
  }
  await remember(w); // what exists now (a job with keepDays 1 has pruned the first day already)
  return w;
}

/** Checksum every snapshot with a final name that is not remembered yet. */
async function remember(w: World): Promise<void> {
  for (const name of await finalNames(w)) if (!w.taken.has(name)) w.taken.set(name, await manifest(join(w.backup, name)));
}

async function finalNames(w: World): Promise<string[]> {
  return (await readdir(w.backup)).filter((name) => SNAPSHOT.test(name)).sort();
}

/** 2 and 3: earlier snapshots all there and unchanged; any new final-named one equals the source. */
async function invariants(w: World, source: Manifest | undefined): Promise<void> {
  const now = await finalNames(w);
  for (const [name, before] of w.taken) {
    assert.ok(now.includes(name), `${name} was lost`);
    assert.deepEqual(await manifest(join(w.backup, name)), before, `${name} changed`);
  }
  for (const name of now.filter((n) => !w.taken.has(n))) {
    assert.ok(source !== undefined, `${name} appeared, but this fault must not publish a snapshot`);
    assert.deepEqual({ ...(await manifest(join(w.backup, name))), ".": "" }, { ...source, ".": "" }, `${name} is incomplete`);
  }
}

/** 4: a normal run succeeds and its snapshot equals the source. */
async function recovers(w: World, now: string, extra: Record<string, string> = {}): Promise<void> {
  const source = await manifest(w.src);
  const result = await w.run(now, [], extra);
  assert.equal(result.exitCode, 0, `the next run: ${result.stderr}`);
  const made = `job-${now.slice(0, 10)}`;
  assert.deepEqual({ ...(await manifest(join(w.backup, made))), ".": "" }, { ...source, ".": "" }, `${made} equals the source`);
  const earlier = new Map([...w.taken].filter(([name]) => name !== made));
  for (const [name, before] of earlier) assert.deepEqual(await manifest(join(w.backup, name)), before, `${name} unchanged by the next run`);
}

/** A source file big enough that rsync --bwlimit=200 (KB/s) takes several seconds over it. */
async function slowSource(w: World): Promise<void> {
  await writeFile(join(w.src, "slow.bin"), randomBytes(2_000_000));
  await writeJob(w.jobs, "job", { prefix: "job", backupDir: w.backup, source: w.src, rsyncArgs: ["--bwlimit=200"] });
}

async function stagingHasData(w: World): Promise<boolean> {
  const staging = join(w.backup, "job-incomplete");
  if (!existsSync(staging)) return false;
  const walk = async (dir: string): Promise<number> => {
    let bytes = 0;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      bytes += entry.isDirectory() ? await walk(join(dir, entry.name)) : (await lstat(join(dir, entry.name))).size;
    }
    return bytes;
  };
  return (await walk(staging).catch(() => 0)) > 300_000;
}

describe("faults: processes killed mid-rsync", { skip }, () => {
  test("kill -9 of linkback mid-rsync: its rsync keeps the lock until it ends; then the next run takes over, resumes, succeeds", async () => {
    const w = await world("kill9");
    try {
      await slowSource(w);
      const child = startLinkback(["run", "job", "--jobs", w.jobs], w.env("2026-09-03T03:00:00"));
      await waitFor("rsync to have written into staging", () => stagingHasData(w), 20_000);
      process.kill(child.pid!, "SIGKILL");
      const killed = await child;
      assert.equal(killed.signal, "SIGKILL");
      const orphan = (await processesMentioning(join(w.backup, "job-incomplete"))).filter((p) => p.cmdline.startsWith("rsync"));
      // rsync outlives a SIGKILL-ed parent (2 MB at 200 KB/s: seconds to go): it is not stopped, it is waited for.
      assert.ok(orphan.length > 0, "the killed run's rsync is still writing");
      const blocked = await w.run("2026-09-03T03:05:00");
      assert.equal(blocked.exitCode, 4, `rsync of the killed run still writes into staging: the lock must hold (${blocked.stderr})`);
      assert.match(blocked.stderr, /another run holds the lock .*that run is gone, but its rsync \(pid \d+\) still writes into staging/);
      await waitFor("the orphaned rsync to end", async () => (await processesMentioning(join(w.backup, "job-incomplete"))).length === 0, 30_000);
      await invariants(w, undefined);
      assert.ok(existsSync(join(w.backup, "job-incomplete")), "staging kept");
      await writeJob(w.jobs, "job", { prefix: "job", backupDir: w.backup, source: w.src });
      const result = await w.run("2026-09-03T03:10:00");
      assert.equal(result.exitCode, 0, result.stderr);
      assert.match(result.stderr, /took over a stale lock/);
      await invariants(w, await manifest(w.src));
      await recovers(w, "2026-09-04T03:00:00");
    } finally {
      await w.cleanup();
    }
  });

  test("SIGTERM mid-rsync: exit 143, rsync stopped, staging kept, nothing renamed; the next run resumes", async () => {
    const w = await world("sigterm");
    try {
      await slowSource(w);
      const child = startLinkback(["run", "job", "--jobs", w.jobs], w.env("2026-09-03T03:00:00"));
      await waitFor("rsync to have written into staging", () => stagingHasData(w), 20_000);
      process.kill(child.pid!, "SIGTERM");
      const stopped = await child;
      assert.equal(stopped.exitCode, 143);
      assert.match(String(stopped.stderr), /interrupted by a signal during rsync; staging kept, nothing renamed, nothing pruned/);
      assert.deepEqual((await processesMentioning(join(w.backup, "job-incomplete"))).filter((p) => p.cmdline.startsWith("rsync")), [], "no rsync left");
      await invariants(w, undefined);
      await writeJob(w.jobs, "job", { prefix: "job", backupDir: w.backup, source: w.src });
      await recovers(w, "2026-09-03T04:00:00");
      assert.match(await readFile(join(w.logs, "job.rsync.log"), "utf8"), /Number of regular files transferred: [01]\b/, "resumed: slow.bin came from the interrupted attempt");
    } finally {
      await w.cleanup();
    }
  });
});

describe("faults: five runs at once", { skip }, () => {
  test("five `run`s and five `due`s of the same job at once: exactly one backs up", async () => {
    const w = await world("five");
    try {
      const marker = join(w.root, "pre-hook.log");
      await writeJob(w.jobs, "job", { prefix: "job", backupDir: w.backup, source: w.src, hooks: { pre: ["sh", "-c", `echo pre >> ${marker}; sleep 1`] } });
      const runs = await Promise.all(Array.from({ length: 5 }, () => w.run("2026-09-03T03:00:00")));
      const codes = runs.map((r) => r.exitCode).sort();
      assert.deepEqual(codes, [0, 4, 4, 4, 4], runs.map((r) => r.stderr).join("\n"));
      assert.equal((await readFile(marker, "utf8")).trim().split("\n").length, 1, "one pre hook");
      for (const r of runs.filter((run) => run.exitCode === 4)) assert.match(r.stderr, /another run holds the lock/);
      await invariants(w, await manifest(w.src));
      await remember(w);

      await rm(marker);
      const dues = await Promise.all(Array.from({ length: 5 }, () => linkback(["due", "--jobs", w.jobs], w.env("2026-09-04T03:00:00"))));
      assert.deepEqual(dues.map((d) => d.exitCode), [0, 0, 0, 0, 0], dues.map((d) => d.stderr).join("\n"));
      assert.equal((await readFile(marker, "utf8")).trim().split("\n").length, 1, "one due ran the job; the others did nothing");
      await invariants(w, await manifest(w.src));
      await remember(w);
      await recovers(w, "2026-09-05T03:00:00");
    } finally {
      await w.cleanup();
    }
  });
});

describe("faults: hostile names and shell characters everywhere", { skip }, () => {
  test("names with newlines, leading dashes, *, quotes, unicode, 255 bytes; $(…), backticks and ; in paths and excludes: no shell ever runs them", async () => {
    // A shell would create the canary in its working directory: linkback's, rsync's or a hook's.
    const canary = `LINKBACK-CANARY-${process.pid}`;
    const hostile = `$(touch ${canary}) \`touch ${canary}\`; touch ${canary}`;
    const canaryAppeared = () => [process.cwd(), ROOT, "/", "/tmp"].some((dir) => existsSync(join(dir, canary)));
    const w = await world("hostile", {}, {
      source: {
        "line\nbreak.txt": "newline\n",
        "-rf": "leading dash\n",
        "--delete": "looks like an option\n",
        "*": "a star\n",
        "quote'and\"double.txt": "quotes\n",
        "ünïcödé ✓ 日本語.txt": "unicode\n",
        [`${"l".repeat(251)}.txt`]: "255 bytes\n",
        [`${hostile}.txt`]: "shell\n",
        "keep/excluded $(x).tmp": "excluded\n",
      },
    });
    try {
      // A source path, backupDir and excludes full of shell syntax, too.
      const src = join(w.root, `src ${hostile}`);
      await execa("cp", ["-a", `${w.src}/.`, src]);
      const backup = join(w.root, `backup; ${hostile}`);
      await mkdir(backup);
      await writeJob(w.jobs, "job", { prefix: "job", backupDir: backup, source: src, excludes: [`*.tmp`, `${hostile}`, "`id`"], hooks: { after: ["true", hostile] } });
      const result = await w.run("2026-09-03T03:00:00");
      assert.equal(result.exitCode, 0, result.stderr);
      const snapshot = join(backup, "job-2026-09-03");
      const names = await readdir(snapshot);
      for (const name of ["line\nbreak.txt", "-rf", "--delete", "*", "quote'and\"double.txt", "ünïcödé ✓ 日本語.txt", `${"l".repeat(251)}.txt`, `${hostile}.txt`]) {
        assert.ok(names.includes(name), `${JSON.stringify(name)} backed up`);
        assert.equal(await readFile(join(snapshot, name), "utf8"), await readFile(join(src, name), "utf8"));
      }
      assert.deepEqual(await readdir(join(snapshot, "keep")), [], "the exclude worked");
      assert.ok(!canaryAppeared() && !existsSync(join(w.root, canary)), "no shell ever interpreted a name, path, exclude or hook argument");
      // dry run and check print them quoted, and run nothing either
      assert.equal((await w.run("2026-09-03T04:00:00", ["--dry-run"])).exitCode, 0);
      assert.equal((await linkback(["check", "--jobs", w.jobs], w.env("2026-09-03T04:00:00"))).exitCode, 0);
      assert.ok(!canaryAppeared() && !existsSync(join(w.root, canary)));
      await invariants(w, undefined); // the original backupDir is untouched
    } finally {
      await w.cleanup();
    }
  });
});

describe("faults: broken job files among healthy ones", { skip }, () => {
  test("run --all with a job that throws, one that hangs, one with a syntax error: the healthy ones run, exit 3 names each", async () => {
    const w = await world("broken");
    try {
      await writeFile(join(w.jobs, "a-throws.ts"), `throw new Error("boom from the job file");\nexport default {};\n`);
      await writeFile(join(w.jobs, "b-hangs.ts"), `await new Promise(() => {});\nexport default {};\n`);
      await writeFile(join(w.jobs, "c-syntax.ts"), `export default defineJob({ prefix: "x", \n`);
      const result = await linkback(["run", "--all", "--jobs", w.jobs], w.env("2026-09-03T03:00:00", { LINKBACK_LOAD_TIMEOUT: "2" }));
      assert.equal(result.exitCode, 3, result.stderr);
      assert.match(result.stderr, /a-throws\.ts: failed to load: boom from the job file/);
      assert.match(result.stderr, /b-hangs\.ts: did not finish loading within 2 s/);
      assert.match(result.stderr, /c-syntax\.ts: failed to load/);
      await invariants(w, await manifest(w.src));
      await remember(w);
      for (const name of ["a-throws", "b-hangs", "c-syntax"]) await rm(join(w.jobs, `${name}.ts`));
      await recovers(w, "2026-09-04T03:00:00");
    } finally {
      await w.cleanup();
    }
  });
});

describe("faults: the backup directory", { skip }, () => {
  test("backupDir missing (the disk is not mounted): exit 1, nothing created", async () => {
    const w = await world("missing");
    try {
      const gone = join(w.root, "gone");
      await execa("mv", [w.backup, gone]);
      const result = await w.run("2026-09-03T03:00:00");
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /backupDir .* does not exist \(is the backup disk mounted\?\); linkback never creates it/);
      assert.ok(!existsSync(w.backup), "not created");
      await execa("mv", [gone, w.backup]);
      await invariants(w, undefined);
      await recovers(w, "2026-09-03T04:00:00");
    } finally {
      await w.cleanup();
    }
  });

  test("backupDir read-only (a read-only filesystem): exit 1 saying so; nothing changed", { skip: rootOnly("a read-only mount") }, async () => {
    const w = await world("readonly");
    try {
      await execa("mount", ["--bind", w.backup, w.backup]);
      await execa("mount", ["-o", "remount,bind,ro", w.backup]);
      try {
        const result = await w.run("2026-09-03T03:00:00");
        assert.equal(result.exitCode, 1);
        assert.match(result.stderr, /cannot take the lock in .*: EROFS/);
        await invariants(w, undefined);
      } finally {
        await execa("umount", [w.backup]);
      }
      await recovers(w, "2026-09-03T04:00:00");
    } finally {
      await w.cleanup();
    }
  });

  test("backupDir is a symlink to elsewhere: snapshots go where it points; repointed, the old ones are left alone", async () => {
    const w = await world("symlinked");
    try {
      const link = join(w.root, "via-link");
      await symlink(w.backup, link);
      await writeJob(w.jobs, "job", { prefix: "job", backupDir: link, source: w.src });
      const result = await w.run("2026-09-03T03:00:00");
      assert.equal(result.exitCode, 0, result.stderr);
      assert.ok(existsSync(join(w.backup, "job-2026-09-03")));
      await invariants(w, await manifest(w.src));
      await remember(w);
      const other = join(w.root, "other-disk");
      await mkdir(other);
      await rm(link);
      await symlink(other, link);
      const second = await w.run("2026-09-04T03:00:00");
      assert.equal(second.exitCode, 0, second.stderr);
      assert.deepEqual((await readdir(other)).filter((n) => SNAPSHOT.test(n)), ["job-2026-09-04"]);
      await invariants(w, undefined);
    } finally {
      await w.cleanup();
    }
  });

  test("a snapshot replaced by a symlink before pruning: never followed, never deleted through", async () => {
    const w = await world("symlinked-snapshot", { keepDays: 4 }); // on the 5th: the 2nd … 5th stay; the 1st and the 31st would go
    try {
      // The symlink points at a directory that stands for `/` (a real `/` would be the same test with a far worse failure).
      const precious = join(w.root, "stands-for-root");
      await mkdir(join(precious, "etc"), { recursive: true });
      await writeFile(join(precious, "etc/passwd"), "root:x:0:0\n");
      const before = await manifest(precious);
      await execa("mv", [join(w.backup, "job-2026-09-01"), join(w.root, "moved-away")]);
      await symlink(precious, join(w.backup, "job-2026-09-01"));
      w.taken.delete("job-2026-09-01");
      const dry = await linkback(["prune", "job", "--dry-run", "--jobs", w.jobs], w.env("2026-09-05T03:00:00"));
      assert.ok(!dry.stdout.includes("job-2026-09-01"), "the symlink is not a snapshot: not even listed");
      const slash = join(w.backup, "job-2026-08-31");
      await symlink("/", slash);
      const listed = await linkback(["list", "job", "--jobs", w.jobs], w.env("2026-09-05T03:00:00"));
      assert.ok(!listed.stdout.includes("job-2026-08-31"), "a symlink to / is not a snapshot either");
      const prune = await linkback(["prune", "job", "--jobs", w.jobs], w.env("2026-09-05T03:00:00"));
      assert.equal(prune.exitCode, 0, prune.stderr);
      assert.deepEqual(await manifest(precious), before, "nothing deleted through the symlink");
      assert.ok((await lstat(join(w.backup, "job-2026-09-01"))).isSymbolicLink() && (await lstat(slash)).isSymbolicLink());
      assert.ok(existsSync("/etc/passwd"));
      await rm(slash);
      await recovers(w, "2026-09-05T04:00:00");
    } finally {
      await w.cleanup();
    }
  });

  test("read-only directories inside snapshots, pruned by a non-root user", { skip: rootOnly("switching to user nobody") }, async () => {
    const w = await world("nonroot", { keepDays: 1 });
    try {
      await execa("chown", ["-R", "65534:65534", w.root]);
      await execa("chmod", ["755", w.root]);
      for (const name of await finalNames(w)) {
        await chmod(join(w.backup, name, "docs"), 0o555);
        await chmod(join(w.backup, name), 0o555);
        w.taken.delete(name); // pruned on purpose below
      }
      const libraryPath: Record<string, string> = process.env.LD_LIBRARY_PATH ? { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH } : {};
      const result = await execa("setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups", "--", process.execPath, BIN, "run", "job", "--jobs", w.jobs], {
        env: { ...w.env("2026-09-05T03:00:00"), ...libraryPath, PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: w.root }, extendEnv: false, reject: false, cwd: w.root,
      });
      assert.equal(result.exitCode, 0, String(result.stderr));
      assert.deepEqual(await finalNames(w), ["job-2026-09-05"], "both old snapshots pruned, read-only directories and all");
      assert.deepEqual((await readdir(join(w.backup, ".linkback-trash"))), []);
    } finally {
      await w.cleanup();
    }
  });
});

describe("faults: the clock moved back a month", { skip }, () => {
  test("nothing is pruned; the future snapshots are reported; today's backup still happens", async () => {
    const w = await world("clock", { keepDays: 1, keep: { daily: 1 } });
    try {
      const result = await w.run("2026-08-01T03:00:00");
      assert.equal(result.exitCode, 0, result.stderr);
      await invariants(w, await manifest(w.src));
      const status = await linkback(["status", "--jobs", w.jobs], w.env("2026-08-01T03:10:00"));
      // keepDays 1 keeps the 2nd; daily 1 then counts the next day (the 2nd's day is a finer rule's): the 1st stays too.
      assert.match(status.stdout, /warning: job has snapshots dated after now \(job-2026-09-01, job-2026-09-02\): has the clock moved back\?/);
      await remember(w);
      await recovers(w, "2026-08-02T03:00:00");
    } finally {
      await w.cleanup();
    }
  });
});

describe("faults: the backup disk fills up mid-run", { skip: rootOnly("mounting a tmpfs") }, () => {
  let disk: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    disk = await tempDir("linkback-fault-disk");
    await execa("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", disk.path]);
  });
  after(async () => {
    await execa("umount", [disk.path], { reject: false });
    await disk.cleanup();
  });

  test("ENOSPC during rsync: exit 1, 'backup disk full', staging kept, no final name; with room again the next run succeeds", async () => {
    const backup = join(disk.path, "backups");
    const w = await world("full", {}, { backup });
    try {
      await writeFile(join(w.src, "too-big.bin"), randomBytes(3_500_000));
      const result = await w.run("2026-09-03T03:00:00");
      assert.equal(result.exitCode, 1);
      assert.match(result.stderr, /rsync failed with exit \d+ \(.*\) — backup disk full.*staging kept, nothing pruned/);
      await invariants(w, undefined);
      await execa("mount", ["-o", "remount,size=12m", disk.path]);
      await recovers(w, "2026-09-03T04:00:00");
    } finally {
      await w.cleanup();
    }
  });
});

describe("faults: the source host vanishes mid-transfer (real sshd)", { skip: skip !== false ? skip : skipUnlessCi(await sshdMissing()) }, () => {
  let sshd: Sshd;
  before(async () => {
    sshd = await startSshd();
  });
  after(async () => sshd?.cleanup());

  test("sshd stopped during rsync: exit 1 naming the connection, staging kept; the host back, the next run resumes and succeeds", async () => {
    const w = await world("vanish");
    try {
      const remote = (extra: Record<string, unknown> = {}) => writeJob(w.jobs, "job", {
        prefix: "job", backupDir: w.backup, source: `root@127.0.0.1:${w.src}`,
        ssh: { identityFile: sshd.keyFile, knownHostsFile: sshd.knownHostsFile, port: sshd.port, options: { BatchMode: "yes" } }, ...extra,
      });
      await writeFile(join(w.src, "slow.bin"), randomBytes(2_000_000));
      await remote({ rsyncArgs: ["--bwlimit=200"] });
      const child: ResultPromise = startLinkback(["run", "job", "--jobs", w.jobs], w.env("2026-09-03T03:00:00"));
      await waitFor("rsync to have written into staging", () => stagingHasData(w), 20_000);
      // The host goes away: this sshd and its sessions (only its own: other test files run sshds too).
      const sessions = await descendants((await processesMentioning(join(sshd.dir, "sshd_config"))).map((p) => p.pid));
      await sshd.stop();
      for (const pid of sessions) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone already
        }
      }
      const result = await child;
      assert.equal(result.exitCode, 1, String(result.stderr));
      assert.match(String(result.stderr), /job job: rsync failed with exit (10|11|12|20|23|30|255) .*staging kept, nothing pruned/);
      await invariants(w, undefined);
      await sshd.start();
      await remote();
      await recovers(w, "2026-09-03T04:00:00");
    } finally {
      await sshd.start().catch(() => {});
      await w.cleanup();
    }
  });
});

/** Every descendant of these processes (by /proc/PID/stat's parent field). */
async function descendants(roots: number[]): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (Number.isInteger(ppid)) parents.set(Number(entry), ppid);
  }
  const found = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!found.has(pid) && (roots.includes(ppid) || found.has(ppid))) {
        found.add(pid);
        grew = true;
      }
    }
  }
  return [...found];
}
