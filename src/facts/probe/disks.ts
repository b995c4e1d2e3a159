import { TIMED_OUT } from "./constants.js";
import type { ProbeSectionDef } from "./definition.js";

/** One mounted file system as `df -PkT` reports it, and what the login user may do there. */
export interface Disk {
  mount: string;
  fsType: string;
  sizeKb: number;
  freeKb: number;
  /**
   * "mount": the login user can write in the mount point; "user-dir": in `<mount>/<login user>`;
   * "none": in neither.
   */
  access: "mount" | "user-dir" | "none";
}

/** Kernel and memory file systems: nothing there is a disk to keep data on. */
const PSEUDO_FS_TYPES = new Set([
  "tmpfs",
  "devtmpfs",
  "ramfs",
  "proc",
  "sysfs",
  "cgroup",
  "cgroup2",
  "devpts",
  "mqueue",
  "efivarfs",
  "squashfs",
  "nsfs",
  "autofs",
  "fuse.snapfuse",
]);
const SYSTEM_MOUNTS = /^\/(proc|sys|dev|run|boot|snap)(\/|$)/;

/**
 * Every local mount as `df -PkTl` prints it, then one `@access` line per mount point (a directory)
 * saying whether the login user can write there or in `<mount>/<user>`. Read-only, as the login
 * user. Network file systems are left out (-l): a hung NFS server would stall every probe.
 */
export const disks: ProbeSectionDef<"disks", "disks"> = {
  name: "disks",
  script: String.raw`
section disks
df_out=$(bounded df -PkTl 2>/dev/null); df_rc=$?
printf '%s\n' "$df_out"
me=$(id -un)
printf '%s\n' "$df_out" | awk 'NR > 1 && NF >= 7 { m = $7; for (i = 8; i <= NF; i++) m = m " " $i; print m }' |
while IFS= read -r mount; do
  [ -d "$mount" ] || continue
  if [ -w "$mount" ]; then access=mount; elif [ -w "$mount/$me" ]; then access=user-dir; else access=none; fi
  printf '@access\t%s\t%s\n' "$access" "$mount"
done
if [ "$df_rc" = 124 ]; then rc 124; else rc 0; fi
`,
  parse: (read) => ({
    disks: read.code("disks") === TIMED_OUT ? [] : parseDisks(read.body("disks")),
  }),
};

/** One line of `df -PkT`: the mount point is the rest of the line (it may hold spaces). */
function parseDfLine(line: string): Omit<Disk, "access"> | undefined {
  const match = /^\S+\s+(\S+)\s+(\d+)\s+\d+\s+(\d+)\s+\S+\s+(\/.*)$/.exec(line);
  if (!match) return undefined;
  const [, fsType = "", size = "0", free = "0", mount = ""] = match;
  return { mount, fsType, sizeKb: Number(size), freeKb: Number(free) };
}

/**
 * The section's body: `df -PkT` output and the `@access` lines. Pseudo file systems, system mounts
 * and mounts that are not directories (a bind-mounted file) are left out.
 */
export function parseDisks(body: string): Disk[] {
  const access = new Map<string, Disk["access"]>();
  for (const line of body.split("\n")) {
    const [tag, mode = "", mount = ""] = line.split("\t");
    if (tag === "@access")
      access.set(mount, mode === "mount" || mode === "user-dir" ? mode : "none");
  }
  const found: Disk[] = [];
  for (const line of body.split("\n")) {
    const disk = parseDfLine(line);
    const mode = disk && access.get(disk.mount);
    if (!disk || mode === undefined) continue;
    if (PSEUDO_FS_TYPES.has(disk.fsType) || SYSTEM_MOUNTS.test(disk.mount)) continue;
    // A mount point mounted over again: the last mount is the one in use.
    const earlier = found.findIndex((other) => other.mount === disk.mount);
    if (earlier >= 0) found.splice(earlier, 1);
    found.push({ ...disk, access: mode });
  }
  return found;
}
