import { interruptedDpkg } from "../apt/apt.js";
import { describeOs, unsupportedReason } from "../distro.js";
import { hasNvidiaRuntime } from "../docker/daemon-json.js";
import { configuredDataRoot, DEFAULT_DATA_ROOT } from "../docker/daemon-settings.js";
import { collateralRemovals } from "../docker/repository.js";
import type { Facts } from "../facts/facts.js";
import type { Gpu } from "../facts/gpu.js";
import { chooseCudaImage } from "../nvidia/cuda-image.js";
import { warnForImage } from "../nvidia/image-warnings.js";
import type { ProvisionOptions } from "../options.js";
import { MIN_FREE_KB, needsDockerPackages } from "../preflight.js";
import { vlaChecks } from "./vla-checks.js";

/**
 * ok: nothing to do. warning: works, but worth knowing. missing: a run of vla-provision sets it up.
 * blocked: a run would be refused until the user fixes it.
 */
export type Verdict = "ok" | "warning" | "missing" | "blocked";

export interface Check {
  id: string;
  title: string;
  verdict: Verdict;
  /** What was found, in one line. */
  found: string;
  /** The command or flag that fixes it (absent when ok). */
  fix?: string;
  /** "vla": the VLA readiness part (what containers meet), shown under its own heading. */
  part?: "vla";
}

export interface Readiness {
  /** ready: every check ok or a warning; provision: a run would set up what is missing; blocked. */
  state: "ready" | "provision" | "blocked";
  summary: string;
}

/** Below this, a few CUDA/PyTorch images fill the disk. */
const IMAGES_KB = 20 * 1024 * 1024;

const RUN = "vla-provision";

interface CheckInput {
  facts: Facts;
  targetUser: string;
  privilege: string;
  options: ProvisionOptions;
}

/** The readiness checklist, in the order a person reads it. */
export function doctorChecks(input: CheckInput): Check[] {
  const { facts, options } = input;
  const checks: Check[] = [
    osCheck(facts),
    privilegeCheck(input),
    initCheck(facts),
    diskCheck(facts),
    aptCheck(facts),
    ...dockerChecks(input),
    mirrorsCheck(facts, options),
    proxyCheck(input),
    ...dataRootChecks(facts),
  ];
  if (options.nvidia) checks.push(...gpuChecks(facts, options));
  checks.push(...vlaChecks(input));
  for (const section of facts.timedOut)
    checks.push({
      id: `timed-out-${section}`,
      title: "Probe",
      verdict: "warning",
      found: `${section}: did not answer in time (timed out)`,
      fix: "look at the daemon behind it (dockerd, snapd, systemd, the NVIDIA driver)",
    });
  return checks;
}

function osCheck(facts: Facts): Check {
  const reason = unsupportedReason(facts);
  return reason
    ? { id: "os", title: "OS", verdict: "blocked", found: reason, fix: "use a supported OS" }
    : { id: "os", title: "OS", verdict: "ok", found: `${describeOs(facts)}, supported` };
}

const PRIVILEGE_WORDS: Record<string, string> = {
  root: "logged in as root",
  "sudo-nopasswd": "sudo without a password",
  "sudo-password": "sudo with a password",
};

function privilegeCheck({ facts, privilege }: CheckInput): Check {
  const title = "Root";
  if (PRIVILEGE_WORDS[privilege])
    return { id: "privilege", title, verdict: "ok", found: PRIVILEGE_WORDS[privilege] ?? "" };
  if (facts.identity.sudo === "present")
    return {
      id: "privilege",
      title,
      verdict: "ok",
      found: "sudo with a password (asked for when a run starts)",
    };
  return {
    id: "privilege",
    title,
    verdict: "blocked",
    found: `${facts.identity.user} has no sudo`,
    fix: "log in as root or as a user with sudo rights",
  };
}

function initCheck(facts: Facts): Check {
  if (facts.init.systemd)
    return {
      id: "init",
      title: "Init system",
      verdict: "ok",
      found: `systemd (${facts.init.systemState ?? "state unknown"})`,
    };
  return {
    id: "init",
    title: "Init system",
    verdict: "warning",
    found: `no systemd (PID 1 is ${facts.init.pid1 || "unknown"}): dockerd will not start by itself after a reboot`,
  };
}

function diskCheck(facts: Facts): Check {
  const entries = Object.entries(facts.freeDiskKb);
  const [mount, kb] = entries.reduce(
    (least, entry) => (entry[1] < least[1] ? entry : least),
    entries[0] ?? ["/", Number.POSITIVE_INFINITY],
  );
  const gib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} GiB`;
  if (Number.isFinite(kb) && kb < MIN_FREE_KB && needsDockerPackages(facts))
    return {
      id: "disk",
      title: "Disk space",
      verdict: "blocked",
      found: `${gib(kb)} free on ${mount}; Docker's packages need at least 1 GiB`,
      fix: `free space on ${mount}`,
    };
  if (Number.isFinite(kb) && kb < IMAGES_KB)
    return {
      id: "disk",
      title: "Disk space",
      verdict: "warning",
      found: `${gib(kb)} free on ${mount}: a few CUDA images fill it`,
      fix: `free space on ${mount}`,
    };
  return {
    id: "disk",
    title: "Disk space",
    verdict: "ok",
    found: Number.isFinite(kb) ? `${gib(kb)} free on ${mount}` : "not read",
  };
}

function aptCheck(facts: Facts): Check {
  const dpkg = interruptedDpkg(facts);
  if (dpkg)
    return {
      id: "apt",
      title: "apt and dpkg",
      verdict: "blocked",
      found: `dpkg was interrupted (${dpkg})`,
      fix: "sudo dpkg --configure -a (or run with --yes)",
    };
  if (facts.aptLocks.length) {
    const holders = [...new Set(facts.aptLocks.map((h) => `pid ${h.pid} (${h.command || "?"})`))];
    return {
      id: "apt",
      title: "apt and dpkg",
      verdict: "warning",
      found: `locked by ${holders.join(", ")}: a run waits for it (--apt-lock-timeout)`,
    };
  }
  return { id: "apt", title: "apt and dpkg", verdict: "ok", found: "not locked, dpkg sound" };
}

function dockerChecks({ facts, targetUser }: CheckInput): Check[] {
  const checks: Check[] = [];
  if (facts.snapDocker)
    checks.push({
      id: "snap-docker",
      title: "Docker snap",
      verdict: "blocked",
      found: "Docker is installed as a snap, which conflicts with Docker CE",
      fix: `${RUN} --replace-snap-docker (snap keeps a snapshot of its data)`,
    });
  const collateral = collateralRemovals(facts);
  if (collateral.length)
    checks.push({
      id: "conflicts",
      title: "Conflicting packages",
      verdict: "warning",
      found: `removing docker.io and the like would also remove ${collateral.join(", ")}`,
      fix: `${RUN} --yes allows it`,
    });
  const version = facts.packages.get("docker-ce");
  checks.push(
    version?.installed
      ? { id: "docker", title: "Docker CE", verdict: "ok", found: `docker-ce ${version.version}` }
      : {
          id: "docker",
          title: "Docker CE",
          verdict: "missing",
          found: "not installed from Docker's repository",
          fix: RUN,
        },
  );
  const server = facts.docker.serverVersion;
  checks.push(
    server
      ? {
          id: "dockerd",
          title: "dockerd",
          verdict: "ok",
          found: `running (${server})${facts.docker.runningContainers.length ? `, ${facts.docker.runningContainers.length} container(s) running` : ""}`,
        }
      : {
          id: "dockerd",
          title: "dockerd",
          verdict: facts.docker.serverError?.includes("timed out") ? "warning" : "missing",
          found: facts.docker.serverError ?? "not running",
          fix: RUN,
        },
  );
  if (targetUser !== "root") {
    const member = facts.targetUser?.groups.includes("docker") ?? false;
    checks.push(
      member
        ? {
            id: "docker-group",
            title: "docker group",
            verdict: "ok",
            found: `${targetUser} is a member`,
          }
        : {
            id: "docker-group",
            title: "docker group",
            verdict: "missing",
            found: facts.targetUser
              ? `${targetUser} is not a member`
              : `${targetUser} does not exist on this host`,
            fix: facts.targetUser ? RUN : "--user <an existing account>",
          },
    );
  }
  return checks;
}

function mirrorsCheck(facts: Facts, options: ProvisionOptions): Check {
  const active = facts.docker.mirrors;
  const missing = options.registryMirrors.filter(
    (m) => !active.some((a) => a.replace(/\/+$/, "") === m.replace(/\/+$/, "")),
  );
  if (missing.length)
    return {
      id: "registry-mirrors",
      title: "Registry mirrors",
      verdict: "missing",
      found: `dockerd does not use ${missing.join(", ")}`,
      fix: `${RUN} ${options.registryMirrors.map((m) => `--registry-mirror ${m}`).join(" ")}`,
    };
  const silent = active.filter((m) => answers(facts, m) === false);
  const shown = active.map((m) => {
    const answered = answers(facts, m);
    return `${m}${answered === undefined ? "" : answered ? " (answers)" : " (does not answer)"}`;
  });
  return {
    id: "registry-mirrors",
    title: "Registry mirrors",
    verdict: silent.length ? "warning" : "ok",
    found: active.length ? shown.join(", ") : "none (images come from Docker Hub)",
    ...(silent.length
      ? { fix: `start ${silent.join(", ")}, or leave it out of daemon.json's registry-mirrors` }
      : {}),
  };
}

/** Where dockerd's data lives and how much room it has, beside the biggest other disk. */
function dataRootChecks(facts: Facts): Check[] {
  if (facts.disks.length === 0) return [];
  const root =
    facts.docker.rootDir ??
    (facts.daemonConfig.ok ? configuredDataRoot(facts.daemonConfig.value) : DEFAULT_DATA_ROOT);
  const home = diskOf(facts.disks, root);
  if (!home) return [];
  const bigger = facts.disks
    .filter((disk) => disk.mount !== home.mount)
    .sort((a, b) => b.freeKb - a.freeKb)[0];
  const found = `${root} on ${home.mount} (${gib(home.freeKb)} free of ${gib(home.sizeKb)})${bigger ? `; the largest other disk: ${bigger.mount} (${gib(bigger.freeKb)} free)` : ""}`;
  if (bigger && bigger.freeKb > 2 * home.freeKb && bigger.freeKb > IMAGES_KB)
    return [
      {
        id: "data-root",
        title: "Docker data root",
        verdict: "warning",
        found,
        fix: `${RUN} --data-root ${bigger.mount === "/" ? "" : bigger.mount}/docker (before images are pulled)`,
      },
    ];
  return [{ id: "data-root", title: "Docker data root", verdict: "ok", found }];
}

/** The disk whose mount point holds the path (the longest matching mount point). */
function diskOf<T extends { mount: string }>(disks: readonly T[], path: string): T | undefined {
  return disks
    .filter((d) => d.mount === "/" || path === d.mount || path.startsWith(`${d.mount}/`))
    .sort((a, b) => b.mount.length - a.mount.length)[0];
}

function gib(kb: number): string {
  return `${(kb / 1024 / 1024).toFixed(kb < 10 * 1024 * 1024 ? 1 : 0)} GiB`;
}

/** The proxy each part uses (apt, dockerd, the user's docker client), and whether it answers. */
function proxyCheck({ facts, targetUser }: CheckInput): Check {
  const parts: [string, string | undefined][] = [
    ["apt", facts.aptProxy],
    ["dockerd", facts.docker.proxy],
    [`${targetUser}'s containers and builds`, facts.dockerClientConfig.shownProxy],
  ];
  const used = parts.filter((part): part is [string, string] => part[1] !== undefined);
  if (used.length === 0)
    return { id: "proxy", title: "Proxy", verdict: "ok", found: "none configured (direct)" };
  const silent = used.filter(([, url]) => answers(facts, url) === false);
  const found = used
    .map(([part, url]) => {
      const answered = answers(facts, url);
      return `${part}: ${url}${answered === undefined ? "" : answered ? " (answers)" : " (does not answer)"}`;
    })
    .join("; ");
  if (silent.length)
    return {
      id: "proxy",
      title: "Proxy",
      verdict: "warning",
      found,
      fix: `start the proxy, or point the host at one that runs: ${RUN} --proxy <url> (or --proxy none)`,
    };
  return { id: "proxy", title: "Proxy", verdict: "ok", found };
}

/** Whether the proxy at this URL answered doctor's probe (undefined: not asked). */
function answers(facts: Facts, shown: string): boolean | undefined {
  const bare = shown.replace(/\/\/[^@/]*@/, "//").replace(/\/+$/, "");
  return facts.endpointAnswers.get(bare);
}

function describeGpus(gpus: Gpu[]): string {
  return gpus.map((g) => `${g.name} (compute capability ${g.computeCapability})`).join(", ");
}

function gpuChecks(facts: Facts, options: ProvisionOptions): Check[] {
  const state = facts.gpuState;
  if (state.kind === "none")
    return [
      {
        id: "gpu",
        title: "NVIDIA GPU",
        verdict: options.requireGpu ? "blocked" : "warning",
        found: "no NVIDIA GPU: the NVIDIA steps are skipped",
        ...(options.requireGpu ? { fix: "run on a host with an NVIDIA GPU" } : {}),
      },
    ];
  if (state.kind !== "ready")
    return [
      {
        id: "gpu",
        title: "NVIDIA driver",
        verdict: "blocked",
        found: state.message.split(". Fix: ")[0] ?? state.message,
        fix: state.message.split(". Fix: ")[1]?.replace(/\.$/, "") ?? "install the NVIDIA driver",
      },
    ];
  const module =
    state.openKernelModule === undefined
      ? "kernel module type unknown"
      : state.openKernelModule
        ? "open kernel module"
        : "proprietary kernel module";
  const checks: Check[] = [
    {
      id: "gpu",
      title: "NVIDIA driver and GPUs",
      verdict: "ok",
      found: `driver ${state.gpus[0]?.driverVersion}, ${module}: ${describeGpus(state.gpus)}`,
    },
  ];
  checks.push(
    facts.nvidiaCtkVersion
      ? {
          id: "toolkit",
          title: "NVIDIA Container Toolkit",
          verdict: "ok",
          found: `nvidia-ctk ${facts.nvidiaCtkVersion}`,
        }
      : {
          id: "toolkit",
          title: "NVIDIA Container Toolkit",
          verdict: "missing",
          found: "not installed",
          fix: RUN,
        },
  );
  const registered = facts.daemonConfig.ok && hasNvidiaRuntime(facts.daemonConfig.value);
  const loaded = facts.docker.runtimes.includes("nvidia");
  checks.push(
    registered && loaded
      ? {
          id: "runtime",
          title: "nvidia runtime",
          verdict: "ok",
          found: "registered in daemon.json, loaded by dockerd",
        }
      : {
          id: "runtime",
          title: "nvidia runtime",
          verdict: "missing",
          found: registered ? "registered in daemon.json, not loaded by dockerd" : "not registered",
          fix: RUN,
        },
  );
  const choice = chooseCudaImage(state.gpus, options.cudaImage);
  checks.push(
    "error" in choice
      ? {
          id: "cuda-image",
          title: "CUDA image",
          verdict: "blocked",
          found: choice.error,
          fix: "update the driver, or --cuda-image <an image it supports>",
        }
      : {
          id: "cuda-image",
          title: "CUDA image",
          verdict: "ok",
          found: `${choice.image} (${choice.reason})`,
        },
  );
  for (const image of facts.docker.images) {
    for (const warning of warnForImage(image, state.gpus))
      checks.push({
        id: `image-${image}`,
        title: "Image on the host",
        verdict: "warning",
        found: warning,
      });
  }
  return checks;
}

/** The last line: ready, or what to run or fix first. */
export function readiness(checks: readonly Check[], command: string): Readiness {
  const blocked = checks.filter((c) => c.verdict === "blocked");
  const missing = checks.filter((c) => c.verdict === "missing");
  if (blocked.length)
    return {
      state: "blocked",
      summary: `not ready: fix ${blocked.map((c) => c.title).join(", ")} first, then run \`${command}\``,
    };
  if (missing.length)
    return {
      state: "provision",
      summary: `not ready: ${missing.map((c) => c.title).join(", ")} missing; run \`${command}\``,
    };
  return { state: "ready", summary: "ready for VLA work in Docker" };
}

/** doctor's exit code for one host: 0 ready, 4 a run would set things up, 3 blocked. */
export function readinessExitCode(state: Readiness["state"]): number {
  return state === "ready" ? 0 : state === "provision" ? 4 : 3;
}

const MARK: Record<Verdict, string> = {
  ok: "[ok]     ",
  warning: "[warning]",
  missing: "[missing]",
  blocked: "[blocked]",
};

/** The checklist as a person reads it: one line per check, the fix under it. */
export function renderChecks(checks: readonly Check[]): string[] {
  return checks.flatMap((check, i) => [
    ...(check.part === "vla" && checks[i - 1]?.part !== "vla" ? ["  VLA readiness:"] : []),
    `  ${MARK[check.verdict]} ${check.title}: ${check.found}`,
    ...(check.fix ? [`              fix: ${check.fix}`] : []),
  ]);
}
