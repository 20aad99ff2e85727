// The short mutex (status, readers): real files in a temp dir, real processes. A mutex left by a process that
// is gone — its pid free, or taken by a new process since (a different start time) — is broken at once; one
// held by the live process that made it is waited for.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { withMutex } from "../../../src/lock/mutex.ts";
import { startTicks } from "../../../src/lock/process.ts";

describe("withMutex", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "linkback-mutex-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  test("names its holder by pid and start time while held, and is gone afterwards", async () => {
    const path = join(dir, "held.lock");
    const inside = await withMutex(path, () => readFile(path, "utf8"));
    assert.equal(inside, `${process.pid} ${startTicks(process.pid)}\n`);
    assert.ok(!existsSync(path));
  });

  test("a mutex whose pid is alive but started at another time (a reused pid) is broken at once", async () => {
    const path = join(dir, "reused.lock");
    const ticks = Number(startTicks(process.pid));
    await writeFile(path, `${process.pid} ${ticks + 1}\n`); // this pid, another start: the holder is gone
    // Were the holder taken for alive, withMutex would wait out its 10 s and throw "has been held".
    assert.equal(await withMutex(path, async () => "got it"), "got it");
  });

  test("a mutex of a live holder is waited for; taken once the holder lets go", async () => {
    const path = join(dir, "live.lock");
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await writeFile(path, `${sleeper.pid} ${startTicks(sleeper.pid!)}\n`);
      let got = false;
      const waiting = withMutex(path, async () => (got = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(got, false, "taken while the holder lives");
      await rm(path); // the holder lets go
      await waiting;
      assert.equal(got, true);
    } finally {
      sleeper.kill();
    }
  });

  test("an old-style mutex (a pid alone) of a process that is gone is broken", async () => {
    const path = join(dir, "old.lock");
    const gone = spawn("true");
    await new Promise((resolve) => gone.on("exit", resolve));
    await writeFile(path, `${gone.pid}\n`);
    assert.equal(await withMutex(path, async () => 1), 1);
  });
});
