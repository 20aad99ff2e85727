// Bad input gives one clear line (job, file, field, value), a non-zero documented exit code, and loses
// nothing; hostile names and patterns are data, never shell code. All through the real CLI and real rsync.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ROOT, linkback, writeJob, writeTree } from "../helpers/cli.ts";
import { type Workspace, allNames, fullListing, hasProgram, manifest, workspace } from "../helpers/tree.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;
const NOW = "2026-11-22T03:00:00";

/** The lines linkback printed on stderr, without blank ones. */
function lines(stderr: string): string[] {
  return stderr.split("\n").filter((line) => line.trim() !== "");
}

describe("bad job files and command lines", { skip }, () => {
  let ws: Workspace;
  let backupBefore: string[];
  const failMarker = () => join(ws.root, "fail-hook.txt");

  before(async () => {
    ws = await workspace("badinput");
    await writeTree(ws.src, { "f.txt": "data\n" });
    // Old snapshots that keepDays 1 would delete: no bad input may lead to that.
    await writeTree(join(ws.backup, "laptop-2026-10-01"), { "f.txt": "old\n" });
    await writeTree(join(ws.backup, "laptop-2026-10-02"), { "f.txt": "old\n" });
    await ws.job("laptop", { keepDays: 1 });
    backupBefore = await fullListing(ws.backup);
  });
  after(async () => {
    await ws?.cleanup();
  });

  const base = () => ({ prefix: "laptop", backupDir: ws.backup, source: ws.src, keepDays: 1 });

  /** Invalid job contents → exit 3 and exactly one line naming the file, the field and the value. */
  const invalid: { name: string; job: () => Record<string, unknown> | string; line: (file: string) => RegExp }[] = [
    { name: "missing-prefix", job: () => ({ ...base(), prefix: undefined }), line: (f) => new RegExp(`${re(f)}: \`prefix\`: is required`) },
    { name: "empty-prefix", job: () => ({ ...base(), prefix: "" }), line: (f) => new RegExp(`${re(f)}: \`prefix\`: must be a non-empty string \\(got string ""\\)`) },
    { name: "empty-source", job: () => ({ ...base(), source: "  " }), line: (f) => new RegExp(`${re(f)}: \`source\`: must be a non-empty string \\(got string " {2}"\\)`) },
    { name: "number-backupdir", job: () => ({ ...base(), backupDir: 42 }), line: (f) => new RegExp(`${re(f)}: \`backupDir\`: must be a non-empty string \\(got number 42\\)`) },
    { name: "string-keepdays", job: () => ({ ...base(), keepDays: "30" }), line: (f) => new RegExp(`${re(f)}: \`keepDays\`: must be a whole number of days.*\\(got string "30"\\)`) },
    { name: "zero-keepdays", job: () => ({ ...base(), keepDays: 0 }), line: (f) => new RegExp(`${re(f)}: \`keepDays\`: .*\\(got number 0\\)`) },
    { name: "string-excludes", job: () => ({ ...base(), excludes: "/tmp/*" }), line: (f) => new RegExp(`${re(f)}: \`excludes\`: must be an array of strings \\(got string "/tmp/\\*"\\)`) },
    { name: "relative-backupdir", job: () => ({ ...base(), backupDir: "backups/laptop" }), line: (f) => new RegExp(`${re(f)}: \`backupDir\`: must be an absolute path \\(got "backups/laptop"\\)`) },
    { name: "slash-prefix", job: () => ({ ...base(), prefix: "lap/top" }), line: (f) => new RegExp(`${re(f)}: \`prefix\`: may hold only .*\\(got "lap/top"\\)`) },
    { name: "typo-field", job: () => ({ ...base(), exludes: ["/tmp/*"] }), line: (f) => new RegExp(`${re(f)}: \`exludes\`: unknown field — did you mean \`excludes\`\\?`) },
    { name: "hook-type", job: () => ({ ...base(), hooks: { pre: 42 } }), line: (f) => new RegExp(`${re(f)}: \`hooks.pre\`: must be a shell command string, an argv array, a function, remote\\(\\) or notify\\(\\) \\(got number 42\\)`) },
    { name: "forbidden-rsync-arg", job: () => ({ ...base(), rsyncArgs: ["--inplace"] }), line: (f) => new RegExp(`${re(f)}: \`rsyncArgs\`: "--inplace" is not allowed`) },
    { name: "not-an-object", job: () => `export default 42;\n`, line: (f) => new RegExp(`${re(f)}: \`default export\`: must be an object from defineJob\\(\\{\\.\\.\\.\\}\\) \\(got number 42\\)`) },
    {
      name: "throws-on-load",
      job: () => `import { defineJob } from "linkback";\nconst host = process.env.NO_SUCH_VARIABLE_HERE;\nif (!host) throw new Error("NAS_HOST is not set");\nexport default defineJob({ prefix: "x", backupDir: "/", source: "/" });\n`,
      line: (f) => new RegExp(`${re(f)}: failed to load: NAS_HOST is not set`),
    },
    {
      name: "syntax-error",
      job: () => `import { defineJob } from "linkback";\nexport default defineJob({\n  prefix: "laptop",\n  backupDir: "/srv" +* ,\n});\n`,
      line: (f) => new RegExp(`${re(f)}: failed to load: .*\\(line 4\\b`),
    },
  ];

  for (const c of invalid) {
    test(`invalid job (${c.name}): exit 3, one line naming file, field and value; nothing deleted`, async () => {
      const body = c.job();
      const file = await writeJob(ws.jobs, c.name, typeof body === "string" ? body : (JSON.parse(JSON.stringify(body)) as Record<string, unknown>));
      const result = await ws.run([c.name], NOW);
      assert.equal(result.exitCode, 3, result.stderr);
      const out = lines(result.stderr);
      assert.equal(out.length, 1, `one line:\n${result.stderr}`);
      assert.match(out[0]!, c.line(file));
      assert.doesNotMatch(result.stderr, /^\s+at /m, "no stack trace");
      assert.deepEqual(await fullListing(ws.backup), backupBefore, "nothing in the backup directory changed");
    });
  }

  test("missing backupDir: exit 1, says it is never created (disk mounted?), fail hook runs, nothing created", async () => {
    const missing = join(ws.root, "usb-disk-not-mounted", "backups");
    await writeJob(ws.jobs, "unmounted", { ...base(), backupDir: missing, hooks: { fail: `echo "$LINKBACK_ERROR" > '${failMarker()}'` } });
    const result = await ws.run(["unmounted"], NOW);
    assert.equal(result.exitCode, 1, result.stderr);
    const out = lines(result.stderr);
    assert.equal(out.length, 1, result.stderr);
    assert.match(out[0]!, new RegExp(`job unmounted: backupDir ${re(missing)} does not exist \\(is the backup disk mounted\\?\\); linkback never creates it`));
    assert.ok(!existsSync(join(ws.root, "usb-disk-not-mounted")), "nothing was created");
    assert.match(await readFile(failMarker(), "utf8"), /backupDir .* does not exist/);
  });

  test("ssh key file that does not exist: exit 3, names the file and the field", async () => {
    const file = await writeJob(ws.jobs, "nokey", { ...base(), source: "root@192.0.2.20:/", ssh: "ssh -i /nonexistent/linkback/id_rsa -o UserKnownHostsFile=/nonexistent/known_hosts" });
    const result = await ws.run(["nokey"], NOW);
    assert.equal(result.exitCode, 3, result.stderr);
    const out = lines(result.stderr);
    assert.equal(out.length, 1, result.stderr);
    assert.match(out[0]!, new RegExp(`${re(file)}: \`ssh\`: -i /nonexistent/linkback/id_rsa: does not exist; UserKnownHostsFile /nonexistent/known_hosts: does not exist`));
    const structured = await writeJob(ws.jobs, "nokey2", { ...base(), source: "root@192.0.2.20:/", ssh: { identityFile: "/nonexistent/linkback/key2", port: 2222 } });
    const second = await ws.run(["nokey2"], NOW);
    assert.equal(second.exitCode, 3);
    assert.match(second.stderr, new RegExp(`${re(structured)}: \`ssh\`: -i /nonexistent/linkback/key2: does not exist`));
    assert.deepEqual(await fullListing(ws.backup), backupBefore);
  });

  test("unknown job name: exit 3 with did-you-mean", async () => {
    const result = await ws.run(["lapotp"], NOW);
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, new RegExp(`no job named "lapotp" in ${re(ws.jobs)} — did you mean laptop\\?`));
  });

  test("a jobs directory that is not there: exit 3 naming it and why, not 'no job named'", async () => {
    const missing = join(ws.root, "no-such-jobs");
    const result = await linkback(["run", "laptop", "--jobs", missing], ws.env(NOW));
    assert.equal(result.exitCode, 3);
    assert.match(result.stderr, new RegExp(`job "laptop": cannot read the jobs directory ${re(missing)}: ENOENT`));
  });

  test("unknown command, unknown option, no job: exit 2", async () => {
    const env = ws.env(NOW);
    const unknown = await linkback(["frobnicate"], env);
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate" \(see linkback --help\)/);
    const typo = await linkback(["rnu", "laptop"], env);
    assert.equal(typo.exitCode, 2);
    assert.match(typo.stderr, /unknown command "rnu" — did you mean run\?/);
    const option = await linkback(["run", "laptop", "--jobs", ws.jobs, "--frobnicate"], env);
    assert.equal(option.exitCode, 2);
    assert.match(option.stderr, /linkback run: .*--frobnicate.*\(see linkback run --help\)/);
    const none = await linkback(["run", "--jobs", ws.jobs], env);
    assert.equal(none.exitCode, 2);
    assert.match(none.stderr, /name at least one job, or use --all/);
    assert.deepEqual(await fullListing(ws.backup), backupBefore);
  });

  test("--help for the command, run and check: exit 0, usage on stdout", async () => {
    const env = ws.env(NOW);
    for (const [args, usage] of [
      [["--help"], /^linkback — rsync hard-link snapshot backups/],
      [["help", "run"], /^Usage: linkback run <job>\.\.\. \| --all/],
      [["run", "--help"], /^Usage: linkback run <job>\.\.\. \| --all[\s\S]*--dry-run[\s\S]*Exit status: 0 all jobs backed up/],
      [["check", "--help"], /^Usage: linkback check[\s\S]*Exit status/],
    ] as const) {
      const result = await linkback([...args], env);
      assert.equal(result.exitCode, 0, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stdout, usage, args.join(" "));
    }
  });
});

describe("run --all and check with broken jobs among healthy ones", { skip }, () => {
  let ws: Workspace;
  before(async () => {
    ws = await workspace("runall");
    await writeTree(ws.src, { "f.txt": "data\n" });
  });
  after(async () => {
    await ws?.cleanup();
  });

  const healthy = (prefix: string) => ({ prefix, backupDir: ws.backup, source: ws.src });

  test("healthy jobs still back up; exit code follows the documented precedence 1 > 3 > 4 > 0; _files are not jobs", async () => {
    await writeJob(ws.jobs, "alpha", healthy("alpha"));
    await writeJob(ws.jobs, "gamma", healthy("gamma"));
    await writeJob(ws.jobs, "_template", `throw new Error("templates are never loaded");\n`);
    await writeJob(ws.jobs, "_example", { prefix: "example", backupDir: ws.backup, source: ws.src });
    const all = (now: string) => linkback(["run", "--all", "--jobs", ws.jobs], ws.env(now));

    // Healthy only (plus _ files): 0, and the _ files were not touched.
    const clean = await all("2026-11-01T03:00:00");
    assert.equal(clean.exitCode, 0, clean.stderr);
    assert.doesNotMatch(clean.stderr, /_template|_example|templates are never loaded/);
    assert.deepEqual(await allNames(ws.backup), [".linkback-alpha.job", ".linkback-alpha.meta", ".linkback-gamma.job", ".linkback-gamma.meta", ".linkback-trash", "alpha-2026-11-01", "gamma-2026-11-01"]);

    // + a broken job file (beta, sorted between the two): 3, both healthy ones backed up.
    const betaFile = await writeJob(ws.jobs, "beta", { ...healthy("beta"), keepDays: "7" });
    const withConfig = await all("2026-11-02T03:00:00");
    assert.equal(withConfig.exitCode, 3, withConfig.stderr);
    assert.match(withConfig.stderr, new RegExp(`${re(betaFile)}: \`keepDays\`: .*\\(got string "7"\\)`));
    assert.ok(existsSync(join(ws.backup, "alpha-2026-11-02")) && existsSync(join(ws.backup, "gamma-2026-11-02")), "healthy jobs after the broken one still ran");

    // + a job whose lock is held (another host): config (3) still wins over locked (4).
    await writeJob(ws.jobs, "delta", healthy("delta"));
    await writeFile(join(ws.backup, ".linkback-delta.lock"), `${JSON.stringify({ pid: 1, hostname: "other-host", job: "delta", startedAt: "2026-11-03T02:00:00.000Z" })}\n`);
    const withLock = await all("2026-11-03T03:00:00");
    assert.equal(withLock.exitCode, 3, withLock.stderr);
    assert.match(withLock.stderr, /job delta: another run holds the lock/);

    // + a job that fails (source missing): 1 wins over 3 and 4.
    await writeJob(ws.jobs, "epsilon", { ...healthy("epsilon"), source: join(ws.root, "no-such-source") });
    const withFailure = await all("2026-11-04T03:00:00");
    assert.equal(withFailure.exitCode, 1, withFailure.stderr);
    assert.ok(existsSync(join(ws.backup, "alpha-2026-11-04")) && existsSync(join(ws.backup, "gamma-2026-11-04")));

    // Only healthy + locked: 4.
    await writeJob(ws.jobs, "beta", healthy("beta"));
    await writeJob(ws.jobs, "epsilon", healthy("epsilon"));
    const onlyLocked = await all("2026-11-05T03:00:00");
    assert.equal(onlyLocked.exitCode, 4, onlyLocked.stderr);
    for (const prefix of ["alpha", "beta", "gamma", "epsilon"]) assert.ok(existsSync(join(ws.backup, `${prefix}-2026-11-05`)), prefix);
    assert.ok(!(await allNames(ws.backup)).some((n) => n.startsWith("delta-") || n.startsWith("example")), "locked and _ jobs made nothing");
  });

  test("check prints each job's rsync argv; exits 3 with a broken job, 0 when all are valid", async () => {
    const dir = join(ws.root, "check-jobs");
    await writeJob(dir, "one", healthy("one"));
    await writeJob(dir, "two", { ...healthy("two"), excludes: ["/tmp/*", "cache dir/"] });
    const ok = await linkback(["check", "--jobs", dir], ws.env(NOW));
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`^one: ok \\(${re(join(dir, "one.ts"))}\\)\\n {2}rsync -aH --numeric-ids --partial --itemize-changes --stats --timeout=1800 -A -X --sparse -- ${re(ws.src)}/ ${re(ws.backup)}/one-incomplete/\\n {2}kept beyond rsync -a: ACLs, xattrs \\(file capabilities among them\\), holes of sparse files$`, "m"));
    assert.match(ok.stdout, /^two: ok .*\n {2}rsync .*'--exclude=\/tmp\/\*' '--exclude=cache dir\/' -- /m);
    const broken = await writeJob(dir, "three", { ...healthy("three"), exludes: [] });
    const bad = await linkback(["check", "--jobs", dir], ws.env(NOW));
    assert.equal(bad.exitCode, 3);
    assert.match(bad.stdout, /^one: ok/m);
    assert.match(bad.stdout, /^two: ok/m);
    assert.match(bad.stderr, new RegExp(`three: ${re(broken)}: \`exludes\`: unknown field — did you mean \`excludes\`\\?`));
  });
});

describe("hostile names: data, never code", { skip }, () => {
  test("odd file names, paths and exclude patterns are backed up or excluded literally; no canary appears", async () => {
    const ws = await workspace("hostile");
    try {
      const odd = (name: string) => name;
      const source = join(ws.root, `src 'q' "dq" $(touch CANARY_SRC) \`touch CANARY_SRCBT\`; touch CANARY_SRCSC`);
      const backup = join(ws.root, `back up $(touch CANARY_BD) \`touch CANARY_BDBT\`; touch CANARY_BDSC`);
      await mkdir(source);
      await mkdir(backup);
      const kept = [
        odd("new\nline.txt"),
        odd("-rf"),
        odd("--link-dest=evil"),
        odd("*"),
        odd("ünïcödé 日本語.txt"),
        odd(`${"a".repeat(251)}.txt`), // 255 bytes
        odd(`${"é".repeat(127)}x`), // 255 bytes of UTF-8
        odd("with space.txt"),
        odd("quote'single"),
        odd('quote"double'),
        odd("$(touch CANARY_FILE)"),
        odd("`touch CANARY_FILEBT`"),
        odd("semi;touch CANARY_FILESC"),
        odd("back\\slash"),
      ];
      const excluded = ["excluded $(touch CANARY_EX).txt", "drop`touch CANARY_EXBT`.txt", "x; touch CANARY_EXSC.skip"];
      for (const name of [...kept, ...excluded]) await writeFile(join(source, name), `content of ${JSON.stringify(name)}\n`);
      await writeTree(source, { "-dir/--also/file": "nested under dash names\n" });
      assert.equal(Buffer.byteLength(kept[5]!), 255);
      assert.equal(Buffer.byteLength(kept[6]!), 255);
      await ws.job("weird", {
        prefix: "weird",
        backupDir: backup,
        source,
        excludes: ["excluded $(touch CANARY_EX).txt", "drop`touch CANARY_EXBT`.txt", "*.skip", "$(touch CANARY_EXPAT)", "; touch CANARY_EXPATSC"],
      });
      const result = await ws.run(["weird"], NOW, {}, { cwd: ws.root });
      assert.equal(result.exitCode, 0, result.stderr);

      const snapshot = join(backup, "weird-2026-11-22");
      const got = await manifest(snapshot);
      const want = await manifest(source);
      for (const name of excluded) delete want[name];
      assert.deepEqual(got, want, "the snapshot holds every odd name, and exactly the excluded ones are missing");
      for (const name of kept) assert.ok(existsSync(join(snapshot, name)), JSON.stringify(name));

      // A shell anywhere would have created CANARY_* in the working directory (ws.root) or the repo.
      const canaries: string[] = [];
      const walk = async (dir: string) => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          if (/^CANARY/.test(entry.name)) canaries.push(join(dir, entry.name));
          if (entry.isDirectory()) await walk(join(dir, entry.name));
        }
      };
      await walk(ws.root);
      for (const entry of await readdir(ROOT)) if (/^CANARY/.test(entry)) canaries.push(join(ROOT, entry));
      assert.deepEqual(canaries, [], "no command substitution, backtick or ; ever ran");
    } finally {
      await ws.cleanup();
    }
  });
});

function re(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
