// What a restore brings back: the metadata the snapshot kept (its record's keeps, else the job's
// `metadata`), as rsync's -A -X --sparse, only where the target filesystem can hold it; what it cannot is
// said in words.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { restoreFlags } from "../../../src/restore/flags.ts";
import type { Job } from "../../../src/config/types.ts";
import { DAILY, threeTimes } from "../../../src/time/cycle.ts";

const job = (metadata?: Job["metadata"]): Job => ({
  name: "p", file: "/jobs/p.ts", prefix: "p", backupDir: "/mnt/usb/backups", source: "/srv", excludes: [], rsyncArgs: [], hooks: {},
  cycle: DAILY, alertCycle: threeTimes(DAILY), enabled: true, minKeepCount: 1, shrinkLimit: 0.5, ...(metadata === undefined ? {} : { metadata }),
});
const all = { acls: true, xattrs: true, sparse: true };
const none = { acls: false, xattrs: false, sparse: false };

describe("restoreFlags", () => {
  test("a snapshot that kept ACLs, xattrs and holes, restored to ext4, tmpfs, xfs or btrfs: -A -X --sparse", () => {
    for (const type of ["ext4", "tmpfs", "xfs", "btrfs"]) assert.deepEqual(restoreFlags(all, job(), type), { args: ["-A", "-X", "--sparse"], left: [] }, type);
  });
  test("each kept thing on its own gives its own flag; nothing kept gives none", () => {
    assert.deepEqual(restoreFlags({ ...none, acls: true }, job(), "ext4").args, ["-A"]);
    assert.deepEqual(restoreFlags({ ...none, xattrs: true }, job(), "ext4").args, ["-X"]);
    assert.deepEqual(restoreFlags({ ...none, sparse: true }, job(), "ext4").args, ["--sparse"]);
    assert.deepEqual(restoreFlags(none, job(), "ext4"), { args: [], left: [] });
  });
  test("the record decides, not the job's metadata now", () => {
    assert.deepEqual(restoreFlags(none, job({ acls: true, xattrs: true, sparse: true }), "ext4").args, []);
    assert.deepEqual(restoreFlags(all, job({ acls: false, xattrs: false, sparse: false }), "ext4").args, ["-A", "-X", "--sparse"]);
  });
  test("a snapshot older than records: the job's metadata (holes kept unless it says not)", () => {
    assert.deepEqual(restoreFlags(undefined, job(), "ext4").args, ["--sparse"]);
    assert.deepEqual(restoreFlags(undefined, job({ acls: true, xattrs: true }), "ext4").args, ["-A", "-X", "--sparse"]);
    assert.deepEqual(restoreFlags(undefined, job({ sparse: false }), "ext4").args, []);
  });
  test("a FAT or exFAT stick cannot hold ACLs, xattrs or holes: the files come back, and it says what was left", () => {
    for (const type of ["vfat", "exfat"]) {
      const flags = restoreFlags(all, job(), type);
      assert.deepEqual(flags.args, [], type);
      assert.deepEqual(flags.left, [
        `ACLs (${type} cannot hold them)`,
        `xattrs and file capabilities (${type} cannot hold them)`,
        `holes (${type} cannot hold them: sparse files come back fully allocated)`,
      ], type);
    }
  });
  test("a filesystem with holes but without xattrs (NFS): --sparse only", () => {
    const flags = restoreFlags(all, job(), "nfs4");
    assert.deepEqual(flags.args, ["--sparse"]);
    assert.deepEqual(flags.left, ["ACLs (nfs4 cannot hold them)", "xattrs and file capabilities (nfs4 cannot hold them)"]);
  });
  test("an unknown target (remote): everything the snapshot kept is asked for", () => {
    assert.deepEqual(restoreFlags(all, job(), undefined), { args: ["-A", "-X", "--sparse"], left: [] });
    assert.deepEqual(restoreFlags({ ...none, xattrs: true }, job(), undefined), { args: ["-X"], left: [] });
  });
});
