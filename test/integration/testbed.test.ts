/**
 * The test bed itself (scripts/testbed): its hosts are reachable over real SSH with strict host-key
 * checking, its stand-in repositories are signed and verified by apt, its registry serves
 * hello-world and the CUDA-named image as a mirror, and its GPU doubles behave like the real
 * toolkit for `docker run --gpus all`.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExecResult, sshCommandArgs, startHost, type TestHost } from "./_helpers/testbed.js";

const KEYS = resolve(
  process.env.VLA_TESTBED_DIR ?? resolve(import.meta.dirname, "../../.testbed"),
  "keys",
);

/** dpkg-query format fields (a dollar and braces that the shell passes through). */
const STATUS = "$" + "{Status}";
const PACKAGE = "$" + "{Package}";

function flag(host: TestHost, name: string): string {
  const at = host.cliArgs.indexOf(name);
  const value = host.cliArgs[at + 1];
  if (at < 0 || value === undefined)
    throw new Error(`${name} missing from ${host.cliArgs.join(" ")}`);
  return value;
}

async function ssh(
  host: TestHost,
  command: string,
  options: { input?: string; knownHosts?: string } = {},
): Promise<ExecResult> {
  const args = sshCommandArgs({ ...host, knownHosts: options.knownHosts ?? host.knownHosts });
  const r = await execa("ssh", [...args, command], {
    input: options.input ?? "",
    reject: false,
    timeout: 60_000,
  });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function show(r: ExecResult): string {
  return `exit ${r.code}\n--- stdout ---\n${String(r.stdout).slice(-3000)}\n--- stderr ---\n${String(r.stderr).slice(-3000)}`;
}

/** Writes Docker's deb822 source by hand, the way Docker's install guide does. */
function dockerSource(distro: "debian" | "ubuntu", codename: string, keyFile: string): string {
  return [
    "install -d -m 0755 /etc/apt/keyrings",
    `cat >/etc/apt/sources.list.d/docker.sources <<'EOF'`,
    "Types: deb",
    `URIs: http://127.0.0.1:8080/docker/linux/${distro}`,
    `Suites: ${codename}`,
    "Components: stable",
    `Signed-By: ${keyFile}`,
    "EOF",
  ].join("\n");
}

describe("debian12 host as ops", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("prints a target that ssh reaches with strict host-key checking", async () => {
    expect(host.ssh).toMatch(/^ops@127\.0\.0\.1:\d+$/);
    const ok = await ssh(host, "id -un && sudo -n true && echo sudo-ok");
    expect(ok.code, show(ok)).toBe(0);
    expect(ok.stdout).toBe("ops\nsudo-ok");
    // The host's key is what makes it pass: an empty known_hosts file must fail.
    const empty = await ssh(host, "true", { knownHosts: "/dev/null" });
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toMatch(/Host key verification failed|No .* host key is known/);
  });

  it("is a clean Debian 12 with systemd as PID 1 and no Debian apt sources", async () => {
    const r = await host.exec(
      ". /etc/os-release; echo $ID $VERSION_CODENAME; cat /proc/1/comm; systemctl is-system-running; " +
        "cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | grep -c . || true; " +
        `dpkg-query -W -f='${STATUS}\\n' docker.io docker-ce 2>&1 | grep -c 'install ok installed' || true`,
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.split("\n")).toEqual(["debian bookworm", "systemd", "running", "0", "0"]);
  });

  it("names the stand-ins in cliArgs, with the keys' fingerprints", async () => {
    expect(flag(host, "--docker-repo")).toBe("http://127.0.0.1:8080/docker/linux");
    expect(flag(host, "--nvidia-repo")).toBe("http://127.0.0.1:8080/nvidia/libnvidia-container");
    expect(flag(host, "--registry-mirror")).toBe("http://127.0.0.1:5000");
    const served = await host.exec(
      "curl -fsS http://127.0.0.1:8080/docker/linux/debian/gpg | gpg --with-colons --show-keys | awk -F: '$1==\"fpr\"{print $10; exit}'; " +
        "curl -fsS http://127.0.0.1:8080/nvidia/libnvidia-container/gpgkey | gpg --with-colons --show-keys | awk -F: '$1==\"fpr\"{print $10; exit}'",
    );
    expect(served.code, show(served)).toBe(0);
    expect(served.stdout.split("\n")).toEqual([
      flag(host, "--docker-key-fingerprint"),
      flag(host, "--nvidia-key-fingerprint"),
    ]);
  });

  it("apt-get update refuses the stand-in Docker repository signed by another key", async () => {
    const wrongKey = readFileSync(resolve(KEYS, "other.asc"), "utf8");
    const r = await host.exec(
      `${dockerSource("debian", "bookworm", "/etc/apt/keyrings/wrong.asc")}\ncat >/etc/apt/keyrings/wrong.asc\napt-get update 2>&1`,
      { input: wrongKey },
    );
    expect(r.code, show(r)).not.toBe(0);
    expect(r.stdout).toMatch(/NO_PUBKEY|not signed|signatures couldn't be verified/);
    await host.exec(
      "rm -f /etc/apt/sources.list.d/docker.sources /etc/apt/keyrings/wrong.asc; rm -rf /var/lib/apt/lists/*",
    );
  });

  it("apt-get update verifies the stand-in Docker repository with its key", async () => {
    const r = await host.exec(
      `${dockerSource("debian", "bookworm", "/etc/apt/keyrings/docker.asc")}\n` +
        "curl -fsS -o /etc/apt/keyrings/docker.asc http://127.0.0.1:8080/docker/linux/debian/gpg\n" +
        "apt-get update 2>&1 && apt-cache madison docker-ce docker-ce-cli",
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).not.toMatch(/NO_PUBKEY|not signed|W: GPG error/);
    for (const line of [
      "docker-ce | 5:20.10.25-1~debian.12~bookworm | http://127.0.0.1:8080/docker/linux/debian bookworm/stable amd64 Packages",
      "docker-ce | 5:20.10.24-1~debian.12~bookworm | http://127.0.0.1:8080/docker/linux/debian bookworm/stable amd64 Packages",
      "docker-ce-cli | 5:20.10.24-1~debian.12~bookworm | http://127.0.0.1:8080/docker/linux/debian bookworm/stable amd64 Packages",
    ]) {
      expect(r.stdout.replace(/ +\| +/g, " | ").replace(/^ +/gm, "")).toContain(line);
    }
  });

  it("installs Docker CE from the stand-in and pulls hello-world through the registry mirror", async () => {
    const install = await host.exec(
      "DEBIAN_FRONTEND=noninteractive apt-get install -y docker-ce docker-ce-cli containerd.io 2>&1",
    );
    expect(install.code, show(install)).toBe(0);
    const r = await host.exec(
      `echo '{"registry-mirrors":["http://127.0.0.1:5000"]}' >/etc/docker/daemon.json && systemctl restart docker && ` +
        "docker pull hello-world >/dev/null && docker run --rm hello-world",
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toMatch(
      /^\nHello from Docker!\nThis message shows that your installation appears to be working correctly\.\n/,
    );
    const state = await host.exec(
      "systemctl is-active docker containerd; docker info --format '{{.RegistryConfig.Mirrors}}'",
    );
    expect(state.stdout.split("\n")).toEqual(["active", "active", "[http://127.0.0.1:5000/]"]);
  });
});

describe("debian12 host as lab", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startHost("debian12", { user: "lab" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("needs its password for sudo", async () => {
    expect(host.ssh).toMatch(/^lab@127\.0\.0\.1:\d+$/);
    expect(host.password).toMatch(/^\S{8,}$/);
    const wrong = await ssh(host, "sudo -S -p '' true", { input: "not-the-password\n" });
    expect(wrong.code).not.toBe(0);
    const noPassword = await ssh(host, "sudo -n true");
    expect(noPassword.code).not.toBe(0);
    expect(noPassword.stderr).toContain("a password is required");
    const withPassword = await ssh(host, "sudo -S -p '' id -u", { input: `${host.password}\n` });
    expect(withPassword.code, show(withPassword)).toBe(0);
    expect(withPassword.stdout).toBe("0");
  });
});

describe("ubuntu2404-like host", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startHost("ubuntu2404-like", { user: "root" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("reports Ubuntu 24.04 noble and takes Docker's Ubuntu repository", async () => {
    const login = await ssh(
      host,
      ". /etc/os-release && echo $ID $VERSION_ID $VERSION_CODENAME $UBUNTU_CODENAME",
    );
    expect(login.code, show(login)).toBe(0);
    expect(login.stdout).toBe("ubuntu 24.04 noble noble");
    const r = await host.exec(
      `${dockerSource("ubuntu", "noble", "/etc/apt/keyrings/docker.asc")}\n` +
        "curl -fsS -o /etc/apt/keyrings/docker.asc http://127.0.0.1:8080/docker/linux/ubuntu/gpg\n" +
        "apt-get update 2>&1 && apt-cache policy docker-ce",
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toContain("5:20.10.25-1~ubuntu.24.04~noble");
    expect(r.stdout).toContain("5:20.10.24-1~ubuntu.24.04~noble");
  });
});

describe("debian12-docker-io host", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startHost("debian12-docker-io", { user: "ops" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("runs Debian's docker.io, holding an image and a stopped container", async () => {
    const r = await host.exec(
      `dpkg-query -W -f='${PACKAGE} ${STATUS}\\n' docker.io containerd runc | sort; systemctl is-active docker; ` +
        "docker image ls --format '{{.Repository}}:{{.Tag}}'; docker ps -a --format '{{.Names}} {{.State}}'",
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      "containerd install ok installed",
      "docker.io install ok installed",
      "runc install ok installed",
      "active",
      "vla-testbed/keep:latest",
      "vla-testbed-keep created",
    ]);
  });
});

describe("debian12-gpu host", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startHost("debian12-gpu", { user: "ops" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("has an nvidia-smi double reporting an RTX 5090", async () => {
    const r = await ssh(
      host,
      "nvidia-smi --query-gpu=index,name,driver_version,compute_cap,memory.total --format=csv,noheader; test -e /proc/driver/nvidia/version || echo no-proc-version",
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe(
      "0, NVIDIA GeForce RTX 5090, 580.95.05, 12.0, 32607 MiB\nno-proc-version",
    );
  });

  it("runs `docker run --gpus all` with the toolkit doubles from the stand-in NVIDIA repository", async () => {
    const setup = await host.exec(
      [
        "set -e",
        `${dockerSource("debian", "bookworm", "/etc/apt/keyrings/docker.asc")}`,
        "curl -fsS -o /etc/apt/keyrings/docker.asc http://127.0.0.1:8080/docker/linux/debian/gpg",
        "curl -fsSL http://127.0.0.1:8080/nvidia/libnvidia-container/gpgkey | gpg --dearmor -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
        'echo "deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] http://127.0.0.1:8080/nvidia/libnvidia-container/stable/deb/$(dpkg --print-architecture) /" >/etc/apt/sources.list.d/nvidia-container-toolkit.list',
        "apt-get update",
        "DEBIAN_FRONTEND=noninteractive apt-get install -y docker-ce docker-ce-cli containerd.io nvidia-container-toolkit",
        `echo '{"registry-mirrors":["http://127.0.0.1:5000"]}' >/etc/docker/daemon.json`,
      ].join("\n"),
    );
    expect(setup.code, show(setup)).toBe(0);
    const ctk = await host.exec(
      "nvidia-ctk --version && nvidia-ctk runtime configure --runtime=docker && cat /etc/docker/daemon.json",
    );
    expect(ctk.code, show(ctk)).toBe(0);
    expect(ctk.stdout).toMatch(/^NVIDIA Container Toolkit CLI version 1\.18\.0\ncommit: /);
    expect(JSON.parse(ctk.stdout.slice(ctk.stdout.indexOf("{")))).toEqual({
      "registry-mirrors": ["http://127.0.0.1:5000"],
      runtimes: { nvidia: { args: [], path: "nvidia-container-runtime" } },
    });
    expect(ctk.stdout).toContain('\n    "runtimes": {\n        "nvidia": {\n');
    const r = await host.exec(
      "systemctl restart docker && docker run --rm --gpus all nvidia/cuda:13.0.2-base-ubuntu24.04 " +
        "nvidia-smi --query-gpu=name,driver_version --format=csv,noheader",
    );
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout).toBe("NVIDIA GeForce RTX 5090, 580.95.05");
    const plain = await host.exec(
      "docker run --rm --runtime=nvidia nvidia/cuda:13.0.2-base-ubuntu24.04 sh -c 'command -v nvidia-smi || echo none'",
    );
    expect(plain.stdout).toBe("none");
  });

  it("nvidia-ctk --set-as-default keeps other keys and adds default-runtime", async () => {
    const r = await host.exec(
      `printf '%s' '{"log-driver":"json-file","runtimes":{"other":{"path":"/usr/bin/other"}}}' >/tmp/daemon.json && ` +
        "nvidia-ctk runtime configure --runtime=docker --config=/tmp/daemon.json --set-as-default 2>/dev/null && cat /tmp/daemon.json",
    );
    expect(r.code, show(r)).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      "default-runtime": "nvidia",
      "log-driver": "json-file",
      runtimes: {
        nvidia: { args: [], path: "nvidia-container-runtime" },
        other: { path: "/usr/bin/other" },
      },
    });
  });
});
