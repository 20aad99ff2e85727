// The status report and its two renderings, from hand-made records: states and order, the problems flag
// (`linkback status` exit 1), ASCII-only text, and HTML that escapes everything and needs no JavaScript.
process.env.TZ = "Europe/Berlin";

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseCycle, type Cycle } from "../../../src/time/cycle.ts";
import { buildReport, STATUS_VERSION, type StatusReport } from "../../../src/status/report.ts";
import type { JobRecord } from "../../../src/status/record.ts";
import { renderText } from "../../../src/status/text.ts";
import { renderHtml } from "../../../src/status/html.ts";

const NOW = new Date(2026, 10, 22, 3, 0);
const cycle = (text: string) => parseCycle(text) as Cycle;

function record(job: string, overrides: Partial<JobRecord> = {}, snapshots: string[] = []): JobRecord {
  return {
    version: 1, job, firstSeen: "2026-11-01T00:00:00.000Z", failures: 0,
    view: {
      file: `/jobs/${job}.ts`, enabled: true, cycle: cycle("1d"), alertCycle: cycle("3d"), source: `/home/${job}`, backupDir: "/mnt/usb/backups",
      prefix: job, count: snapshots.length, snapshots: snapshots.map((day) => ({ name: `${job}-${day}`, day })),
    },
    ...overrides,
  };
}

const DISK = { path: "/mnt/usb", backupDirs: ["/mnt/usb/backups"], totalBytes: 1e12, usedBytes: 4e11, freeBytes: 6e11 };

function report(records: JobRecord[], running: string[] = []): StatusReport {
  return buildReport({ records, running: new Set(running), filesystems: [DISK], now: NOW, host: "router" });
}

describe("buildReport", () => {
  const records = [
    record("fresh", {}, ["2026-11-22"]),
    record("due", {}, ["2026-11-21"]),
    record("away", { lastAttempt: { at: "2026-11-22T01:50:00.000Z", result: "offline", error: "offline: ssh: connect to host 10.0.0.9 port 22: No route to host" } }, ["2026-11-20"]),
    record("gone", { lastAttempt: { at: "2026-11-22T01:50:00.000Z", result: "offline", error: "offline: No route to host" } }, ["2026-11-10"]),
    record("broken", { failures: 2, lastAttempt: { at: "2026-11-22T01:59:00.000Z", result: "failed", error: "rsync failed with exit 23" } }, ["2026-11-21"]),
    record("busy", {}, ["2026-11-21"]),
    { ...record("off"), view: { ...record("off").view!, enabled: false } },
    { ...record("typo"), view: { file: "/jobs/typo.ts", configError: "/jobs/typo.ts: `prefix`: is required" } },
  ];
  const result = report(records, ["busy"]);
  const state = (name: string) => result.jobs.find((job) => job.name === name)!;

  test("version, time, host, disks", () => {
    assert.equal(result.version, STATUS_VERSION);
    assert.equal(result.generatedAt, NOW.toISOString());
    assert.equal(result.host, "router");
    assert.deepEqual(result.filesystems, [DISK]);
  });
  test("each job's state", () => {
    const states = Object.fromEntries(result.jobs.map((job) => [job.name, job.state]));
    assert.deepEqual(states, { fresh: "ok", due: "ok", away: "offline", gone: "overdue", broken: "failed", busy: "running", off: "disabled", typo: "failed" });
  });
  test("problems: a failed or overdue job", () => {
    assert.equal(result.problems, true);
    assert.equal(report([records[0]!, records[1]!, records[2]!, records[5]!, records[6]!], ["busy"]).problems, false, "ok, offline, running, disabled are fine");
    assert.equal(report([records[0]!, records[3]!]).problems, true, "overdue");
    assert.equal(report([records[0]!, records[7]!]).problems, true, "a broken job file");
  });
  test("last errors in a few words; none for fine jobs", () => {
    assert.equal(state("fresh").lastError, null);
    assert.equal(state("away").lastError, "offline: ssh: connect to host 10.0.0.9 port 22: No route to host");
    assert.match(state("gone").lastError!, /^no complete snapshot since gone-2026-11-10; last: offline: No route to host$/);
    assert.equal(state("broken").lastError, "rsync failed with exit 23");
    assert.match(state("typo").lastError!, /^job file: .*`prefix`: is required/);
  });
  test("next due, due now, last snapshot and its age", () => {
    assert.equal(state("fresh").nextDue, new Date(2026, 10, 23).toISOString());
    assert.equal(state("fresh").dueNow, false);
    assert.equal(state("due").dueNow, true);
    assert.deepEqual(state("due").lastSnapshot, { name: "due-2026-11-21", day: "2026-11-21", at: null, age: "1 day" });
    assert.equal(state("off").nextDue, null);
  });
  test("most overdue first; jobs that cannot run last", () => {
    const order = result.jobs.map((job) => job.name);
    assert.equal(order[0], "gone");
    assert.deepEqual(order.slice(-2).sort(), ["off", "typo"]);
    assert.ok(order.indexOf("due") < order.indexOf("fresh"));
  });
  test("status.json is the report, JSON round trip", () => {
    assert.deepEqual(JSON.parse(JSON.stringify(result)), result);
  });
});

describe("renderText", () => {
  const records = [
    record("laptop", { lastAttempt: { at: "2026-11-22T01:59:00.000Z", result: "failed", error: "rsync: Ärger — “quotes” and \u0007 bell\nsecond line" } }, ["2026-11-21"]),
    record("desktop", {}, ["2026-11-22"]),
  ];
  const text = renderText(report(records));
  test("plain printable ASCII and newlines only", () => assert.match(text, /^[\x20-\x7e\n]*$/));
  test("a header with the time, the host and each disk", () => {
    const [first, second] = text.split("\n");
    assert.match(first!, /^linkback status 2026-11-22 03:00 on router: 2 job\(s\), 1 need\(s\) attention$/);
    assert.equal(second, "disk /mnt/usb: 1.0 TB total, 400.0 GB used, 600.0 GB free (40% used)");
  });
  test("one line per job with name, state, snapshot, age, new bytes, cycle, next due, error", () => {
    const lines = text.split("\n");
    const header = lines.find((line) => line.startsWith("JOB"))!;
    assert.match(header, /^JOB\s+STATE\s+LAST SNAPSHOT\s+AGE\s+NEW\s+CYCLE\s+NEXT DUE\s+LAST ERROR$/);
    const laptop = lines.find((line) => line.startsWith("laptop"))!;
    assert.match(laptop, /^laptop\s+failed\s+laptop-2026-11-21\s+1 day\s+-\s+1d\s+\S.*rsync: \?rger/);
    assert.ok(!laptop.includes("second line\n"));
    const desktop = lines.find((line) => line.startsWith("desktop"))!;
    assert.match(desktop, /^desktop\s+ok\s+desktop-2026-11-22\s+today\s+-\s+1d\s+2026-11-23 00:00\s+-$/);
  });
  test("columns line up", () => {
    const lines = text.split("\n").filter((line) => /^(JOB|laptop|desktop)/.test(line));
    const at = (line: string) => line.indexOf(line.includes("STATE") ? "STATE" : line.startsWith("laptop") ? "failed" : "ok");
    assert.equal(new Set(lines.map(at)).size, 1);
  });
  test("no jobs: says so", () => assert.match(renderText(report([])), /no jobs yet/));
});

describe("renderHtml", () => {
  const evil = record("x<script>alert(1)</script>", { lastAttempt: { at: "2026-11-22T01:59:00.000Z", result: "failed", error: `<img src=x onerror="alert(2)"> & 'quotes'` } }, ["2026-11-21"]);
  const html = renderHtml(report([evil, record("ok-job", {}, ["2026-11-22"])]));
  test("no JavaScript at all; reloads itself; fits a phone", () => {
    assert.ok(!/<script/i.test(html), "no script element, not even from a job name");
    assert.ok(!html.includes("<img"), "markup from data never becomes an element");
    assert.match(html, /<meta http-equiv="refresh" content="60">/);
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  });
  test("everything from data is escaped", () => {
    assert.ok(html.includes("x&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(html.includes("&lt;img src=x onerror=&quot;alert(2)&quot;&gt; &amp; &#39;quotes&#39;"));
  });
  test("one row per job, with its state as class and data attribute; a red headline when one needs attention", () => {
    assert.equal((html.match(/<tr class="/g) ?? []).length, 2);
    assert.match(html, /<tr class="failed" data-job="x&lt;script&gt;alert\(1\)&lt;\/script&gt;" data-state="failed">/);
    assert.match(html, /<tr class="ok" data-job="ok-job" data-state="ok">/);
    assert.match(html, /<h1 class="problem">1 backup\(s\) need attention<\/h1>/);
    assert.match(renderHtml(report([record("ok-job", {}, ["2026-11-22"])])), /<h1 class="ok">All backups OK<\/h1>/);
  });
  test("red for failed and overdue, green for ok", () => {
    assert.match(html, /tr\.failed td\.state\{background:#cf222e/);
    assert.match(html, /tr\.overdue td\.state\{background:#cf222e/);
    assert.match(html, /tr\.ok td\.state\{background:#1a7f37/);
  });
});

describe("partial, shrunk and warnings", () => {
  const at = "2026-11-22T01:00:00.000Z";
  const partial = record("partial", { lastAttempt: { at, result: "partial", error: "job partial: partial-2026-11-22 is partial: rsync could not transfer 1 file(s) (/etc/shadow)" }, lastSuccess: { at, snapshot: "partial-2026-11-22", durationMs: 10, pruned: 0, newBytes: 2048 } }, ["2026-11-22"]);
  const shrunk = record("shrunk", { lastAttempt: { at, result: "shrunk", error: "job shrunk: source /srv has 0 files where shrunk-2026-11-21 has 500" }, failures: 1 }, ["2026-11-21"]);
  const clock = record("clock", { lastAttempt: { at, result: "ok", warnings: ["the clock looks wrong: now (2031-11-22T01:00Z) is 1827 days after …"] } }, ["2026-11-22"]);
  const fine = record("fine", { lastAttempt: { at, result: "ok" } }, ["2026-11-22"]);
  test("states partial and shrunk with their errors; a warning; each makes `status` exit 1", () => {
    const r = report([partial, shrunk, clock, fine]);
    const by = Object.fromEntries(r.jobs.map((j) => [j.name, j]));
    assert.equal(by.partial!.state, "partial");
    assert.match(by.partial!.lastError!, /could not transfer 1 file/);
    assert.equal(by.partial!.newBytes, 2048);
    assert.equal(by.shrunk!.state, "shrunk");
    assert.deepEqual(by.clock!.warnings, ["the clock looks wrong: now (2031-11-22T01:00Z) is 1827 days after …"]);
    assert.equal(r.problems, true);
    for (const one of [partial, shrunk, clock]) assert.equal(report([one, fine]).problems, true, one.job);
    assert.equal(report([fine]).problems, false);
  });
  test("the text and the page show them: amber for partial, the warning lines", () => {
    const r = report([partial, clock]);
    const text = renderText(r);
    assert.match(text, /^partial\s+partial\s+partial-2026-11-22\s+today\s+2\.0 kB\s/m);
    assert.match(text, /^warning: clock: the clock looks wrong/m);
    const html = renderHtml(r);
    assert.match(html, /tr\.partial td\.state\{background:#bf8700/);
    assert.match(html, /<ul id="warnings">\n<li class="warning">clock: the clock looks wrong/);
  });
});
