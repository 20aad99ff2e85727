// A template (files starting with _ are not jobs): a weekly made from a daily job's newest snapshot, as
// flashback keeps 10 dailies and 8 weeklies. Copy to jobs/univac-weekly.ts next to jobs/univac.ts.
// Every file is a hard link to the daily's: almost no space, no network. See README "Weeklies from dailies".
import { defineJob, snapshotOf } from "linkback";

export default defineJob({
  prefix: "univac-weekly",
  backupDir: "/mnt/sda1/backups", // the daily's disk: hard links cannot cross filesystems
  source: snapshotOf("univac"),
  every: "1w",
  keepDays: 56,
});
