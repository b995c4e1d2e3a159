// The standalone executables (npm run build:exe): the x64 one provisions a test host that has no
// Node.js, run there locally the way a user runs it; the arm64 one runs under QEMU user emulation;
// a closed pipe ends the CLI quietly.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunReport } from "../../src/engine/report.js";
import { CLI, sshFlags } from "./_helpers/cli.js";
import { buildExecutables, copyIntoHost, DIST, EXE, ROOT, shq, VERSION } from "./_helpers/exe.js";
import { STATE_SNAPSHOT } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

const hasCommand = (name: string) =>
  spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
// In CI a missing tool fails these tests instead of skipping them (npm test installs them).
const runsHere = (installed: boolean) => installed || Boolean(process.env.CI);

interface LocalResult {
  code: number;
  stdout: string;
  stderr: string;
  report?: RunReport;
}

/**
 * `vla-provision ARGS` typed by `user` in a login shell on the host itself (local mode, no SSH):
 * root types it as is, ops and lab get there with `su -`.
 */
async function runLocal(
  host: TestHost,
  user: "root" | "ops" | "lab",
  command: string[],
  input?: string,
): Promise<LocalResult> {
  const line = `export CI=1 NO_COLOR=1; ${command.map(shq).join(" ")}`;
  const result = await host.exec(user === "root" ? line : `su - ${user} -c ${shq(line)}`, {
    input,
    timeoutMs: 900_000,
  });
  let report: RunReport | undefined;
  if (command.includes("--json") && result.stdout.trim().startsWith("{"))
    report = JSON.parse(result.stdout) as RunReport;
  return { ...result, report };
}

function explain(result: LocalResult): string {
  return `exit ${result.code}\n--- stderr ---\n${result.stderr.slice(-4000)}\n--- stdout ---\n${result.stdout.slice(-2000)}`;
}

function statuses(result: LocalResult): Record<string, string> {
  return Object.fromEntries((result.report?.hosts[0]?.steps ?? []).map((s) => [s.id, s.status]));
}

function expectFreshProvision(result: LocalResult, user: string) {
  expect(result.code, explain(result)).toBe(0);
  expect(result.report?.hosts[0]?.target).toBe("local");
  const status = statuses(result);
  for (const id of ["docker-key", "docker-source", "docker-packages", "docker-group"])
    expect(status[id], `${id}\n${explain(result)}`).toBe("changed");
  expect(status["verify-hello"]).toBe("verified");
  expect(Object.values(status)).not.toContain("failed");
  // The account typed at the prompt is the one added to the docker group, not root.
  expect(result.report?.hosts[0]?.notices.join("\n")).toContain(
    `${user} was added to the docker group`,
  );
}

async function expectCleanRerun(host: TestHost, run: () => Promise<LocalResult>) {
  const before = await host.exec(STATE_SNAPSHOT);
  const result = await run();
  expect(result.code, explain(result)).toBe(0);
  const steps = result.report?.hosts[0]?.steps ?? [];
  expect(steps.length).toBeGreaterThan(0);
  for (const step of steps) {
    expect(step.status, `${step.id}: ${step.reason}`).toBe("skipped");
    expect(step.reason, step.id).toBeTruthy();
  }
  expect(result.report?.hosts[0]?.commands).toBeLessThanOrEqual(3);
  const after = await host.exec(STATE_SNAPSHOT);
  expect(after.stdout).toBe(before.stdout);
  expect(after.stdout).not.toContain("no-dockerd");
}

/** A test host with the x64 executable installed where install.sh puts it, and no Node.js. */
async function hostWithExecutable(user: "ops" | "lab"): Promise<TestHost> {
  const exe = await buildExecutables();
  const host = await startHost("debian12", { user });
  await copyIntoHost(host.container, exe.x64, "/usr/local/bin/vla-provision");
  return host;
}

describe("the x64 executable on a host without Node.js, run locally by ops (passwordless sudo)", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await hostWithExecutable("ops");
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("the host has no node; the executable runs there", async () => {
    const node = await host.exec("command -v node || command -v nodejs || ls /usr/bin/node*");
    expect(node.code, node.stdout).not.toBe(0);
    const version = await runLocal(host, "ops", ["vla-provision", "--version"]);
    expect(version.code, explain(version)).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
  });

  it("vla-provision: a full provision of this machine exits 0 (sudo -n for root's commands)", async () => {
    const result = await runLocal(host, "ops", ["vla-provision", ...host.cliArgs, "--json"]);
    expectFreshProvision(result, "ops");
    expect(result.report?.hosts[0]?.steps.find((s) => s.id === "daemon-settings")?.status).toBe(
      "changed",
    );
    const groups = await host.exec("id -nG ops");
    expect(groups.stdout.split(/\s+/)).toContain("docker");
    const active = await host.exec("systemctl is-active docker; systemctl is-enabled docker");
    expect(active.stdout.split("\n").slice(0, 2)).toEqual(["active", "enabled"]);
    const hello = await host.exec("su - ops -c 'docker run --rm hello-world'");
    expect(hello.stdout).toContain("Hello from Docker!");
  });

  it("a second run skips every step and changes nothing", async () => {
    await expectCleanRerun(host, () =>
      runLocal(host, "ops", ["vla-provision", ...host.cliArgs, "--json", "--no-verify"]),
    );
  });

  it("from this machine, the executable reaches the host over SSH too (doctor)", async () => {
    const result = await execa(EXE.x64, ["doctor", ...sshFlags(host), "--json"], {
      reject: false,
      env: { CI: "1", NO_COLOR: "1", SSH_AUTH_SOCK: "" },
    });
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const report = JSON.parse(String(result.stdout));
    expect(report.hosts[0].commands).toBe(1);
    expect(report.hosts[0].facts.privilege).toBe("sudo-nopasswd");
    expect(report.hosts[0].facts.targetUserInDockerGroup).toBe(true);
  });

  it("sudo vla-provision (root, SUDO_USER=ops): also every step skipped, nothing changed", async () => {
    await expectCleanRerun(host, async () => {
      const result = await runLocal(host, "ops", [
        "sudo",
        "vla-provision",
        ...host.cliArgs,
        "--json",
        "--no-verify",
      ]);
      expect(result.report?.hosts[0]?.steps.find((s) => s.id === "docker-group")?.reason).toMatch(
        /ops/,
      );
      return result;
    });
  });
});

describe("the x64 executable run locally by lab (sudo asks for a password)", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await hostWithExecutable("lab");
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("vla-provision --sudo-password-stdin: a full provision exits 0; the password appears nowhere", async () => {
    const password = host.password ?? "";
    expect(password).not.toBe("");
    const result = await runLocal(
      host,
      "lab",
      ["vla-provision", "--sudo-password-stdin", ...host.cliArgs, "--json"],
      `${password}\n`,
    );
    expectFreshProvision(result, "lab");
    expect(result.stdout).not.toContain(password);
    expect(result.stderr).not.toContain(password);
    const groups = await host.exec("id -nG lab");
    expect(groups.stdout.split(/\s+/)).toContain("docker");
  });

  it("a second run skips every step and changes nothing", async () => {
    await expectCleanRerun(host, () =>
      runLocal(
        host,
        "lab",
        ["vla-provision", "--sudo-password-stdin", ...host.cliArgs, "--json", "--no-verify"],
        `${host.password}\n`,
      ),
    );
  });
});

describe("npm run build:exe", () => {
  const build = (...flags: string[]) =>
    execa(process.execPath, ["scripts/build-exe.mjs", ...flags], {
      cwd: ROOT,
      reject: false,
      all: true,
    });
  const bundleHash = async () =>
    (await execa("sha256sum", ["cli.cjs"], { cwd: DIST })).stdout.split(" ")[0];

  it("writes both executables and SHA256SUMS, and a forced rebuild gives the same bytes", async () => {
    // Bounded retries: another session editing src/ between the two builds changes the bundle.
    for (let attempt = 1; ; attempt++) {
      const first = await build();
      expect(first.exitCode, String(first.all)).toBe(0);
      const sums = await readFile(EXE.sums, "utf8");
      const bundle = await bundleHash();
      expect(sums).toMatch(
        /^[0-9a-f]{64} {2}vla-provision-linux-x64\n[0-9a-f]{64} {2}vla-provision-linux-arm64\n$/,
      );
      const check = await execa("sha256sum", ["-c", "SHA256SUMS"], { cwd: DIST, reject: false });
      expect(check.exitCode, String(check.stdout)).toBe(0);
      const again = await build("--force");
      expect(again.exitCode, String(again.all)).toBe(0);
      if ((await bundleHash()) !== bundle && attempt < 3) continue;
      expect(await readFile(EXE.sums, "utf8")).toBe(sums);
      return;
    }
  });
});

const QEMU = "qemu-aarch64-static";
const ARM64_LIBS = "/usr/aarch64-linux-gnu";
const hasQemu = hasCommand(QEMU) && existsSync(`${ARM64_LIBS}/lib/ld-linux-aarch64.so.1`);

describe("the arm64 executable under QEMU user emulation", () => {
  const arm64 = (args: string[]) =>
    execa(QEMU, ["-L", ARM64_LIBS, EXE.arm64, ...args], {
      reject: false,
      timeout: 120_000,
      env: { CI: "1", NO_COLOR: "1" },
    });

  it.skipIf(!runsHere(hasQemu))(
    "is an aarch64 ELF; --version and doctor --json run and read this machine",
    async () => {
      if (!hasQemu)
        throw new Error(
          `${QEMU} or ${ARM64_LIBS} is missing (Debian packages: qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)`,
        );
      await buildExecutables();
      const header = Buffer.alloc(20);
      const fd = openSync(EXE.arm64, "r");
      readSync(fd, header, 0, 20, 0);
      closeSync(fd);
      expect(header.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
      expect(header.readUInt16LE(18)).toBe(183); // EM_AARCH64

      const version = await arm64(["--version"]);
      expect(version.exitCode, String(version.stderr)).toBe(0);
      expect(String(version.stdout).trim()).toBe(VERSION);

      const doctor = await arm64(["doctor", "--json"]);
      const report = JSON.parse(String(doctor.stdout));
      // doctor's code is the host's readiness: 0 ready, 4 not provisioned (this machine may be either).
      expect(doctor.exitCode, String(doctor.stderr)).toBe(report.hosts[0].exitCode);
      expect([0, 4]).toContain(doctor.exitCode);
      // The same facts as the bundle reads natively: the machine it runs on.
      const native = await execa("node", [CLI, "doctor", "--json"], {
        env: { NO_COLOR: "1" },
        reject: false,
      });
      expect(native.exitCode).toBe(doctor.exitCode);
      const expected = JSON.parse(String(native.stdout));
      expect(report.hosts[0].target).toBe("local");
      expect(report.hosts[0].ok).toBe(true);
      expect(report.hosts[0].facts.os).toBe(expected.hosts[0].facts.os);
      expect(report.hosts[0].facts.loginUser).toBe(expected.hosts[0].facts.loginUser);
    },
    300_000,
  );
});

describe("a reader that goes away (| head -1, | true) ends the CLI quietly", () => {
  beforeAll(async () => {
    await buildExecutables();
  });

  // `true` exits at once, long before the CLI has started: its first write meets a closed pipe.
  it.each([
    ["node dist/cli.mjs --help", `node ${shq(CLI)} --help | true`],
    ["node dist/cli.mjs --help | head -1", `node ${shq(CLI)} --help | head -1`],
    ["the executable --help", `${shq(EXE.x64)} --help | true`],
    ["the executable --version", `${shq(EXE.x64)} --version | true`],
    ["the executable doctor --json", `${shq(EXE.x64)} doctor --json | true`],
  ])("%s: its own exit code, nothing on stderr", async (_name, pipeline) => {
    // doctor keeps the code of the host's readiness (0 ready, 4 not provisioned), as without a pipe.
    const own = pipeline.includes("doctor")
      ? (await execa(EXE.x64, ["doctor", "--json"], { reject: false, env: { NO_COLOR: "1" } }))
          .exitCode
      : 0;
    expect([0, 4]).toContain(own);
    for (let i = 0; i < 3; i++) {
      const result = await execa("bash", ["-c", `set -o pipefail; ${pipeline}`], {
        reject: false,
        env: { NO_COLOR: "1" },
      });
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(own);
    }
  });
});
