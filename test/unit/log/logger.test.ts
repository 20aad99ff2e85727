// A JSON log line as one readable terminal line.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import pino from "pino";
import { formatLine } from "../../../src/log/logger.ts";

describe("formatLine (terminal lines)", () => {
  /** Lines exactly as the run's pino logger writes them (same options as createRunLog), captured in memory. */
  function pinoLines(write: (logger: pino.Logger) => void): string[] {
    const lines: string[] = [];
    const logger = pino({ level: "debug", base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, { write: (line: string) => lines.push(line) });
    write(logger);
    return lines;
  }
  test("a job's line: time, level, job, message, extra fields; one readable line, not JSON", () => {
    const [line] = pinoLines((logger) => logger.child({ job: "laptop" }).warn({ exitCode: 24, staging: "/mnt/b/laptop-incomplete" }, "some files vanished"));
    const text = formatLine(line!);
    assert.match(text, /^\d\d:\d\d:\d\d warn\s+laptop: some files vanished \(/);
    assert.ok(text.includes("exitCode=24"));
    assert.ok(text.includes("staging=/mnt/b/laptop-incomplete"));
    assert.ok(text.endsWith("\n"));
    assert.equal(text.split("\n").length, 2, "exactly one line");
    assert.ok(!text.includes('"level"') && !text.includes("{\""), `not JSON: ${text}`);
  });
  test("each level by name", () => {
    const lines = pinoLines((logger) => {
      logger.debug("d");
      logger.info("i");
      logger.warn("w");
      logger.error("e");
    });
    assert.deepEqual(lines.map((line) => formatLine(line).split(/\s+/)[1]), ["debug", "info", "warn", "error"]);
  });
  test("no job, no extras: no dangling text", () => {
    const [line] = pinoLines((logger) => logger.info("linkback started"));
    const text = formatLine(line!);
    assert.match(text, /^\d\d:\d\d:\d\d info\s+linkback started\n$/);
    assert.ok(!text.includes("undefined"));
  });
  test("object values are shown compactly", () => {
    const [line] = pinoLines((logger) => logger.info({ stale: { pid: 123 } }, "took over a stale lock"));
    assert.ok(formatLine(line!).includes('stale={"pid":123}'));
  });
});
