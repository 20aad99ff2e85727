// planRun: link targets (≤ 20, newest first, absolute, resume base first), resume/discard/replace of leftovers,
// the one rsync argv (no shell: every pattern is one element; `--` before the paths), and retention including
// the new snapshot — as steps, each with its reason. Hand-built Job and facts: no disk.
process.env.TZ = "Europe/Berlin";

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isAbsolute } from "node:path";
import { planRun, type Plan } from "../../../src/plan/plan.ts";
import type { Facts } from "../../../src/plan/facts.ts";
import type { Step, StepKind } from "../../../src/plan/steps.ts";
import { dryRunArgv } from "../../../src/backup/dryRun.ts";
import { snapshotFromName } from "../../../src/store/names.ts";
import { MAX_LINK_DEST, rsyncArgv } from "../../../src/rsync/args.ts";
import { splitCommandLine, sshArgv } from "../../../src/config/ssh.ts";
import { DAILY, threeTimes } from "../../../src/time/cycle.ts";
import type { Job } from "../../../src/config/types.ts";
import type { Inventory, Snapshot } from "../../../src/store/inventory.ts";

const BACKUP = "/mnt/backups";
const NOW = new Date(2026, 10, 22, 3, 0, 0); // 2026-11-22 03:00 local
const TODAY = "laptop-2026-11-22";

function job(overrides: Partial<Job> = {}): Job {
  return {
    name: "laptop", file: "/repo/jobs/laptop.ts", prefix: "laptop", backupDir: BACKUP, source: "/home/ben",
    excludes: [], rsyncArgs: [], hooks: {}, cycle: DAILY, alertCycle: threeTimes(DAILY), enabled: true, minKeepCount: 1, shrinkLimit: 0.5, ...overrides,
  };
}

/** `n` daily snapshots ending the day before `NOW`, oldest first (as readInventory gives them). */
function days(n: number, last = "2026-11-21"): string[] {
  const [y, m, d] = last.split("-").map(Number) as [number, number, number];
  return Array.from({ length: n }, (_, i) => new Date(Date.UTC(y, m - 1, d - (n - 1 - i))).toISOString().slice(0, 10));
}
const snapshotsOf = (list: string[]): Snapshot[] => list.map((day) => snapshotFromName("laptop", `laptop-${day}`)!);
/** Facts as the disk would give them: `list` are snapshot days (readInventory sorts them oldest first). */
function inventory(list: string[], overrides: Partial<Inventory> = {}, extra: Partial<Facts> = {}): Facts {
  const snapshots = snapshotsOf(list).sort((a, b) => a.madeAt - b.madeAt);
  return { inventory: { backupDir: BACKUP, snapshots, staging: false, stagingEmpty: false, previous: false, replaced: [], trash: [], ...overrides }, space: undefined, records: new Map(), ...extra };
}
const stepOf = <K extends StepKind>(plan: Plan, kind: K) => plan.steps.find((step): step is Extract<Step, { kind: K }> => step.kind === kind);
const resumeOf = (plan: Plan) => {
  const step = stepOf(plan, "resume");
  return step === undefined ? undefined : { from: step.from, to: step.to };
};
const discardOf = (plan: Plan) => stepOf(plan, "discard-attempt")?.path;
const replacesOf = (plan: Plan) => stepOf(plan, "publish")?.replaces;
/** The failed attempt the run links against first: what clean-up removes after success as "the resumed failed attempt". */
const resumeBaseOf = (plan: Plan) => stepOf(plan, "clean-up")?.paths.find((p) => p.why.includes("resumed failed attempt"))?.path;
const at = (name: string) => `${BACKUP}/${name}`;
const STAGING = at("laptop-incomplete");
const PREVIOUS = at("laptop-incomplete.prev");

/** The argv's `--link-dest=` values in order. */
const linkDestArgs = (argv: string[]) => argv.filter((a) => a.startsWith("--link-dest")).map((a) => a.slice("--link-dest=".length));

/** Things every plan must satisfy. */
function checkInvariants(plan: Plan): void {
  assert.ok(plan.linkDests.length <= MAX_LINK_DEST, "at most 20 link targets");
  assert.equal(new Set(plan.linkDests).size, plan.linkDests.length, "no link target twice");
  for (const dir of plan.linkDests) {
    assert.ok(isAbsolute(dir), `${dir} is absolute`);
    assert.ok(!dir.includes("//"), `${dir} is normalized`);
  }
  assert.deepEqual(linkDestArgs(plan.rsyncArgv), plan.linkDests, "argv carries exactly the planned link targets, in order");
  for (const arg of plan.rsyncArgv) assert.ok(!arg.startsWith("--link-dest") || arg.startsWith("--link-dest="), "one element per --link-dest");
  const separator = plan.rsyncArgv.indexOf("--");
  assert.equal(separator, plan.rsyncArgv.length - 3, "`--`, then source and destination, last");
  assert.equal(plan.rsyncArgv[0], "rsync");
  for (const forbidden of ["--inplace", "--append", "--append-verify", "--remove-source-files"]) {
    assert.ok(!plan.rsyncArgv.includes(forbidden), `${forbidden} would rewrite files older snapshots share`);
  }
  const destination = plan.rsyncArgv.at(-1)!;
  assert.deepEqual(stepOf(plan, "rsync")?.argv, plan.rsyncArgv, "the rsync step runs the plan's argv");
  assert.deepEqual(stepOf(plan, "make-staging")?.linkDests, plan.linkDests, "staging checks exactly the link targets");
  for (const step of plan.steps) assert.ok(step.why.length > 0, `${step.kind} says why`);
  for (const dir of [...plan.linkDests, plan.snapshotPath]) {
    assert.notEqual(destination.replace(/\/$/, ""), dir, "rsync never writes into a snapshot or a link target");
  }
  const retained = plan.retention.map((d) => d.snapshot.name);
  assert.equal(new Set(retained).size, retained.length, "each snapshot decided once");
  const own = plan.retention.find((d) => d.snapshot.name === plan.snapshot.name);
  assert.ok(own, "retention includes the new snapshot");
  assert.equal(own.action, "keep", "the new snapshot is kept");
  for (const decision of plan.retention) assert.ok(decision.reason.length > 0);
}

describe("names and paths", () => {
  test("the snapshot is PREFIX-<local date>, staging is PREFIX-incomplete, both in backupDir", () => {
    const plan = planRun(job(), inventory([]), NOW);
    checkInvariants(plan);
    assert.equal(plan.snapshot.day, "2026-11-22");
    assert.equal(plan.snapshot.name, TODAY);
    assert.equal(plan.snapshotPath, at(TODAY));
    assert.equal(plan.stagingPath, STAGING);
    assert.equal(plan.rsyncArgv.at(-1), `${STAGING}/`, "rsync writes into the staging directory");
  });
  test("the day is the local date: 23:30 UTC on the 21st is the 22nd in Berlin", () => {
    assert.equal(planRun(job(), inventory([]), new Date("2026-11-21T23:30:00Z")).snapshot.name, TODAY);
    assert.equal(planRun(job(), inventory([]), new Date("2026-11-21T22:59:59Z")).snapshot.name, "laptop-2026-11-21");
  });
  test("a trailing slash on backupDir changes no path", () => {
    const plan = planRun(job({ backupDir: `${BACKUP}/` }), inventory(days(3), { staging: true }), NOW);
    checkInvariants(plan);
    assert.equal(plan.stagingPath, STAGING);
    assert.equal(plan.linkDests[0], PREVIOUS);
    assert.equal(plan.linkDests[1], at("laptop-2026-11-21"));
  });
});

describe("link-dest selection", () => {
  test("0 snapshots: no --link-dest (a full copy)", () => {
    const plan = planRun(job(), inventory([]), NOW);
    checkInvariants(plan);
    assert.deepEqual(plan.linkDests, []);
    assert.equal(plan.rsyncArgv.some((a) => a.startsWith("--link-dest")), false);
    assert.equal(resumeOf(plan), undefined);
    assert.equal(resumeBaseOf(plan), undefined);
    assert.equal(discardOf(plan), undefined);
    assert.equal(replacesOf(plan), undefined);
  });
  test("1 snapshot: linked against it by absolute path", () => {
    const plan = planRun(job(), inventory(["2026-11-21"]), NOW);
    checkInvariants(plan);
    assert.deepEqual(plan.linkDests, [at("laptop-2026-11-21")]);
  });
  test("20 snapshots: all 20, newest first", () => {
    const list = days(20);
    const plan = planRun(job(), inventory(list), NOW);
    checkInvariants(plan);
    assert.deepEqual(plan.linkDests, [...list].reverse().map((day) => at(`laptop-${day}`)));
  });
  test("25 snapshots: exactly the newest 20, newest first; the 5 oldest dropped", () => {
    const list = days(25);
    const plan = planRun(job(), inventory(list), NOW);
    checkInvariants(plan);
    assert.equal(plan.linkDests.length, 20);
    assert.deepEqual(plan.linkDests, list.slice(5).reverse().map((day) => at(`laptop-${day}`)));
    for (const day of list.slice(0, 5)) assert.ok(!plan.linkDests.includes(at(`laptop-${day}`)));
    assert.equal(plan.linkDests[0], at("laptop-2026-11-21"));
    assert.equal(plan.linkDests[19], at("laptop-2026-11-02"));
  });
  test("newest first by date even when the inventory is out of order or has gaps", () => {
    const list = ["2026-11-02", "2026-10-01", "2026-11-21", "2025-12-31", "2026-11-20"];
    const plan = planRun(job(), inventory(list), NOW);
    checkInvariants(plan);
    assert.deepEqual(plan.linkDests, ["2026-11-21", "2026-11-20", "2026-11-02", "2026-10-01", "2025-12-31"].map((d) => at(`laptop-${d}`)));
  });
  test("100 snapshots across a year boundary: still 20", () => {
    const plan = planRun(job(), inventory(days(100, "2027-01-10")), new Date(2027, 0, 11, 3));
    checkInvariants(plan);
    assert.equal(plan.linkDests.length, 20);
    assert.equal(plan.linkDests[0], at("laptop-2027-01-10"));
    assert.equal(plan.linkDests[19], at("laptop-2026-12-22"));
  });
  test("the planner does not reorder or change the inventory it was given", () => {
    const inv = inventory(["2026-11-02", "2026-11-21", "2026-11-20"]);
    const copy = structuredClone(inv);
    planRun(job(), inv, NOW);
    assert.deepEqual(inv, copy);
  });
});

describe("leftovers of a failed attempt", () => {
  test("staging present: resume into a fresh staging; the failed attempt becomes .prev and the first link target", () => {
    const plan = planRun(job(), inventory(days(25), { staging: true }), NOW);
    checkInvariants(plan);
    assert.deepEqual(resumeOf(plan), { from: STAGING, to: PREVIOUS });
    assert.equal(resumeBaseOf(plan), PREVIOUS);
    assert.equal(plan.linkDests[0], resumeBaseOf(plan), "the resume base is the first link target");
    assert.equal(plan.linkDests.length, 20, "resume base + the 19 newest snapshots");
    assert.deepEqual(plan.linkDests.slice(1), days(19).reverse().map((day) => at(`laptop-${day}`)));
    assert.equal(discardOf(plan), undefined);
    assert.equal(plan.rsyncArgv.at(-1), `${STAGING}/`, "rsync writes into a fresh PREFIX-incomplete, not into the failed attempt");
  });
  test("staging with few snapshots: resume base first, then all snapshots", () => {
    const plan = planRun(job(), inventory(["2026-11-20", "2026-11-21"], { staging: true }), NOW);
    checkInvariants(plan);
    assert.deepEqual(plan.linkDests, [PREVIOUS, at("laptop-2026-11-21"), at("laptop-2026-11-20")]);
  });
  test("staging with no snapshot at all: the failed attempt is the only link target", () => {
    const plan = planRun(job(), inventory([], { staging: true }), NOW);
    checkInvariants(plan);
    assert.deepEqual(plan.linkDests, [PREVIOUS]);
  });
  test("staging and .prev present: the older attempt (.prev) is discarded, the newer one becomes .prev", () => {
    const plan = planRun(job(), inventory(days(25), { staging: true, previous: true }), NOW);
    checkInvariants(plan);
    assert.equal(discardOf(plan), PREVIOUS);
    assert.deepEqual(resumeOf(plan), { from: STAGING, to: PREVIOUS });
    assert.equal(resumeBaseOf(plan), PREVIOUS);
    assert.equal(plan.linkDests[0], PREVIOUS);
    assert.equal(plan.linkDests.filter((d) => d === PREVIOUS).length, 1);
    assert.equal(plan.linkDests.length, 20);
  });
  test("only .prev present: it is the first link target; nothing to rename or discard", () => {
    const plan = planRun(job(), inventory(days(25), { previous: true }), NOW);
    checkInvariants(plan);
    assert.equal(resumeOf(plan), undefined);
    assert.equal(discardOf(plan), undefined);
    assert.equal(resumeBaseOf(plan), PREVIOUS);
    assert.equal(plan.linkDests[0], PREVIOUS);
    assert.equal(plan.linkDests.length, 20);
    assert.equal(plan.rsyncArgv.at(-1), `${STAGING}/`);
  });
  test("leftovers never appear in retention (they are not snapshots)", () => {
    const plan = planRun(job({ keepDays: 1 }), inventory(days(5), { staging: true, previous: true }), NOW);
    for (const decision of plan.retention) assert.match(decision.snapshot.name, /^laptop-\d{4}-\d{2}-\d{2}$/);
  });
});

describe("a second run the same day", () => {
  test("today's snapshot is the first link target, replaced after success, and decided once", () => {
    const list = [...days(24), "2026-11-22"];
    const plan = planRun(job({ keepDays: 10 }), inventory(list), NOW);
    checkInvariants(plan);
    assert.equal(replacesOf(plan), TODAY);
    assert.equal(plan.linkDests[0], at(TODAY));
    assert.equal(plan.linkDests.filter((d) => d === at(TODAY)).length, 1);
    assert.equal(plan.linkDests.length, 20);
    assert.equal(plan.retention.filter((d) => d.snapshot.name === TODAY).length, 1);
    assert.equal(plan.retention.length, list.length);
    assert.equal(plan.rsyncArgv.at(-1), `${STAGING}/`, "written beside it, never into it");
  });
  test("today's snapshot being read (a restore, a diff): refused before any hook, naming the reader; an older one read changes nothing", () => {
    const list = [...days(3), "2026-11-22"];
    const who = "linkback restore (pid 4711, since 2026-11-22T02:50:00.000Z)";
    const read = planRun(job({ keepDays: 10, hooks: { pre: "true" } as Job["hooks"] }), inventory(list, {}, { readers: new Map([[TODAY, who]]) }), NOW);
    assert.deepEqual(read.steps.map((step) => step.kind), ["refuse"]);
    assert.equal(read.steps[0]!.why, `today's ${TODAY} is being read by ${who}: a second run today would replace it under the reader; nothing is done — run again when it is done`);
    const older = planRun(job({ keepDays: 10 }), inventory(list, {}, { readers: new Map([["laptop-2026-11-21", who]]) }), NOW);
    assert.equal(stepOf(older, "refuse"), undefined);
    assert.equal(replacesOf(older), TODAY);
    const first = planRun(job({ keepDays: 10 }), inventory(days(3), {}, { readers: new Map([[TODAY, who]]) }), NOW);
    assert.equal(stepOf(first, "refuse"), undefined, "no snapshot of today yet: nothing to replace");
  });
  test("with a failed attempt too: resume base first, then today's snapshot", () => {
    const plan = planRun(job(), inventory(["2026-11-21", "2026-11-22"], { staging: true }), NOW);
    checkInvariants(plan);
    assert.deepEqual(plan.linkDests, [PREVIOUS, at(TODAY), at("laptop-2026-11-21")]);
    assert.equal(replacesOf(plan), TODAY);
  });
});

describe("dry run: rsync --dry-run of the same plan", () => {
  test("writes to PREFIX-incomplete.dry-run with --dry-run; the plan itself has no --dry-run", () => {
    const plan = planRun(job(), inventory(days(3)), NOW);
    checkInvariants(plan);
    const argv = dryRunArgv(plan);
    assert.ok(argv.includes("--dry-run"));
    assert.ok(argv.indexOf("--dry-run") < argv.indexOf("--"));
    assert.equal(argv.at(-1), `${STAGING}.dry-run/`);
    assert.deepEqual(linkDestArgs(argv), plan.linkDests);
    assert.equal(plan.rsyncArgv.includes("--dry-run"), false, "a real run has no --dry-run");
  });
  test("with a failed attempt, links against the staging directory where it lies (nothing is renamed)", () => {
    const plan = planRun(job(), inventory(days(25), { staging: true }), NOW);
    checkInvariants(plan);
    const links = linkDestArgs(dryRunArgv(plan));
    assert.equal(links[0], STAGING);
    assert.ok(!links.includes(PREVIOUS));
    assert.equal(links.length, 20);
    assert.deepEqual(links.slice(1), plan.linkDests.slice(1));
  });
  test("with only .prev, links against .prev", () => {
    const plan = planRun(job(), inventory(days(2), { previous: true }), NOW);
    checkInvariants(plan);
    assert.equal(linkDestArgs(dryRunArgv(plan))[0], PREVIOUS);
  });
});

describe("retention in the plan", () => {
  test("includes the new snapshot, protected, and applies keepDays to the rest", () => {
    const list = days(25); // 2026-10-28 … 2026-11-21
    const plan = planRun(job({ keepDays: 10 }), inventory(list), NOW);
    checkInvariants(plan);
    assert.equal(plan.retention.length, 26);
    const keep = plan.retention.filter((d) => d.action === "keep").map((d) => d.snapshot.day).sort();
    const drop = plan.retention.filter((d) => d.action === "delete").map((d) => d.snapshot.day).sort();
    assert.deepEqual(keep, [...days(9), "2026-11-22"]);
    assert.deepEqual(drop, days(16, "2026-11-12"));
  });
  test("keepDays 1 deletes every older snapshot but keeps the new one", () => {
    const plan = planRun(job({ keepDays: 1 }), inventory(days(5)), NOW);
    checkInvariants(plan);
    assert.deepEqual(plan.retention.filter((d) => d.action === "keep").map((d) => d.snapshot.name), [TODAY]);
  });
  test("no keepDays: everything is kept", () => {
    const plan = planRun(job(), inventory(days(25)), NOW);
    checkInvariants(plan);
    assert.equal(plan.retention.every((d) => d.action === "keep"), true);
  });
  test("link targets may include snapshots that retention will delete (pruning happens after the backup)", () => {
    const plan = planRun(job({ keepDays: 1 }), inventory(days(3)), NOW);
    assert.equal(plan.linkDests.length, 3);
  });
});

describe("the rsync argv", () => {
  const nasty = [
    "/My Documents/*",
    "it's here",
    'say "hi"',
    "$(touch /tmp/x)",
    "`touch /tmp/y`",
    "a; rm -rf /",
    "line\nbreak",
    "tab\there",
    "--delete",
    "-n",
    "*",
    "back\\slash",
  ];
  test("each exclude is exactly one element --exclude=<pattern>, before the link targets and `--`", () => {
    const plan = planRun(job({ excludes: nasty }), inventory(days(2)), NOW);
    checkInvariants(plan);
    const excludes = plan.rsyncArgv.filter((a) => a.startsWith("--exclude"));
    assert.deepEqual(excludes, nasty.map((p) => `--exclude=${p}`));
    const separator = plan.rsyncArgv.indexOf("--");
    for (const pattern of nasty) {
      const index = plan.rsyncArgv.indexOf(`--exclude=${pattern}`);
      assert.ok(index > 0 && index < separator);
    }
    // nothing of a pattern leaks into another element
    assert.equal(plan.rsyncArgv.filter((a) => a.includes("touch")).length, 2);
    assert.ok(!plan.rsyncArgv.includes("-n") && !plan.rsyncArgv.includes("--delete"));
  });
  test("rsyncArgs come after the link targets, in order, before `--`", () => {
    const rsyncArgs = ["--delete", "-x", "--bwlimit=1000", "--exclude-from=/etc/x y"];
    const plan = planRun(job({ rsyncArgs }), inventory(days(3)), NOW);
    checkInvariants(plan);
    const argv = plan.rsyncArgv;
    const lastLinkDest = argv.map((a) => a.startsWith("--link-dest=")).lastIndexOf(true);
    const first = argv.indexOf("--delete");
    assert.equal(first, lastLinkDest + 1);
    assert.deepEqual(argv.slice(first, first + rsyncArgs.length), rsyncArgs);
    assert.equal(argv.indexOf("--"), first + rsyncArgs.length);
  });
  test("rsyncArgs come after linkback's own options even without link targets", () => {
    const plan = planRun(job({ rsyncArgs: ["-x"], excludes: ["/tmp/*"] }), inventory([]), NOW);
    const argv = plan.rsyncArgv;
    assert.ok(argv.indexOf("-x") > argv.indexOf("--exclude=/tmp/*"));
    assert.equal(argv.indexOf("-x"), argv.indexOf("--") - 1);
  });
  const sources: [string, string][] = [
    ["/home/ben", "/home/ben/"],
    ["/home/ben/", "/home/ben/"],
    ["/", "/"],
    ["/data/with space", "/data/with space/"],
    ["/data/a:b", "/data/a:b/"],
    ["root@192.168.1.20:/", "root@192.168.1.20:/"],
    ["host:/srv/data", "host:/srv/data/"],
    ["host::module/path", "host::module/path/"],
    ["rsync://host/module", "rsync://host/module/"],
  ];
  for (const [source, expected] of sources) {
    test(`source ${JSON.stringify(source)} is passed as ${JSON.stringify(expected)}, after \`--\``, () => {
      const plan = planRun(job({ source }), inventory([]), NOW);
      const argv = plan.rsyncArgv;
      assert.deepEqual(argv.slice(-3), ["--", expected, `${STAGING}/`]);
    });
  }
  test("--rsh only for remote sources with ssh set (daemon sources then go over ssh)", () => {
    const rsh = (overrides: Partial<Job>) => planRun(job(overrides), inventory([]), NOW).rsyncArgv.filter((a) => a.startsWith("--rsh") || a === "-e");
    const blog = "ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts";
    assert.deepEqual(rsh({}), []);
    assert.deepEqual(rsh({ source: "root@host:/" }), [], "no ssh setting: rsync's default remote shell");
    assert.deepEqual(rsh({ source: "root@host:/", ssh: blog }), [`--rsh=${blog}`]);
    assert.deepEqual(rsh({ source: "rsync://host/module", ssh: blog }), [`--rsh=${blog}`]);
    assert.deepEqual(rsh({ source: "host::module", ssh: blog }), [`--rsh=${blog}`]);
    assert.deepEqual(rsh({ source: "host::module" }), [], "a plain daemon connection without ssh");
    const structured = { identityFile: "/keys/id ed25519", knownHostsFile: "/keys/known_hosts", port: 2222, options: { ConnectTimeout: 10 } };
    const [value] = rsh({ source: "root@host:/", ssh: structured });
    assert.ok(value !== undefined);
    assert.deepEqual(splitCommandLine(value.slice("--rsh=".length)), sshArgv(structured));
  });
  test("the --rsh element comes before `--` and is a single element", () => {
    const argv = planRun(job({ source: "u@h:/x", ssh: "ssh -p 2222" }), inventory([]), NOW).rsyncArgv;
    const index = argv.indexOf("--rsh=ssh -p 2222");
    assert.ok(index > 0 && index < argv.indexOf("--"));
  });
  test("rsyncArgv refuses a 21st --link-dest; 20 is fine", () => {
    const dirs = Array.from({ length: 21 }, (_, i) => `${BACKUP}/laptop-2026-10-${String(i + 1).padStart(2, "0")}`);
    assert.throws(() => rsyncArgv(job(), { source: "/home/ben", linkDests: dirs, destination: STAGING }), /20/);
    assert.equal(linkDestArgs(rsyncArgv(job(), { source: "/home/ben", linkDests: dirs.slice(0, 20), destination: STAGING })).length, 20);
  });
  test("no plan ever has more than 20 --link-dest", () => {
    for (const count of [0, 1, 19, 20, 21, 25, 60]) {
      for (const staging of [false, true]) {
        for (const previous of [false, true]) {
          const plan = planRun(job(), inventory(days(count), { staging, previous }), NOW);
          checkInvariants(plan);
          assert.equal(plan.linkDests.length, Math.min(20, count + (staging || previous ? 1 : 0)));
          assert.equal(linkDestArgs(dryRunArgv(plan)).length, plan.linkDests.length);
        }
      }
    }
  });
});

describe("an empty staging directory (an attempt that failed before rsync wrote)", () => {
  test("is cleared, not resumed from; the earlier attempt stays the resume base and is not discarded", () => {
    const plan = planRun(job(), inventory(days(3), { stagingEmpty: true, previous: true }), NOW);
    assert.ok(stepOf(plan, "clear-empty-staging") !== undefined);
    assert.equal(resumeOf(plan), undefined);
    assert.equal(discardOf(plan), undefined);
    assert.equal(resumeBaseOf(plan), PREVIOUS);
    assert.equal(plan.linkDests[0], PREVIOUS);
  });
  test("without an earlier attempt there is no resume base", () => {
    const plan = planRun(job(), inventory(days(3), { stagingEmpty: true }), NOW);
    assert.ok(stepOf(plan, "clear-empty-staging") !== undefined);
    assert.equal(resumeBaseOf(plan), undefined);
    assert.ok(!plan.linkDests.some((dir) => dir.includes("incomplete")));
  });
});
