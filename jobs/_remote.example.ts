// A template (files starting with _ are not jobs): back up a whole machine over SSH, the blog script's
// setup. Copy to jobs/univac.ts and edit. See README "SSH key setup" and "Desktop notifications".
import { defineJob, notify } from "linkback";

export default defineJob({
  prefix: "univac",
  backupDir: "/mnt/sda1/backups",
  source: "root@192.168.1.20:/",
  // The blog script's form: passed to rsync as --rsh. Or structured:
  // ssh: { identityFile: "/ssh_data/id_rsa", knownHostsFile: "/ssh_data/known_hosts", port: 22 },
  ssh: "ssh -i /ssh_data/id_rsa -o UserKnownHostsFile=/ssh_data/known_hosts",
  excludes: ["/run/*", "/var/run/*", "/proc/*", "/sys/*", "/dev/*", "/tmp/*", "/mnt/*", "/media/*", "/home/ben/.gvfs"],
  keepDays: 30,
  hooks: {
    pre: notify("Backing up system to router…", { user: "ben" }),
    after: notify((c) => `Root backup done: ${c.snapshot}`, { user: "ben" }),
    fail: "logger -t backup 'univac backup failed'",
  },
});
