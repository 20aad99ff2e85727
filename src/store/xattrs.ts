// Extended attributes (ACLs among them: system.posix_acl_*), read with getfattr(1) — Node has no API for
// them — in batches: one getfattr for many paths. Only paths that have attributes are printed, each under
// `# file: PATH` with the backslash and control characters as \ooo; the bytes of other names as they are.
import { spawn } from "node:child_process";
import { commandWithBytes } from "../process/byteArgs.ts";

/** Attributes by path (the path's bytes as a latin1 string): "name=0xhex" lines, sorted. */
export type XattrTable = Map<string, string>;

/** The attributes of `paths` (no entry: none); undefined when getfattr is not installed. */
export async function readXattrs(paths: readonly Buffer[]): Promise<XattrTable | undefined> {
  const table: XattrTable = new Map();
  if (paths.length === 0) return table;
  const { file, args } = commandWithBytes(["getfattr", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", "--", ...paths]);
  const output = await outputOf(file, args);
  if (output === undefined) return undefined;
  let path: string | undefined;
  let lines: string[] = [];
  const close = () => {
    if (path !== undefined && lines.length > 0) table.set(path, lines.sort().join("\n"));
    path = undefined;
    lines = [];
  };
  let start = 0;
  for (let i = 0; i <= output.length; i++) {
    if (i < output.length && output[i] !== 0x0a) continue;
    const line = output.subarray(start, i);
    start = i + 1;
    if (line.subarray(0, 8).toString("latin1") === "# file: ") {
      close();
      path = unescapeOctal(line.subarray(8)).toString("latin1");
    } else if (line.length > 0 && path !== undefined) lines.push(line.toString("latin1"));
  }
  close();
  return table;
}

/**
 * What `file` prints on stdout; undefined when it is not installed (ENOENT, or 127 from sh). node's own spawn,
 * not execa: a diff runs getfattr for every directory, and execa costs memory a router does not have.
 */
function outputOf(file: string, args: string[]): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    // Not there is ENOENT; anything else (EAGAIN: no memory to fork) is an error, not "not installed".
    child.on("error", (error: NodeJS.ErrnoException) => (error.code === "ENOENT" ? resolve(undefined) : reject(new Error(`getfattr: ${error.message}`))));
    child.on("close", (code) => resolve(code === 127 ? undefined : Buffer.concat(chunks)));
  });
}

/** getfattr's `\ooo` back to bytes. */
function unescapeOctal(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const octal = bytes[i] === 0x5c && i + 3 < bytes.length ? bytes.subarray(i + 1, i + 4).toString("latin1") : "";
    if (/^[0-7]{3}$/.test(octal)) {
      out.push(Number.parseInt(octal, 8) & 0xff);
      i += 3;
    } else out.push(bytes[i]!);
  }
  return Buffer.from(out);
}
