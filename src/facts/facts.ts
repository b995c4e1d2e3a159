import { type ParsedDaemonJson, parseDaemonJson } from "../docker/daemon-json.js";
import { type AptSourceEntry, parseAptSourceFile } from "./apt-sources.js";
import { type PackageState, parseDpkgQuery } from "./dpkg.js";
import { classifyGpuState, type GpuState } from "./gpu.js";
import { type OsRelease, parseOsRelease } from "./os-release.js";
import {
  APT_SIMULATION_TIMEOUT_S,
  PROBE_COMMAND_TIMEOUT_S,
  type ProbeSection,
  TIMED_OUT,
} from "./probe-script.js";
import { keyValues, type Section, splitSections } from "./sections.js";

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
  };
  dockerGroup?: { gid: number; members: string[] };
  targetUser?: { name: string; groups: string[] };
  daemonJson: DaemonJsonFact;
  /** daemon.json parsed once (an absent file is an empty configuration). */
  daemonConfig: ParsedDaemonJson;
  aptSources: AptSourceEntry[];
  aptSourceFiles: Map<string, string>;
  keyrings: Map<string, { mode: string; content: Buffer }>;
  gpu: GpuProbe;
  /** The GPUs classified once: none, no working driver, needs the open module, or ready. */
  gpuState: GpuState;
  nvidiaCtkVersion?: string;
  aptLocks: AptLockHolder[];
  freeDiskKb: Record<string, number>;
  /** The probe sections whose command did not answer within its bound (exit code 124). */
  timedOut: string[];
}

/** "<what> did not answer within 10 s (timed out)": how every probe timeout reads. */
export function timedOutMessage(what: string, seconds = PROBE_COMMAND_TIMEOUT_S): string {
  return `${what} did not answer within ${seconds} s (timed out)`;
}

export function parseProbe(output: string, targetUser: string): Facts {
  const sections = splitSections(output);
  const body = (name: string) => sections.get(name)?.body ?? "";
  const ok = (name: string) => sections.get(name)?.code === 0;
  const identity = keyValues(body("identity"));
  const uid = Number(identity.uid ?? -1);
  const [dpkgArch = "unknown", machine = ""] = body("arch").trim().split("\n");
  const init = keyValues(body("init"));
  const aptSourceFiles = new Map<string, string>();
  const keyrings = new Map<string, { mode: string; content: Buffer }>();
  for (const section of sections.values()) {
    if (section.name.startsWith("apt-source ")) {
      aptSourceFiles.set(section.name.slice("apt-source ".length), section.body);
    } else if (section.name.startsWith("keyring ") && section.code === 0) {
      const [modeLine = "", data = ""] = section.body.split("\n");
      keyrings.set(section.name.slice("keyring ".length), {
        mode: modeLine.replace("mode=", ""),
        content: Buffer.from(data.trim(), "base64"),
      });
    }
  }
  const daemonJson: DaemonJsonFact = ok("daemon-json")
    ? { exists: true, text: body("daemon-json") }
    : { exists: false };
  const gpu = parseGpuSection(body("gpu"));
  return {
    identity: {
      uid,
      user: identity.user ?? "",
      sudo: uid === 0 ? "not-needed" : identity.sudo === "present" ? "present" : "absent",
      sudoNoPassword: identity.sudo_nopasswd === "yes",
    },
    os: parseOsRelease(body("os-release")),
    arch: { dpkg: dpkgArch.trim(), machine: machine.trim() },
    init: {
      pid1: init.pid1 ?? "",
      systemd: init.systemd_booted === "yes",
      systemState: init.system_state,
      dockerActive: init.docker_active,
      dockerEnabled: init.docker_enabled,
      dockerInitScript: init.docker_initscript === "yes",
      dockerdPid: init.dockerd_pid ? Number(init.dockerd_pid) : undefined,
      dockerdStarted: init.dockerd_started,
    },
    packages: parseDpkgQuery(body("dpkg")),
    proxyEnv: keyValues(body("proxy-env")),
    dpkgAudit: sections.get("dpkg-audit")?.code === TIMED_OUT ? "" : body("dpkg-audit").trim(),
    dpkgJournalPending: body("dpkg-journal").trim() !== "",
    conflictRemoval: parseConflictRemoval(sections.get("apt-remove")),
    snapDocker: ok("snap-docker") && /^docker\s/m.test(body("snap-docker")),
    docker: {
      ...parseDocker(sections.get("docker-client"), sections.get("docker-server")),
      images: ok("docker-images") ? lines(body("docker-images")) : [],
      runningContainers: ok("docker-containers") ? lines(body("docker-containers")) : [],
    },
    dockerGroup: ok("docker-group") ? parseGroup(body("docker-group")) : undefined,
    targetUser: ok("target-user")
      ? { name: targetUser, groups: body("target-user").trim().split(/\s+/).filter(Boolean) }
      : undefined,
    daemonJson,
    daemonConfig: parseDaemonJson(daemonJson.exists ? daemonJson.text : undefined),
    aptSources: [...aptSourceFiles].flatMap(([file, text]) => parseAptSourceFile(file, text)),
    aptSourceFiles,
    keyrings,
    gpu,
    gpuState: classifyGpuState(gpu),
    nvidiaCtkVersion: ok("nvidia-ctk")
      ? /version\s+(\S+)/i.exec(body("nvidia-ctk"))?.[1]
      : undefined,
    aptLocks: parseLockHolders(body("apt-locks")),
    freeDiskKb: parseDisk(body("disk")),
    timedOut: [...sections.values()].filter((s) => s.code === TIMED_OUT).map((s) => s.name),
  };
}

function lines(body: string): string[] {
  return body.split("\n").filter(Boolean);
}

/** `Remv <name> [<version>]` lines of `apt-get -s remove`. */
export function parseConflictRemoval(section: Section | undefined): ConflictRemoval | undefined {
  if (!section || section.code === 127) return undefined;
  const removes = [...section.body.matchAll(/^Remv (\S+)/gm)].map((m) => m[1] ?? "");
  if (section.code === 0) return { removes };
  if (section.code === TIMED_OUT) {
    return { removes, error: timedOutMessage("apt-get -s remove", APT_SIMULATION_TIMEOUT_S) };
  }
  const errors = lines(section.body).filter((l) => /^E: /.test(l));
  const detail = errors[0] ?? lines(section.body).at(-1) ?? "";
  return { removes, error: `apt-get -s remove exited with code ${section.code}: ${detail}` };
}

function parseDocker(
  client: Section | undefined,
  server: Section | undefined,
): Omit<Facts["docker"], "images" | "runningContainers"> {
  const docker: Omit<Facts["docker"], "images" | "runningContainers"> = {
    runtimes: [],
    mirrors: [],
  };
  if (client?.code === 0) docker.clientVersion = /version\s+([^\s,]+)/i.exec(client.body)?.[1];
  if (server?.code === 0) {
    const [version = "", runtimes = "{}", mirrors = "[]"] = server.body.trim().split("|");
    docker.serverVersion = version;
    docker.runtimes = Object.keys(safeJson(runtimes) ?? {});
    docker.mirrors = (safeJson(mirrors) as string[] | null) ?? [];
  } else if (server?.code === TIMED_OUT) {
    docker.serverError = timedOutMessage("dockerd");
  } else if (server && server.code !== 127) {
    docker.serverError = server.body.trim().split("\n").slice(-2).join(" ");
  }
  return docker;
}

function safeJson(text: string): Record<string, unknown> | unknown[] | null {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function parseGroup(line: string): Facts["dockerGroup"] {
  const [, , gid = "0", members = ""] = line.trim().split(":");
  return { gid: Number(gid), members: members.split(",").filter(Boolean) };
}

export function parseGpuSection(body: string): GpuProbe {
  const lines = body.split("\n");
  const prefixed = (prefix: string) =>
    lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  const values = keyValues(lines.filter((l) => /^[a-z_]+=/.test(l)).join("\n"));
  const proc = prefixed("proc: ");
  const queryExitCode = Number(values.query_rc ?? 127);
  return {
    nvidiaSmiPresent: values.nvidia_smi === "present",
    queryExitCode,
    queryOutput:
      queryExitCode === TIMED_OUT ? timedOutMessage("nvidia-smi") : prefixed("query: ").join("\n"),
    procVersion: proc.length ? proc.join("\n") : undefined,
    lspciPresent: values.lspci === "present",
    lspciNvidia: prefixed("pci: "),
  };
}

export function parseLockHolders(body: string): AptLockHolder[] {
  return body
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [file = "", pid = "0", command = ""] = line.split("\t");
      return { file, pid: Number(pid), command: command.trim() };
    });
}

function parseDisk(body: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of body.split("\n").filter(Boolean)) {
    const [mount = "", kb = "0"] = line.split("\t");
    out[mount] = Number(kb);
  }
  return out;
}

/** The facts each probe section fills. */
const FIELDS_OF: Record<ProbeSection, readonly (keyof Facts)[]> = {
  "proxy-env": ["proxyEnv"],
  "os-release": ["os"],
  arch: ["arch"],
  init: ["init"],
  dpkg: ["packages"],
  "dpkg-audit": ["dpkgAudit"],
  "dpkg-journal": ["dpkgJournalPending"],
  "apt-remove": ["conflictRemoval"],
  "snap-docker": ["snapDocker"],
  "docker-client": ["docker"],
  "docker-server": ["docker"],
  "docker-containers": ["docker"],
  "docker-images": ["docker"],
  "docker-group": ["dockerGroup"],
  "target-user": ["targetUser"],
  "daemon-json": ["daemonJson", "daemonConfig"],
  "apt-sources": ["aptSources", "aptSourceFiles"],
  keyrings: ["keyrings"],
  gpu: ["gpu", "gpuState"],
  "nvidia-ctk": ["nvidiaCtkVersion"],
  "apt-locks": ["aptLocks"],
  disk: ["freeDiskKb"],
};

/**
 * The facts after a partial probe of `sections`: those sections' facts from `fresh`, the rest as
 * they were. The docker sections are read together (their facts are one object).
 */
export function mergeFacts(old: Facts, fresh: Facts, sections: readonly ProbeSection[]): Facts {
  const merged: Facts = { ...old, identity: fresh.identity };
  const record = merged as unknown as Record<string, unknown>;
  for (const section of sections) {
    for (const field of FIELDS_OF[section]) record[field] = fresh[field];
  }
  const reread = (name: string) =>
    sections.some((s) => name === s || name.startsWith(`${s.replace(/s$/, "")} `));
  merged.timedOut = [...old.timedOut.filter((name) => !reread(name)), ...fresh.timedOut];
  return merged;
}
