// Names are bytes: paths joined as Buffers (a real file named caf\xe9 is made and found again), which bytes are
// UTF-8, rsync's `\#ooo` escaping and its exact inverse for every byte, and paths kept inside a snapshot.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childPath, escapeName, insidePath, isUtf8, unescapeName } from "../../../src/store/pathBytes.ts";

const bytes = (...values: number[]) => Buffer.from(values);
const b = (text: string) => Buffer.from(text, "latin1");

describe("childPath", () => {
  const dir = mkdtempSync(join(tmpdir(), "linkback-pathbytes-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  test("dir + / + name, every byte kept", () => {
    assert.deepEqual(childPath(b("/srv"), b("caf\xe9")), b("/srv/caf\xe9"));
    assert.deepEqual(childPath(Buffer.from("/ä"), bytes(0xff, 0x0a)), Buffer.concat([Buffer.from("/ä/"), bytes(0xff, 0x0a)]));
  });
  test("a path Node's fs opens: the file named caf\\xe9 is written and read back by its bytes", () => {
    const path = childPath(Buffer.from(dir), b("caf\xe9"));
    writeFileSync(path, "latin-1 name\n");
    const names = readdirSync(Buffer.from(dir) as unknown as string, { encoding: "buffer" });
    assert.deepEqual(names, [b("caf\xe9")]);
    assert.equal(readFileSync(childPath(Buffer.from(dir), names[0]!), "utf8"), "latin-1 name\n");
  });
});

describe("isUtf8", () => {
  test("valid UTF-8 of 1 to 4 bytes, and nothing at all", () => {
    for (const text of ["", "plain.txt", "café", "€uro", "🐈 cat", "\u0000\u007f"]) assert.equal(isUtf8(Buffer.from(text)), true, text);
  });
  test("Latin-1, truncated, stray continuation, overlong and surrogate bytes are not", () => {
    const invalid = [b("caf\xe9"), bytes(0xe2, 0x82), bytes(0x80), bytes(0xc0, 0xaf), bytes(0xe0, 0x80, 0xaf), bytes(0xed, 0xa0, 0x80), bytes(0xf4, 0x90, 0x80, 0x80), bytes(0xff)];
    for (const name of invalid) assert.equal(isUtf8(name), false, name.toString("hex"));
  });
});

describe("escapeName / unescapeName (rsync's \\#ooo)", () => {
  test("as rsync writes them: caf\\#351, new\\#012line, tab\\#011; valid UTF-8 as it is", () => {
    assert.equal(escapeName(b("caf\xe9")), "caf\\#351");
    assert.equal(escapeName("new\nline"), "new\\#012line");
    assert.equal(escapeName("tab\there"), "tab\\#011here");
    assert.equal(escapeName("del\x7f"), "del\\#177");
    assert.equal(escapeName("café 🐈"), "café 🐈");
    assert.equal(escapeName(Buffer.from("plain\\x")), "plain\\x", "a backslash not followed by # stays");
  });
  test("each byte of an invalid sequence on its own; a valid character after it is kept", () => {
    assert.equal(escapeName(bytes(0xe2, 0x82, 0x41)), "\\#342\\#202A");
    assert.equal(escapeName(bytes(0xc0, 0xaf)), "\\#300\\#257", "overlong /");
    assert.equal(escapeName(bytes(0xe0, 0x80, 0xaf)), "\\#340\\#200\\#257", "overlong / in three bytes");
    assert.equal(escapeName(bytes(0xed, 0xa0, 0x80)), "\\#355\\#240\\#200", "a UTF-16 surrogate");
    assert.equal(escapeName(bytes(0xf4, 0x90, 0x80, 0x80)), "\\#364\\#220\\#200\\#200", "beyond U+10FFFF");
    assert.equal(escapeName(Buffer.concat([bytes(0xff), Buffer.from("é")])), "\\#377é");
  });
  test("a name that looks escaped is escaped itself: its text reads back as the same bytes", () => {
    assert.equal(escapeName("caf\\#351"), "caf\\#134#351");
    assert.deepEqual(unescapeName("caf\\#134#351"), Buffer.from("caf\\#351"));
  });
  test("every byte 0–255, alone and between letters, round-trips; the text is one line, without controls", () => {
    for (let byte = 0; byte < 256; byte++) {
      for (const name of [bytes(byte), bytes(0x61, byte, 0x62), bytes(byte, byte, 0x5c, 0x23)]) {
        const text = escapeName(name);
        assert.deepEqual(unescapeName(text), name, `byte ${byte}: ${JSON.stringify(text)}`);
        assert.doesNotMatch(text, /[\x00-\x1f\x7f]/, `byte ${byte}: no control character in ${JSON.stringify(text)}`);
        assert.ok(!text.includes("\uFFFD"), `byte ${byte}: nothing replaced`);
      }
      const alone = escapeName(bytes(byte));
      const printable = byte >= 0x20 && byte < 0x7f;
      assert.equal(alone, printable ? String.fromCharCode(byte) : `\\#${byte.toString(8).padStart(3, "0")}`, `byte ${byte}`);
    }
  });
  test("all 256 bytes in one name, and valid multi-byte names, round-trip", () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assert.deepEqual(unescapeName(escapeName(all)), all);
    for (const text of ["café", "日本語.txt", "🐈‍⬛", "a\\#b", "\\#12", "\\#1234"]) assert.deepEqual(unescapeName(escapeName(text)), Buffer.from(text), text);
  });
  test("unescapeName reads exactly three octal digits; anything else is text", () => {
    assert.deepEqual(unescapeName("caf\\#351"), b("caf\xe9"));
    assert.deepEqual(unescapeName("\\#0121"), bytes(0x0a, 0x31));
    assert.deepEqual(unescapeName("\\#12"), Buffer.from("\\#12"));
    assert.deepEqual(unescapeName("\\#389"), Buffer.from("\\#389"));
    assert.deepEqual(unescapeName("back\\#slash"), Buffer.from("back\\#slash"), "rsync's own listing of a name with \\# in it");
  });
});

describe("insidePath", () => {
  const inside = (text: string | Buffer) => insidePath(typeof text === "string" ? Buffer.from(text) : text)?.toString("latin1");
  test("relative and normalised: leading /, // and . dropped", () => {
    assert.equal(inside("/photos/2026/cat.jpg"), "photos/2026/cat.jpg");
    assert.equal(inside("photos//./2026/"), "photos/2026");
    assert.equal(inside("./a/./b/."), "a/b");
    assert.equal(inside("/"), "");
    assert.equal(inside("."), "");
  });
  test("any `..` leads out: undefined", () => {
    for (const path of ["..", "../etc", "a/../b", "/a/b/..", "a/./../../x"]) assert.equal(insidePath(Buffer.from(path)), undefined, path);
  });
  test("names that only start with dots are names; bytes are kept", () => {
    assert.equal(inside("...//..a/.b"), ".../..a/.b");
    assert.deepEqual(insidePath(b("/srv/caf\xe9/\xff")), b("srv/caf\xe9/\xff"));
  });
});
