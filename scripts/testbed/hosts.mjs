// `host` and `down`: start one test host (a systemd container reached over real SSH) and remove
// hosts again. Every container carries the test bed's label, so `down` finds them all.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { imageTag, VARIANTS } from "./images.mjs";
import { ensureSigningKey, ensureSshKey, labPassword, stopGpgAgent } from "./keys.mjs";
import { LABEL, paths } from "./paths.mjs";
import { $, log, waitFor } from "./proc.mjs";

export const USERS = ["ops", "lab", "root"];

/**
 * Hosts without systemd (WSL, plain containers, minimal VMs): the debian12 image with sshd, the
 * repositories and the registry started by a shell as PID 1 instead of by systemd.
 */
const NO_SYSTEMD_INIT = [
  "mkdir -p /run/sshd",
  "/opt/vla-testbed/bin/busybox httpd -p 127.0.0.1:8080 -h /srv/vla-testbed/repos",
  "(/opt/vla-testbed/bin/docker-registry serve /opt/vla-testbed/registry.yml >/var/log/vla-testbed-registry.log 2>&1 &)",
  "exec /usr/sbin/sshd -D -e",
].join(" && ");

/** Every variant `host` starts: the built images, and the ones that boot an image differently. */
export const HOST_VARIANTS = [...VARIANTS, "debian12-nosystemd"];

function bootOf(variant) {
  return variant === "debian12-nosystemd"
    ? { imageVariant: "debian12", command: ["/bin/sh", "-c", NO_SYSTEMD_INIT] }
    : { imageVariant: variant, command: ["/sbin/init"] };
}

/** Where the stand-ins answer inside every host (its own loopback). The CLI's URL contract. */
export const HOST_URLS = {
  dockerRepo: "http://127.0.0.1:8080/docker/linux",
  nvidiaRepo: "http://127.0.0.1:8080/nvidia/libnvidia-container",
  registryMirror: "http://127.0.0.1:5000",
};

/** The flags that point the CLI at a host's stand-ins. */
export async function cliArgs() {
  const docker = await ensureSigningKey("docker");
  const nvidia = await ensureSigningKey("nvidia");
  await stopGpgAgent();
  return [
    "--docker-repo",
    HOST_URLS.dockerRepo,
    "--docker-key-fingerprint",
    docker.fingerprint,
    "--nvidia-repo",
    HOST_URLS.nvidiaRepo,
    "--nvidia-key-fingerprint",
    nvidia.fingerprint,
    "--registry-mirror",
    HOST_URLS.registryMirror,
  ];
}

/** Runs a shell command on the host as root (docker exec); never throws on a non-zero exit. */
export async function hostExec(container, command, { input, timeoutS = 600 } = {}) {
  const args = input === undefined ? [] : ["-i"];
  const result = await $({
    input,
    timeout: `${timeoutS}s`,
  })`docker exec ${args} ${container} /bin/sh -c ${command}`.nothrow();
  return { stdout: result.stdout, stderr: result.stderr, code: result.exitCode ?? -1 };
}

async function mustExec(container, command, what) {
  const r = await hostExec(container, command);
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function startedContainer(image, name, hostDir, variant) {
  const { command } = bootOf(variant);
  return import("testcontainers").then(({ GenericContainer, Wait }) =>
    new GenericContainer(image)
      .withName(name)
      .withHostname(name.slice(0, 63))
      .withLabels({ [LABEL]: "host", [`${LABEL}.variant`]: variant, [`${LABEL}.dir`]: hostDir })
      .withCommand(command)
      .withEnvironment({ container: "docker" })
      .withAddedCapabilities("ALL")
      .withDroppedCapabilities("SYS_RESOURCE")
      .withSecurityOpt("seccomp=unconfined", "apparmor=unconfined")
      .withTmpFs({ "/run": "rw,exec,nosuid,nodev,mode=755", "/run/lock": "rw,nosuid,nodev" })
      .withBindMounts([
        { source: "/sys/fs/cgroup", target: "/sys/fs/cgroup", mode: "rw" },
        { source: paths.repos, target: "/srv/vla-testbed/repos", mode: "ro" },
        { source: paths.registry, target: "/srv/vla-testbed/registry", mode: "ro" },
        // A real file system under the host's dockerd: overlay2 cannot stack on the container's own.
        { source: path.join(hostDir, "docker"), target: "/var/lib/docker", mode: "rw" },
      ])
      .withExposedPorts(22)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(120_000)
      .start(),
  );
}

/** Waits (bounded) until systemd is up and sshd, the repositories and the registry answer. */
async function waitReady(container, variant) {
  const systemd = bootOf(variant).command[0] === "/sbin/init";
  const units = ["ssh.service", "vla-testbed-repos.service", "vla-testbed-registry.service"];
  if (variant === "debian12-docker-io") units.push("docker.service", "vla-testbed-seed.service");
  const probe = [
    ...(systemd
      ? [
          "state=$(systemctl is-system-running 2>/dev/null || true)",
          'case "$state" in running|degraded) ;; *) echo "systemd: $state" >&2; exit 1;; esac',
          `systemctl is-active --quiet ${units.join(" ")} || { systemctl --no-pager --failed >&2; exit 1; }`,
        ]
      : []),
    "curl -fsS -o /dev/null http://127.0.0.1:8080/",
    "curl -fsS -o /dev/null http://127.0.0.1:5000/v2/",
  ].join("\n");
  let last = "";
  await waitFor(
    async () => {
      const r = await hostExec(container, probe, { timeoutS: 30 });
      last = r.stderr || r.stdout;
      if (r.code !== 0) throw new Error(last);
      return true;
    },
    {
      attempts: 120,
      timeoutMs: 180_000,
      intervalMs: 1000,
      message: `host ${container} did not become ready`,
    },
  );
  if (!systemd) return;
  const failed = await hostExec(container, "systemctl --no-pager --plain --no-legend --failed");
  if (failed.stdout.trim()) log(`note: failed units on ${container}: ${failed.stdout.trim()}`);
}

async function writeKnownHosts(container, port, file) {
  const keys = await mustExec(
    container,
    "cat /etc/ssh/ssh_host_*_key.pub",
    "reading the host keys",
  );
  const lines = keys
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [type, key] = line.split(/\s+/);
      return `[127.0.0.1]:${port} ${type} ${key}`;
    });
  fs.writeFileSync(file, `${lines.join("\n")}\n`);
}

/** The ssh command line that reaches a host as `user`, checking its key against knownHosts. */
export function sshArgs(host, user) {
  const [, port] = host.ssh.split(":");
  return [
    "-i",
    host.key,
    "-p",
    port,
    "-o",
    `UserKnownHostsFile=${host.knownHosts}`,
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=10",
    "-o",
    "IdentitiesOnly=yes",
    `${user}@127.0.0.1`,
  ];
}

/**
 * Starts one host of `variant` and returns its description (the JSON `host` prints). The test
 * bed must have been set up (images, repos, registry).
 */
/**
 * `image` starts the host from another image built on the variant (a benchmark's copy of a
 * provisioned host, say) instead of the variant's own.
 */
export async function startHost(variant, { user = "ops", image } = {}) {
  if (!HOST_VARIANTS.includes(variant))
    throw new Error(`unknown variant "${variant}" (known: ${HOST_VARIANTS.join(", ")})`);
  if (!USERS.includes(user)) throw new Error(`unknown user "${user}" (known: ${USERS.join(", ")})`);
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
  for (const dir of [paths.repos, paths.registry]) {
    if (!fs.existsSync(dir))
      throw new Error(`${dir} is missing: run \`npm run testbed -- setup\` first`);
  }
  const { privateKey, publicKey } = await ensureSshKey();
  const password = labPassword();
  const name = `vla-testbed-${variant}-${randomBytes(3).toString("hex")}`;
  const hostDir = path.join(paths.hosts, name);
  fs.mkdirSync(path.join(hostDir, "docker"), { recursive: true });

  const container = await startedContainer(
    image ?? imageTag(bootOf(variant).imageVariant),
    name,
    hostDir,
    variant,
  );
  const id = container.getId();
  try {
    const port = container.getMappedPort(22);
    await mustExec(
      id,
      [
        `for f in /root/.ssh/authorized_keys /home/ops/.ssh/authorized_keys /home/lab/.ssh/authorized_keys; do printf '%s\\n' '${publicKey}' >"$f"; done`,
        "chown ops:ops /home/ops/.ssh/authorized_keys; chown lab:lab /home/lab/.ssh/authorized_keys",
      ].join("\n"),
      "installing the keys",
    );
    const pw = await hostExec(id, "chpasswd", { input: `lab:${password}\n` });
    if (pw.code !== 0) throw new Error(`setting lab's password: ${pw.stderr}`);
    await waitReady(id, variant);
    const knownHosts = path.join(hostDir, "known_hosts");
    await writeKnownHosts(id, port, knownHosts);
    const host = {
      name,
      ssh: `${user}@127.0.0.1:${port}`,
      key: privateKey,
      knownHosts,
      ...(user === "lab" ? { password } : {}),
      container: id,
      variant,
      cliArgs: await cliArgs(),
    };
    await waitFor(async () => (await $`ssh ${sshArgs(host, user)} true`.nothrow()).exitCode === 0, {
      attempts: 30,
      timeoutMs: 60_000,
      message: `ssh to ${host.ssh} did not succeed`,
    });
    return host;
  } catch (error) {
    await removeHost(name);
    throw error;
  }
}

/** Removes one host by name or container id (its container and its directory). */
export async function removeHost(nameOrId) {
  const inspect =
    await $`docker inspect --format ${`{{.Name}}\t{{index .Config.Labels "${LABEL}.dir"}}`} ${nameOrId}`.nothrow();
  await $`docker rm -f -v ${nameOrId}`.nothrow();
  const [, dir] = inspect.stdout.trim().split("\t");
  const hostDir = dir || path.join(paths.hosts, nameOrId);
  if (hostDir.startsWith(paths.hosts + path.sep))
    fs.rmSync(hostDir, { recursive: true, force: true });
}

/** `down`: removes one host, or every container the test bed labelled. Returns the names. */
export async function down(name) {
  if (name) {
    await removeHost(name);
    return [name];
  }
  const names = (await $`docker ps -a --filter ${`label=${LABEL}`} --format {{.Names}}`).stdout
    .split("\n")
    .filter(Boolean);
  for (const n of names) await removeHost(n);
  if (fs.existsSync(paths.hosts)) {
    for (const entry of fs.readdirSync(paths.hosts))
      fs.rmSync(path.join(paths.hosts, entry), { recursive: true, force: true });
  }
  return names;
}
