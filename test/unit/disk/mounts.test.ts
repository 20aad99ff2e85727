// The mount table read as linkback reads it: mountinfo lines as the kernel writes them (octal escapes), the
// mount that holds a path (the deepest, the last one at a point), and a bind mount's path on its filesystem.
import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { boundInside, parseMountinfo, placeOnFilesystem, within } from "../../../src/disk/mounts.ts";

const TABLE = [
  "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
  "30 22 8:17 / /mnt/usb rw,relatime shared:5 - ext4 /dev/sdb1 rw",
  "41 22 8:17 /backups/laptop-2026-06-01 /mnt/old\\040days rw,relatime shared:5 - ext4 /dev/sdb1 rw",
  "42 22 8:17 /backups/laptop-2026-06-01/photos /home/ben/pics rw - ext4 /dev/sdb1 rw",
  "50 30 0:45 / /mnt/usb/tmp rw - tmpfs tmpfs rw",
  "51 30 0:46 / /mnt/usb/tmp rw - tmpfs tmpfs rw",
].join("\n");

describe("mountinfo", () => {
  const mounts = parseMountinfo(`${TABLE}\n`);
  test("fields, with \\040 a space", () => {
    assert.equal(mounts.length, 6);
    assert.deepEqual(mounts[2], { device: "8:17", root: "/backups/laptop-2026-06-01", mountPoint: "/mnt/old days" });
  });
  test("a path on the root filesystem, on a mounted disk, and in a bind mount of a snapshot and of a directory in one", () => {
    assert.deepEqual(placeOnFilesystem("/home/ben/restore", mounts), { device: "8:1", path: "/home/ben/restore", root: "/" });
    assert.deepEqual(placeOnFilesystem("/mnt/usb/backups", mounts), { device: "8:17", path: "/backups", root: "/" });
    assert.deepEqual(placeOnFilesystem("/mnt/usb", mounts), { device: "8:17", path: "/", root: "/" });
    assert.deepEqual(placeOnFilesystem("/mnt/old days/photos/cat.jpg", mounts), { device: "8:17", path: "/backups/laptop-2026-06-01/photos/cat.jpg", root: "/backups/laptop-2026-06-01" });
    assert.deepEqual(placeOnFilesystem("/mnt/old days", mounts), { device: "8:17", path: "/backups/laptop-2026-06-01", root: "/backups/laptop-2026-06-01" });
    assert.deepEqual(placeOnFilesystem("/home/ben/pics/x", mounts), { device: "8:17", path: "/backups/laptop-2026-06-01/photos/x", root: "/backups/laptop-2026-06-01/photos" });
    assert.deepEqual(placeOnFilesystem("/home/ben/pictures", mounts), { device: "8:1", path: "/home/ben/pictures", root: "/" }, "whole segments only");
  });
  test("the last mount at a point hides the earlier one", () => {
    assert.deepEqual(placeOnFilesystem("/mnt/usb/tmp/a", mounts), { device: "0:46", path: "/a", root: "/" });
  });
  test("within: whole segments", () => {
    assert.ok(within("/backups/a", "/backups"));
    assert.ok(within("/backups", "/backups"));
    assert.ok(within("/anything", "/"));
    assert.ok(!within("/backups2", "/backups"));
  });
  test("no table (not Linux): nothing known", () => {
    assert.equal(placeOnFilesystem("/x", parseMountinfo("")), undefined);
  });
  test("boundInside: a bind mount of a snapshot or of a directory in one is inside the backupDir; the disk mounted twice, or NFS exports of one server disk, are not", () => {
    const backupDir = placeOnFilesystem("/mnt/usb/backups", mounts)!;
    assert.ok(boundInside(placeOnFilesystem("/mnt/old days/photos", mounts)!, backupDir));
    assert.ok(boundInside(placeOnFilesystem("/home/ben/pics/x", mounts)!, backupDir));
    assert.ok(!boundInside(placeOnFilesystem("/mnt/usb/elsewhere", mounts)!, backupDir), "beside the backupDir on its disk");
    assert.ok(!boundInside(placeOnFilesystem("/home/ben/restore", mounts)!, backupDir), "another filesystem");
    // nas:/vol1/backup on /mnt/backup and nas:/vol1/photos on /mnt/photos: one device, both roots "/".
    const nfs = parseMountinfo(["22 1 8:1 / / rw - ext4 /dev/sda1 rw", "60 22 0:53 / /mnt/backup rw - nfs4 nas:/vol1/backup rw", "61 22 0:53 / /mnt/photos rw - nfs4 nas:/vol1/photos rw"].join("\n"));
    assert.ok(!boundInside(placeOnFilesystem("/mnt/photos/2024", nfs)!, placeOnFilesystem("/mnt/backup", nfs)!), "a restore into another NFS export is not refused");
  });
});
