// `minFreeSpace`: bytes as a number, "500MB", "2GiB", or a percentage of the backup filesystem ("10%").
import type { FreeSpace } from "./types.ts";

const UNITS: Record<string, number> = { "": 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** `minFreeSpace`: bytes as a number, "500MB", "2GiB", or "10%". The problem as a string when it is none. */
export function parseFreeSpace(value: unknown): FreeSpace | string {
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0 ? { text: `${value} bytes`, bytes: Math.floor(value) } : "must be a number of bytes, 0 or more";
  }
  const match = typeof value === "string" ? /^\s*(\d+(?:\.\d+)?)\s*(%|[kmgt]i?b|b)?\s*$/i.exec(value) : null;
  if (match === null) return `must be bytes (a number, or a string like "500MB", "2GB", "1GiB") or a percentage of the backup filesystem like "10%"`;
  const amount = Number(match[1]);
  const unit = (match[2] ?? "").toLowerCase();
  if (unit === "%") return amount > 0 && amount < 100 ? { text: `${amount}%`, percent: amount } : "a percentage must be above 0 and below 100";
  return { text: (value as string).trim(), bytes: Math.floor(amount * UNITS[unit]!) };
}
