import { afterEach, describe, expect, it } from "vitest";
import { explain, runCli, sshFlags, statuses } from "./_helpers/cli.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

describe("other hosts and accounts", () => {
  let host: TestHost | undefined;
  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  it("lab (sudo with a password on stdin): works, pins --docker-version, and the password appears nowhere", async () => {
    host = await startHost("debian12", { user: "lab" });
    const password = host.password ?? "";
    expect(password.length).toBeGreaterThan(8);
    const args = [
      ...sshFlags(host),
      ...host.cliArgs,
      "--sudo-password-stdin",
      "--docker-version",
      "20.10.24",
      "--json",
      "--verbose",
    ];
    const result = await runCli(args, { input: `${password}\n` });
    expect(result.code, explain(result)).toBe(0);
    expect(statuses(result)["docker-packages"]).toBe("changed");
    expect(result.report?.hosts[0]?.decisions["docker-version"]).toBe(
      "5:20.10.24-1~debian.12~bookworm",
    );
    const version = await host.exec("dpkg-query -W -f='${Version}' docker-ce docker-ce-cli");
    expect(version.stdout).toBe("5:20.10.24-1~debian.12~bookworm5:20.10.24-1~debian.12~bookworm");
    expect((await host.exec("id -nG lab")).stdout.split(/\s+/)).toContain("docker");

    expect(result.stdout).not.toContain(password);
    expect(result.stderr).not.toContain(password);
    const logs = await host.exec(
      `journalctl --no-pager 2>/dev/null | grep -c -F -- ${JSON.stringify(password)}; grep -rlF -- ${JSON.stringify(password)} /var/log 2>/dev/null | wc -l`,
    );
    expect(logs.stdout.trim().split("\n")).toEqual(["0", "0"]);

    const again = await runCli(args, { input: `${password}\n` });
    expect(again.code, explain(again)).toBe(0);
    expect(Object.entries(statuses(again)).filter(([, s]) => s === "changed")).toEqual([]);
  });

  it("lab without a password: refused with exit 3 and how to give one", async () => {
    host = await startHost("debian12", { user: "lab" });
    const result = await runCli([...sshFlags(host), ...host.cliArgs, "--yes"]);
    expect(result.code, explain(result)).toBe(3);
    expect(result.stderr).toMatch(/needs a password.*--sudo-password-stdin/);
    const wrong = await runCli([...sshFlags(host), ...host.cliArgs, "--sudo-password-stdin"], {
      input: "not-the-password\n",
    });
    expect(wrong.code, explain(wrong)).toBe(3);
    expect(wrong.stderr).toMatch(/sudo rejected the password/);
    expect(wrong.stderr).not.toContain("not-the-password");
  });

  it("debian12-docker-io: docker.io is replaced by docker-ce, and images and containers are kept", async () => {
    host = await startHost("debian12-docker-io", { user: "ops" });
    const list =
      "docker image ls --format '{{.Repository}}:{{.Tag}}' | sort; docker ps -a --format '{{.Names}} {{.Image}}' | sort";
    const before = await host.exec(list);
    expect(before.stdout.trim()).not.toBe("");
    const result = await runCli([...sshFlags(host), ...host.cliArgs, "--json"]);
    expect(result.code, explain(result)).toBe(0);
    expect(statuses(result)["docker-conflicts"]).toBe("changed");
    const packages = await host.exec(
      "dpkg-query -W -f='${Package} ${db:Status-Abbrev}\\n' docker.io docker-ce containerd runc containerd.io",
    );
    expect(packages.stdout).toMatch(/^docker-ce ii/m);
    expect(packages.stdout).toMatch(/^containerd\.io ii/m);
    expect(packages.stdout).not.toMatch(/^docker\.io ii/m);
    const after = await host.exec(list);
    expect(after.stdout).toContain(before.stdout.trim());
  });

  it("ubuntu2404-like: the noble source and version strings are used", async () => {
    host = await startHost("ubuntu2404-like", { user: "ops" });
    const result = await runCli([...sshFlags(host), ...host.cliArgs, "--json", "--no-verify"]);
    expect(result.code, explain(result)).toBe(0);
    expect(result.report?.hosts[0]?.os).toMatch(/Ubuntu 24\.04/);
    const source = await host.exec("cat /etc/apt/sources.list.d/docker.sources");
    expect(source.stdout).toContain("URIs: http://127.0.0.1:8080/docker/linux/ubuntu");
    expect(source.stdout).toContain("Suites: noble");
    const version = await host.exec("dpkg-query -W -f='${Version}' docker-ce");
    expect(version.stdout).toMatch(/~ubuntu\.24\.04~noble$/);
  });
});
