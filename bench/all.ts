// `npm run bench`: every benchmark, one after another, printing markdown tables for BENCHMARKS.md.
// Extra arguments go to each script that takes them (e.g. `npm run bench -- --files 20000 --repeat 3`; `--node
// PATH` only to bench/diff.ts, `--files` not to bench/startup.ts). Needs rsync, du, getfattr (attr), and for
// bench/backup.ts Debian's rsnapshot (apt-get install rsnapshot).
import { execa } from "execa";

const scripts = ["startup", "backup", "flush", "list-size", "diff", "prune"];
/** Options (taking a value) that only some scripts accept: script names by option. */
const only: Record<string, string[]> = { "--files": ["backup", "flush", "list-size", "diff", "prune"], "--node": ["diff"] };
for (const name of scripts) {
  console.log(`\n## bench/${name}.ts`);
  const args: string[] = [];
  const given = process.argv.slice(2);
  for (let i = 0; i < given.length; i++) {
    const [option] = given[i]!.split("=");
    const takers = only[option!];
    if (takers !== undefined && !takers.includes(name)) {
      if (!given[i]!.includes("=")) i++; // and its value
      continue;
    }
    args.push(given[i]!);
  }
  await execa(process.execPath, ["--import", "tsx", `bench/${name}.ts`, ...args], { stdio: "inherit" });
}
