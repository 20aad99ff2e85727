// Names are bytes, with real rsync, as root and as user nobody (through setpriv): a source with names that
// are not UTF-8 (caf\xe9 a file, d\xe9j\xe0 a directory), a newline in a name, a 255-byte name (NAME_MAX) and a
// read-only (0555) directory whose name is not UTF-8, backed up on two days. `list --size` against du,
// `diff` showing names as rsync does (caf\#351), `restore` of a path given as its raw bytes (through sh and
// printf: execa cannot pass bytes that are not UTF-8) and as escapes, a prune that deletes the whole first
// day, and the logs and status naming a file that cannot be read escaped.
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { chmod, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { BIN, type CliResult, writeJob } from "../helpers/cli.ts";
import { type Workspace, hasProgram, readLog, rsyncLog, workspace } from "../helpers/tree.ts";

const NOBODY = "nobody:nogroup";
const AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];
/** A Node that needs its own libraries (Debian's Node 18 unpacked by .ci/node18) still finds them as nobody. */
const libraryPath: Record<string, string> = process.env.LD_LIBRARY_PATH ? { LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH } : {};

/** A name from text and bytes: bytes(["caf", 0xe9]). */
const bytes = (parts: (string | number)[]) => Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : Buffer.from([part]))));
const CAFE = bytes(["caf", 0xe9]); // Latin-1 "café": not UTF-8
const DEJA = bytes(["d", 0xe9, "j", 0xe0]); // a directory
const ETE = bytes([0xe9, "t", 0xe9, ".txt"]); // added to DEJA on day 2
const NEWLINE = Buffer.from("two\nlines.txt");
const LONG = bytes(["l".repeat(254), 0xe9]); // 255 bytes, NAME_MAX
const RESERVED = bytes(["r", 0xe9, "serv", 0xe9]); // 0555, with a 0555 directory inside
const SUB = bytes(["sub", 0xe9]);
const SECRET = bytes(["secr", 0xe9, "t"]); // day 3, as nobody: cannot be read

/** A path from a directory and names, as bytes. */
const at = (dir: string | Buffer, ...names: Buffer[]) => Buffer.concat([Buffer.from(dir), ...names.flatMap((name) => [Buffer.from("/"), name])]);

/** path (its bytes as latin1, lossless) → type, mode, size, content hash: a tree walked as bytes. */
function byteTree(dir: Buffer | string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: Buffer, rel: string) => {
    const info = lstatSync(path);
    const mode = (info.mode & 0o7777).toString(8);
    if (info.isDirectory()) {
      out[rel] = `dir ${mode}`;
      for (const name of readdirSync(path, { encoding: "buffer" })) walk(at(path, name), `${rel}/${name.toString("latin1")}`);
    } else out[rel] = `${info.isFile() ? "file" : "other"} ${mode} ${info.size} ${createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 12)}`;
  };
  walk(Buffer.from(dir), ".");
  return out;
}

/** Files written as bytes, with a fixed mtime (the day's changes are "time" in diff, always). */
function writeFiles(src: string, files: [Buffer[], string][], when: Date): void {
  for (const [names, content] of files) {
    writeFileSync(at(src, ...names), Buffer.concat([Buffer.from(content), CAFE]));
    utimesSync(at(src, ...names), when, when);
  }
}

/** `\0ooo` for every byte printf's %b must make: what lets sh hand linkback an argument that is not UTF-8. */
const forPrintf = (arg: string | Buffer) => [...Buffer.from(arg)].map((c) => (c > 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\0${c.toString(8).padStart(3, "0")}`)).join("");
const BYTES_SCRIPT = 'for a do b=$(printf "%bx" "$a"); set -- "$@" "${b%x}"; shift; done; exec "$@"';

async function unavailable(user: "root" | "nobody"): Promise<string | undefined> {
  if (!(await hasProgram("rsync"))) return "rsync is not installed";
  if (user === "root") return process.getuid?.() === 0 ? undefined : "not running as root";
  if (process.getuid?.() !== 0) return "not running as root: cannot switch to nobody";
  if (!(await hasProgram("setpriv", ["--version"]))) return "setpriv (util-linux) is not installed";
  const help = await execa(AS_NOBODY[0]!, [...AS_NOBODY.slice(1), process.execPath, BIN, "--help"], { reject: false, cwd: "/", env: { HOME: "/nonexistent", ...libraryPath } });
  return help.exitCode === 0 ? undefined : `linkback does not run as nobody here: ${help.stderr.trim().split("\n")[0]}`;
}

for (const user of ["root", "nobody"] as const) {
  const reason = await unavailable(user);
  if (reason !== undefined && process.env.CI === "true") throw new Error(`names.test.ts (as ${user}) cannot run under CI=true: ${reason}`);

  describe(`names are bytes, as ${user}`, { skip: reason ?? false }, () => {
    let ws: Workspace;
    let day1: Record<string, string>;
    const DAY1 = "laptop-2026-06-01";
    const DAY2 = "laptop-2026-06-02";

    /** linkback as `user`, at `now`; an argument given as a Buffer reaches it as those bytes (through sh). */
    async function cli(args: (string | Buffer)[], now: string): Promise<CliResult> {
      const argv = [process.execPath, BIN, ...args];
      const command = args.some((arg) => typeof arg !== "string") ? ["sh", "-c", BYTES_SCRIPT, "sh", ...argv.map(forPrintf)] : (argv as string[]);
      const full = [...(user === "nobody" ? AS_NOBODY : []), ...command];
      const result = await execa(full[0]!, full.slice(1), {
        cwd: ws.root, reject: false, stdin: "ignore", extendEnv: false, timeout: 60_000,
        env: { ...libraryPath, PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: join(ws.root, "home"), TZ: "Europe/Berlin", LINKBACK_NOW: now, LINKBACK_LOG_DIR: ws.logs, LINKBACK_STATUS_DIR: join(ws.logs, "status"), LINKBACK_SYSLOG: "off" },
      });
      return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
    }
    /** Everything below the workspace belongs to nobody when linkback runs as nobody (chown -R: it takes bytes). */
    const own = async () => {
      if (user === "nobody") await execa("chown", ["-R", NOBODY, ws.root]);
    };
    const job = async (keepDays: number) => {
      await writeJob(ws.jobs, "laptop", { prefix: "laptop", backupDir: ws.backup, source: ws.src, keepDays });
      await own();
    };

    before(async () => {
      ws = await workspace(`names-${user}`);
      for (const dir of [join(ws.root, "home"), ws.logs]) await mkdir(dir);
      for (const dir of [[DEJA], [RESERVED], [RESERVED, SUB]]) await mkdir(at(ws.src, ...dir));
      const t0 = new Date("2026-05-31T12:00:00Z");
      writeFiles(ws.src, [[[CAFE], "café in Latin-1, day 1: "], [[DEJA, Buffer.from("vu.txt")], "seen "], [[DEJA, CAFE], "a café in a directory "], [[NEWLINE], "day 1 "], [[LONG], "255 bytes "], [[RESERVED, Buffer.from("a.txt")], "read-only "], [[RESERVED, SUB, CAFE], "deeper "]], t0);
      await job(2);
      for (const dir of [[RESERVED, SUB], [RESERVED]]) await chmod(at(ws.src, ...dir), 0o555);
      const first = await cli(["run", "laptop", "--jobs", ws.jobs], "2026-06-01T03:00:00");
      assert.equal(first.exitCode, 0, first.stderr);
      day1 = byteTree(ws.src);
      // Day 2: caf\xe9 grows, the newline file changes (same size), a file is added to d\xe9j\xe0.
      const t1 = new Date("2026-06-01T18:00:00Z");
      writeFiles(ws.src, [[[CAFE], "café in Latin-1, day 2, longer: "], [[NEWLINE], "day 2 "], [[DEJA, ETE], "summer "]], t1);
      await own();
      const second = await cli(["run", "laptop", "--jobs", ws.jobs], "2026-06-02T03:00:00");
      assert.equal(second.exitCode, 0, second.stderr);
    });
    after(async () => {
      if (ws === undefined) return;
      await execa("chmod", ["-R", "u+w", ws.root], { reject: false });
      await execa("rm", ["-rf", "--", ws.root]); // Node's fs.rm walks by strings: names that are not UTF-8 defeat it
    });

    test("each snapshot holds every name as its bytes, modes too; the unchanged 255-byte file is linked", () => {
      assert.deepEqual(byteTree(join(ws.backup, DAY1)), day1);
      assert.deepEqual(byteTree(join(ws.backup, DAY2)), byteTree(ws.src));
      assert.equal(byteTree(join(ws.backup, DAY2))[`./${RESERVED.toString("latin1")}`], "dir 555");
      assert.equal(lstatSync(at(ws.backup, Buffer.from(DAY1), LONG)).ino, lstatSync(at(ws.backup, Buffer.from(DAY2), LONG)).ino);
    });

    test("list --size: exit 0; what each snapshot frees and its size are what du counts", async () => {
      const list = await cli(["list", "laptop", "--size", "--json", "--jobs", ws.jobs], "2026-06-02T04:00:00");
      assert.equal(list.exitCode, 0, list.stderr);
      const rows = (JSON.parse(list.stdout) as { snapshots: { name: string; state: string; uniqueBytes: number; apparentBytes: number }[] }).snapshots;
      const du = async (...args: string[]) => (await execa("du", ["-s", ...args])).stdout.split("\n").map((line) => Number(line.split("\t")[0]));
      const [one, two] = [join(ws.backup, DAY1), join(ws.backup, DAY2)];
      // du counts each inode once per call: the second directory's figure is what only it holds.
      const expected = [
        { name: DAY1, state: "complete", uniqueBytes: (await du("-B1", two, one))[1], apparentBytes: (await du("-b", one))[0] },
        { name: DAY2, state: "complete", uniqueBytes: (await du("-B1", one, two))[1], apparentBytes: (await du("-b", two))[0] },
      ];
      assert.deepEqual(rows.map(({ name, state, uniqueBytes, apparentBytes }) => ({ name, state, uniqueBytes, apparentBytes })), expected);
    });

    test("diff: exit 0, the changes with names escaped as rsync writes them, never U+FFFD; --json says the same", async () => {
      const diff = await cli(["diff", "laptop", "--jobs", ws.jobs], "2026-06-02T04:00:00");
      assert.equal(diff.exitCode, 0, diff.stderr);
      assert.equal(diff.stdout, [`${DAY1} → ${DAY2}`, "M caf\\#351 (size, time)", "+ d\\#351j\\#340/\\#351t\\#351.txt", "M two\\#012lines.txt (time, content)", "3 change(s)"].join("\n"));
      assert.ok(!diff.stdout.includes("\uFFFD"));
      const json = await cli(["diff", "laptop", DAY1, DAY2, "--json", "--jobs", ws.jobs], "2026-06-02T04:00:00");
      assert.equal(json.exitCode, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout), {
        job: "laptop", from: DAY1, to: DAY2, count: 3, notes: [],
        changes: [
          { path: "caf\\#351", kind: "changed", what: ["size", "time"] },
          { path: "d\\#351j\\#340/\\#351t\\#351.txt", kind: "added" },
          { path: "two\\#012lines.txt", kind: "changed", what: ["time", "content"] },
        ],
      });
    });

    test("restore of caf\\xe9 given as its raw bytes and as caf\\#351, and of a 0555 directory of such names", async () => {
      const raw = join(ws.root, "restored-raw");
      const byBytes = await cli(["restore", "laptop", "--snapshot", DAY1, CAFE, raw, "--jobs", ws.jobs], "2026-06-02T04:00:00");
      assert.equal(byBytes.exitCode, 0, byBytes.stderr);
      assert.match(byBytes.stderr, new RegExp(`^restoring /caf\\\\#351 from ${DAY1} to .*restored-raw$`, "m"), "linkback's own line names it escaped");
      assert.deepEqual(readFileSync(raw), readFileSync(at(ws.backup, Buffer.from(DAY1), CAFE)));
      assert.match(readFileSync(raw, "latin1"), /day 1/);

      const escaped = join(ws.root, "restored-escaped");
      const byEscapes = await cli(["restore", "laptop", "caf\\#351", escaped, "--jobs", ws.jobs], "2026-06-02T04:00:00");
      assert.equal(byEscapes.exitCode, 0, byEscapes.stderr);
      assert.deepEqual(readFileSync(escaped), readFileSync(at(ws.src, CAFE)), "the newest snapshot's caf\\xe9");

      const dir = join(ws.root, "restored-dir");
      const tree = await cli(["restore", "laptop", "r\\#351serv\\#351", dir, "--jobs", ws.jobs], "2026-06-02T04:00:00");
      assert.equal(tree.exitCode, 0, tree.stderr);
      assert.deepEqual(byteTree(dir), byteTree(at(ws.src, RESERVED)));
    });

    test("prune deletes the first day completely, its 0555 directories with names that are not UTF-8 too; the trash ends empty", async () => {
      await job(1);
      const prune = await cli(["prune", "laptop", "--jobs", ws.jobs], "2026-06-02T04:00:00");
      assert.equal(prune.exitCode, 0, prune.stderr);
      assert.equal(prune.stderr, "");
      assert.ok(!existsSync(join(ws.backup, DAY1)));
      assert.deepEqual(readdirSync(ws.backup).filter((name) => !name.startsWith(".")), [DAY2]);
      const trash = join(ws.backup, ".linkback-trash");
      assert.deepEqual(existsSync(trash) ? readdirSync(trash, { encoding: "buffer" }).map((name) => name.toString("latin1")) : [], [], "nothing left in the trash");
      assert.ok((await readLog(ws.logs)).some((entry) => entry.msg === `deleting ${DAY1}`));
      assert.deepEqual(byteTree(join(ws.backup, DAY2)), byteTree(ws.src), "the other day is untouched");
    });

    test("the logs and the status: every line JSON, no U+FFFD; rsync's log names the changes escaped", async () => {
      const log = await readFile(join(ws.logs, "linkback.log"), "utf8");
      assert.ok(!log.includes("\uFFFD"));
      assert.ok((await readLog(ws.logs)).length > 10, "every line parses");
      const itemized = await rsyncLog(ws.logs, "laptop");
      assert.match(itemized, /^>f[.+a-z]+ caf\\#351$/m);
      assert.match(itemized, /^>f[.+a-z]+ d\\#351j\\#340\/\\#351t\\#351\.txt$/m);
      assert.match(itemized, /^>f[.+a-z]+ two\\#012lines\.txt$/m);
      const status = await readFile(join(ws.logs, "status", "status.json"), "utf8");
      assert.ok(!status.includes("\uFFFD"));
      assert.equal((JSON.parse(status) as { jobs: { name: string; state: string }[] }).jobs.find((j) => j.name === "laptop")?.state, "ok");
    });

    // Root reads every file: only nobody has one it cannot read.
    if (user === "nobody") test("a file nobody cannot read (secr\\xe9t, root's, 0600): a partial snapshot; log and status name it escaped", async () => {
      writeFileSync(at(ws.src, SECRET), "root only\n", { mode: 0o600 }); // the test runs as root: root's file
      const partial = await cli(["run", "laptop", "--jobs", ws.jobs], "2026-06-03T03:00:00");
      assert.equal(partial.exitCode, 5, partial.stderr);
      const escaped = `${ws.src}/secr\\#351t`;
      const warning = (await readLog(ws.logs)).find((entry) => Array.isArray(entry.failed));
      assert.deepEqual(warning?.failed, [escaped], "the unreadable file, escaped as rsync names it");
      const status = JSON.parse(await readFile(join(ws.logs, "status", "status.json"), "utf8")) as { jobs: { name: string; state: string; lastError: string }[] };
      const laptop = status.jobs.find((j) => j.name === "laptop")!;
      assert.equal(laptop.state, "partial");
      assert.ok(laptop.lastError.includes(escaped) && !laptop.lastError.includes("\uFFFD"), laptop.lastError);
      assert.deepEqual(byteTree(join(ws.backup, "laptop-2026-06-03"))[`./${RESERVED.toString("latin1")}`], "dir 555");
    });
  });
}
