// execa, loaded on first use: `status`, `list` and a `due` tick with nothing due never start a program, and
// a router should not spend memory on a module it does not use (execa and its dependencies: ~16 MB of RSS).
import type { execa as ExecaFunction } from "execa";

let loaded: Promise<typeof ExecaFunction> | undefined;

/** The execa function. */
export function loadExeca(): Promise<typeof ExecaFunction> {
  loaded ??= import("execa").then((module) => module.execa);
  return loaded;
}
