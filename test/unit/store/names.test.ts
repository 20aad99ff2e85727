// Snapshot names: only `PREFIX-YYYY-MM-DD` with a real calendar date is a snapshot of PREFIX; the day is the
// LOCAL date of the run (checked around midnight and DST changes); trash names lead back to their origin.
process.env.TZ = "Europe/Berlin"; // before any date is made; each test file runs in its own process

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  isCalendarDay, parseReplacedName, parseSnapshotName, parseSnapshotStamp, replacedName, resumeName, snapshotNameAt,
  stagingName, trashName, trashOrigin,
} from "../../../src/store/names.ts";
import { lockName } from "../../../src/lock/lock.ts";
import { dayIn as dayOf } from "../../../src/time/zone.ts";

/** `laptop` + `2026-11-22` → `laptop-2026-11-22`. */
const snapshotName = (prefix: string, day: string) => `${prefix}-${day}`;
import { now } from "../../../src/clock.ts";

/** Run `body` with another TZ, then go back to Berlin. */
function inZone(zone: string, body: () => void): void {
  const before = process.env.TZ;
  process.env.TZ = zone;
  try {
    body();
  } finally {
    process.env.TZ = before;
  }
}

test("the time zone really is in effect (else the local-date tests below would prove nothing)", () => {
  assert.equal(new Date("2026-01-15T12:00:00Z").getTimezoneOffset(), -60);
  assert.equal(new Date("2026-07-15T12:00:00Z").getTimezoneOffset(), -120);
  inZone("America/New_York", () => {
    assert.equal(new Date("2026-01-15T12:00:00Z").getTimezoneOffset(), 300);
    assert.equal(new Date("2026-07-15T12:00:00Z").getTimezoneOffset(), 240);
  });
});

describe("parseSnapshotName", () => {
  const cases: [string, string, string | undefined][] = [
    ["laptop", "laptop-2026-11-22", "2026-11-22"],
    ["laptop", "laptop-2028-02-29", "2028-02-29"],
    ["laptop", "laptop-weekly-2026-11-01", undefined],
    ["laptop-weekly", "laptop-weekly-2026-11-01", "2026-11-01"],
    ["laptop-weekly", "laptop-2026-11-01", undefined],
    ["laptop", "laptop-old", undefined],
    ["laptop", "laptop-2026-02-30", undefined],
    ["laptop", "laptop-2026-02-29", undefined],
    ["laptop", "laptop-2026-13-01", undefined],
    ["laptop", "laptop-2026-00-10", undefined],
    ["laptop", "laptop-2026-11-00", undefined],
    ["laptop", "laptop-2026-04-31", undefined],
    ["laptop", "laptop-2026-1-5", undefined],
    ["laptop", "laptop-26-11-22", undefined],
    ["laptop", "laptop-incomplete", undefined],
    ["laptop", "laptop-incomplete.prev", undefined],
    ["laptop", "laptop-incomplete.dry-run", undefined],
    ["laptop", "laptop-2026-11-22x", undefined],
    ["laptop", "laptop-2026-11-22.old", undefined],
    ["laptop", "laptop-2026-11-22 ", undefined],
    ["laptop", "laptop-2026-11-22\n", undefined],
    ["laptop", "xlaptop-2026-11-22", undefined],
    ["laptop", "Laptop-2026-11-22", undefined],
    ["laptop", "laptop2026-11-22", undefined],
    ["laptop", "laptop--2026-11-22", undefined],
    ["laptop", "laptop-2026-11-22~20261122T030000.123", undefined],
    ["laptop", ".linkback-laptop.lock", undefined],
    ["laptop", "laptop", undefined],
    ["laptop", "laptop-", undefined],
    ["laptop", "laptop-２０２６-11-22", undefined], // full-width digits
    ["a.b", "aXb-2026-11-22", undefined], // the prefix is literal text, not a pattern
    ["a.b", "a.b-2026-11-22", "2026-11-22"],
  ];
  for (const [prefix, name, day] of cases) {
    test(`${JSON.stringify(name)} for prefix ${prefix} → ${day ?? "not a snapshot"}`, () => {
      assert.equal(parseSnapshotName(prefix, name), day);
    });
  }
  test("snapshotName and parseSnapshotName round-trip", () => {
    for (const prefix of ["laptop", "univac", "a.b_c-d", "laptop-weekly"]) {
      for (const day of ["2026-11-22", "2028-02-29", "1999-12-31", "2026-01-01"]) {
        assert.equal(snapshotName(prefix, day), `${prefix}-${day}`);
        assert.equal(parseSnapshotName(prefix, snapshotName(prefix, day)), day);
      }
    }
  });
  test("staging, resume, lock and trash names are never snapshots of any prefix involved", () => {
    for (const prefix of ["laptop", "laptop-2026", "laptop-2026-11", "x"]) {
      const names = [stagingName(prefix), resumeName(prefix), lockName(prefix), `${stagingName(prefix)}.dry-run`,
        trashName(snapshotName(prefix, "2026-11-22"), new Date(2026, 10, 22, 3), 4242)];
      for (const name of names) {
        for (const other of ["laptop", "laptop-2026", "laptop-2026-11", "x", prefix]) {
          assert.equal(parseSnapshotName(other, name), undefined, `${name} parsed as a snapshot of ${other}`);
        }
      }
    }
  });
  test("names made for one prefix are not snapshots of a prefix that extends it, and vice versa", () => {
    assert.equal(parseSnapshotName("laptop-2026", snapshotName("laptop", "2026-11-22")), undefined);
    assert.equal(parseSnapshotName("laptop", snapshotName("laptop-2026", "2026-11-22")), undefined);
    assert.equal(parseSnapshotName("laptop", snapshotName("laptop-weekly", "2026-11-22")), undefined);
  });
});

describe("isCalendarDay", () => {
  const valid = ["2026-11-22", "2026-01-01", "2026-12-31", "2024-02-29", "2028-02-29", "2000-02-29", "2026-02-28",
    "2026-04-30", "2026-03-29", "2026-10-25", "1970-01-01", "2099-12-31"];
  const invalid = ["2026-02-29", "2027-02-29", "1900-02-29", "2100-02-29", "2026-02-30", "2026-04-31", "2026-06-31",
    "2026-13-01", "2026-00-01", "2026-01-00", "2026-01-32", "2026-1-5", "2026-01-5", "26-01-05", "20260105",
    "2026/01/05", " 2026-01-05", "2026-01-05 ", "2026-01-05\n", "2026-01-05T00:00", "", "incomplete", "+2026-01-05"];
  for (const day of valid) test(`${day} is a day`, () => assert.equal(isCalendarDay(day), true));
  for (const day of invalid) test(`${JSON.stringify(day)} is not a day`, () => assert.equal(isCalendarDay(day), false));
});

describe("dayOf: the local calendar date", () => {
  const berlin: [string, string][] = [
    // ordinary winter midnight (UTC+1)
    ["2026-11-21T22:59:59.999Z", "2026-11-21"],
    ["2026-11-21T23:00:00.000Z", "2026-11-22"],
    // local date differs from the UTC date
    ["2026-11-22T23:30:00Z", "2026-11-23"],
    ["2026-11-22T00:30:00Z", "2026-11-22"],
    // year boundary
    ["2026-12-31T22:59:59Z", "2026-12-31"],
    ["2026-12-31T23:00:00Z", "2027-01-01"],
    // DST starts 2026-03-29 01:00 UTC (02:00 → 03:00): a 23-hour day
    ["2026-03-28T22:59:59Z", "2026-03-28"],
    ["2026-03-28T23:00:00Z", "2026-03-29"],
    ["2026-03-29T00:59:59Z", "2026-03-29"],
    ["2026-03-29T01:00:00Z", "2026-03-29"],
    ["2026-03-29T21:59:59Z", "2026-03-29"],
    ["2026-03-29T22:00:00Z", "2026-03-30"],
    // DST ends 2026-10-25 01:00 UTC (03:00 → 02:00): a 25-hour day
    ["2026-10-24T21:59:59Z", "2026-10-24"],
    ["2026-10-24T22:00:00Z", "2026-10-25"],
    ["2026-10-25T00:30:00Z", "2026-10-25"], // 02:30 CEST
    ["2026-10-25T01:30:00Z", "2026-10-25"], // 02:30 CET, the repeated hour
    ["2026-10-25T22:59:59Z", "2026-10-25"],
    ["2026-10-25T23:00:00Z", "2026-10-26"],
    // leap day
    ["2028-02-28T23:00:00Z", "2028-02-29"],
    ["2028-02-29T22:59:59Z", "2028-02-29"],
    ["2028-02-29T23:00:00Z", "2028-03-01"],
  ];
  for (const [instant, day] of berlin) {
    test(`Europe/Berlin ${instant} → ${day}`, () => assert.equal(dayOf(new Date(instant)), day));
  }

  const newYork: [string, string][] = [
    ["2026-11-22T04:59:59Z", "2026-11-21"],
    ["2026-11-22T05:00:00Z", "2026-11-22"],
    // DST starts 2026-03-08 07:00 UTC (02:00 → 03:00 EST→EDT)
    ["2026-03-08T04:59:59Z", "2026-03-07"],
    ["2026-03-08T05:00:00Z", "2026-03-08"],
    ["2026-03-09T03:59:59Z", "2026-03-08"],
    ["2026-03-09T04:00:00Z", "2026-03-09"],
    // DST ends 2026-11-01 06:00 UTC (02:00 → 01:00 EDT→EST): Nov 1 lasts 25 hours
    ["2026-11-01T03:59:59Z", "2026-10-31"],
    ["2026-11-01T04:00:00Z", "2026-11-01"],
    ["2026-11-02T04:59:59Z", "2026-11-01"],
    ["2026-11-02T05:00:00Z", "2026-11-02"],
  ];
  for (const [instant, day] of newYork) {
    test(`America/New_York ${instant} → ${day}`, () => inZone("America/New_York", () => assert.equal(dayOf(new Date(instant)), day)));
  }

  test("LINKBACK_NOW: a date alone is that local day in any zone; a UTC instant is its local date", () => {
    assert.equal(dayOf(now({ LINKBACK_NOW: "2026-11-22" })), "2026-11-22");
    assert.equal(dayOf(now({ LINKBACK_NOW: "2026-11-22T23:59:59" })), "2026-11-22");
    assert.equal(dayOf(now({ LINKBACK_NOW: "2026-11-22T23:30:00Z" })), "2026-11-23");
    inZone("America/New_York", () => {
      assert.equal(dayOf(now({ LINKBACK_NOW: "2026-11-22" })), "2026-11-22");
      assert.equal(dayOf(now({ LINKBACK_NOW: "2026-11-22T00:00:00" })), "2026-11-22");
      assert.equal(dayOf(now({ LINKBACK_NOW: "2026-11-22T03:00:00Z" })), "2026-11-21");
    });
  });
});

describe("trash names", () => {
  const instant = new Date("2026-11-22T02:03:04Z");
  const names = ["laptop-2026-11-22", "laptop-incomplete", "laptop-incomplete.prev", "my.host_1-2026-01-01", "a-2028-02-29"];
  for (const name of names) {
    test(`${name} round-trips through trashName/trashOrigin`, () => {
      const entry = trashName(name, instant, 31337);
      assert.equal(trashOrigin(entry), name);
      assert.notEqual(entry, name);
      assert.match(entry, /^[^/:\\]+$/, "no path separators, and no colons (vfat, rsync host:path)");
    });
  }
  test("a trash entry is not a snapshot of its job", () => {
    assert.equal(parseSnapshotName("laptop", trashName("laptop-2026-11-22", instant, 1)), undefined);
  });
  test("different pids or seconds give different entries", () => {
    const a = trashName("laptop-2026-11-22", instant, 100);
    assert.notEqual(a, trashName("laptop-2026-11-22", instant, 101));
    assert.notEqual(a, trashName("laptop-2026-11-22", new Date(instant.getTime() + 1000), 100));
  });
  test("a name without a stamp is its own origin", () => assert.equal(trashOrigin("laptop-2026-11-22"), "laptop-2026-11-22"));
});

describe("other names", () => {
  test("staging, resume and lock names", () => {
    assert.equal(stagingName("laptop"), "laptop-incomplete");
    assert.equal(resumeName("laptop"), "laptop-incomplete.prev");
    assert.equal(lockName("laptop"), ".linkback-laptop.lock");
  });
});

describe("replaced names (a same-day snapshot set aside while its successor is renamed in)", () => {
  test("round trip, and never a snapshot name", () => {
    assert.equal(replacedName("laptop-2026-11-22"), "laptop-2026-11-22.replaced");
    assert.equal(parseReplacedName("laptop", "laptop-2026-11-22.replaced"), "laptop-2026-11-22");
    assert.equal(parseSnapshotName("laptop", "laptop-2026-11-22.replaced"), undefined);
  });
  test("other prefixes and non-snapshots are not ours", () => {
    assert.equal(parseReplacedName("laptop", "laptop-weekly-2026-11-22.replaced"), undefined);
    assert.equal(parseReplacedName("laptop", "laptop-old.replaced"), undefined);
    assert.equal(parseReplacedName("laptop", "laptop-2026-11-22"), undefined);
  });
});

describe("timed names (jobs that run more often than daily)", () => {
  test("PREFIX-YYYY-MM-DDTHHMMZ: the UTC minute, no colon", () => {
    const name = snapshotNameAt("laptop", new Date("2026-11-22T03:04:59.999Z"), true);
    assert.equal(name, "laptop-2026-11-22T0304Z");
    assert.ok(!name.includes(":"));
    assert.equal(snapshotNameAt("laptop", new Date("2026-11-22T03:04:59Z"), false), "laptop-2026-11-22", "daily names stay PREFIX-YYYY-MM-DD");
  });
  test("parse: the instant and its LOCAL day (Berlin: 23:30 UTC is the next day)", () => {
    assert.deepEqual(parseSnapshotStamp("laptop", "laptop-2026-11-22T0304Z"), { day: "2026-11-22", at: "2026-11-22T03:04:00.000Z" });
    assert.deepEqual(parseSnapshotStamp("laptop", "laptop-2026-11-22T2330Z"), { day: "2026-11-23", at: "2026-11-22T23:30:00.000Z" });
    assert.equal(parseSnapshotName("laptop", "laptop-2026-11-22T2330Z"), "2026-11-23");
    assert.deepEqual(parseSnapshotStamp("laptop", "laptop-2026-11-22"), { day: "2026-11-22" });
  });
  const invalid = ["laptop-2026-11-22T2460Z", "laptop-2026-11-22T2400Z", "laptop-2026-11-22T0360Z", "laptop-2026-02-30T0300Z",
    "laptop-2026-11-22T03:00Z", "laptop-2026-11-22T0300", "laptop-2026-11-22T030Z", "laptop-2026-11-22T030000Z",
    "laptop-2026-11-22t0300z", "laptop-2026-11-22T0300Z.replaced", "laptop-weekly-2026-11-22T0300Z"];
  for (const name of invalid) test(`${name} is not a snapshot of laptop`, () => assert.equal(parseSnapshotStamp("laptop", name), undefined));
  test("unambiguous across the autumn DST change: the repeated local hour gets two names, in order", () => {
    // Berlin, 2026-10-25: 02:30 CEST (00:30 UTC) and 02:30 CET (01:30 UTC) are the same local clock time.
    const first = snapshotNameAt("laptop", new Date("2026-10-25T00:30:00Z"), true);
    const second = snapshotNameAt("laptop", new Date("2026-10-25T01:30:00Z"), true);
    assert.notEqual(first, second);
    assert.ok(first < second, "names sort in time order");
    assert.equal(parseSnapshotStamp("laptop", first)!.day, "2026-10-25");
    assert.equal(parseSnapshotStamp("laptop", second)!.day, "2026-10-25");
  });
  test("names of a day sort in time order, and round-trip", () => {
    const instants = Array.from({ length: 48 }, (_, i) => new Date(Date.UTC(2026, 2, 28, 20) + i * 30 * 60_000)); // across spring DST
    const names = instants.map((instant) => snapshotNameAt("laptop", instant, true));
    assert.deepEqual([...names].sort(), names);
    names.forEach((name, i) => assert.equal(parseSnapshotStamp("laptop", name)!.at, instants[i]!.toISOString()));
  });
});
