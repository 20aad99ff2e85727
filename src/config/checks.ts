// The small checks every field check is made of: required strings, string lists, unknown fields (with a
// suggestion), and a value described for an error message ("number 42", "an object {…}").
import { closest } from "./closest.ts";

/** Records one problem: the field (dotted path) and what is wrong with it. */
export type Problem = (field: string, text: string) => void;

export function requiredString(raw: Record<string, unknown>, field: string, problem: Problem): string | undefined {
  const value = raw[field];
  if (value === undefined) {
    problem(field, "is required");
    return undefined;
  }
  if (typeof value !== "string" || value.trim() === "") {
    problem(field, `must be a non-empty string (got ${describe(value)})`);
    return undefined;
  }
  return value;
}

export function stringList(raw: Record<string, unknown>, field: string, problem: Problem): string[] | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    problem(field, `must be an array of strings (got ${describe(value)})`);
    return undefined;
  }
  value.forEach((item, index) => {
    if (typeof item !== "string" || item === "") problem(`${field}[${index}]`, `must be a non-empty string (got ${describe(item)})`);
  });
  return value as string[];
}

export function unknownFields(object: Record<string, unknown>, known: readonly string[], path: string, problem: Problem): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    problem(`${path}${key}`, `unknown field${guess === undefined ? ` (known: ${known.join(", ")})` : ` — did you mean \`${path}${guess}\`?`}`);
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "function") return "a function";
  if (typeof value === "number") return `number ${String(value)}`; // JSON would say null for NaN and Infinity
  if (Array.isArray(value)) return `an array ${truncate(JSON.stringify(value))}`;
  if (typeof value === "object") return `an object ${truncate(JSON.stringify(value))}`;
  return `${typeof value} ${truncate(JSON.stringify(value))}`;
}

function truncate(text: string | undefined): string {
  if (text === undefined) return "";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
