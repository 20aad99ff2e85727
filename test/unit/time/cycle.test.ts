// `every` and `alertAfter`: what parses, how whole days written in hours become days, and the error texts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { cycleDays, cycleMs, formatDuration, isTimed, parseCycle, threeTimes, type Cycle } from "../../../src/time/cycle.ts";

const ok = (text: string): Cycle => {
  const parsed = parseCycle(text);
  assert.equal(typeof parsed, "object", `${text}: ${String(parsed)}`);
  return parsed as Cycle;
};

describe("parseCycle", () => {
  const good: [string, string, boolean, number][] = [
    ["1m", "1m", true, 60_000],
    ["30m", "30m", true, 1_800_000],
    ["1h", "1h", true, 3_600_000],
    ["6h", "6h", true, 21_600_000],
    ["23h", "23h", true, 82_800_000],
    ["24h", "1d", false, 86_400_000],
    ["48h", "2d", false, 172_800_000],
    ["1440m", "1d", false, 86_400_000],
    ["1d", "1d", false, 86_400_000],
    ["7d", "7d", false, 604_800_000],
    ["1w", "1w", false, 604_800_000],
    [" 2w ", "2w", false, 1_209_600_000],
  ];
  for (const [text, normal, timed, ms] of good) {
    test(`${JSON.stringify(text)} → ${normal}${timed ? " (timed names)" : " (daily names)"}`, () => {
      const cycle = ok(text);
      assert.equal(cycle.text, normal);
      assert.equal(isTimed(cycle), timed);
      assert.equal(cycleMs(cycle), ms);
    });
  }
  const bad: [unknown, RegExp][] = [
    ["", /number and a unit/],
    ["1", /number and a unit/],
    ["d", /number and a unit/],
    ["0d", /number and a unit/],
    ["-1d", /number and a unit/],
    ["1.5d", /number and a unit/],
    ["1 day", /number and a unit/],
    ["1D", /number and a unit/],
    ["1s", /number and a unit/],
    ["1y", /number and a unit/],
    ["36h", /not whole days.*"2d"/],
    ["1500m", /not whole days/],
    [24, /must be a string/],
    [undefined, /must be a string/],
  ];
  for (const [text, problem] of bad) {
    test(`${JSON.stringify(text)} is refused`, () => {
      const parsed = parseCycle(text);
      assert.equal(typeof parsed, "string");
      assert.match(parsed as string, problem);
    });
  }
});

test("cycleDays counts calendar days of day and week cycles", () => {
  assert.equal(cycleDays(ok("1d")), 1);
  assert.equal(cycleDays(ok("3d")), 3);
  assert.equal(cycleDays(ok("2w")), 14);
});

test("threeTimes keeps the unit", () => {
  assert.deepEqual(threeTimes(ok("1d")), { text: "3d", count: 3, unit: "d" });
  assert.deepEqual(threeTimes(ok("6h")), { text: "18h", count: 18, unit: "h" });
  assert.deepEqual(threeTimes(ok("1w")), { text: "3w", count: 3, unit: "w" });
});

test("formatDuration", () => {
  const cases: [number, string][] = [
    [0, "0s"], [-5000, "0s"], [59_999, "59s"], [60_000, "1m"], [3_599_000, "59m"], [3_600_000, "1h"],
    [3_660_000, "1h 1m"], [86_399_000, "23h 59m"], [86_400_000, "1d"], [90_000_000, "1d 1h"], [30 * 86_400_000, "30d"],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, `${ms} ms`);
});
