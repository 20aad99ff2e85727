// SSH settings → rsync's --rsh string and the remote-hook argv; where a source lives (local, ssh, daemon).
// rsync splits --rsh itself (main.c do_cmd), not a shell: the string we hand it must split back into exactly our
// words under rsync's rules. `rsyncSplit` below is a transcription of that loop, checked by hand against rsync
// 3.5.0 with a --rsh program that prints its argv:
//   --rsh="show 'it''s' \"x\"\"y\" ''"   → [it's] [x"y] []
//   --rsh="show 'a b' \"c\\\"d\""          → "Missing trailing-\" in remote-shell command." (no backslash escapes)
//   --rsh="show a<TAB>b"                    → [a<TAB>b] (only spaces separate)
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { rshString, splitCommandLine, sshArgv, sshFiles } from "../../../src/config/ssh.ts";
import { isRemoteSource, isShellSource, rsyncSource, sourceHost } from "../../../src/config/source.ts";

/** rsync's --rsh splitter (main.c do_cmd), transcribed. Throws where rsync exits with "Missing trailing-". */
function rsyncSplit(command: string): string[] {
  const args: string[] = [];
  let f = 0;
  let inQuote = "";
  while (f < command.length) {
    if (command[f] === " ") {
      f++;
      continue;
    }
    let word = "";
    while (f < command.length && (command[f] !== " " || inQuote !== "")) {
      const c = command[f]!;
      if (c === "'" || c === '"') {
        if (inQuote === "") {
          inQuote = c;
          f++;
          continue;
        }
        if (c === inQuote) {
          f++;
          if (command[f] !== inQuote) {
            inQuote = "";
            continue;
          }
        }
      }
      word += command[f];
      f++;
    }
    if (inQuote !== "") throw new Error(`Missing trailing-${inQuote} in remote-shell command.`);
    args.push(word);
  }
  return args;
}

test("the transcription of rsync's splitter matches what rsync 3.5.0 did (see the header)", () => {
  assert.deepEqual(rsyncSplit("show 'it''s' \"x\"\"y\" ''"), ["show", "it's", 'x"y', ""]);
  assert.throws(() => rsyncSplit("show 'a b' \"c\\\"d\""), /Missing trailing-"/);
  assert.deepEqual(rsyncSplit("show a\tb"), ["show", "a\tb"]);
});

describe("splitCommandLine (rsync's rules; tabs and newlines also separate)", () => {
  const cases: [string, string[]][] = [
    ["ssh", ["ssh"]],
    ["ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts", ["ssh", "-i", "/ssh_data/id_rsa", "-o", "UserKnownHostsFile=/ssh_data/known_hosts"]],
    ["  ssh   -p  2222  ", ["ssh", "-p", "2222"]],
    ["ssh\t-p\t2222", ["ssh", "-p", "2222"]],
    ["ssh\n  -p 2222\n", ["ssh", "-p", "2222"]],
    ["ssh -i '/keys/my key'", ["ssh", "-i", "/keys/my key"]],
    ['ssh -i "/keys/my key"', ["ssh", "-i", "/keys/my key"]],
    ["ssh -o 'ProxyCommand=ssh -W %h:%p jump'", ["ssh", "-o", "ProxyCommand=ssh -W %h:%p jump"]],
    ["ssh -o'User Known'=x", ["ssh", "-oUser Known=x"]],
    ["ssh '' x", ["ssh", "", "x"]],
    ['ssh "" x', ["ssh", "", "x"]],
    ["ssh ''", ["ssh", ""]],
    ["ssh 'it''s'", ["ssh", "it's"]],
    ['ssh "say ""hi"""', ["ssh", 'say "hi"']],
    ["ssh '\"double\" in single'", ["ssh", '"double" in single']],
    ['ssh "it\'s in double"', ["ssh", "it's in double"]],
    ["ssh 'a'b'c'", ["ssh", "abc"]],
    ["ssh a''b", ["ssh", "ab"]],
    ["ssh 'tab\there'", ["ssh", "tab\there"]],
    // backslashes are plain characters, in and out of quotes, as in rsync
    ["ssh C:\\key", ["ssh", "C:\\key"]],
    ['ssh "a\\\\b"', ["ssh", "a\\\\b"]],
    ["ssh 'a\\b'", ["ssh", "a\\b"]],
    // nothing is a shell
    ["ssh $(touch /tmp/x) `id` ; rm", ["ssh", "$(touch", "/tmp/x)", "`id`", ";", "rm"]],
    ["ssh ~/key *", ["ssh", "~/key", "*"]],
    ["", []],
    ["   ", []],
  ];
  for (const [line, words] of cases) {
    test(JSON.stringify(line), () => assert.deepEqual(splitCommandLine(line), words));
  }
  test("agrees with rsync on every line rsync accepts that has no tab or newline", () => {
    for (const [line, words] of cases) {
      if (/[\t\n]/.test(line)) continue;
      assert.deepEqual(rsyncSplit(line), words, line);
    }
  });
});

describe("rshString", () => {
  const awkward: string[][] = [
    ["ssh", "-i", "/ssh_data/id_rsa", "-o", "UserKnownHostsFile=/ssh_data/known_hosts"],
    ["ssh", "-i", "/keys/my key"],
    ["ssh", "-i", "/keys/ben's key"],
    ["ssh", "-i", '/keys/"quoted" key'],
    ["ssh", "-i", "/keys/back\\slash"],
    ["ssh", "-i", "/keys/back\\slash and space"],
    ["ssh", "-i", `/keys/all'of"them\\ at 'once''`],
    ["ssh", "-i", "'"],
    ["ssh", "-i", '"'],
    ["ssh", "-i", "''"],
    ["ssh", "-o", ""],
    ["ssh", "-o", "tab\there"],
    ["ssh", "-o", "new\nline"],
    ["ssh", "-o", "ProxyCommand=ssh -W %h:%p jump"],
    ["ssh", "-o", "$(touch /tmp/x);`id`"],
    ["/opt/my ssh/bin/ssh", "-p", "2222"],
  ];
  for (const argv of awkward) {
    test(`round-trips ${JSON.stringify(argv)} through rsync's splitter and ours`, () => {
      const rsh = rshString(argv);
      assert.deepEqual(rsyncSplit(rsh), argv, `rsync would split ${JSON.stringify(rsh)} differently`);
      assert.deepEqual(splitCommandLine(rsh), argv);
    });
  }
  test("plain words stay readable (the rsync command line in the log looks like the blog script's)", () => {
    const blog = "ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts";
    assert.equal(rshString(splitCommandLine(blog)), blog);
  });
  test("property: random words from awkward characters round-trip through rsync's splitter", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const alphabet = ["a", "Z", "0", "/", " ", "'", '"', "\\", "\t", "$", "(", ")", "`", ";", "=", "-", "~", "*", "é"];
    for (let round = 0; round < 500; round++) {
      const argv = ["ssh"];
      const words = 1 + Math.floor(random() * 4);
      for (let w = 0; w < words; w++) {
        let word = "";
        const length = Math.floor(random() * 8);
        for (let i = 0; i < length; i++) word += alphabet[Math.floor(random() * alphabet.length)];
        argv.push(word);
      }
      const rsh = rshString(argv);
      assert.deepEqual(rsyncSplit(rsh), argv, `${JSON.stringify(argv)} → ${JSON.stringify(rsh)}`);
      assert.deepEqual(splitCommandLine(rsh), argv, `${JSON.stringify(argv)} → ${JSON.stringify(rsh)}`);
    }
  });
});

describe("sshArgv", () => {
  const pairs = (argv: string[]) => argv.slice(1).map((word, i) => `${word} ${argv[i + 2] ?? ""}`.trim());
  test("no ssh setting: plain ssh", () => assert.deepEqual(sshArgv(undefined), ["ssh"]));
  test("the string form is split like rsync splits it", () => {
    assert.deepEqual(sshArgv("ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts"),
      ["ssh", "-i", "/ssh_data/id_rsa", "-o", "UserKnownHostsFile=/ssh_data/known_hosts"]);
    assert.deepEqual(sshArgv("/usr/bin/ssh -i '/keys/my key' -p 2222"), ["/usr/bin/ssh", "-i", "/keys/my key", "-p", "2222"]);
  });
  test("the structured form gives every setting, host checking untouched", () => {
    const argv = sshArgv({
      identityFile: "/keys/id ed25519",
      knownHostsFile: "/keys/known_hosts",
      port: 2222,
      options: { ConnectTimeout: 10, Compression: "yes" },
    });
    assert.equal(argv[0], "ssh");
    const joined = pairs(argv);
    for (const pair of ["-i /keys/id ed25519", "-o UserKnownHostsFile=/keys/known_hosts", "-p 2222", "-o ConnectTimeout=10", "-o Compression=yes"]) {
      assert.ok(joined.includes(pair), `${pair} in ${JSON.stringify(argv)}`);
    }
    assert.equal(argv.length, 11);
    assert.ok(!argv.some((word) => /StrictHostKeyChecking/i.test(word)), "host checking is never weakened by default");
  });
  test("the structured form with a command and only some settings", () => {
    assert.deepEqual(sshArgv({}), ["ssh"]);
    assert.deepEqual(sshArgv({ port: 2222 }), ["ssh", "-p", "2222"]);
    assert.deepEqual(sshArgv({ command: "/opt/bin/ssh" }), ["/opt/bin/ssh"]);
    assert.equal(sshArgv({ command: "/opt/bin/ssh", port: 22 })[0], "/opt/bin/ssh");
  });
  test("both forms survive the trip through --rsh", () => {
    for (const ssh of ["ssh -i '/k/my key' -p 2222", { identityFile: "/k/ben's key", knownHostsFile: '/k/"kh"', port: 22 }] as const) {
      const argv = sshArgv(ssh);
      assert.deepEqual(rsyncSplit(rshString(argv)), argv);
    }
  });
});

describe("sshFiles", () => {
  test("-i, -F and -o UserKnownHostsFile=", () => {
    assert.deepEqual(sshFiles(["ssh", "-i", "/k", "-F", "/cfg", "-o", "UserKnownHostsFile=/kh"]), [
      { option: "-i", path: "/k" },
      { option: "-F", path: "/cfg" },
      { option: "UserKnownHostsFile", path: "/kh" },
    ]);
  });
  test("joined forms: -i/k, -F/cfg, -oUserKnownHostsFile=/kh", () => {
    assert.deepEqual(sshFiles(["ssh", "-i/k2", "-F/cfg2", "-oUserKnownHostsFile=/kh2"]), [
      { option: "-i", path: "/k2" },
      { option: "-F", path: "/cfg2" },
      { option: "UserKnownHostsFile", path: "/kh2" },
    ]);
  });
  test("ssh option names are case-insensitive; -o IdentityFile= counts as a key", () => {
    assert.deepEqual(sshFiles(["ssh", "-o", "userknownhostsfile=/kh"]), [{ option: "UserKnownHostsFile", path: "/kh" }]);
    assert.deepEqual(sshFiles(["ssh", "-o", "IdentityFile=/id", "-oidentityfile=/id2"]), [
      { option: "IdentityFile", path: "/id" },
      { option: "IdentityFile", path: "/id2" },
    ]);
  });
  test("the blog script's string and the structured form", () => {
    assert.deepEqual(sshFiles(sshArgv("ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts")), [
      { option: "-i", path: "/ssh_data/id_rsa" },
      { option: "UserKnownHostsFile", path: "/ssh_data/known_hosts" },
    ]);
    assert.deepEqual(sshFiles(sshArgv({ identityFile: "/k/my key", knownHostsFile: "/k/kh", port: 22 })), [
      { option: "-i", path: "/k/my key" },
      { option: "UserKnownHostsFile", path: "/k/kh" },
    ]);
  });
  test("names nothing when no file is named; ~ paths (ssh expands them) and lists of files are left to ssh", () => {
    assert.deepEqual(sshFiles(["ssh", "-o", "ConnectTimeout=5", "-p", "22"]), []);
    assert.deepEqual(sshFiles(["ssh"]), []);
    assert.deepEqual(sshFiles(["ssh", "-i", "~/.ssh/id_rsa"]), []);
    assert.deepEqual(sshFiles(["ssh", "-o", "UserKnownHostsFile=/a /b"]), []);
  });
  test("the program itself is never taken for an option", () => {
    assert.deepEqual(sshFiles(["-i", "/x"]), []);
  });
});

describe("sources", () => {
  const cases: { source: string; remote: boolean; shell: boolean; host?: string }[] = [
    { source: "/home/ben", remote: false, shell: false },
    { source: "/", remote: false, shell: false },
    { source: "/data/a:b", remote: false, shell: false },
    { source: "/data/host:/x", remote: false, shell: false },
    { source: "/mnt/c::d", remote: false, shell: false },
    { source: "./a:b", remote: false, shell: false },
    { source: "root@192.168.1.20:/", remote: true, shell: true, host: "root@192.168.1.20" },
    { source: "ben@laptop.lan:/home/ben", remote: true, shell: true, host: "ben@laptop.lan" },
    { source: "host:/srv", remote: true, shell: true, host: "host" },
    { source: "host:relative", remote: true, shell: true, host: "host" },
    { source: "host:", remote: true, shell: true, host: "host" },
    { source: "host:/data/a::b", remote: true, shell: true, host: "host" },
    { source: "root@[::1]:/srv", remote: true, shell: true, host: "root@::1" },
    { source: "[fe80::1]:/srv", remote: true, shell: true, host: "fe80::1" },
    { source: "host::module", remote: true, shell: false },
    { source: "host::module/path", remote: true, shell: false },
    { source: "user@host::module/path", remote: true, shell: false },
    { source: "rsync://host/module/path", remote: true, shell: false },
    { source: "rsync://user@host:873/module", remote: true, shell: false },
  ];
  for (const { source, remote, shell, host } of cases) {
    test(`${source}: ${remote ? (shell ? "ssh" : "daemon") : "local"}${host === undefined ? "" : `, host ${host}`}`, () => {
      assert.equal(isRemoteSource(source), remote, "isRemoteSource");
      assert.equal(isShellSource(source), shell, "isShellSource");
      assert.equal(sourceHost(source), host, "sourceHost");
    });
  }
  test("rsyncSource always ends in exactly one added `/`", () => {
    assert.equal(rsyncSource("/home/ben"), "/home/ben/");
    assert.equal(rsyncSource("/home/ben/"), "/home/ben/");
    assert.equal(rsyncSource("/"), "/");
    assert.equal(rsyncSource("root@host:/"), "root@host:/");
    assert.equal(rsyncSource("root@host:/etc"), "root@host:/etc/");
    assert.equal(rsyncSource("host::module"), "host::module/");
    assert.equal(rsyncSource("rsync://host/module"), "rsync://host/module/");
    assert.equal(rsyncSource("/with space"), "/with space/");
  });
});
