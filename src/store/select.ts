// Which snapshot a command means: a name, a date (that day's newest), or the newest.
import { UsageError } from "../errors.ts";
import { isCalendarDay } from "./names.ts";
import type { Inventory, Snapshot } from "./inventory.ts";

/**
 * The snapshot `choice` names in `inventory` (oldest first): an exact name, a day `YYYY-MM-DD` (that day's
 * newest), or, when undefined, the newest. Throws a UsageError naming the nearest ones when there is none.
 */
export function pickSnapshot(inventory: Inventory, job: string, choice: string | undefined): Snapshot {
  const all = inventory.snapshots;
  if (all.length === 0) throw new UsageError(`job ${job} has no complete snapshot in ${inventory.backupDir}`);
  if (choice === undefined) return all.at(-1)!;
  const byName = all.find((s) => s.name === choice);
  if (byName !== undefined) return byName;
  if (isCalendarDay(choice)) {
    const onDay = all.filter((s) => s.day === choice).at(-1);
    if (onDay !== undefined) return onDay;
    const before = all.filter((s) => s.day < choice).at(-1);
    const after = all.find((s) => s.day > choice);
    const near = [before && `${before.name} (before)`, after && `${after.name} (after)`].filter(Boolean).join(", ");
    throw new UsageError(`job ${job} has no snapshot of ${choice}; the nearest: ${near}`);
  }
  throw new UsageError(`job ${job} has no snapshot ${JSON.stringify(choice)} (give a name such as ${all.at(-1)!.name}, or a date YYYY-MM-DD; \`linkback list ${job}\` lists them)`);
}
