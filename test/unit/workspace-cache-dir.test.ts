/** Where the workspace's caches go: the disks section of the probe, and the choice made from it. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type Disk, parseDisks } from "../../src/facts/probe/disks.js";
import { PROBE_SCRIPT } from "../../src/facts/probe-script.js";
import { splitSections } from "../../src/facts/sections.js";
import { chooseCacheDir, formatKb, mountOf } from "../../src/workspace/cache-dir.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures/workspace");

/** The probe's disks section, run for real on this machine. */
function probeDisksHere(): string {
  const output = execFileSync(
    "sh",
    ["-c", `probe_only='disks'\nset -- "$(id -un)"\n${PROBE_SCRIPT}`],
    { encoding: "utf8" },
  );
  return splitSections(output).get("disks")?.body ?? "";
}

const disk = (mount: string, freeGiB: number, access: Disk["access"] = "none"): Disk => ({
  mount,
  fsType: "ext4",
  sizeKb: freeGiB * 2 * 1024 * 1024,
  freeKb: freeGiB * 1024 * 1024,
  access,
});

describe("the disks section", () => {
  it("reads this machine's real file systems: the root is there, memory file systems are not", () => {
    const body = probeDisksHere();
    expect(body).toMatch(/^Filesystem\s+Type\s+1024-blocks/m);
    const disks = parseDisks(body);
    const root = disks.find((d) => d.mount === "/");
    expect(root?.sizeKb).toBeGreaterThan(0);
    expect(root?.freeKb).toBeGreaterThan(0);
    for (const found of disks) {
      expect(found.fsType).not.toMatch(/^(tmpfs|devtmpfs|proc|sysfs)$/);
      expect(found.mount).not.toMatch(/^\/(dev|proc|sys|run)(\/|$)/);
    }
  });

  it("parses df -PkT lines, mount points with spaces, and leaves out mounts that are files", () => {
    const body = [
      "Filesystem     Type     1024-blocks      Used Available Capacity Mounted on",
      "/dev/nvme0n1p2 ext4       98303964  61234567  32012345      66% /",
      "/dev/nvme1n1   xfs      3906250000 120000000 3786250000       4% /data",
      "/dev/sdb1      ext4      480000000    100000 455000000       1% /mnt/scratch disk",
      "tmpfs          tmpfs      16384000         0  16384000       0% /dev/shm",
      "/dev/vda1      ext4       98303964  61234567  32012345      66% /etc/hosts",
      "@access\tnone\t/",
      "@access\tuser-dir\t/data",
      "@access\tmount\t/mnt/scratch disk",
      "@access\tmount\t/dev/shm",
    ].join("\n");
    expect(parseDisks(body)).toEqual([
      { mount: "/", fsType: "ext4", sizeKb: 98303964, freeKb: 32012345, access: "none" },
      { mount: "/data", fsType: "xfs", sizeKb: 3906250000, freeKb: 3786250000, access: "user-dir" },
      {
        mount: "/mnt/scratch disk",
        fsType: "ext4",
        sizeKb: 480000000,
        freeKb: 455000000,
        access: "mount",
      },
    ]);
  });

  it("a test-bed host (captured): the overlay root is the only disk; memory and file mounts are not", () => {
    const disks = parseDisks(readFileSync(resolve(FIXTURES, "disks-testbed-host.txt"), "utf8"));
    expect(disks).toEqual([
      { mount: "/", fsType: "overlay", sizeKb: 264212084, freeKb: 80152648, access: "none" },
    ]);
    const choice = chooseCacheDir({ disks, home: "/home/ops", user: "ops" });
    expect(choice).toEqual({
      path: "/home/ops/.cache/vla-workspace",
      reason: "/ has the most free space (76.4 GiB free of 252 GiB)",
    });
  });
});

describe("chooseCacheDir", () => {
  const home = "/home/ops";

  it("a data disk the user can write to beats the root file system", () => {
    const choice = chooseCacheDir({
      disks: [disk("/", 40), disk("/data", 1800, "user-dir")],
      home,
      user: "ops",
    });
    expect(choice.path).toBe("/data/ops/vla-cache");
    expect(choice.reason).toBe(
      "/data is the data disk with the most free space (1.8 TiB free of 3.5 TiB; / 40.0 GiB)",
    );
  });

  it("a data disk even when the root file system has more free space, but not a small one", () => {
    const data = chooseCacheDir({
      disks: [disk("/", 500), disk("/data", 400, "user-dir")],
      home,
      user: "ops",
    });
    expect(data.path).toBe("/data/ops/vla-cache");
    const usb = chooseCacheDir({
      disks: [disk("/", 500), disk("/media/usb", 8, "mount")],
      home,
      user: "ops",
    });
    expect(usb.path).toBe("/home/ops/.cache/vla-workspace");
    expect(usb.reason).toBe(
      "/ has the most free space (500 GiB free of 1000 GiB; /media/usb 8.0 GiB)",
    );
  });

  it("the home directory's disk when it has the most room", () => {
    const choice = chooseCacheDir({
      disks: [disk("/", 40), disk("/home", 900), disk("/scratch", 100, "mount")],
      home,
      user: "ops",
    });
    expect(choice.path).toBe("/home/ops/.cache/vla-workspace");
  });

  it("a larger disk the user cannot write to is named, with the command that opens it", () => {
    const choice = chooseCacheDir({
      disks: [disk("/", 40), disk("/data", 1800)],
      home,
      user: "ops",
    });
    expect(choice.path).toBe("/home/ops/.cache/vla-workspace");
    expect(choice.reason).toContain(
      "/data has more (1.8 TiB) but ops cannot write there: `sudo install -d -o ops /data/ops`",
    );
  });

  it("never Docker's own storage", () => {
    const choice = chooseCacheDir({
      disks: [disk("/", 40), disk("/var/lib/docker", 5000, "mount")],
      home,
      user: "ops",
    });
    expect(choice.path).toBe("/home/ops/.cache/vla-workspace");
  });

  it("keeps the last run's choice while its disk is there, so free space moving does not move it", () => {
    const disks = [disk("/", 40), disk("/data", 100, "user-dir"), disk("/scratch", 120, "mount")];
    const kept = chooseCacheDir({ disks, home, user: "ops", previous: "/data/ops/vla-cache" });
    expect(kept.path).toBe("/data/ops/vla-cache");
    const gone = chooseCacheDir({
      disks: [disk("/", 40), disk("/scratch", 120, "mount")],
      home,
      user: "ops",
      previous: "/data/ops/vla-cache",
    });
    expect(gone.path).toBe("/scratch/ops/vla-cache");
  });

  it("--cache-dir wins; ~/ is the home directory", () => {
    expect(chooseCacheDir({ disks: [], home, user: "ops", override: "~/hf" })).toEqual({
      path: "/home/ops/hf",
      reason: "set by --cache-dir",
    });
    expect(chooseCacheDir({ disks: [], home, user: "ops" }).path).toBe(
      "/home/ops/.cache/vla-workspace",
    );
  });

  it("finds the mount a path is on, and prints sizes for people", () => {
    const disks = [disk("/", 1), disk("/data", 1), disk("/data/fast", 1)];
    expect(mountOf("/data/fast/x", disks)?.mount).toBe("/data/fast");
    expect(mountOf("/datax/y", disks)?.mount).toBe("/");
    expect(formatKb(512)).toBe("512 KiB");
    expect(formatKb(3 * 1024 * 1024)).toBe("3.0 GiB");
  });
});
