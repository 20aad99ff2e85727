#!/usr/bin/env node
// Build router/cli.js and router/index.js: linkback as two single files (esbuild; jiti and posix-syslog stay
// external in node_modules). bin/linkback.js runs router/cli.js when the hash of src/ in its first line is the
// hash of src/ now. Routers run it: it starts in half the time and memory of dist/ (BENCHMARKS.md), and a
// router cannot build it (no esbuild for mipsel, `npm ci --omit=dev`), so the bundle is committed.
//   node scripts/bundle.js           rebuild router/
//   node scripts/bundle.js --check   exit 1 when router/ is not what src/ builds to (CI)
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { sourceHash } from "../bin/source-hash.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const check = process.argv.includes("--check");

const outdir = check ? mkdtempSync(join(tmpdir(), "linkback-bundle-")) : join(root, "router");
const hash = sourceHash(root);
await build({
  entryPoints: { cli: join(root, "src/cli.ts"), index: join(root, "src/index.ts") },
  outdir,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node18.19",
  external: ["jiti", "posix-syslog"],
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning",
  banner: {
    js: `// linkback-src-sha256 ${hash}\n// Built from src/ by \`npm run bundle\` (scripts/bundle.js); do not edit.\n` +
      `import { createRequire as __linkbackRequire } from "node:module"; const require = __linkbackRequire(import.meta.url);`,
  },
});
if (check) {
  const stale = ["cli.js", "index.js"].filter((name) => {
    try {
      return readFileSync(join(outdir, name), "utf8") !== readFileSync(join(root, "router", name), "utf8");
    } catch {
      return true;
    }
  });
  rmSync(outdir, { recursive: true, force: true });
  if (stale.length > 0) {
    console.error(`router/${stale.join(", router/")} is not what src/ builds to: run \`npm run bundle\` and commit router/`);
    process.exit(1);
  }
  console.log("router/ matches src/");
}
