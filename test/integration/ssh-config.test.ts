import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli } from "./_helpers/cli.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

describe("--ssh-config: a test host addressed only by an alias", () => {
  let host: TestHost;
  const dir = mkdtempSync(join(tmpdir(), "vla-ssh-config-"));
  let port = "";

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
    port = host.ssh.split(":").at(-1) ?? "";
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("resolves HostName, User, Port, IdentityFile and UserKnownHostsFile from the file", async () => {
    const config = join(dir, "config");
    writeFileSync(
      config,
      [
        "Host lab-gpu-01",
        "  HostName 127.0.0.1",
        "  User ops",
        `  Port ${port}`,
        `  IdentityFile ${host.key}`,
        "  IdentitiesOnly yes",
        `  UserKnownHostsFile ${host.knownHosts}`,
        "  StrictHostKeyChecking yes",
        "",
      ].join("\n"),
    );
    const result = await runCli([
      "doctor",
      "--ssh",
      "lab-gpu-01",
      "--ssh-config",
      config,
      "--json",
    ]);
    // Reached and probed; not provisioned, so doctor says a run would set it up (4).
    expect(result.code, explain(result)).toBe(4);
    const report = JSON.parse(result.stdout);
    expect(report.hosts[0].target).toBe(`ops@127.0.0.1:${port}`);
    expect(report.hosts[0].facts.loginUser).toBe("ops");
    expect(report.hosts[0].commands).toBe(1);
  });

  it("honours what `vagrant ssh-config` writes: StrictHostKeyChecking no, UserKnownHostsFile /dev/null", async () => {
    const config = join(dir, "vagrant-like");
    writeFileSync(
      config,
      [
        "Host noble",
        "  HostName 127.0.0.1",
        "  User ops",
        `  Port ${port}`,
        "  UserKnownHostsFile /dev/null",
        "  StrictHostKeyChecking no",
        "  PasswordAuthentication no",
        `  IdentityFile ${host.key}`,
        "  IdentitiesOnly yes",
        "  LogLevel FATAL",
        "",
      ].join("\n"),
    );
    const result = await runCli(["doctor", "--ssh", "noble", "--ssh-config", config, "--json"]);
    expect(result.code, explain(result)).toBe(4);
    expect(JSON.parse(result.stdout).hosts[0].target).toBe(`ops@127.0.0.1:${port}`);
  });

  it("an alias that the file does not know is tried as a host name, and fails clearly", async () => {
    const result = await runCli([
      "doctor",
      "--ssh",
      "not-in-config.invalid",
      "--ssh-config",
      join(dir, "config"),
      "--json",
    ]);
    expect(result.code, explain(result)).toBe(1);
    expect(JSON.parse(result.stdout).hosts[0].error).toMatch(
      /cannot connect to .*not-in-config\.invalid/,
    );
  });
});
