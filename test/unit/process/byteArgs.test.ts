// Arguments that are bytes: commandWithBytes hands arguments that are not UTF-8 to the program through a
// real `sh` and printf(1), and the program must receive exactly those bytes (read back from its
// /proc/PID/cmdline); bytesOfArgument finds the raw bytes of an argument Node decoded with U+FFFD.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bytesOfArgument, commandWithBytes } from "../../../src/process/byteArgs.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const b = (text: string) => Buffer.from(text, "latin1");

/** What the started program got as its argv, byte for byte: `sh -c 'cat /proc/$$/cmdline' …` prints its own. */
function received(args: (string | Buffer)[]): Buffer[] {
  const { file, args: argv } = commandWithBytes(["sh", "-c", "cat /proc/$$/cmdline", "probe", ...args]);
  const raw = execFileSync(file, argv);
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0) continue;
    parts.push(raw.subarray(start, i));
    start = i + 1;
  }
  return parts.slice(4);
}

describe("commandWithBytes", () => {
  test("strings and UTF-8 Buffers go as they are: no shell in between", () => {
    assert.deepEqual(commandWithBytes(["rsync", "-a", Buffer.from("/srv/café/"), "/mnt/x"]), { file: "rsync", args: ["-a", "/srv/café/", "/mnt/x"] });
  });
  test("a name that is not UTF-8 needs sh: the program gets caf\\xe9 exactly", () => {
    const { file } = commandWithBytes(["rsync", b("/srv/caf\xe9")]);
    assert.equal(file, "sh");
    assert.deepEqual(received([b("/srv/caf\xe9"), "next"]), [b("/srv/caf\xe9"), Buffer.from("next")]);
  });
  test("every byte 1–255 in one argument, beside the awkward ones: the bytes arrive unchanged", () => {
    const every = Buffer.from(Array.from({ length: 255 }, (_, i) => i + 1));
    const awkward = [every, b("\xff"), "", "-n", "--", "trailing newlines\n\n", "\n", "%s %b %d", "\\0101 \\n \\\\", "$(echo no) `echo no` $HOME *", "'\"", b("\xe9 and \\0351")];
    assert.deepEqual(received(awkward), awkward.map((arg) => (typeof arg === "string" ? Buffer.from(arg) : arg)));
  });
  test("the program keeps its place and exit status (sh execs it)", () => {
    const { file, args } = commandWithBytes(["sh", "-c", 'printf "%s" "$1"; exit 3', "sh", b("\xe9")]);
    let status: number | undefined;
    let out: Buffer | undefined;
    try {
      execFileSync(file, args);
    } catch (error) {
      status = (error as { status: number }).status;
      out = (error as { stdout: Buffer }).stdout;
    }
    assert.equal(status, 3);
    assert.deepEqual(out, b("\xe9"));
  });
});

describe("bytesOfArgument", () => {
  const raw = [Buffer.from("restore"), Buffer.from("laptop"), b("photos/caf\xe9"), Buffer.from("/tmp/out")];
  test("an argument Node decoded with U+FFFD: its raw bytes", () => {
    assert.deepEqual(bytesOfArgument(b("photos/caf\xe9").toString("utf8"), raw), b("photos/caf\xe9"));
  });
  test("a clean argument, or no raw arguments (no /proc): its UTF-8", () => {
    assert.deepEqual(bytesOfArgument("photos/café", raw), Buffer.from("photos/café"));
    assert.deepEqual(bytesOfArgument("caf\uFFFD", undefined), Buffer.from("caf\uFFFD"));
    assert.deepEqual(bytesOfArgument("other\uFFFD", raw), Buffer.from("other\uFFFD"), "no raw argument matches: as given");
  });
  test("from a process's own arguments (argumentBytes reads /proc/self/cmdline), as the CLI gets them", () => {
    // A node script given a non-UTF-8 argument (through commandWithBytes) sees U+FFFD in process.argv.
    const dir = mkdtempSync(join(tmpdir(), "linkback-byteargs-"));
    try {
      const script = join(dir, "echo-arg.mjs");
      writeFileSync(script, `import { bytesOfArgument } from ${JSON.stringify(join(ROOT, "src/process/byteArgs.ts"))};
        process.stdout.write(JSON.stringify([process.argv[3], bytesOfArgument(process.argv[3]).toString("hex")]));\n`);
      const { file, args } = commandWithBytes([process.execPath, "--import", "tsx", script, "restore", b("caf\xe9/\xff"), "/tmp/out"]);
      const [decoded, hex] = JSON.parse(execFileSync(file, args, { cwd: ROOT }).toString()) as [string, string];
      assert.equal(decoded, "caf\uFFFD/\uFFFD", "Node lost the bytes");
      assert.equal(hex, b("caf\xe9/\xff").toString("hex"), "bytesOfArgument has them back");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
