// The status files with real runs: a reader in a loop never sees half a file while `due` and concurrent
// `run`s rewrite them; status.html rendered by headless Chromium (Debian's package) shows every job's row
// with its state, green and red; rsync's progress and a summary line on a terminal (a pty from script(1)),
// and nothing on stdout without one.
import { strict as assert } from "node:assert";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { execa } from "execa";
import { BIN, ROOT, linkback, writeTree } from "../helpers/cli.ts";
import { type Workspace, hasProgram, workspace } from "../helpers/tree.ts";
import { countColour, readPng } from "../helpers/png.ts";
import { skipUnlessCi } from "../helpers/sshd.ts";

const RSYNC = await hasProgram("rsync");
const skip = !RSYNC && process.env.CI !== "true" ? "rsync is not installed (required under CI=true)" : false;
const CHROMIUM = "/usr/bin/chromium";
const chromiumMissing = await access(CHROMIUM, constants.X_OK).then(() => undefined, () => `${CHROMIUM} is not installed (apt-get install chromium)`);
const skipChromium = skip === false ? skipUnlessCi(chromiumMissing) : skip;
const scriptMissing = (await hasProgram("script", ["--version"])) ? undefined : "script(1) is not installed (apt-get install bsdutils)";
const skipTty = skip === false ? skipUnlessCi(scriptMissing) : skip;

describe("status files", { skip }, () => {
  let ws: Workspace;
  const statusDir = () => join(ws.logs, "status");
  const JOBS = ["anna", "bert", "carl", "dora", "emil"];

  before(async () => {
    ws = await workspace("status");
    for (const name of JOBS) {
      await writeTree(join(ws.root, `src-${name}`), { "a.txt": `${name}\n`, "sub/b.bin": "b".repeat(200_000) });
      await ws.job(name, { source: join(ws.root, `src-${name}`) });
    }
    await ws.job("gone", { source: join(ws.root, "no-such-source") }); // fails every time: a red row
    await ws.job("paused", { source: join(ws.root, "src-anna"), enabled: false });
  });
  after(async () => ws.cleanup());

  test("a reader in a loop never sees half a file while due and concurrent runs rewrite them", async () => {
    let reading = true;
    let reads = 0;
    const problems: string[] = [];
    const versions = new Set<string>();
    const reader = (async () => {
      while (reading) {
        for (const name of ["status.json", "status.txt", "status.html"]) {
          let text: string;
          try {
            text = await readFile(join(statusDir(), name), "utf8");
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // not written yet
            throw error;
          }
          reads++;
          if (name === "status.json") {
            try {
              const parsed = JSON.parse(text) as { version: number; generatedAt: string; jobs: unknown[] };
              if (parsed.version !== 1 || parsed.jobs.length === 0) problems.push(`json: ${text.slice(0, 80)}`);
              versions.add(text);
            } catch {
              problems.push(`json does not parse (${text.length} bytes): ${text.slice(-80)}`);
            }
          } else if (name === "status.txt") {
            if (!text.startsWith("linkback status ") || !text.endsWith("\n") || !/^JOB +STATE/m.test(text)) problems.push(`txt: ${text.slice(-80)}`);
          } else if (!text.startsWith("<!DOCTYPE html>") || !text.endsWith("</html>\n")) {
            problems.push(`html: ${text.slice(-80)}`);
          }
        }
      }
    })();
    try {
      for (const day of ["2026-11-01", "2026-11-02", "2026-11-03"]) {
        const due = await linkback(["due", "--jobs", ws.jobs], ws.env(`${day}T03:00:00`));
        assert.equal(due.exitCode, 1, "`gone` fails");
        const runs = await Promise.all(["anna", "bert", "carl"].map((name) => ws.run([name], `${day}T04:00:00`)));
        for (const run of runs) assert.equal(run.exitCode, 0, run.stderr);
      }
    } finally {
      reading = false;
      await reader;
    }
    assert.deepEqual(problems, []);
    assert.ok(reads > 200, `the reader read often enough to catch a torn write (${reads} reads)`);
    assert.ok(versions.size >= 10, `the files changed while being read (${versions.size} versions seen)`);
    const final = JSON.parse(await readFile(join(statusDir(), "status.json"), "utf8")) as { jobs: { name: string; state: string }[] };
    assert.deepEqual(
      Object.fromEntries(final.jobs.map((job) => [job.name, job.state])),
      { anna: "ok", bert: "ok", carl: "ok", dora: "ok", emil: "ok", gone: "failed", paused: "disabled" },
    );
    const temps = (await execa("find", [statusDir(), "-name", "*.tmp"])).stdout;
    assert.equal(temps, "", "no temp files left behind");
  });

  test("status.html in headless Chromium: every job's row and state in the DOM; green and red on a phone-sized screenshot", { skip: skipChromium }, async () => {
    const profile = await mkdtemp(join(tmpdir(), "linkback-chromium-"));
    const shot = join(profile, "status.png");
    const page = `file://${join(statusDir(), "status.html")}`;
    const flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--window-size=412,1400", "--hide-scrollbars"];
    try {
      const dom = await execa(CHROMIUM, [...flags, "--dump-dom", page], { timeout: 90_000 });
      const rows = [...dom.stdout.matchAll(/<tr class="(\w+)" data-job="([^"]+)" data-state="(\w+)">.*?<td class="state" data-label="State">(\w+)<\/td>/g)];
      assert.deepEqual(
        Object.fromEntries(rows.map((row) => [row[2], row[4]])),
        { gone: "failed", anna: "ok", bert: "ok", carl: "ok", dora: "ok", emil: "ok", paused: "disabled" },
      );
      assert.ok(rows.every((row) => row[1] === row[3] && row[3] === row[4]));
      assert.match(dom.stdout, /<h1 class="problem">1 backup\(s\) need attention<\/h1>/);

      await execa(CHROMIUM, [...flags, `--screenshot=${shot}`, page], { timeout: 90_000 });
      const image = readPng(await readFile(shot));
      assert.equal(image.width, 412);
      const green = countColour(image, "#1a7f37");
      const red = countColour(image, "#cf222e");
      const grey = countColour(image, "#6e7781");
      assert.ok(green > 5 * 2000, `five green OK cells drawn (${green} green pixels)`);
      assert.ok(red > 2000 * 2, `a red headline and a red FAILED cell (${red} red pixels)`);
      assert.ok(grey > 1000, `a grey DISABLED cell (${grey} grey pixels)`);
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  });

  test("on a terminal: rsync's progress and one summary line per job; without one: stdout stays empty", { skip: skipTty }, async () => {
    await writeFile(join(ws.root, "src-dora", "sub", "new.bin"), "n".repeat(3_000_000));
    const env = ws.env("2026-11-04T03:00:00");
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} run dora emil --jobs ${JSON.stringify(ws.jobs)}`;
    const tty = await execa("script", ["-qefc", command, "/dev/null"], { env, cwd: ROOT, reject: false });
    assert.equal(tty.exitCode, 0, tty.stdout);
    assert.match(tty.stdout, /\r\x1b\[Kdora: [\d,]+ +\d+% .*\(xfr#\d+, to-chk=\d+\/\d+\)/, "a progress line, rewritten in place");
    assert.match(tty.stdout, /^dora: ok — dora-2026-11-04, 1 files transferred, .* received, 3\.0 MB sent, [\d.]+ s\r?$/m);
    assert.match(tty.stdout, /^emil: ok — emil-2026-11-04, 0 files transferred, /m);

    const cron = await linkback(["run", "dora", "emil", "--jobs", ws.jobs], ws.env("2026-11-04T04:00:00"));
    assert.deepEqual([cron.exitCode, cron.stdout, cron.stderr], [0, "", ""], "no terminal: no progress, no summary, nothing");
    const log = await readFile(join(ws.logs, "dora.rsync.log"), "utf8");
    assert.ok(!log.includes("to-chk"), "progress never lands in the rsync log");
  });
});
