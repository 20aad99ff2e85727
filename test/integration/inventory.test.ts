// readInventory on a real directory: what is a snapshot (real directories whose names parse exactly), the
// leftovers it reports, and the order — a daily made after that day's timed snapshots (a job whose `every`
// changed that day) ranks newest, by its directory's birth time.
import { strict as assert } from "node:assert";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../helpers/cli.ts";
import { readInventory } from "../../src/store/read.ts";
import { dayIn } from "../../src/time/zone.ts";

test("a daily made after the same day's timed snapshots is the newest; a symlink or a file is no snapshot", async () => {
  const temp = await tempDir("linkback-inventory");
  try {
    const today = dayIn(new Date(), "UTC");
    await mkdir(join(temp.path, `p-${today}T0000Z`));
    await mkdir(join(temp.path, "p-2026-01-05"));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await mkdir(join(temp.path, `p-${today}`)); // born now: after 00:00 UTC today
    await symlink("/", join(temp.path, "p-2026-01-06"));
    await writeFile(join(temp.path, "p-2026-01-07"), "a file\n");
    await mkdir(join(temp.path, "p-incomplete"));
    await mkdir(join(temp.path, "p-2026-01-05.replaced"));
    const inventory = await readInventory(temp.path, "p", "UTC");
    assert.deepEqual(inventory.snapshots.map((s) => s.name), ["p-2026-01-05", `p-${today}T0000Z`, `p-${today}`]);
    const daily = inventory.snapshots.at(-1)!;
    assert.ok(daily.madeAt > Date.parse(`${today}T00:00:00Z`), "its birth time, not the start of its day");
    assert.equal(inventory.snapshots[0]!.madeAt, Date.parse("2026-01-05T00:00:00Z"), "a daily alone on its day: the start of the day (not even stat-ed)");
    assert.deepEqual([inventory.stagingEmpty, inventory.staging, inventory.replaced], [true, false, ["p-2026-01-05.replaced"]]);
  } finally {
    await temp.cleanup();
  }
});
