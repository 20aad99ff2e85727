// A job file anywhere on disk type-checks against linkback's published types (dist/index.d.ts) with a
// plain tsconfig, once `node_modules/linkback` points at the clone — as the README tells users to set up.
import { strict as assert } from "node:assert";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { execa } from "execa";
import { ROOT, tempDir } from "../helpers/cli.ts";

const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

test("a job file outside the clone is type-checked: a misspelt field is an editor error, a good job is clean", async () => {
  const dir = await tempDir("linkback-editor");
  try {
    await mkdir(join(dir.path, "node_modules"));
    await symlink(ROOT, join(dir.path, "node_modules", "linkback"));
    await writeFile(join(dir.path, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "nodenext", strict: true, noEmit: true } }));
    await writeFile(
      join(dir.path, "univac.ts"),
      `import { defineJob, notify } from "linkback";
export default defineJob({ prefix: "univac", backupDir: "/mnt/sda1/backups", source: "root@192.168.1.20:/",
  ssh: { identityFile: "/ssh_data/id_rsa", port: 22 }, keepDays: 30,
  hooks: { pre: notify("Backing up…", { user: "ben", display: ":0.0" }), fail: ["logger", "failed"], after: async (c) => { c.snapshot.length; } } });
`,
    );
    const good = await execa(process.execPath, [TSC, "-p", dir.path], { reject: false });
    assert.equal(good.exitCode, 0, `${good.stdout}${good.stderr}`);

    await writeFile(
      join(dir.path, "typo.ts"),
      `import { defineJob } from "linkback";\nexport default defineJob({ prefix: "t", backupDir: "/b", source: "/s", exludes: [] });\n`,
    );
    const bad = await execa(process.execPath, [TSC, "-p", dir.path], { reject: false });
    assert.notEqual(bad.exitCode, 0);
    assert.match(bad.stdout, /typo\.ts\(2,\d+\): error TS2561: .*'exludes'.*Did you mean to write 'excludes'\?/);
  } finally {
    await dir.cleanup();
  }
});
