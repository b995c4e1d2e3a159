import type { ProbeSectionDef } from "./definition.js";

/** A resource limit as /proc/<pid>/limits shows it: a number, or no limit. */
export type LimitValue = number | "unlimited";

export interface ProcessLimit {
  soft: LimitValue;
  hard: LimitValue;
}

/** What a container gets without flags of its own, and where the workspace's caches would go. */
export interface ContainerLimits {
  /** /dev/shm, in KiB: absent when it is not a file system of its own. */
  shm?: { sizeKb: number; freeKb: number };
  /**
   * The process whose limits containers inherit when neither `docker run --ulimit` nor daemon.json's
   * default-ulimits sets them: containerd (the containers' shims are its children), else dockerd
   * (which then runs containerd itself). Absent when neither runs.
   */
  inheritedFrom?: "containerd" | "dockerd";
  /** Open files (count) and locked memory (bytes) of that process. */
  nofile?: ProcessLimit;
  memlock?: ProcessLimit;
  /** The home directory of the account the probe was asked about (where a workspace's cache goes by default). */
  home?: string;
}

/**
 * doctor only ($probe_details): /dev/shm's size, the open-file and locked-memory limits of
 * containerd (else dockerd), and the account's home directory. Read-only, as the login user:
 * /proc/<pid>/limits is readable by every user.
 */
export const containerLimits: ProbeSectionDef<"containerLimits", "container-limits"> = {
  name: "container-limits",
  script: String.raw`
section container-limits
if [ "$probe_details" = 1 ]; then
  bounded df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 && $NF == "/dev/shm" { print "shm\t" $2 "\t" $4 }'
  for daemon in containerd dockerd; do
    pid=$(pidof "$daemon" 2>/dev/null | cut -d' ' -f1)
    [ -n "$pid" ] || continue
    awk -v d="$daemon" '/^Max open files / { print d "\tnofile\t" $4 "\t" $5 } /^Max locked memory / { print d "\tmemlock\t" $4 "\t" $5 }' "/proc/$pid/limits" 2>/dev/null
    break
  done
  home=$(bounded getent passwd "$user" 2>/dev/null | cut -d: -f6)
  [ -z "$home" ] || printf 'home\t%s\n' "$home"
  rc 0
else rc 127; fi
`,
  parse: (read) => ({
    containerLimits: read.ok("container-limits")
      ? parseContainerLimits(read.body("container-limits"))
      : undefined,
  }),
};

function limitValue(text: string | undefined): LimitValue | undefined {
  if (text === "unlimited") return "unlimited";
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** The section's body: tab-separated `shm`, `<daemon> nofile|memlock soft hard` and `home` lines. */
export function parseContainerLimits(body: string): ContainerLimits {
  const limits: ContainerLimits = {};
  for (const line of body.split("\n")) {
    const [tag = "", ...fields] = line.split("\t");
    if (tag === "shm") {
      const [size, free] = fields.map(Number);
      if (Number.isFinite(size) && Number.isFinite(free))
        limits.shm = { sizeKb: size as number, freeKb: free as number };
    } else if (tag === "home" && fields[0]?.startsWith("/")) {
      limits.home = fields[0];
    } else if (tag === "containerd" || tag === "dockerd") {
      const [name, soft, hard] = fields;
      const value = { soft: limitValue(soft), hard: limitValue(hard) };
      if (value.soft === undefined || value.hard === undefined) continue;
      if (name !== "nofile" && name !== "memlock") continue;
      limits.inheritedFrom = tag;
      limits[name] = value as ProcessLimit;
    }
  }
  return limits;
}
