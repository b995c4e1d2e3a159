import { interruptedDpkg } from "./apt/apt.js";
import { describeOs, unsupportedReason } from "./distro.js";
import { hasNvidiaRuntime } from "./docker/daemon-json.js";
import { collateralRemovals } from "./docker/repository.js";
import {
  type Check,
  doctorChecks,
  type Readiness,
  readiness,
  readinessExitCode,
  renderChecks,
} from "./doctor/checks.js";
import type { Facts } from "./facts/facts.js";
import { chooseCudaImage } from "./nvidia/cuda-image.js";
import { warnForImage } from "./nvidia/image-warnings.js";
import type { ProvisionOptions } from "./options.js";
import { formatFingerprint, readPublicKey } from "./pgp.js";
import { openAll, type ProvisionRequest } from "./provision.js";
import { VERSION } from "./version.js";

export interface DoctorHost {
  target: string;
  /** The host was reached and probed. */
  ok: boolean;
  error?: string;
  /** 0 ready, 4 a run would set up what is missing, 3 blocked, 1 not reached. */
  exitCode: number;
  commands: number;
  /** The readiness checklist, and what it adds up to (absent when the host was not reached). */
  checks?: Check[];
  readiness?: Readiness;
  facts?: Record<string, unknown>;
}

/** A read-only report of what the tool sees on each host: one probe, nothing changed. */
export async function doctor(
  request: ProvisionRequest,
): Promise<{ version: string; hosts: DoctorHost[] }> {
  const opened = await openAll(request);
  const hosts: DoctorHost[] = [];
  for (const o of opened) {
    const host: DoctorHost = {
      target: o.report.target,
      ok: o.report.ok,
      error: o.report.error,
      exitCode: o.report.exitCode,
      commands: o.session?.host.commandCount ?? 0,
    };
    if (o.session) {
      host.checks = doctorChecks({
        facts: o.session.facts,
        targetUser: o.session.targetUser,
        privilege: o.session.host.privilege.mode,
        options: request.options,
      });
      host.readiness = readiness(host.checks, nextRun(o.report.target));
      host.exitCode = readinessExitCode(host.readiness.state);
      host.facts = describeFacts(
        o.session.facts,
        o.session.targetUser,
        o.session.host.privilege.mode,
        request.options,
      );
      await o.session.host.close();
    }
    hosts.push(host);
  }
  return { version: VERSION, hosts };
}

export function describeFacts(
  facts: Facts,
  targetUser: string,
  privilege: string,
  options: ProvisionOptions,
) {
  const gpu = facts.gpuState;
  const gpus = gpu.kind === "ready" || gpu.kind === "blackwell-needs-open-module" ? gpu.gpus : [];
  const cuda = gpus.length ? chooseCudaImage(gpus, options.cudaImage) : undefined;
  const daemon = facts.daemonConfig;
  const keyrings = Object.fromEntries(
    [...facts.keyrings].map(([path, { content }]) => {
      try {
        return [path, formatFingerprint(readPublicKey(content).fingerprint)];
      } catch (error) {
        return [path, `unreadable: ${(error as Error).message}`];
      }
    }),
  );
  const images = [...facts.docker.images, ...(cuda && "image" in cuda ? [cuda.image] : [])];
  return {
    os: describeOs(facts),
    supported: unsupportedReason(facts) ?? "yes",
    init: facts.init.systemd
      ? `systemd (${facts.init.systemState ?? "unknown"})`
      : `no systemd (pid 1: ${facts.init.pid1})`,
    privilege,
    loginUser: facts.identity.user,
    targetUser,
    targetUserInDockerGroup: facts.targetUser?.groups.includes("docker") ?? false,
    packages: Object.fromEntries(
      [...facts.packages.values()].filter((p) => p.installed).map((p) => [p.name, p.version]),
    ),
    dpkg: describeDpkg(facts),
    conflictRemoval: facts.conflictRemoval
      ? { ...facts.conflictRemoval, collateral: collateralRemovals(facts) }
      : null,
    snapDocker: facts.snapDocker,
    docker: {
      client: facts.docker.clientVersion ?? null,
      server: facts.docker.serverVersion ?? facts.docker.serverError ?? null,
      runtimes: facts.docker.runtimes,
      mirrors: facts.docker.mirrors,
      runningContainers: facts.docker.runningContainers,
    },
    daemonJson: !facts.daemonJson.exists
      ? "absent"
      : daemon.ok
        ? daemon.value
        : `invalid: ${daemon.error}`,
    nvidiaRuntimeRegistered: daemon.ok && hasNvidiaRuntime(daemon.value),
    aptSources: facts.aptSources
      .filter((e) => e.uris.some((u) => /docker|nvidia/i.test(u)))
      .map(
        (e) =>
          `${e.file}: ${e.uris.join(" ")} ${e.suites.join(" ")}${e.signedBy ? ` (signed-by ${e.signedBy})` : ""}`,
      ),
    keyrings,
    gpu:
      gpu.kind === "ready"
        ? {
            state: "ready",
            gpus,
            kernelModule:
              gpu.openKernelModule === undefined
                ? "unknown"
                : gpu.openKernelModule
                  ? "open"
                  : "proprietary",
          }
        : gpu.kind === "none"
          ? { state: "none" }
          : { state: gpu.kind, message: gpu.message },
    cudaImage: cuda
      ? "error" in cuda
        ? { error: cuda.error }
        : { image: cuda.image, reason: cuda.reason }
      : null,
    nvidiaContainerToolkit: facts.nvidiaCtkVersion ?? null,
    imageWarnings: gpus.length ? images.flatMap((image) => warnForImage(image, gpus)) : [],
    aptLocks: facts.aptLocks,
    containerLimits: facts.containerLimits ?? null,
    freeDiskMiB: Object.fromEntries(
      Object.entries(facts.freeDiskKb).map(([m, kb]) => [m, Math.round(kb / 1024)]),
    ),
    timedOut: facts.timedOut.map((section) => `${section}: timed out`),
  };
}

function describeDpkg(facts: Facts): string {
  const where = interruptedDpkg(facts);
  return where ? `interrupted (${where}): run \`sudo dpkg --configure -a\`` : "ok";
}

/** The worst host's code: refused or blocked (3), then not reached (1), then not ready (4), else 0. */
export function doctorExitCode(hosts: readonly DoctorHost[]): number {
  const codes = hosts.map((h) => h.exitCode);
  for (const code of [2, 3, 1, 4]) if (codes.includes(code)) return code;
  return 0;
}

/** The command that provisions this host. */
function nextRun(target: string): string {
  return target === "local" ? "vla-provision" : `vla-provision --ssh ${target}`;
}

/** The checklist per host; `details` (--verbose) adds every fact read. */
export function renderDoctor(report: { hosts: DoctorHost[] }, details = false): string {
  const lines: string[] = [];
  for (const host of report.hosts) {
    lines.push(`${host.target}: ${host.ok ? "" : `FAILED: ${host.error}`}`.trimEnd());
    if (host.checks) lines.push(...renderChecks(host.checks));
    if (host.readiness) lines.push(`  => ${host.readiness.summary}`);
    if (details && host.facts) lines.push("  details:", ...renderValue(host.facts, "    "));
    lines.push("");
  }
  return lines.join("\n");
}

function renderValue(value: Record<string, unknown>, indent: string): string[] {
  const lines: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const entries = Object.entries(v);
      if (entries.length === 0) lines.push(`${indent}${key}: (none)`);
      else {
        lines.push(`${indent}${key}:`);
        lines.push(...renderValue(v as Record<string, unknown>, `${indent}  `));
      }
    } else if (Array.isArray(v)) {
      lines.push(`${indent}${key}: ${v.length === 0 ? "(none)" : ""}`);
      for (const item of v)
        lines.push(`${indent}  - ${typeof item === "object" ? JSON.stringify(item) : item}`);
    } else {
      lines.push(`${indent}${key}: ${v}`);
    }
  }
  return lines;
}
