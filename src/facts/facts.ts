import { type AptSourceEntry, parseAptSourceFile } from "./apt-sources.js";
import { type PackageState, parseDpkgQuery } from "./dpkg.js";
import { type OsRelease, parseOsRelease } from "./os-release.js";
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
  snapDocker: boolean;
  docker: {
    clientVersion?: string;
    serverVersion?: string;
    serverError?: string;
    runtimes: string[];
    mirrors: string[];
    images: string[];
  };
  dockerGroup?: { gid: number; members: string[] };
  targetUser?: { name: string; groups: string[] };
  daemonJson: DaemonJsonFact;
  aptSources: AptSourceEntry[];
  aptSourceFiles: Map<string, string>;
  keyrings: Map<string, { mode: string; content: Buffer }>;
  gpu: GpuProbe;
  nvidiaCtkVersion?: string;
  aptLocks: AptLockHolder[];
  freeDiskKb: Record<string, number>;
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
    snapDocker: ok("snap-docker") && /^docker\s/m.test(body("snap-docker")),
    docker: {
      ...parseDocker(sections.get("docker-client"), sections.get("docker-server")),
      images: ok("docker-images") ? body("docker-images").split("\n").filter(Boolean) : [],
    },
    dockerGroup: ok("docker-group") ? parseGroup(body("docker-group")) : undefined,
    targetUser: ok("target-user")
      ? { name: targetUser, groups: body("target-user").trim().split(/\s+/).filter(Boolean) }
      : undefined,
    daemonJson: ok("daemon-json") ? { exists: true, text: body("daemon-json") } : { exists: false },
    aptSources: [...aptSourceFiles].flatMap(([file, text]) => parseAptSourceFile(file, text)),
    aptSourceFiles,
    keyrings,
    gpu: parseGpuSection(body("gpu")),
    nvidiaCtkVersion: ok("nvidia-ctk")
      ? /version\s+(\S+)/i.exec(body("nvidia-ctk"))?.[1]
      : undefined,
    aptLocks: parseLockHolders(body("apt-locks")),
    freeDiskKb: parseDisk(body("disk")),
  };
}

function parseDocker(
  client: Section | undefined,
  server: Section | undefined,
): Omit<Facts["docker"], "images"> {
  const docker: Omit<Facts["docker"], "images"> = { runtimes: [], mirrors: [] };
  if (client?.code === 0) docker.clientVersion = /version\s+([^\s,]+)/i.exec(client.body)?.[1];
  if (server?.code === 0) {
    const [version = "", runtimes = "{}", mirrors = "[]"] = server.body.trim().split("|");
    docker.serverVersion = version;
    docker.runtimes = Object.keys(safeJson(runtimes) ?? {});
    docker.mirrors = (safeJson(mirrors) as string[] | null) ?? [];
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
  return {
    nvidiaSmiPresent: values.nvidia_smi === "present",
    queryExitCode: Number(values.query_rc ?? 127),
    queryOutput: prefixed("query: ").join("\n"),
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
