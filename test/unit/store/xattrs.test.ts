// readXattrs with the real getfattr(1) on real files: attributes by path (a name that is not UTF-8 too),
// nothing for a file without any, and undefined when getfattr is not on PATH (diff then says so once).
import { strict as assert } from "node:assert";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { readXattrs } from "../../../src/store/xattrs.ts";

const dir = mkdtempSync(join(tmpdir(), "linkback-xattrs-"));
const has = (program: string) => {
  try {
    execFileSync(program, ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const tagged = join(dir, "tagged.txt");
const plain = join(dir, "plain.txt");
const latin1 = Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9])]);
writeFileSync(tagged, "x");
writeFileSync(plain, "y");
writeFileSync(latin1, "z");
let reason: string | false = has("getfattr") && has("setfattr") ? false : "getfattr/setfattr (attr) are not installed";
if (reason === false) {
  try {
    execFileSync("setfattr", ["-n", "user.linkback", "-v", "kept", tagged]);
    execFileSync("sh", ["-c", 'setfattr -n user.cafe -v 1 "$(printf "%s/caf\\351" "$0")"', dir]);
  } catch {
    reason = `this filesystem (${tmpdir()}) takes no user xattrs`;
  }
}
if (reason !== false && process.env.CI === "true") throw new Error(`xattrs.test.ts cannot run under CI=true: ${reason}`);

describe("readXattrs", { skip: reason }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  test("attributes by path; none for a file without; a name that is not UTF-8 is its bytes", async () => {
    const table = await readXattrs([Buffer.from(tagged), Buffer.from(plain), latin1]);
    assert.ok(table !== undefined);
    assert.equal(table.get(tagged), 'user.linkback=0x6b657074');
    assert.equal(table.get(plain), undefined);
    assert.equal(table.get(latin1.toString("latin1")), "user.cafe=0x31");
  });
  test("no getfattr on PATH: undefined", async () => {
    const path = process.env.PATH;
    process.env.PATH = join(dir, "empty");
    try {
      assert.equal(await readXattrs([Buffer.from(tagged)]), undefined);
      assert.equal(await readXattrs([latin1]), undefined, "a name that needs sh: sh is not found either (ENOENT)");
    } finally {
      process.env.PATH = path;
    }
  });
});
