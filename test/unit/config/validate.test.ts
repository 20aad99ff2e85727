// validateJob: every bad field gives one line "FILE: `field`: problem (got VALUE)"; all problems are reported at
// once; a valid job comes back with its name, file and defaults. Pure: no disk.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { closest, validateJob } from "../../../src/config/validate.ts";
import { defineJob, notify, remote, snapshotOf } from "../../../src/config/define.ts";

const FILE = "/etc/linkback/jobs/laptop.ts";
const ORIGIN = { name: "laptop", file: FILE };
const LOCAL = { prefix: "laptop", backupDir: "/mnt/backups", source: "/home/ben" } as const;
const REMOTE = { prefix: "univac", backupDir: "/mnt/sda1/backups", source: "root@192.168.1.20:/" } as const;

function errorsOf(raw: unknown): string[] {
  const result = validateJob(raw, ORIGIN);
  assert.equal(result.ok, false, `expected errors for ${String(JSON.stringify(raw))}`);
  return result.ok ? [] : result.errors;
}

/**
 * `raw` has exactly one problem, on `field`: one line, starting with the file and the field, containing each of
 * `fragments` (the value as written, a hint).
 */
function expectOneError(raw: unknown, field: string, ...fragments: string[]): string {
  const errors = errorsOf(raw);
  assert.equal(errors.length, 1, `one error expected, got ${JSON.stringify(errors, null, 2)}`);
  const line = errors[0]!;
  assert.ok(line.startsWith(`${FILE}: \`${field}\`: `), `names file and field \`${field}\`: ${line}`);
  assert.ok(!line.includes("\n"), `one line: ${JSON.stringify(line)}`);
  for (const fragment of fragments) assert.ok(line.includes(fragment), `${JSON.stringify(line)} should contain ${JSON.stringify(fragment)}`);
  return line;
}

function expectValid(raw: unknown) {
  const result = validateJob(raw, ORIGIN);
  assert.ok(result.ok, `expected valid, got ${result.ok ? "" : JSON.stringify(result.errors, null, 2)}`);
  return result.job;
}

describe("default export", () => {
  const cases: [string, unknown, string][] = [
    ["null", null, "null"],
    ["undefined", undefined, "nothing"],
    ["an array", [LOCAL], "array"],
    ["a function", () => LOCAL, "function"],
    ["a string", "laptop", '"laptop"'],
    ["a number", 42, "42"],
  ];
  for (const [label, value, shown] of cases) {
    test(`${label} is rejected with one line`, () => {
      expectOneError(value, "default export", "object", shown);
    });
  }
});

describe("prefix", () => {
  test("missing", () => expectOneError({ ...LOCAL, prefix: undefined }, "prefix", "required"));
  test("empty", () => expectOneError({ ...LOCAL, prefix: "" }, "prefix", 'got string ""'));
  test("blank", () => expectOneError({ ...LOCAL, prefix: "   " }, "prefix", '"   "'));
  test("a number", () => expectOneError({ ...LOCAL, prefix: 42 }, "prefix", "42"));
  test("null", () => expectOneError({ ...LOCAL, prefix: null }, "prefix", "null"));
  test("an array", () => expectOneError({ ...LOCAL, prefix: ["laptop"] }, "prefix", '["laptop"]'));
  for (const bad of ["lap/top", "/laptop", "laptop/", ".laptop", "..", "-laptop", "lap top", "laptop~1", "lap:top", "läptop", "laptop\n"]) {
    test(`${JSON.stringify(bad)} is rejected`, () => expectOneError({ ...LOCAL, prefix: bad }, "prefix", JSON.stringify(bad)));
  }
  test("a 201-character prefix is rejected with its length", () => expectOneError({ ...LOCAL, prefix: "a".repeat(201) }, "prefix", "201"));
  for (const good of ["laptop", "univac", "my_laptop.2", "_x", "A-b", "a".repeat(200), "laptop-weekly", "host.example.org"]) {
    test(`${JSON.stringify(good)} is accepted`, () => assert.equal(expectValid({ ...LOCAL, prefix: good }).prefix, good));
  }
});

describe("backupDir", () => {
  test("missing", () => expectOneError({ ...LOCAL, backupDir: undefined }, "backupDir", "required"));
  test("empty", () => expectOneError({ ...LOCAL, backupDir: "" }, "backupDir", '""'));
  test("a number", () => expectOneError({ ...LOCAL, backupDir: 7 }, "backupDir", "7"));
  test("an object", () => expectOneError({ ...LOCAL, backupDir: { path: "/x" } }, "backupDir", '{"path":"/x"}'));
  for (const relative of ["backups", "./backups", "../backups", "~/backups", "mnt/sda1"]) {
    test(`relative ${JSON.stringify(relative)} is rejected`, () => {
      expectOneError({ ...LOCAL, backupDir: relative }, "backupDir", "absolute", JSON.stringify(relative));
    });
  }
  test("absolute paths with spaces are fine (existence is a run-time check, not validation)", () => {
    assert.equal(expectValid({ ...LOCAL, backupDir: "/media/USB Disk/backups" }).backupDir, "/media/USB Disk/backups");
  });
});

describe("source", () => {
  test("missing", () => expectOneError({ ...LOCAL, source: undefined }, "source", "required"));
  test("empty", () => expectOneError({ ...LOCAL, source: "" }, "source", '""'));
  test("ill-typed", () => expectOneError({ ...LOCAL, source: { host: "x" } }, "source", '{"host":"x"}'));
  for (const relative of ["home/ben", "./home", "~/photos", "photos"]) {
    test(`relative local ${JSON.stringify(relative)} is rejected`, () => {
      expectOneError({ ...LOCAL, source: relative }, "source", JSON.stringify(relative));
    });
  }
  for (const good of ["/home/ben", "/", "/data/a:b", "root@192.168.1.20:/", "host:/srv", "ben@host:relative/dir", "host::module/path", "rsync://host/module/path"]) {
    test(`${JSON.stringify(good)} is accepted`, () => assert.equal(expectValid({ ...LOCAL, source: good }).source, good));
  }
});

describe("ssh", () => {
  test("empty string", () => expectOneError({ ...REMOTE, ssh: "" }, "ssh", "empty", '""'));
  test("blank string", () => expectOneError({ ...REMOTE, ssh: "  " }, "ssh", "empty", '"  "'));
  test("a number", () => expectOneError({ ...REMOTE, ssh: 22 }, "ssh", "22"));
  test("an array", () => expectOneError({ ...REMOTE, ssh: ["ssh", "-i", "/k"] }, "ssh", '["ssh","-i","/k"]'));
  test("null", () => expectOneError({ ...REMOTE, ssh: null }, "ssh", "null"));
  for (const port of [0, -1, 65536, 22.5, Number.NaN]) {
    test(`port ${port}`, () => expectOneError({ ...REMOTE, ssh: { port } }, "ssh.port", String(port === 0 ? "0" : port)));
  }
  test('port "22" (a string)', () => expectOneError({ ...REMOTE, ssh: { port: "22" } }, "ssh.port", '"22"'));
  test("relative identityFile", () => expectOneError({ ...REMOTE, ssh: { identityFile: "id_rsa" } }, "ssh.identityFile", '"id_rsa"'));
  test("ill-typed knownHostsFile", () => expectOneError({ ...REMOTE, ssh: { knownHostsFile: 5 } }, "ssh.knownHostsFile", "5"));
  test("empty command", () => expectOneError({ ...REMOTE, ssh: { command: "" } }, "ssh.command", '""'));
  test("options not an object", () => expectOneError({ ...REMOTE, ssh: { options: "ConnectTimeout=5" } }, "ssh.options", '"ConnectTimeout=5"'));
  test("options as an array", () => expectOneError({ ...REMOTE, ssh: { options: ["a"] } }, "ssh.options", '["a"]'));
  test("an option value that is not a string or number", () => {
    expectOneError({ ...REMOTE, ssh: { options: { BatchMode: true } } }, "ssh.options.BatchMode", "true");
  });
  test("an option name that is not a name", () => {
    expectOneError({ ...REMOTE, ssh: { options: { "Bad Key": "x" } } }, "ssh.options.Bad Key", "not an ssh option name");
  });
  test("unknown ssh field gets a suggestion", () => {
    expectOneError({ ...REMOTE, ssh: { identiyFile: "/k" } }, "ssh.identiyFile", "unknown field", "did you mean `ssh.identityFile`?");
  });
  test("ssh on a local source is an error naming the source", () => {
    expectOneError({ ...LOCAL, ssh: "ssh -i /k" }, "ssh", "local", '"/home/ben"');
    expectOneError({ ...LOCAL, ssh: { port: 2222 } }, "ssh", '"/home/ben"');
  });
  test("the blog script's string form and the structured form are accepted", () => {
    const blog = "ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts";
    assert.equal(expectValid({ ...REMOTE, ssh: blog }).ssh, blog);
    const structured = {
      identityFile: "/ssh_data/id_rsa",
      knownHostsFile: "/ssh_data/known_hosts",
      port: 2222,
      options: { ConnectTimeout: 10, Compression: "yes" },
      command: "/usr/bin/ssh",
    };
    assert.deepEqual(expectValid({ ...REMOTE, ssh: structured }).ssh, structured);
    assert.deepEqual(expectValid({ ...REMOTE, ssh: { port: 1 } }).ssh, { port: 1 });
    assert.deepEqual(expectValid({ ...REMOTE, ssh: { port: 65535 } }).ssh, { port: 65535 });
  });
});

describe("keepDays", () => {
  const bad: [unknown, string][] = [[0, "0"], [-1, "-1"], [1.5, "1.5"], ["30", '"30"'], [Number.NaN, "NaN"], [Number.POSITIVE_INFINITY, "Infinity"], [null, "null"], [[30], "[30]"]];
  for (const [value, shown] of bad) {
    test(`${shown} is rejected`, () => expectOneError({ ...LOCAL, keepDays: value }, "keepDays", shown));
  }
  for (const good of [1, 10, 30, 3650]) {
    test(`${good} is accepted`, () => assert.equal(expectValid({ ...LOCAL, keepDays: good }).keepDays, good));
  }
  test("omitted keeps every snapshot (stays undefined)", () => assert.equal(expectValid({ ...LOCAL }).keepDays, undefined));
});

describe("excludes", () => {
  test("not an array", () => expectOneError({ ...LOCAL, excludes: "/proc/*" }, "excludes", '"/proc/*"'));
  test("an empty pattern names its index", () => expectOneError({ ...LOCAL, excludes: ["/run/*", ""] }, "excludes[1]", '""'));
  test("a number names its index", () => expectOneError({ ...LOCAL, excludes: [3, "/tmp/*"] }, "excludes[0]", "3"));
  test("null inside", () => expectOneError({ ...LOCAL, excludes: ["/a", "/b", null] }, "excludes[2]", "null"));
  test("patterns with spaces, quotes and shell syntax are data, accepted as written", () => {
    const excludes = ["/home/ben/.gvfs", "/My Documents/*", "it's", '"q"', "$(touch /tmp/x)", "`id`", "a;b", "line\nbreak"];
    assert.deepEqual(expectValid({ ...LOCAL, excludes }).excludes, excludes);
  });
});

describe("rsyncArgs", () => {
  test("not an array", () => expectOneError({ ...LOCAL, rsyncArgs: "--delete" }, "rsyncArgs", '"--delete"'));
  test("a non-string inside", () => expectOneError({ ...LOCAL, rsyncArgs: ["-x", 5] }, "rsyncArgs[1]", "5"));
  const forbidden = [
    "--inplace", "--link-dest=/x", "--link-dest", "--compare-dest=/x", "--copy-dest=/x", "--append", "--append-verify",
    "--remove-source-files", "--dry-run", "-n", "--only-write-batch=/tmp/b",
    // dry run hidden in a bundle of short options: every run would "succeed" with an empty snapshot
    "-avn", "-nv", "-xn",
  ];
  for (const arg of forbidden) {
    test(`${arg} is not allowed`, () => expectOneError({ ...LOCAL, rsyncArgs: ["-x", arg] }, "rsyncArgs", JSON.stringify(arg), "not allowed"));
  }
  test("each forbidden argument is its own error", () => {
    const errors = errorsOf({ ...LOCAL, rsyncArgs: ["--inplace", "--link-dest=/a", "--delete"] });
    assert.equal(errors.length, 2);
    assert.ok(errors[0]!.includes('"--inplace"'));
    assert.ok(errors[1]!.includes('"--link-dest=/a"'));
  });
  test("--delete, -x, ACLs/xattrs and limits are allowed (staging is always fresh, so --delete changes nothing)", () => {
    const rsyncArgs = ["--delete", "--delete-excluded", "-x", "-AX", "--bwlimit=1000", "-h", "-essh", "-Tn", "--no-inc-recursive"];
    assert.deepEqual(expectValid({ ...LOCAL, rsyncArgs }).rsyncArgs, rsyncArgs);
  });
});

describe("hooks", () => {
  test("not an object", () => expectOneError({ ...LOCAL, hooks: "echo hi" }, "hooks", '"echo hi"'));
  test("an array", () => expectOneError({ ...LOCAL, hooks: ["echo"] }, "hooks", '["echo"]'));
  test("a number hook", () => expectOneError({ ...LOCAL, hooks: { pre: 42 } }, "hooks.pre", "42"));
  test("null hook", () => expectOneError({ ...LOCAL, hooks: { after: null } }, "hooks.after", "null"));
  test("an object that is not remote()", () => expectOneError({ ...LOCAL, hooks: { fail: { kind: "other" } } }, "hooks.fail", '{"kind":"other"}'));
  test("empty command string", () => expectOneError({ ...LOCAL, hooks: { pre: "" } }, "hooks.pre", "empty", '""'));
  test("blank command string", () => expectOneError({ ...LOCAL, hooks: { after: "  " } }, "hooks.after", "empty", '"  "'));
  test("empty argv", () => expectOneError({ ...LOCAL, hooks: { pre: [] } }, "hooks.pre", "[]"));
  test("argv with empty program", () => expectOneError({ ...LOCAL, hooks: { pre: ["", "x"] } }, "hooks.pre", '["","x"]'));
  test("argv with a non-string", () => expectOneError({ ...LOCAL, hooks: { pre: ["echo", 1] } }, "hooks.pre", '["echo",1]'));
  test("remote() without a command", () => expectOneError({ ...REMOTE, hooks: { pre: remote("") } }, "hooks.pre", "command", '""'));
  test("unknown hook name gets a suggestion", () => {
    expectOneError({ ...LOCAL, hooks: { pree: "echo" } }, "hooks.pree", "unknown field", "did you mean `hooks.pre`?");
    expectOneError({ ...LOCAL, hooks: { afer: "echo" } }, "hooks.afer", "did you mean `hooks.after`?");
  });
  const timeouts: [unknown, string][] = [[0, "0"], [-5, "-5"], ["5", '"5"'], [Number.POSITIVE_INFINITY, "Infinity"], [Number.NaN, "NaN"]];
  for (const [timeout, shown] of timeouts) {
    test(`timeout ${shown}`, () => expectOneError({ ...LOCAL, hooks: { timeout } }, "hooks.timeout", shown));
  }
  for (const source of ["/home/ben", "host::module", "rsync://host/module/path"]) {
    test(`remote() with the non-ssh source ${source} is rejected (there is no ssh host to reach)`, () => {
      expectOneError({ ...LOCAL, source, hooks: { pre: remote("uptime") } }, "hooks.pre", "remote()", "ssh source");
    });
  }
  for (const source of ["host::module", "rsync://host/module/path"]) {
    test(`notify() with the daemon source ${source} is rejected (no ssh to the backed-up machine)`, () => {
      expectOneError({ ...LOCAL, source, hooks: { after: notify("done", { user: "ben" }) } }, "hooks.after", "notify()", "rsync daemon", source);
    });
  }
  test("notify() with a local source is accepted: it notifies this machine's desktop", () => {
    expectValid({ ...LOCAL, hooks: { after: notify("done", { user: "ben" }) } });
    expectValid({ ...LOCAL, source: snapshotOf("daily"), hooks: { after: notify("done") } });
  });
  describe("notify() options", () => {
    const bad: [string, Record<string, unknown>, string, string][] = [
      ["urgency", { urgency: "high" }, "hooks.after.urgency", '"low", "normal" or "critical" (got string "high")'],
      ["expireTime in seconds as text", { expireTime: "5s" }, "hooks.after.expireTime", 'whole milliseconds, 0 or more (0: until dismissed), as notify-send -t (got string "5s")'],
      ["negative expireTime", { expireTime: -1 }, "hooks.after.expireTime", "got number -1"],
      ["a user that is not a name", { user: "ben; rm -rf /" }, "hooks.after.user", 'a user name on the backed-up machine, e.g. "ben"'],
      ["an empty display", { display: "" }, "hooks.after.display", 'non-empty string (got string "")'],
      ["a number as icon", { icon: 7 }, "hooks.after.icon", "got number 7"],
      ["a hook timeout of 0", { timeout: 0 }, "hooks.after.timeout", "seconds above 0 (got number 0)"],
      ["a misspelt option", { urgncy: "low" }, "hooks.after.urgncy", "did you mean `hooks.after.urgency`?"],
    ];
    for (const [label, options, field, fragment] of bad) {
      test(label, () => expectOneError({ ...REMOTE, hooks: { after: notify("done", options as never) } }, field, fragment));
    }
    test("an empty message", () => expectOneError({ ...REMOTE, hooks: { after: notify("  ") } }, "hooks.after.message", "notify() needs a message"));
    test("every option, and a message function, are accepted", () => {
      const options = { user: "ben", display: ":0", waylandDisplay: "wayland-0", bus: "unix:path=/run/user/1000/bus", urgency: "critical", icon: "drive-harddisk", appName: "backup", expireTime: 0, body: "details", timeout: 5 } as const;
      expectValid({ ...REMOTE, hooks: { pre: notify("start", options), fail: notify((c) => `failed: ${c.error ?? ""}`) } });
    });
  });
  test("every hook form is accepted", () => {
    const fn = async () => {};
    const hooks = {
      pre: notify("Backing up system to router…", { user: "ben", display: ":0.0" }),
      after: ["logger", "-t", "backup", "done"],
      fail: "logger -t backup 'univac backup failed'",
      timeout: 0.5,
    };
    assert.deepEqual(expectValid({ ...REMOTE, hooks }).hooks, hooks);
    assert.equal(expectValid({ ...REMOTE, hooks: { after: fn } }).hooks.after, fn);
    assert.ok(expectValid({ ...REMOTE, hooks: { pre: remote("uptime", { timeout: 5 }) } }).hooks.pre);
    assert.ok(expectValid({ ...LOCAL, hooks: { fail: function named() {} } }).hooks.fail);
  });
});

describe("unknown fields", () => {
  test("`exludes` suggests `excludes`", () => {
    expectOneError({ ...LOCAL, exludes: ["/proc/*"] }, "exludes", "unknown field — did you mean `excludes`?");
  });
  test("other typos", () => {
    expectOneError({ ...LOCAL, keepdays: 30 }, "keepdays", "did you mean `keepDays`?");
    expectOneError({ ...LOCAL, rsyncArg: [] }, "rsyncArg", "did you mean `rsyncArgs`?");
    expectOneError({ ...LOCAL, hook: {} }, "hook", "did you mean `hooks`?");
  });
  test("a field that resembles nothing lists the known ones", () => {
    const line = expectOneError({ ...LOCAL, frobnicate: 1 }, "frobnicate", "unknown field");
    for (const known of ["prefix", "backupDir", "source", "ssh", "excludes", "keepDays", "hooks", "rsyncArgs"]) assert.ok(line.includes(known), line);
  });
});

describe("several problems at once", () => {
  test("are all reported, one line each, naming each field", () => {
    const errors = errorsOf({
      prefix: "a/b",
      backupDir: "relative",
      source: "",
      keepDays: 0,
      exludes: [],
      rsyncArgs: ["--inplace"],
      hooks: { pree: "x", after: 3 },
    });
    const fields = ["prefix", "backupDir", "source", "keepDays", "exludes", "rsyncArgs", "hooks.pree", "hooks.after"];
    assert.equal(errors.length, fields.length, JSON.stringify(errors, null, 2));
    for (const field of fields) {
      assert.ok(errors.some((line) => line.startsWith(`${FILE}: \`${field}\`: `)), `missing ${field} in ${JSON.stringify(errors, null, 2)}`);
    }
  });
  test("an empty object reports all three required fields", () => {
    const errors = errorsOf({});
    assert.deepEqual(errors.map((line) => /`([^`]+)`/.exec(line)?.[1]).sort(), ["backupDir", "prefix", "source"]);
    for (const line of errors) assert.ok(line.includes("required"), line);
  });
});

describe("a valid job", () => {
  test("gets name, file and defaults", () => {
    const job = expectValid({ ...LOCAL });
    assert.equal(job.name, "laptop");
    assert.equal(job.file, FILE);
    assert.equal(job.prefix, "laptop");
    assert.equal(job.backupDir, "/mnt/backups");
    assert.equal(job.source, "/home/ben");
    assert.deepEqual(job.excludes, []);
    assert.deepEqual(job.rsyncArgs, []);
    assert.deepEqual(job.hooks, {});
    assert.equal(job.ssh, undefined);
    assert.equal(job.keepDays, undefined);
  });
  test("the issue's univac example validates, through defineJob", () => {
    const config = defineJob({
      prefix: "univac",
      backupDir: "/mnt/sda1/backups",
      source: "root@192.168.1.20:/",
      ssh: "ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts",
      excludes: ["/run/*", "/proc/*", "/sys/*", "/dev/*", "/tmp/*", "/home/ben/.gvfs"],
      keepDays: 30,
      hooks: {
        pre: notify("Backing up system to router…", { user: "ben", display: ":0.0" }),
        after: notify("Root backup done", { user: "ben", display: ":0.0" }),
        fail: "logger -t backup 'univac backup failed'",
      },
    });
    const job = validateJob(config, { name: "univac", file: "/repo/jobs/univac.ts" });
    assert.ok(job.ok, JSON.stringify(job));
    assert.equal(job.job.name, "univac");
    assert.equal(job.job.keepDays, 30);
    assert.deepEqual(job.job.excludes, config.excludes);
  });
  test("the name comes from the origin, not from the prefix", () => {
    const result = validateJob({ ...LOCAL, prefix: "other" }, { name: "file-name", file: "/j/file-name.ts" });
    assert.ok(result.ok);
    assert.equal(result.job.name, "file-name");
    assert.equal(result.job.prefix, "other");
  });
  test("validation does not change its input", () => {
    const raw = { ...LOCAL, excludes: ["/a"], hooks: { pre: "true" } };
    const copy = structuredClone(raw);
    expectValid(Object.freeze(raw));
    assert.deepEqual(raw, copy);
  });
});

describe("closest()", () => {
  const fields = ["prefix", "backupDir", "source", "ssh", "excludes", "keepDays", "hooks", "rsyncArgs"];
  test("finds typos", () => {
    assert.equal(closest("exludes", fields), "excludes");
    assert.equal(closest("sorce", fields), "source");
    assert.equal(closest("keepDay", fields), "keepDays");
    assert.equal(closest("backupdir", fields), "backupDir");
    assert.equal(closest("BACKUPDIR", fields), "backupDir");
    assert.equal(closest("pree", ["pre", "after", "fail", "timeout"]), "pre");
    assert.equal(closest("identiyFile", ["identityFile", "knownHostsFile", "port", "options", "command"]), "identityFile");
  });
  test("an exact match is itself", () => assert.equal(closest("ssh", fields), "ssh"));
  test("nothing near enough gives undefined", () => {
    assert.equal(closest("frobnicate", fields), undefined);
    assert.equal(closest("zzzzzz", fields), undefined);
    assert.equal(closest("anything", []), undefined);
  });
});

describe("review fixes", () => {
  for (const option of ["--list-only", "--existing", "--ignore-non-existing"]) {
    test(`rsyncArgs ${option} is refused: every snapshot would be empty or miss new files`, () =>
      expectOneError({ ...LOCAL, rsyncArgs: [option] }, "rsyncArgs", option));
  }
  test("allowEmptySource must be a boolean", () => expectOneError({ ...LOCAL, allowEmptySource: "yes" }, "allowEmptySource", '"yes"'));
  test("allowEmptySource: true is accepted", () => assert.equal(validateJob({ ...LOCAL, allowEmptySource: true }, ORIGIN).ok, true));
  test("backupDir is normalised: // and a trailing / go", () => {
    const result = validateJob({ ...LOCAL, backupDir: "/mnt//usb/backups/" }, ORIGIN);
    assert.ok(result.ok);
    assert.equal(result.job.backupDir, "/mnt/usb/backups");
  });
});

describe("every, alertAfter, enabled", () => {
  test("defaults: daily, overdue after three days, enabled", () => {
    const job = expectValid({ ...LOCAL });
    assert.deepEqual([job.cycle.text, job.alertCycle.text, job.enabled], ["1d", "3d", true]);
  });
  test("alertAfter defaults to three cycles in the cycle's unit", () => {
    assert.equal(expectValid({ ...LOCAL, every: "6h" }).alertCycle.text, "18h");
    assert.equal(expectValid({ ...LOCAL, every: "1w" }).alertCycle.text, "3w");
  });
  test("24h is a daily job", () => assert.equal(expectValid({ ...LOCAL, every: "24h" }).cycle.text, "1d"));
  test("every: not a duration", () => expectOneError({ ...LOCAL, every: "daily" }, "every", '"6h"', '"daily"'));
  test("every: a number", () => expectOneError({ ...LOCAL, every: 1 }, "every", "number 1"));
  test("every: 36h", () => expectOneError({ ...LOCAL, every: "36h" }, "every", "whole days", '"36h"'));
  test("alertAfter shorter than every", () => expectOneError({ ...LOCAL, every: "1w", alertAfter: "3d" }, "alertAfter", "at least", "1w", '"3d"'));
  test("alertAfter in hours for a daily job", () => expectOneError({ ...LOCAL, alertAfter: "36h" }, "alertAfter", "whole days", '"36h"'));
  test("alertAfter in hours or days for a sub-daily job", () => {
    assert.equal(expectValid({ ...LOCAL, every: "1h", alertAfter: "5h" }).alertCycle.text, "5h");
    assert.equal(expectValid({ ...LOCAL, every: "1h", alertAfter: "2d" }).alertCycle.text, "2d");
  });
  test("alertAfter garbage", () => expectOneError({ ...LOCAL, alertAfter: "soon" }, "alertAfter", '"soon"'));
  test("enabled must be a boolean", () => expectOneError({ ...LOCAL, enabled: "no" }, "enabled", '"no"'));
  test("enabled: false", () => assert.equal(expectValid({ ...LOCAL, enabled: false }).enabled, false));
  test("a misspelt field gets a suggestion", () => expectOneError({ ...LOCAL, evry: "1d" }, "evry", "`every`"));
});

describe("snapshotOf() sources", () => {
  test("accepted, kept as the source", () => {
    const job = expectValid({ ...LOCAL, prefix: "laptop-weekly", source: snapshotOf("daily"), every: "1w" });
    assert.deepEqual(job.source, { kind: "snapshotOf", job: "daily" });
  });
  test("naming this job itself", () => expectOneError({ ...LOCAL, source: snapshotOf("laptop") }, "source", "this job itself"));
  test("a name that is not a job name", () => expectOneError({ ...LOCAL, source: snapshotOf("../laptop") }, "source", '"../laptop"'));
  test("not a string", () => expectOneError({ ...LOCAL, source: { kind: "snapshotOf", job: 3 } }, "source", "number 3"));
  test("with ssh", () => expectOneError({ ...LOCAL, source: snapshotOf("daily"), ssh: "ssh -i /k" }, "ssh", "another job's snapshot"));
  test("remote() hooks need an ssh source", () => {
    expectOneError({ ...LOCAL, source: snapshotOf("daily"), hooks: { pre: remote("true") } }, "hooks.pre", "ssh source");
  });
});
