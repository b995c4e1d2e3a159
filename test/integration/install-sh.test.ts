// install.sh, the one-line install (`curl -fsSL .../install.sh | sh`), inside a test host against a
// local web server (busybox httpd on the host's 127.0.0.1) that lays the files out as a GitHub
// release does: <base>/install.sh, <base>/vla-provision-linux-x64, <base>/SHA256SUMS.
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { YAML } from "zx";
import { buildExecutables, copyIntoHost, ROOT, shq, VERSION } from "./_helpers/exe.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

const INSTALL_SH = resolve(ROOT, "install.sh");
const PORT = 8091;
const SERVER = `http://127.0.0.1:${PORT}`;
const BUSYBOX = "/opt/vla-testbed/bin/busybox";
const hasShellcheck =
  spawnSync("sh", ["-c", "command -v shellcheck"], { stdio: "ignore" }).status === 0;

describe("install.sh", () => {
  it.skipIf(!hasShellcheck && !process.env.CI)(
    "passes shellcheck (POSIX sh)",
    async () => {
      if (!hasShellcheck)
        throw new Error("shellcheck is not installed (Debian package: shellcheck)");
      const result = await execa("shellcheck", ["--shell=sh", "--severity=style", INSTALL_SH], {
        reject: false,
      });
      expect(result.stdout + result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect((await readFile(INSTALL_SH, "utf8")).startsWith("#!/bin/sh\n")).toBe(true);
    },
    60_000,
  );

  describe("in a test host without Node.js, from a local server", () => {
    let host: TestHost;
    /** Runs `script` on the host as root (or as `user` in a login shell), with CI-like output. */
    const sh = (script: string, user?: "ops") =>
      host.exec(user ? `su - ${user} -c ${shq(script)}` : script, { timeoutMs: 300_000 });
    const installedFiles = async () =>
      (await sh("ls -A /usr/local/bin; ls -d /tmp/tmp.* 2>/dev/null || true")).stdout.trim();

    beforeAll(async () => {
      const exe = await buildExecutables();
      host = await startHost("debian12", { user: "ops" });
      // good/: the release as built; tampered/: the same with one byte more in the executable.
      const setup = await sh("mkdir -p /srv/release/good /srv/release/tampered");
      expect(setup.code).toBe(0);
      await copyIntoHost(host.container, INSTALL_SH, "/srv/release/install.sh", "0644");
      await copyIntoHost(host.container, exe.x64, "/srv/release/good/vla-provision-linux-x64");
      await copyIntoHost(host.container, exe.arm64, "/srv/release/good/vla-provision-linux-arm64");
      await copyIntoHost(host.container, exe.sums, "/srv/release/good/SHA256SUMS", "0644");
      const serve = await sh(
        [
          "set -e",
          "cp -p /srv/release/good/* /srv/release/tampered/",
          "printf x >> /srv/release/tampered/vla-provision-linux-x64",
          `${BUSYBOX} httpd -p 127.0.0.1:${PORT} -h /srv/release`,
          // Bounded: 50 tries, 0.1 s apart.
          `i=0; until curl -fsS -o /dev/null ${SERVER}/install.sh; do i=$((i+1)); [ $i -lt 50 ] || exit 1; sleep 0.1; done`,
        ].join("\n"),
      );
      expect(serve.code, serve.stderr).toBe(0);
    });
    afterAll(async () => {
      await host?.stop();
    });

    it("the host has no node", async () => {
      expect((await sh("command -v node")).code).not.toBe(0);
    });

    it("a tampered executable is refused: exit 1, nothing installed, nothing left behind", async () => {
      const before = await installedFiles();
      const result = await sh(
        `curl -fsSL ${SERVER}/install.sh | VLA_PROVISION_BASE_URL=${SERVER}/tampered sh`,
      );
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/checksum mismatch for vla-provision-linux-x64/);
      expect(result.stderr).toContain("nothing was installed");
      expect(await installedFiles()).toBe(before);
      expect(before).not.toContain("vla-provision");
    });

    it("an unknown architecture gets a clear message and exit 1, before any download", async () => {
      const result = await sh(
        [
          "mkdir -p /tmp/fake-uname",
          `printf '#!/bin/sh\\ncase "$1" in -m) echo riscv64 ;; *) exec /bin/uname "$@" ;; esac\\n' > /tmp/fake-uname/uname`,
          "chmod +x /tmp/fake-uname/uname",
          `curl -fsSL ${SERVER}/install.sh | PATH=/tmp/fake-uname:$PATH VLA_PROVISION_BASE_URL=${SERVER}/good sh`,
        ].join("\n"),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("no executable for this machine's architecture (riscv64)");
      expect(result.stderr).toContain("x86_64 (amd64) and aarch64 (arm64)");
      expect(result.stderr).not.toContain("Downloading");
      expect(await installedFiles()).not.toContain("vla-provision");
    });

    it("aarch64: the arm64 executable is fetched and verified, and refused when it cannot run here", async () => {
      // This host is x86_64 with a uname that says aarch64: the right file, which cannot run.
      const result = await sh(
        [
          "mkdir -p /tmp/fake-arm64",
          `printf '#!/bin/sh\\ncase "$1" in -m) echo aarch64 ;; *) exec /bin/uname "$@" ;; esac\\n' > /tmp/fake-arm64/uname`,
          "chmod +x /tmp/fake-arm64/uname",
          `curl -fsSL ${SERVER}/install.sh | PATH=/tmp/fake-arm64:$PATH VLA_PROVISION_BASE_URL=${SERVER}/good sh`,
        ].join("\n"),
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("Downloading vla-provision-linux-arm64 and SHA256SUMS");
      expect(result.stderr).toContain("Checksum verified");
      expect(result.stderr).toContain("does not run on this machine");
      expect(result.stderr).toContain("Nothing was installed");
      expect(await installedFiles()).not.toContain("vla-provision");
    });

    it("VLA_PROVISION_VERSION picks that release on GitHub; the default is the latest release", async () => {
      // A curl that records what it was asked for and fails, as an unreachable network would.
      const fakeCurl = [
        "mkdir -p /tmp/fake-curl",
        `printf '#!/bin/sh\\nprintf "%%s\\\\n" "$*" >> /tmp/fake-curl/log\\nexit 22\\n' > /tmp/fake-curl/curl`,
        "chmod +x /tmp/fake-curl/curl",
        ": > /tmp/fake-curl/log",
      ].join("\n");
      const pinned = await sh(
        `${fakeCurl}\nPATH=/tmp/fake-curl:$PATH VLA_PROVISION_VERSION=0.1.0 sh /srv/release/install.sh; echo "exit $?"; cat /tmp/fake-curl/log`,
      );
      expect(pinned.stdout).toContain("exit 1");
      expect(pinned.stdout).toMatch(
        /--proto =https .*https:\/\/github\.com\/[\w.-]+\/vla-provision\/releases\/download\/v0\.1\.0\/SHA256SUMS$/m,
      );
      expect(pinned.stderr).toContain("could not download https://github.com/");
      const latest = await sh(
        `${fakeCurl}\nPATH=/tmp/fake-curl:$PATH sh /srv/release/install.sh; cat /tmp/fake-curl/log`,
      );
      expect(latest.stdout).toMatch(
        /https:\/\/github\.com\/[\w.-]+\/vla-provision\/releases\/latest\/download\/SHA256SUMS$/m,
      );
      const bad = await sh("VLA_PROVISION_VERSION='1.0; rm -rf /' sh /srv/release/install.sh");
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("is not a version");
    });

    it("curl ... | sh as root: verified, installed to /usr/local/bin, runs, says what to type next", async () => {
      const result = await sh(
        `curl -fsSL ${SERVER}/install.sh | VLA_PROVISION_BASE_URL=${SERVER}/good sh`,
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain("Checksum verified");
      expect(result.stderr).toContain(
        `Installed vla-provision ${VERSION} to /usr/local/bin/vla-provision`,
      );
      expect(result.stderr).toMatch(/^ {2}vla-provision --dry-run$/m);
      const installed = await sh("ls -l /usr/local/bin; ls -A /usr/local/bin");
      expect(installed.stdout).toMatch(/^-rwxr-xr-x 1 root root .* vla-provision$/m);
      expect(installed.stdout).not.toContain(".vla-provision.new");
      const version = await sh("vla-provision --version", "ops");
      expect(version.stdout.trim()).toBe(VERSION);
      expect((await installedFiles()).includes("/tmp/tmp.")).toBe(false);
    });

    it("wget ... | sh as a user without curl: ~/.local/bin, and how to reach it", async () => {
      // curl hidden, wget from busybox: the installer falls back to wget.
      const result = await sh(
        [
          "mv /usr/bin/curl /usr/bin/curl.hidden",
          `ln -sf ${BUSYBOX} /usr/local/bin/wget`,
          `su - ops -c ${shq(`wget -qO- ${SERVER}/install.sh | VLA_PROVISION_BASE_URL=${SERVER}/good sh`)}`,
          "status=$?",
          "rm -f /usr/local/bin/wget; mv /usr/bin/curl.hidden /usr/bin/curl",
          "exit $status",
        ].join("\n"),
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(
        `Installed vla-provision ${VERSION} to /home/ops/.local/bin/vla-provision`,
      );
      expect(result.stderr).toContain("/home/ops/.local/bin/vla-provision --dry-run");
      const owner = await sh("stat -c '%U %a' /home/ops/.local/bin/vla-provision");
      expect(owner.stdout.trim()).toBe("ops 755");
      const version = await sh("/home/ops/.local/bin/vla-provision --version", "ops");
      expect(version.stdout.trim()).toBe(VERSION);
    });

    it("runs under busybox sh too (another POSIX shell), into VLA_PROVISION_INSTALL_DIR", async () => {
      const result = await sh(
        `VLA_PROVISION_BASE_URL=${SERVER}/good/ VLA_PROVISION_INSTALL_DIR=/opt/vla/bin ${BUSYBOX} sh /srv/release/install.sh`,
      );
      expect(result.code, result.stderr).toBe(0);
      expect((await sh("/opt/vla/bin/vla-provision --version")).stdout.trim()).toBe(VERSION);
    });
  });
});

describe("the release workflow (.github/workflows/release.yml)", () => {
  it("on v* tags: checks, builds, smoke-runs both executables, attaches them, publishes with provenance", async () => {
    const text = await readFile(resolve(ROOT, ".github/workflows/release.yml"), "utf8");
    const workflow = YAML.parse(text);
    expect(workflow.on.push.tags).toEqual(["v*"]);
    const jobs = Object.values(workflow.jobs) as {
      permissions?: Record<string, string>;
      steps: { run?: string; env?: Record<string, string>; if?: string }[];
    }[];
    const runs = jobs.flatMap((job) => job.steps.map((step) => step.run ?? "")).join("\n");
    for (const command of [
      "npm ci",
      "npx tsc --noEmit",
      "npm run test:unit",
      "npm run build:exe",
      "sha256sum -c SHA256SUMS",
      "qemu-aarch64-static",
      "gh release create",
      "npm publish --provenance",
    ])
      expect(runs, command).toContain(command);
    for (const file of ["vla-provision-linux-x64", "vla-provision-linux-arm64", "SHA256SUMS"])
      expect(runs).toContain(file);
    expect(runs).toMatch(/install\.sh/);
    const permissions = jobs.map((job) => job.permissions ?? workflow.permissions ?? {});
    expect(permissions.some((p) => p.contents === "write")).toBe(true);
    expect(permissions.some((p) => p["id-token"] === "write")).toBe(true);
    // npm publish only where the secret is set.
    const publish = jobs.flatMap((job) => job.steps).find((s) => s.run?.includes("npm publish"));
    expect(publish?.if ?? "").toContain("NPM_TOKEN");
  });
});
