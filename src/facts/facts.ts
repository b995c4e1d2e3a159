import type { ParsedDaemonJson } from "../docker/daemon-json.js";
import type { AptSourceEntry } from "./apt-sources.js";
import type { PackageState } from "./dpkg.js";
import type { GpuState } from "./gpu.js";
import type { OsRelease } from "./os-release.js";
import { TIMED_OUT } from "./probe/constants.js";
import type { ContainerLimits } from "./probe/container-limits.js";
import { type SectionReader, sectionReader } from "./probe/definition.js";
import type { Disk } from "./probe/disks.js";
import type { DockerClientConfigFact, OwnedFileState } from "./probe/proxy.js";
import { IDENTITY_SECTION, type ProbeSection, SECTION_DEFS } from "./probe-script.js";
import { splitSections } from "./sections.js";

export interface GpuProbe {
  nvidiaSmiPresent: boolean;
  queryExitCode: number;
  queryOutput: string;
  procVersion?: string;
  lspciPresent: boolean;
  lspciNvidia: string[];
}

export interface AptLockHolder {
  file: string;
  pid: number;
  command: string;
}

export interface DaemonJsonFact {
  exists: boolean;
  text?: string;
}

/** What `apt-get -s remove` says removing the installed conflicting packages would remove. */
export interface ConflictRemoval {
  /** Every package apt would remove, the conflicting ones included, in apt's order. */
  removes: string[];
  /** Why the simulation failed (then `removes` may be incomplete). */
  error?: string;
}

export interface Facts {
  identity: {
    uid: number;
    user: string;
    sudo: "absent" | "present" | "not-needed";
    sudoNoPassword: boolean;
  };
  os: OsRelease;
  arch: { dpkg: string; machine: string };
  init: {
    pid1: string;
    systemd: boolean;
    systemState?: string;
    dockerActive?: string;
    dockerEnabled?: string;
    dockerInitScript: boolean;
    dockerdPid?: number;
    dockerdStarted?: string;
  };
  packages: Map<string, PackageState>;
  /** What `dpkg --audit` printed: empty when dpkg's database is sound (or could not be read). */
  dpkgAudit: string;
  /** The login user's proxy variables (they may hold credentials: never shown). */
  proxyEnv: Record<string, string>;
  /** /var/lib/dpkg/updates holds entries: a dpkg run stopped before it finished (apt's "dpkg was interrupted"). */
  dpkgJournalPending: boolean;
  /** Absent when none of the probe's removal candidates (the conflicting packages) is installed. */
  conflictRemoval?: ConflictRemoval;
  snapDocker: boolean;
  docker: {
    clientVersion?: string;
    serverVersion?: string;
    serverError?: string;
    runtimes: string[];
    mirrors: string[];
    images: string[];
    /** Names of the running containers; empty when dockerd did not answer. */
    runningContainers: string[];
    /** Where dockerd keeps its data, and how much it holds there (when dockerd answered). */
    rootDir?: string;
    imageCount?: number;
    containerCount?: number;
    /** Named and anonymous volumes (read as root; absent when that was not possible). */
    volumeCount?: number;
    /** "overlay2" (images under the data root), "overlayfs" (containerd's image store), ... */
    storageDriver?: string;
    /** The proxy dockerd uses for pulls (credentials replaced). */
    proxy?: string;
  };
  dockerGroup?: { gid: number; members: string[] };
  targetUser?: { name: string; groups: string[] };
  daemonJson: DaemonJsonFact;
  /** daemon.json parsed once (an absent file is an empty configuration). */
  daemonConfig: ParsedDaemonJson;
  aptSources: AptSourceEntry[];
  aptSourceFiles: Map<string, string>;
  keyrings: Map<string, { mode: string; content: Buffer }>;
  /** The proxy files the tool owns, by path (absent: not there). */
  proxyFiles: Map<string, OwnedFileState>;
  /** The target user's ~/.docker/config.json: its proxies only. */
  dockerClientConfig: DockerClientConfigFact;
  /** The proxy apt uses (credentials replaced), when one is configured. */
  aptProxy?: string;
  /** doctor: whether each proxy and registry mirror (scheme://host:port, no credentials) answered HTTP. */
  endpointAnswers: Map<string, boolean>;
  gpu: GpuProbe;
  /** The GPUs classified once: none, no working driver, needs the open module, or ready. */
  gpuState: GpuState;
  nvidiaCtkVersion?: string;
  aptLocks: AptLockHolder[];
  freeDiskKb: Record<string, number>;
  /** The real file systems, their free space and whether the login user can write there. */
  disks: Disk[];
  /** doctor: /dev/shm and the limits containers inherit (absent when the probe did not read them). */
  containerLimits?: ContainerLimits;
  /** The probe sections whose command did not answer within its bound (exit code 124). */
  timedOut: string[];
}

export { parseConflictRemoval, parseLockHolders } from "./probe/apt.js";
export { timedOutMessage } from "./probe/constants.js";
export { parseGpuSection } from "./probe/gpu.js";

/** The facts from the whole probe's output: every section definition parses its own part. */
export function parseProbe(output: string, targetUser: string): Facts {
  const read = sectionReader(splitSections(output), targetUser);
  const facts = Object.assign(
    {},
    IDENTITY_SECTION.parse(read),
    ...SECTION_DEFS.map((def) => def.parse(read)),
  ) as Facts;
  facts.timedOut = timedOutSections(read);
  return facts;
}

/** The sections whose command did not answer within its bound. */
function timedOutSections(read: SectionReader): string[] {
  return read
    .all()
    .filter((s) => s.code === TIMED_OUT)
    .map((s) => s.name);
}

/**
 * The facts after a partial probe of `sections`: those sections parsed from its output, the rest
 * as they were.
 */
export function mergeFacts(
  old: Facts,
  output: string,
  targetUser: string,
  sections: readonly ProbeSection[],
): Facts {
  const read = sectionReader(splitSections(output), targetUser);
  const parts = SECTION_DEFS.filter((def) => sections.includes(def.name)).map((def) =>
    def.parse(read),
  );
  // Identity stays: a partial probe may run as root, after a step's own command.
  const merged = Object.assign({ ...old }, ...parts) as Facts;
  // A section in this output was read again: its old timeout, if any, no longer holds.
  merged.timedOut = [
    ...old.timedOut.filter((name) => !read.section(name)),
    ...timedOutSections(read),
  ];
  return merged;
}
