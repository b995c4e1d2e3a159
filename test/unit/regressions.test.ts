/**
 * Regressions the unit suite once let through, one `describe` each, where a unit test can see
 * them (TESTING.md lists which test catches which regression, and how each was checked: by
 * breaking the code on purpose in a scratch copy and watching the test fail).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderActions } from "../../src/actions/render.js";
import { describeDecisions } from "../../src/decisions.js";
import { commandEnv } from "../../src/engine/runner.js";
import { RefusedError, StepError } from "../../src/errors.js";
import { type Facts, parseProbe } from "../../src/facts/facts.js";
import { Host } from "../../src/hosts/host.js";
import type { ExecOptions, ExecResult, Transport } from "../../src/hosts/transport.js";
import { preflight } from "../../src/preflight.js";
import { dockerGroup } from "../../tasks/docker-group.js";
import { dockerPackages } from "../../tasks/docker-packages.js";
import { applyStep, fakeRun } from "./_helpers/fake-host.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

const PROBE_DEBIAN12 = readFileSync(
  new URL("../fixtures/probe/debian12-local-root.txt", import.meta.url),
  "utf8",
);

/** The real Debian 12 capture with one section replaced, as the probe would print it. */
const probeWith = (section: string, body: string): Facts =>
  parseProbe(`${PROBE_DEBIAN12}\n@@vla ${section}\n${body}\n@@vla-rc 0\n`, "root");

const osRelease = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([name, value]) => `${name}="${value}"`)
    .join("\n");

describe("preflight refuses an unsupported OS, architecture or a snap Docker before running anything", () => {
  const SUPPORTED =
    "supported are Ubuntu 22.04 (jammy) and 24.04 (noble), Debian 12 (bookworm) and 13 (trixie), on amd64 or arm64";

  it.each([
    [
      "Fedora 40",
      probeWith(
        "os-release",
        osRelease({
          NAME: "Fedora Linux",
          ID: "fedora",
          VERSION_ID: "40",
          PRETTY_NAME: "Fedora Linux 40 (Server Edition)",
        }),
      ),
      `unsupported OS Fedora Linux 40 (Server Edition): ${SUPPORTED}`,
    ],
    [
      "Ubuntu 18.04",
      probeWith(
        "os-release",
        osRelease({
          ID: "ubuntu",
          VERSION_ID: "18.04",
          VERSION_CODENAME: "bionic",
          PRETTY_NAME: "Ubuntu 18.04.6 LTS",
        }),
      ),
      `unsupported OS Ubuntu 18.04.6 LTS: ${SUPPORTED}`,
    ],
    [
      "Debian 11",
      probeWith(
        "os-release",
        osRelease({
          ID: "debian",
          VERSION_ID: "11",
          VERSION_CODENAME: "bullseye",
          PRETTY_NAME: "Debian GNU/Linux 11 (bullseye)",
        }),
      ),
      `unsupported OS Debian GNU/Linux 11 (bullseye): ${SUPPORTED}`,
    ],
    [
      "no os-release at all",
      parseProbe(`${PROBE_DEBIAN12}\n@@vla os-release\n\n@@vla-rc 1\n`, "root"),
      `unsupported OS unknown: ${SUPPORTED}`,
    ],
    [
      "s390x",
      probeWith("arch", "s390x\ns390x"),
      `unsupported architecture s390x (s390x): ${SUPPORTED}`,
    ],
    [
      "i386",
      probeWith("arch", "i386\nx86_64"),
      `unsupported architecture i386 (x86_64): ${SUPPORTED}`,
    ],
    [
      "a snap Docker",
      probeWith(
        "snap-docker",
        "Name    Version  Rev   Tracking       Publisher   Notes\ndocker  24.0.5   2904  latest/stable  canonical✓  -",
      ),
      "Docker is installed as a snap, which conflicts with Docker CE. Move your data off it and run again with --replace-snap-docker (it runs `snap remove docker`, which keeps an automatic snapshot), or remove it yourself",
    ],
  ])("%s: exit 3 with the reason, no command run", async (_name, facts, message) => {
    for (const dryRun of [false, true]) {
      const run = fakeRun(facts, { ...TEST_OPTIONS, dryRun, yes: true });
      const refusal = preflight(run.ctx);
      await expect(refusal).rejects.toBeInstanceOf(RefusedError);
      await expect(refusal).rejects.toThrow(message);
      expect(run.commands).toEqual([]);
    }
  });

  it.each([
    ["ubuntu", "22.04", "amd64"],
    ["ubuntu", "24.04", "arm64"],
    ["debian", "12", "amd64"],
    ["debian", "13", "arm64"],
  ])("accepts %s %s on %s", async (id, version, arch) => {
    const facts = probeWith(
      "os-release",
      osRelease({ ID: id, VERSION_ID: version, PRETTY_NAME: `${id} ${version}` }),
    );
    facts.arch = { dpkg: arch, machine: arch === "amd64" ? "x86_64" : "aarch64" };
    await expect(preflight(fakeRun(facts, TEST_OPTIONS).ctx)).resolves.toMatch(
      new RegExp(`^${id} ${version} ${arch}, root`),
    );
  });

  it("a snap Docker is removed, not refused, with --replace-snap-docker", async () => {
    const facts = probeWith("snap-docker", "Name Version\ndocker 24.0.5");
    const run = fakeRun(facts, { ...TEST_OPTIONS, replaceSnapDocker: true });
    await expect(preflight(run.ctx)).resolves.toBeTruthy();
  });
});

describe("the docker group: usermod -aG, never -G (which drops the user's other groups)", () => {
  const facts = probeWith("target-user", "ops lab-data lab-gpu");

  it("plans and runs usermod -aG docker for the user", async () => {
    const run = fakeRun(facts, TEST_OPTIONS);
    run.ctx.decisions.targetUser = "ops";
    expect(dockerGroup.skipReason?.(run.ctx)).toBeUndefined();
    const plan = dockerGroup.plan(run.ctx);
    if (plan.done) throw new Error("docker-group has nothing to do");
    expect(plan.actions.filter((action) => action.kind === "add-to-group")).toEqual([
      { kind: "add-to-group", user: "ops", group: "docker" },
    ]);
    const planned = renderActions(plan.actions, commandEnv(run.ctx)).split("\n");
    expect(planned.filter((text) => text.includes("usermod"))).toEqual([
      "$ getent group docker >/dev/null || groupadd docker; usermod -aG docker ops",
    ]);

    await applyStep(dockerGroup, run.ctx);
    expect(run.commands).toHaveLength(1);
    expect(run.commands[0]).toMatch(/; usermod -aG docker ops'$/);
    expect(run.commands[0]).not.toMatch(/usermod -G/);
  });
});

/** A transport that records each command and the standard input it was given. */
class StdinRecorder implements Transport {
  readonly target = "lab@gpu-01";
  readonly kind = "ssh";
  readonly loginUser = "lab";
  readonly calls: { command: string; stdin: string }[] = [];
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ command, stdin: options.stdin ?? "" });
    return { code: 0, stdout: "", stderr: "" };
  }
  async close(): Promise<void> {}
}

describe("the sudo password reaches sudo on standard input only", () => {
  const PASSWORD = "Pw-4c9e1f-never-an-argument";

  function host(): { host: Host; calls: StdinRecorder["calls"] } {
    const transport = new StdinRecorder();
    return {
      host: new Host(transport, { mode: "sudo-password", password: PASSWORD }),
      calls: transport.calls,
    };
  }

  it("is the first line of sudo -S's standard input, and in no command line", async () => {
    const { host: h, calls } = host();
    await h.run("id -u", { privileged: true });
    await h.run("cat > /etc/x", { privileged: true, stdin: "content\n" });
    await h.writeFile("/etc/docker/daemon.json", "{}\n", { mode: "0644" });
    await h.readFile("/etc/shadow", { privileged: true });
    expect(calls).toHaveLength(4);
    for (const { command, stdin } of calls) {
      expect(command).toMatch(/^sudo -k -S -p '' -- timeout /);
      expect(command).not.toContain(PASSWORD);
      expect(stdin.split("\n")[0]).toBe(PASSWORD);
      expect(stdin.split(PASSWORD)).toHaveLength(2);
    }
    expect(calls[1]?.stdin).toBe(`${PASSWORD}\ncontent\n`);
  });

  it("stays first on stdin when the proxy settings travel there too", async () => {
    const { host: h, calls } = host();
    h.privilegedEnv = { https_proxy: "http://u:proxy-secret@proxy:3128" };
    await h.run("apt-get update", { privileged: true, stdin: "x" });
    const [call] = calls;
    expect(call?.command).not.toContain(PASSWORD);
    expect(call?.command).not.toContain("proxy-secret");
    expect(call?.stdin).toBe(`${PASSWORD}\nexport https_proxy=http://u:proxy-secret@proxy:3128\nx`);
  });

  it("is never sent to commands that do not run as root", async () => {
    const { host: h, calls } = host();
    await h.run("id -u", { stdin: "y" });
    expect(calls).toEqual([{ command: "timeout -k 10 600 sh -c 'id -u'", stdin: "y" }]);
  });
});

describe("an impossible version range found by the apt fallback (apt-cache madison) fails the step", () => {
  const madison = (command: string) =>
    command.includes("apt-cache madison")
      ? {
          stdout: [
            " docker-ce | 5:28.1.1-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages",
            " docker-ce | 5:27.5.1-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages",
          ].join("\n"),
        }
      : {};
  const facts = parseProbe(PROBE_DEBIAN12, "root");

  it("refuses with the versions on offer and installs nothing", async () => {
    // No decision from preflight: its index fetch failed, so the step asks apt.
    const run = fakeRun(facts, { ...TEST_OPTIONS, dockerVersion: ">=99" }, facts, madison);
    const failure = applyStep(dockerPackages, run.ctx);
    await expect(failure).rejects.toBeInstanceOf(StepError);
    await expect(failure).rejects.toThrow(
      'no docker-ce version satisfies ">=99"; the repository offers: 28.1.1, 27.5.1',
    );
    expect(run.commands.filter((command) => / install /.test(command))).toEqual([]);
  });

  it("installs the newest matching version, pinned, when the range can be met", async () => {
    const run = fakeRun(facts, { ...TEST_OPTIONS, dockerVersion: "27" }, facts, madison);
    await applyStep(dockerPackages, run.ctx);
    const install = run.commands.find((command) => / install /.test(command));
    expect(install).toContain("docker-ce=5:27.5.1-1~debian.12~bookworm");
    expect(install).toContain("docker-ce-cli=5:27.5.1-1~debian.12~bookworm");
    expect(run.ctx.decisions.versions["docker-ce"]).toBe("5:27.5.1-1~debian.12~bookworm");
    // The report shows what the range resolved to.
    expect(describeDecisions(run.ctx.decisions)["docker-version"]).toBe(
      "5:27.5.1-1~debian.12~bookworm",
    );
  });
});
