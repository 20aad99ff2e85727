// `npm run bench`: every benchmark, one after another, printing markdown tables for BENCHMARKS.md.
// Extra arguments go to each script (e.g. `npm run bench -- --files 20000 --repeat 3`). Needs rsync, du, and
// for bench/backup.ts Debian's rsnapshot (apt-get install rsnapshot).
import { execa } from "execa";

const scripts = ["startup", "backup", "flush", "list-size", "prune"];
for (const name of scripts) {
  console.log(`\n## bench/${name}.ts`);
  const args = process.argv.slice(2).filter((arg, index, all) => name !== "startup" || !(arg === "--files" || all[index - 1] === "--files"));
  await execa(process.execPath, ["--import", "tsx", `bench/${name}.ts`, ...args], { stdio: "inherit" });
}
