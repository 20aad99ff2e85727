// Arguments that are bytes. Node passes a program's arguments as UTF-8 strings, so a path that is not
// valid UTF-8 cannot be given to rsync directly; `sh` can make it: each such argument is handed over with
// its bytes written as octal escapes and turned back into bytes by printf(1) before `exec`. Only used when
// an argument needs it. /proc/self/cmdline gives back the bytes of linkback's own arguments.
import { readFileSync } from "node:fs";

/** The program and arguments to start for `argv` (strings, or Buffers that may not be UTF-8). */
export function commandWithBytes(argv: readonly (string | Buffer)[]): { file: string; args: string[] } {
  const needsBytes = argv.some((arg) => typeof arg !== "string" && !Buffer.from(arg.toString("utf8")).equals(arg));
  const text = (arg: string | Buffer) => (typeof arg === "string" ? arg : arg.toString("utf8"));
  if (!needsBytes) return { file: text(argv[0]!), args: argv.slice(1).map(text) };
  // $1 … $n are the escaped arguments; each becomes its bytes (a trailing "x" keeps trailing newlines).
  const script = [
    'n=$#; i=0',
    'while [ "$i" -lt "$n" ]; do',
    '  arg=$(printf "%bx" "$1"); shift; set -- "$@" "${arg%x}"; i=$((i + 1))',
    'done',
    'exec "$@"',
  ].join("\n");
  return { file: "sh", args: ["-c", script, "linkback", ...argv.map(escapeForPrintf)] };
}

/** `%b`'s escapes: every byte outside printable ASCII, and the backslash, as `\0ooo`. */
function escapeForPrintf(arg: string | Buffer): string {
  const bytes = typeof arg === "string" ? Buffer.from(arg) : arg;
  let out = "";
  for (const byte of bytes) out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\0${byte.toString(8).padStart(3, "0")}`;
  return out;
}

/**
 * The bytes of this process's arguments after the script (what `process.argv.slice(2)` decodes), from
 * /proc/self/cmdline; undefined where there is no /proc.
 */
export function argumentBytes(): Buffer[] | undefined {
  let raw: Buffer;
  try {
    raw = readFileSync("/proc/self/cmdline");
  } catch {
    return undefined;
  }
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0) continue;
    parts.push(raw.subarray(start, i));
    start = i + 1;
  }
  const count = process.argv.length - 2;
  return count <= 0 ? [] : parts.slice(-count);
}

/** The bytes of an argument linkback was given: its raw form when the decoded text lost bytes (U+FFFD). */
export function bytesOfArgument(value: string, raw: readonly Buffer[] | undefined = argumentBytes()): Buffer {
  if (!value.includes("\uFFFD") || raw === undefined) return Buffer.from(value);
  return raw.find((bytes) => bytes.toString("utf8") === value) ?? Buffer.from(value);
}
