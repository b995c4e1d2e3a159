import { parseDaemonJson } from "../../docker/daemon-json.js";
import { shownProxy } from "../../proxy.js";
import type { DaemonJsonFact, Facts } from "../facts.js";
import type { Section } from "../sections.js";
import { TIMED_OUT, timedOutMessage } from "./constants.js";
import type { ProbeSectionDef } from "./definition.js";

/**
 * dockerd as the docker CLI sees it (sections docker-client, docker-server, docker-containers,
 * docker-images): read together, as they make one fact.
 */
export const docker: ProbeSectionDef<"docker", "docker"> = {
  name: "docker",
  script: String.raw`
section docker-client
if [ "$probe_details" = 1 ] && have docker; then bounded docker --version 2>/dev/null; rc $?; else rc 127; fi
section docker-server
if have docker; then
  info=$(bounded_root docker info --format '{{.ServerVersion}}|{{json .Runtimes}}|{{json .RegistryConfig.Mirrors}}|{{.DockerRootDir}}|{{.Images}}|{{.Containers}}|{{.Driver}}|{{.HTTPSProxy}}|{{.HTTPProxy}}' 2>&1)
  server_rc=$?
  printf '%s\n' "$info"
fi
rc $server_rc
section docker-volumes
# Each volume is a directory of its own under the data root's volumes/ (metadata.db beside them).
if [ "$server_rc" = 0 ] && { [ "$uid" = 0 ] || [ -n "$SUDO" ]; }; then
  root=$(printf '%s' "$info" | cut -d'|' -f4)
  bounded_root find "$root/volumes" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l; rc $?
else rc 127; fi
section docker-containers
if [ "$server_rc" = 0 ]; then bounded_root docker ps --format '{{.Names}}' 2>/dev/null; rc $?; else rc 127; fi
section docker-images
if [ "$probe_details" = 1 ] && [ "$server_rc" = 0 ] && { [ "$uid" = 0 ] || [ -n "$SUDO" ]; }; then bounded_root docker image ls --format '{{.Repository}}:{{.Tag}}' 2>/dev/null; rc $?; else rc 127; fi
`,
  parse(read) {
    return {
      docker: {
        ...parseDocker(read.section("docker-client"), read.section("docker-server")),
        images: read.ok("docker-images") ? read.lines("docker-images") : [],
        runningContainers: read.ok("docker-containers") ? read.lines("docker-containers") : [],
        ...(read.ok("docker-volumes")
          ? { volumeCount: Number(read.body("docker-volumes").trim()) || 0 }
          : {}),
      },
    };
  },
};

function parseDocker(
  client: Section | undefined,
  server: Section | undefined,
): Omit<Facts["docker"], "images" | "runningContainers" | "volumeCount"> {
  const docker: Omit<Facts["docker"], "images" | "runningContainers" | "volumeCount"> = {
    runtimes: [],
    mirrors: [],
  };
  if (client?.code === 0) docker.clientVersion = /version\s+([^\s,]+)/i.exec(client.body)?.[1];
  if (server?.code === 0) {
    const [
      version = "",
      runtimes = "{}",
      mirrors = "[]",
      root,
      images,
      containers,
      driver,
      httpsProxy,
      httpProxy,
    ] = server.body.trim().split("|");
    docker.serverVersion = version;
    // dockerd masks credentials itself (xxxxx:xxxxx@); replaced the tool's way all the same.
    const proxy = httpsProxy || httpProxy;
    if (proxy) docker.proxy = shownProxy(proxy);
    if (root) docker.rootDir = root;
    if (images !== undefined) docker.imageCount = Number(images) || 0;
    if (containers !== undefined) docker.containerCount = Number(containers) || 0;
    if (driver) docker.storageDriver = driver;
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

export const dockerGroup: ProbeSectionDef<"dockerGroup", "docker-group"> = {
  name: "docker-group",
  script: String.raw`
section docker-group
bounded getent group docker; rc $?
`,
  parse(read) {
    if (!read.ok("docker-group")) return { dockerGroup: undefined };
    const [, , gid = "0", members = ""] = read.body("docker-group").trim().split(":");
    return { dockerGroup: { gid: Number(gid), members: members.split(",").filter(Boolean) } };
  },
};

/** The account to add to the docker group ($user) and its groups. */
export const targetUser: ProbeSectionDef<"targetUser", "target-user"> = {
  name: "target-user",
  script: String.raw`
section target-user
if [ -n "$user" ]; then bounded getent passwd "$user" >/dev/null && bounded id -nG "$user"; rc $?; else rc 2; fi
`,
  parse: (read) => ({
    targetUser: read.ok("target-user")
      ? {
          name: read.targetUser,
          groups: read.body("target-user").trim().split(/\s+/).filter(Boolean),
        }
      : undefined,
  }),
};

/** /etc/docker/daemon.json, and its parse (an absent file is an empty configuration). */
export const daemonJson: ProbeSectionDef<"daemonJson" | "daemonConfig", "daemon-json"> = {
  name: "daemon-json",
  script: String.raw`
section daemon-json
if [ -e /etc/docker/daemon.json ]; then
  if [ -r /etc/docker/daemon.json ]; then cat /etc/docker/daemon.json; rc $?; else $SUDO cat /etc/docker/daemon.json; rc $?; fi
else rc 3; fi
`,
  parse(read) {
    const daemonJson: DaemonJsonFact = read.ok("daemon-json")
      ? { exists: true, text: read.body("daemon-json") }
      : { exists: false };
    return {
      daemonJson,
      daemonConfig: parseDaemonJson(daemonJson.exists ? daemonJson.text : undefined),
    };
  },
};
