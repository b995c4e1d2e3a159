import { posix } from "node:path";
import type { Disk } from "../facts/probe/disks.js";

export interface CacheDirInputs {
  disks: readonly Disk[];
  /** The login user's home directory and name on the host. */
  home: string;
  user: string;
  /** --cache-dir, already checked (absolute, or "~/..." under the home). */
  override?: string;
  /** What the last run chose by itself, from the manifest: kept while its disk is still there. */
  previous?: string;
}

export interface CacheDirChoice {
  path: string;
  reason: string;
}

/** A mount with less free space than this is no data disk for models and datasets. */
const MIN_DATA_DISK_FREE_KB = 20 * 1024 * 1024;

/** Docker's own storage: never a place for the user's files. */
const DOCKER_STORAGE = /^\/var\/lib\/(docker|containerd)(\/|$)/;

export function homeCacheDir(home: string): string {
  return posix.join(home, ".cache", "vla-workspace");
}

/** The mount a path lives on: the longest mount point that contains it. */
export function mountOf(path: string, disks: readonly Disk[]): Disk | undefined {
  return disks
    .filter(
      (disk) => disk.mount === "/" || path === disk.mount || path.startsWith(`${disk.mount}/`),
    )
    .sort((a, b) => b.mount.length - a.mount.length)[0];
}

export function formatKb(kb: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = kb;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

function cacheDirOn(disk: Disk, inputs: CacheDirInputs, homeDisk: Disk | undefined): string {
  if (disk === homeDisk) return homeCacheDir(inputs.home);
  return posix.join(disk.mount, inputs.user, "vla-cache");
}

/**
 * Where the Hugging Face, torch and pip caches go (models and datasets are tens of GiB): the data
 * disk with the most free space that the user can write to, else the root file system. A larger
 * disk the user cannot write to is named, with the command that opens it.
 */
export function chooseCacheDir(inputs: CacheDirInputs): CacheDirChoice {
  if (inputs.override) {
    const path = inputs.override.startsWith("~/")
      ? posix.join(inputs.home, inputs.override.slice(2))
      : inputs.override;
    return { path, reason: "set by --cache-dir" };
  }
  const homeDisk = mountOf(inputs.home, inputs.disks);
  const usable = inputs.disks.filter(
    (disk) => !DOCKER_STORAGE.test(disk.mount) && (disk === homeDisk || disk.access !== "none"),
  );
  // Free space moves every day: a choice that is still open to the user stays, so a re-run does not
  // move the caches from one disk to another.
  if (
    inputs.previous &&
    usable.some((disk) => cacheDirOn(disk, inputs, homeDisk) === inputs.previous)
  )
    return { path: inputs.previous, reason: "kept from the last run (its disk is still there)" };
  // The root file system holds the system and, usually, Docker's images: a data disk with room
  // for models is taken first, even when the root file system has more free space.
  const dataDisks = usable.filter(
    (disk) => disk.mount !== "/" && disk.freeKb >= MIN_DATA_DISK_FREE_KB,
  );
  const best = [...(dataDisks.length ? dataDisks : usable)].sort((a, b) => b.freeKb - a.freeKb)[0];
  if (!best)
    return {
      path: homeCacheDir(inputs.home),
      reason: "no file system's free space could be read: the home directory",
    };
  const others = usable
    .filter((disk) => disk !== best)
    .sort((a, b) => b.freeKb - a.freeKb)
    .map((disk) => `${disk.mount} ${formatKb(disk.freeKb)}`)
    .join(", ");
  const space = `${formatKb(best.freeKb)} free of ${formatKb(best.sizeKb)}${others ? `; ${others}` : ""}`;
  const reason = [
    dataDisks.length
      ? `${best.mount} is the data disk with the most free space (${space})`
      : `${best.mount} has the most free space (${space})`,
  ];
  const larger = inputs.disks.find(
    (disk) =>
      disk.access === "none" &&
      disk !== homeDisk &&
      !DOCKER_STORAGE.test(disk.mount) &&
      disk.freeKb > best.freeKb,
  );
  if (larger) {
    const dir = posix.join(larger.mount, inputs.user);
    reason.push(
      `${larger.mount} has more (${formatKb(larger.freeKb)}) but ${inputs.user} cannot write there: \`sudo install -d -o ${inputs.user} ${dir}\`, then run again`,
    );
  }
  return { path: cacheDirOn(best, inputs, homeDisk), reason: reason.join("; ") };
}
