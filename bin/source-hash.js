// The sha256 of linkback's sources (every src/**/*.ts, by relative path, sorted): scripts/bundle.js writes it
// into the first line of router/cli.js, and bin/linkback.js runs the bundle only when it still matches.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export function sourceHash(root) {
  const hash = createHash("sha256");
  const walk = (dir, rel) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${rel}${entry.name}/`);
      else if (entry.name.endsWith(".ts")) hash.update(`${rel}${entry.name}\0`).update(readFileSync(path)).update("\0");
    }
  };
  walk(join(root, "src"), "");
  return hash.digest("hex");
}
