// File names are bytes. Linux allows any byte but `/` and NUL in a name; a name that is not valid UTF-8
// (`caf\xe9` from an old Latin-1 disk) decodes to U+FFFD in a JS string and can no longer be opened by it.
// So walks read names as Buffers, and names are shown the way rsync shows them: bytes that are not
// printable UTF-8 as `\#ooo` (octal), so that a name with a newline stays one line and every name can be
// typed back (`linkback restore … 'caf\#351'`).

/** A path for Node's fs from a directory path and an entry name, as bytes. */
export function childPath(dir: Buffer, name: Buffer): Buffer {
  return Buffer.concat([dir, SLASH, name]);
}

const SLASH = Buffer.from("/");

/** True when `bytes` decode as UTF-8 without a replacement character. */
export function isUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString("utf8"), "utf8").equals(bytes);
}

/**
 * A name as text that says exactly which bytes it is: valid UTF-8 stays as it is, except control
 * characters and backslashes followed by `#`; every other byte is `\#ooo` — rsync's own escaping.
 */
export function escapeName(name: Buffer | string): string {
  const bytes = typeof name === "string" ? Buffer.from(name) : name;
  let out = "";
  let at = 0;
  while (at < bytes.length) {
    const length = utf8Length(bytes, at);
    if (length === 0) {
      out += octal(bytes[at]!);
      at++;
      continue;
    }
    const char = bytes.subarray(at, at + length).toString("utf8");
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) out += octal(code);
    else if (char === "\\" && bytes[at + 1] === 0x23) out += octal(0x5c);
    else out += char;
    at += length;
  }
  return out;
}

/** The bytes a name escaped by escapeName (or by rsync) stands for: each `\#ooo` one byte. */
export function unescapeName(text: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(/\\#([0-7]{3})/g)) {
    parts.push(Buffer.from(text.slice(last, match.index)), Buffer.from([Number.parseInt(match[1]!, 8) & 0xff]));
    last = match.index! + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last)));
  return Buffer.concat(parts);
}

/**
 * A path inside a snapshot, as bytes, made relative and normalised (`//`, `.` dropped); undefined when it
 * leads out (`..`).
 */
export function insidePath(path: Buffer): Buffer | undefined {
  const segments: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path[i] !== 0x2f) continue;
    const segment = path.subarray(start, i);
    start = i + 1;
    if (segment.length === 0 || (segment.length === 1 && segment[0] === 0x2e)) continue;
    if (segment.length === 2 && segment[0] === 0x2e && segment[1] === 0x2e) return undefined;
    segments.push(segment);
  }
  return Buffer.concat(segments.flatMap((segment, i) => (i === 0 ? [segment] : [SLASH, segment])));
}

const octal = (byte: number) => `\\#${byte.toString(8).padStart(3, "0")}`;

/** The length of the valid UTF-8 sequence at `at`, or 0 when the byte there does not start one. */
function utf8Length(bytes: Buffer, at: number): number {
  const first = bytes[at]!;
  const length = first < 0x80 ? 1 : first >= 0xc2 && first <= 0xdf ? 2 : first >= 0xe0 && first <= 0xef ? 3 : first >= 0xf0 && first <= 0xf4 ? 4 : 0;
  if (length <= 1 || at + length > bytes.length) return length === 1 ? 1 : 0;
  for (let k = 1; k < length; k++) if ((bytes[at + k]! & 0xc0) !== 0x80) return 0;
  const text = bytes.subarray(at, at + length).toString("utf8");
  return text.includes("\uFFFD") ? 0 : length; // overlong forms and surrogates
}
