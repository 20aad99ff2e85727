// "Now" for the whole program: LINKBACK_NOW (ISO 8601) replaces the system clock, so tests can live through weeks.
import { isValid } from "date-fns/isValid";
import { parseISO } from "date-fns/parseISO";
import { UsageError } from "./errors.ts";

/** The current instant, or the one LINKBACK_NOW names. */
export function now(env: NodeJS.ProcessEnv = process.env): Date {
  const fixed = env.LINKBACK_NOW;
  if (fixed === undefined || fixed === "") return new Date();
  const date = parseISO(fixed);
  if (!isValid(date)) {
    throw new UsageError(`LINKBACK_NOW=${JSON.stringify(fixed)} is not an ISO 8601 date or time (e.g. 2026-11-22 or 2026-11-22T03:00:00)`);
  }
  return date;
}
