import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli } from "./_helpers/cli.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

/** A port of 127.0.0.1 that nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const portOf = (host: TestHost) => host.ssh.split(":").at(-1) ?? "";

describe("a fleet from two Ansible inventories, INI and YAML, with --limit", () => {
  let hosts: TestHost[] = [];
  const dir = mkdtempSync(join(tmpdir(), "vla-fleet-"));

  beforeAll(async () => {
    hosts = await Promise.all([
      startHost("debian12", { user: "ops" }),
      startHost("debian12", { user: "ops" }),
      startHost("debian12", { user: "ops" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(hosts.map((host) => host.stop()));
  });

  it("provisions the two selected hosts, leaves the excluded one alone, reports the unreachable one", async () => {
    const [nodeA, nodeB, spare] = hosts as [TestHost, TestHost, TestHost];
    const vars = (host: TestHost) =>
      `ansible_host=127.0.0.1 ansible_port=${portOf(host)} ansible_user=ops ansible_ssh_private_key_file=${host.key}`;
    const ini = join(dir, "lab.ini");
    writeFileSync(
      ini,
      [
        "[gpu]",
        `node-a ${vars(nodeA)}`,
        `gone ansible_host=127.0.0.1 ansible_port=${await closedPort()} ansible_user=ops ansible_ssh_private_key_file=${nodeA.key}`,
        "",
        "[lab:children]",
        "gpu",
        "",
      ].join("\n"),
    );
    const yaml = join(dir, "more.yml");
    const yamlHost = (host: TestHost) =>
      [
        "          ansible_host: 127.0.0.1",
        `          ansible_port: ${portOf(host)}`,
        "          ansible_user: ops",
        `          ansible_ssh_private_key_file: ${host.key}`,
      ].join("\n");
    writeFileSync(
      yaml,
      [
        "all:",
        "  children:",
        "    gpu:",
        "      hosts:",
        "        node-b:",
        yamlHost(nodeB),
        "    spare:",
        "      hosts:",
        "        node-c:",
        yamlHost(spare),
        "",
      ].join("\n"),
    );
    const knownHosts = join(dir, "known_hosts");
    writeFileSync(knownHosts, hosts.map((host) => readFileSync(host.knownHosts, "utf8")).join(""));

    const result = await runCli([
      "--inventory",
      ini,
      "--inventory",
      yaml,
      "--limit",
      "all:!spare",
      "--parallel",
      "2",
      "--known-hosts",
      knownHosts,
      ...nodeA.cliArgs,
      "--json",
    ]);

    // The worst host decides: the unreachable one failed (1), the others succeeded.
    expect(result.code, explain(result)).toBe(1);
    const byName = new Map(result.report?.hosts.map((host) => [host.target, host]));
    expect([...byName.keys()].sort()).toEqual(["gone", "node-a", "node-b"]);
    for (const [name, host] of [
      ["node-a", nodeA],
      ["node-b", nodeB],
    ] as const) {
      const report = byName.get(name);
      expect(report?.ok, explain(result)).toBe(true);
      expect(report?.address).toBe(`ops@127.0.0.1:${portOf(host)}`);
      expect(report?.gpu).toBe("none");
      expect(report?.steps.find((s) => s.id === "docker-packages")?.status).toBe("changed");
      expect((await host.exec("docker --version")).code).toBe(0);
    }
    const gone = byName.get("gone");
    expect(gone?.ok).toBe(false);
    expect(gone?.exitCode).toBe(1);
    expect(gone?.error).toMatch(/cannot connect to ops@127\.0\.0\.1:\d+/);

    // The table after the summary: one row per host.
    expect(result.stderr).toMatch(/^node-a +Debian GNU\/Linux 12 \(bookworm\) amd64 +none +ok /m);
    expect(result.stderr).toMatch(/^gone +- +- +unreachable /m);
    expect(result.stderr).toContain("3 hosts: 2 ok, 1 unreachable");

    // Excluded by --limit: never reached, nothing installed.
    expect((await spare.exec("dpkg-query -W docker-ce")).code).not.toBe(0);
    expect((await spare.exec("test -e /etc/apt/keyrings/docker.asc")).code).not.toBe(0);
  });

  it("refuses what it cannot honour before connecting: exit 2, one line", async () => {
    const script = join(dir, "ec2.py");
    writeFileSync(script, "#!/bin/sh\necho '{}'\n", { mode: 0o755 });
    const cases: [string[], RegExp][] = [
      [["--inventory", script], /dynamic inventory script is not supported/],
      [
        ["--inventory", join(dir, "lab.ini"), "--limit", "gpu-99"],
        /"gpu-99" names no host or group/,
      ],
      [["--inventory", join(dir, "lab.ini"), "--limit", "spare"], /names no host or group/],
      [["--parallel", "0"], /--parallel: "0" is not a whole number in 1\.\.256/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, explain(result)).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    }
  });
});
