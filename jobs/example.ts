// The bundled example: backs up this clone's example/source/ into example/backups/.
// Try it: `node bin/linkback.js run example`, then `ls example/backups`.
// Copy this file to jobs/<machine>.ts for a job of your own (see jobs/_remote.example.ts for SSH).
import { fileURLToPath } from "node:url";
import { defineJob } from "linkback";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineJob({
  prefix: "example",
  backupDir: here("../example/backups"),
  source: here("../example/source"),
  excludes: ["*.tmp"],
  keepDays: 30,
  hooks: {
    after: ["echo", "example backup done"],
  },
});
