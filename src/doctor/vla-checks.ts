/**
 * doctor's "VLA readiness" part: what a training or inference container meets on this host. Read
 * from the same probe (its `container-limits` section, read only by doctor), nothing changed.
 */
import { DEFAULT_NOFILE, engineMajor, NOFILE_FROM_MAJOR } from "../docker/daemon-settings.js";
import type { Facts } from "../facts/facts.js";
import type { LimitValue, ProcessLimit } from "../facts/probe/container-limits.js";
import type { ProvisionOptions } from "../options.js";
import { chooseCacheDir, formatKb, mountOf } from "../workspace/cache-dir.js";
import { choosePytorchImage } from "../workspace/pytorch-images.js";
import type { Check } from "./checks.js";

/**
 * Below this, a few DataLoader workers passing batches of camera frames fill /dev/shm ("No space
 * left on device", "Bus error" in the workers).
 */
export const MIN_SHM_KB = 4 * 1024 * 1024;
/** Docker's /dev/shm for a container without --ipc=host or --shm-size. */
const DOCKER_DEFAULT_SHM = "64 MiB";
/** Below this many open files, data loaders with many workers fail with "Too many open files". */
export const MIN_NOFILE = 65_536;
/** One VLA checkpoint is about 15 GiB (7B parameters in bf16); datasets are larger. */
export const MIN_CACHE_FREE_KB = 50 * 1024 * 1024;

const RUN = "vla-provision";
const LAUNCHERS = "./run_docker.sh and compose.yaml (vla-provision workspace)";

interface VlaCheckInput {
  facts: Facts;
  targetUser: string;
  options: ProvisionOptions;
}

/** The part's checks; none when the probe did not read the container limits (a run's probe). */
export function vlaChecks({ facts, targetUser, options }: VlaCheckInput): Check[] {
  const limits = facts.containerLimits;
  if (!limits) return [];
  const checks = [
    shmCheck(facts),
    nofileCheck(facts),
    memlockCheck(facts),
    ...cacheDirCheck(facts, limits.home, targetUser),
    ...(options.nvidia ? imageCheck(facts) : []),
  ];
  return checks.map((check) => ({ ...check, part: "vla" as const }));
}

function daemonSetting(facts: Facts, key: string): unknown {
  return facts.daemonConfig.ok ? facts.daemonConfig.value[key] : undefined;
}

function shmCheck(facts: Facts): Check {
  const shm = facts.containerLimits?.shm;
  const configured = daemonSetting(facts, "default-shm-size");
  const others = `other containers get ${typeof configured === "string" ? `${configured} (daemon.json default-shm-size)` : `${DOCKER_DEFAULT_SHM} (Docker's default)`}`;
  const base = { id: "shm", title: "Shared memory" };
  if (!shm)
    return {
      ...base,
      verdict: "warning",
      found: `/dev/shm is not a file system of its own; ${others}`,
      fix: "mount a tmpfs on /dev/shm (systemd does at boot), or vla-provision workspace --no-ipc-host --shm-size 16g",
    };
  const size = `/dev/shm ${formatKb(shm.sizeKb)} (${formatKb(shm.freeKb)} free)`;
  const shared = `shared with containers started with --ipc=host (${LAUNCHERS}); ${others}`;
  const found = `${size}, ${shared}`;
  if (shm.sizeKb < MIN_SHM_KB)
    return {
      ...base,
      verdict: "warning",
      found: `${size}: DataLoader workers need a few GiB; ${shared}`,
      fix: "sudo mount -o remount,size=16G /dev/shm (and in /etc/fstab), or vla-provision workspace --no-ipc-host --shm-size 16g",
    };
  return { ...base, verdict: "ok", found };
}

/** daemon.json's default-ulimits entry for `name` (Docker's {Name, Soft, Hard}), when it has one. */
function configuredUlimit(facts: Facts, name: string): ProcessLimit | undefined {
  const ulimits = daemonSetting(facts, "default-ulimits");
  if (typeof ulimits !== "object" || ulimits === null) return undefined;
  const entry = (ulimits as Record<string, unknown>)[name];
  if (typeof entry !== "object" || entry === null) return undefined;
  const { Soft, Hard } = entry as { Soft?: unknown; Hard?: unknown };
  const value = (n: unknown): LimitValue | undefined =>
    typeof n === "number" ? (n < 0 ? "unlimited" : n) : undefined;
  const soft = value(Soft);
  const hard = value(Hard) ?? soft;
  return soft !== undefined && hard !== undefined ? { soft, hard } : undefined;
}

/** The limit a container gets without --ulimit, and where it comes from; undefined: not read. */
function effectiveLimit(
  facts: Facts,
  name: "nofile" | "memlock",
): { limit: ProcessLimit; from: string } | undefined {
  const configured = configuredUlimit(facts, name);
  if (configured) return { limit: configured, from: "daemon.json default-ulimits" };
  const inherited = facts.containerLimits?.[name];
  const from = facts.containerLimits?.inheritedFrom;
  return inherited && from
    ? { limit: inherited, from: `inherited from ${from} (no default-ulimits in daemon.json)` }
    : undefined;
}

const atLeast = (value: LimitValue, min: number) => value === "unlimited" || value >= min;

function showCount(value: LimitValue): string {
  return value === "unlimited" ? "unlimited" : String(value);
}

function showBytes(value: LimitValue): string {
  return value === "unlimited" ? "unlimited" : formatKb(value / 1024);
}

const NOT_READ = "not read: neither containerd nor dockerd runs";

function nofileCheck(facts: Facts): Check {
  const base = { id: "container-nofile", title: "Open files per container" };
  const effective = effectiveLimit(facts, "nofile");
  if (!effective) return { ...base, verdict: "ok", found: NOT_READ };
  const { limit, from } = effective;
  const found = `${showCount(limit.soft)} (hard ${showCount(limit.hard)}), ${from}`;
  if (atLeast(limit.soft, MIN_NOFILE)) return { ...base, verdict: "ok", found };
  // A run writes default-ulimits nofile on Docker 29+ (src/docker/daemon-settings.ts).
  const major = engineMajor(facts.docker.serverVersion ?? facts.packages.get("docker-ce")?.version);
  const runSetsIt =
    major !== undefined && major >= NOFILE_FROM_MAJOR && !configuredUlimit(facts, "nofile");
  const entry = `"default-ulimits": {"nofile": {"Name": "nofile", "Soft": ${DEFAULT_NOFILE.Soft}, "Hard": ${DEFAULT_NOFILE.Hard}}}`;
  return {
    ...base,
    verdict: runSetsIt ? "missing" : "warning",
    found: `${found}: data loaders with many workers fail with "Too many open files"`,
    fix: runSetsIt
      ? RUN
      : `${entry} in /etc/docker/daemon.json, or docker run --ulimit nofile=${DEFAULT_NOFILE.Soft}`,
  };
}

function memlockCheck(facts: Facts): Check {
  const base = { id: "container-memlock", title: "Locked memory per container" };
  const effective = effectiveLimit(facts, "memlock");
  if (!effective) return { ...base, verdict: "ok", found: NOT_READ };
  const { limit, from } = effective;
  const found = `${showBytes(limit.soft)} (hard ${showBytes(limit.hard)}), ${from}`;
  if (limit.soft === "unlimited") return { ...base, verdict: "ok", found };
  // Pinned host memory for NCCL and RDMA needs more; the workspace's launchers ask for it per container.
  return {
    ...base,
    verdict: "ok",
    found: `${found}; ${LAUNCHERS} ask for unlimited (--ulimit memlock=-1)`,
  };
}

function cacheDirCheck(facts: Facts, home: string | undefined, user: string): Check[] {
  if (!home || facts.disks.length === 0) return [];
  const choice = chooseCacheDir({ disks: facts.disks, home, user });
  const disk = mountOf(choice.path, facts.disks);
  const base = { id: "cache-dir", title: "Cache dir (models, datasets)" };
  if (!disk) return [{ ...base, verdict: "ok", found: `${choice.path}: free space not read` }];
  const found = `${choice.path} on ${disk.mount}, ${formatKb(disk.freeKb)} free (the dir vla-provision workspace picks: ${choice.reason})`;
  if (disk.freeKb < MIN_CACHE_FREE_KB)
    return [
      {
        ...base,
        verdict: "warning",
        found: `${found}: one VLA checkpoint is about 15 GiB`,
        fix: "free space there, or mount a data disk and give it to the workspace: vla-provision workspace --cache-dir <a dir on it>",
      },
    ];
  return [{ ...base, verdict: "ok", found }];
}

function imageCheck(facts: Facts): Check[] {
  const state = facts.gpuState;
  if (state.kind !== "ready" && state.kind !== "blackwell-needs-open-module") return [];
  const base = { id: "workspace-image", title: "PyTorch image" };
  const choice = choosePytorchImage(state.gpus);
  if (!choice.ok)
    return [
      {
        ...base,
        verdict: "warning",
        found: choice.error.split(". ")[0] ?? choice.error,
        fix: "install a newer NVIDIA driver, or vla-provision workspace --image <an image built for these GPUs>",
      },
    ];
  return [
    {
      ...base,
      verdict: "ok",
      found: `${choice.image}, the image vla-provision workspace picks (${choice.reason})`,
    },
  ];
}
