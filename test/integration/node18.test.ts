// The oldest Node.js the bundle supports (engines: >=18.19): Node 18.19.1, the nodejs of Ubuntu
// 24.04, an official binary from the npm registry (scripts/node-runtimes/node18, pinned with its
// integrity), runs dist/cli.mjs against a fresh test host over SSH.
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli, sshFlags, statuses } from "./_helpers/cli.js";
import { nodeRuntime, VERSION } from "./_helpers/exe.js";
import { STATE_SNAPSHOT } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

describe("the bundle under Node 18.19.1, over SSH", () => {
  let host: TestHost;
  let node: string;
  const args = () => [...sshFlags(host), ...host.cliArgs, "--json"];

  beforeAll(async () => {
    node = await nodeRuntime("node18", "x64");
    host = await startHost("debian12", { user: "ops" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("is Node 18.19.1, and it runs --version and --help", async () => {
    expect((await execa(node, ["--version"])).stdout).toBe("v18.19.1");
    const version = await runCli(["--version"], { node });
    expect(version.code, explain(version)).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
    const help = await runCli(["--help"], { node });
    expect(help.code, explain(help)).toBe(0);
    expect(help.stdout).toContain("Usage: vla-provision");
    expect(help.stderr).toBe("");
  });

  it("provisions a fresh host: exit 0, Docker CE, the docker group, the mirror, hello-world", async () => {
    const result = await runCli(args(), { node });
    expect(result.code, explain(result)).toBe(0);
    const status = statuses(result);
    for (const id of [
      "docker-key",
      "docker-source",
      "docker-packages",
      "docker-group",
      "daemon-settings",
    ])
      expect(status[id], id).toBe("changed");
    expect(status["verify-hello"]).toBe("verified");
    expect(Object.values(status)).not.toContain("failed");
    // Nothing of Node's own complaints (experimental or deprecated APIs) on stderr.
    expect(result.stderr).not.toMatch(/ExperimentalWarning|DeprecationWarning|\(node:\d+\)/);
  });

  it("a second run skips every step and changes nothing", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const result = await runCli([...args(), "--no-verify"], { node });
    expect(result.code, explain(result)).toBe(0);
    const steps = result.report?.hosts[0]?.steps ?? [];
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(step.status, `${step.id}: ${step.reason}`).toBe("skipped");
    const after = await host.exec(STATE_SNAPSHOT);
    expect(after.stdout).toBe(before.stdout);
  });

  it("doctor reads the host in one round trip", async () => {
    const result = await runCli(["doctor", ...sshFlags(host), "--json"], { node });
    // Provisioned by the tests above: ready.
    expect(result.code, explain(result)).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.hosts[0].commands).toBe(1);
    expect(report.hosts[0].facts.os).toBe("Debian GNU/Linux 12 (bookworm) amd64");
  });
});
