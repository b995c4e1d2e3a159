import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { longFlag, OPTION_SPECS, type OptionSpec } from "../../src/option-schema.js";
import { explain, runCli, sshFlags, statuses } from "./_helpers/cli.js";
import { STATE_SNAPSHOT } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

describe("bad usage exits 2 with one line, before anything connects", () => {
  it.each([
    [["--bogus"], /unknown option '--bogus'/],
    [["--ssh", "ops@"], /Invalid --ssh value/],
    [["--ssh", "host:99999"], /Invalid --ssh value/],
    [["--docker-version", "not a range"], /--docker-version/],
    [["--docker-key-fingerprint", "1234"], /--docker-key-fingerprint/],
    [["--docker-repo", "ftp://example.org"], /--docker-repo/],
    [["--require-gpu", "--no-nvidia"], /contradict/],
    [["doctr"], /unknown command 'doctr'/],
    [["--dry-rn"], /unknown option '--dry-rn' \(Did you mean --dry-run\?\)/],
  ])("%j", async (args, message) => {
    const result = await runCli(args);
    expect(result.code, explain(result)).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  // A dry run against a closed port: a check that lets the value through cannot change any host.
  const unreachable = ["--dry-run", "--ssh", "ops@127.0.0.1:1"];
  const dir = mkdtempSync(join(tmpdir(), "vla-bad-usage-"));
  it.each([
    [
      ["--registry-mirror", "https://user:secret@mirror.example.org"],
      /--registry-mirror: .*password/,
    ],
    [
      ["--registry-mirror", "https://mirror.example.org/v2"],
      /--registry-mirror: .*host and port only/,
    ],
    [["--hello-image", "NVIDIA/hello"], /--hello-image: .*lower-case/],
    [["--cuda-image", "nvidia/cuda@sha256:abc"], /--cuda-image: .*64 lower-case hex digits/],
    [["--docker-version", ""], /--docker-version: "" is not a semver range/],
    [["--toolkit-version", " "], /--toolkit-version: " " is not a semver range/],
    [["--apt-lock-timeout", ""], /--apt-lock-timeout: .*0\.\.86400/],
    [["--apt-lock-timeout", "1.5"], /--apt-lock-timeout: .*0\.\.86400/],
    [["--apt-lock-timeout", "86401"], /--apt-lock-timeout: .*0\.\.86400/],
    [["-i", "/dev/zero"], /-i: "\/dev\/zero" is not a regular file/],
    [["-i", dir], /-i: .* is a directory/],
    [["--known-hosts", join(dir, "missing")], /--known-hosts: .* does not exist/],
    [["--ssh-config", "/dev/zero"], /--ssh-config: .* is not a regular file/],
    [["--ssh", "ops@127.0.0.1:1", "doctor", "--hello-image", "BAD"], /--hello-image: "BAD"/],
    [["--hello-image", "BAD", "doctor", "--ssh", "ops@127.0.0.1:1"], /--hello-image: "BAD"/],
  ])("%j", async (args, message) => {
    const result = await runCli([...unreachable, ...args], { timeoutMs: 60_000 });
    expect(result.code, explain(result)).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it("--help lists every option and --version prints the package version", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    const flags = (Object.values(OPTION_SPECS) as OptionSpec[])
      .filter((spec) => !spec.commands)
      .map(longFlag);
    expect(flags.length).toBeGreaterThan(20);
    for (const flag of [...flags, "Examples:"]) expect(help.stdout).toContain(flag);
    const version = await runCli(["--version"]);
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8"));
    expect(version.stdout.trim()).toBe(pkg.version);
  });
});

describe("an unreachable host, no test bed needed", () => {
  const target = ["--ssh", "ops@127.0.0.1:1", "--ssh-config", "/dev/null"];

  it.each([[[...target, "doctor"]], [["doctor", ...target]]])(
    "%j probes that host, not this machine, and says why it failed on stderr",
    async (args) => {
      const result = await runCli(args, { timeoutMs: 60_000 });
      expect(result.code, explain(result)).toBe(1);
      expect(result.stdout).not.toMatch(/^local:/m);
      expect(result.stderr).toMatch(/^vla-provision: ops@127\.0\.0\.1:1: cannot connect to /m);
    },
  );

  it("a host given twice runs once", async () => {
    const result = await runCli(
      ["--dry-run", "--json", ...target, "--ssh", "ops@127.0.0.1:01", "--ssh", "OPS@127.0.0.1:1"],
      { timeoutMs: 60_000 },
    );
    expect(result.code, explain(result)).toBe(1);
    expect(result.report?.hosts.map((host) => host.target)).toEqual([
      "ops@127.0.0.1:1",
      "OPS@127.0.0.1:1",
    ]);
  });
});

describe("refusals on a real host leave it untouched", () => {
  let host: TestHost;
  const dir = mkdtempSync(join(tmpdir(), "vla-refusals-"));

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("refuses an unknown host key without --accept-new-host-key, then records it with the flag", async () => {
    const empty = join(dir, "known_hosts_empty");
    writeFileSync(empty, "");
    const flags = ["--ssh", host.ssh, "-i", host.key, "--known-hosts", empty];
    const refused = await runCli(["doctor", ...flags]);
    expect(refused.code, explain(refused)).toBe(3);
    expect(refused.stdout + refused.stderr).toMatch(
      /host key of \[127\.0\.0\.1\]:\d+ is not known \(ssh-ed25519 SHA256:/,
    );
    expect(readFileSync(empty, "utf8")).toBe("");

    const accepted = await runCli(["doctor", ...flags, "--accept-new-host-key"]);
    expect(accepted.code, explain(accepted)).toBe(4);
    const port = host.ssh.split(":").at(-1);
    expect(readFileSync(empty, "utf8")).toMatch(
      new RegExp(`^\\[127\\.0\\.0\\.1\\]:${port} ssh-ed25519 AAAA`, "m"),
    );
    const again = await runCli(["doctor", ...flags]);
    expect(again.code, explain(again)).toBe(4);
  });

  it("always refuses a changed host key, even with --accept-new-host-key", async () => {
    const port = host.ssh.split(":").at(-1);
    // A different, valid ed25519 key recorded for the same host and port.
    const other = readFileSync(`${host.key}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
    const changed = join(dir, "known_hosts_changed");
    writeFileSync(changed, `[127.0.0.1]:${port} ${other}\n`);
    const result = await runCli([
      "doctor",
      "--ssh",
      host.ssh,
      "-i",
      host.key,
      "--known-hosts",
      changed,
      "--accept-new-host-key",
    ]);
    expect(result.code, explain(result)).toBe(3);
    expect(result.stdout + result.stderr).toMatch(/HOST KEY CHANGED/);
    expect(readFileSync(changed, "utf8")).toBe(`[127.0.0.1]:${port} ${other}\n`);
  });

  it("waits for a held apt lock, bounded, names who holds it, and never kills it", async () => {
    await host.exec(
      "setsid flock /var/lib/dpkg/lock-frontend sleep 120 >/dev/null 2>&1 < /dev/null &",
    );
    const before = await host.exec(STATE_SNAPSHOT);
    const doctor = await runCli(["doctor", ...sshFlags(host), "--json"]);
    const locks = JSON.parse(doctor.stdout).hosts[0].facts.aptLocks;
    expect(locks[0]).toMatchObject({ file: "/var/lib/dpkg/lock-frontend" });
    expect(locks[0].command).toMatch(/flock|sleep/);
    const result = await runCli([
      ...sshFlags(host),
      ...host.cliArgs,
      "--apt-lock-timeout",
      "3",
      "--json",
    ]);
    expect(result.code, explain(result)).toBe(3);
    expect(result.report?.hosts[0]?.error).toMatch(
      /apt is still locked after 3s by pid \d+ \((flock|sleep)/,
    );
    expect((await host.exec("pgrep -f 'sleep 120' >/dev/null && echo alive")).stdout).toBe("alive");
    expect((await host.exec(STATE_SNAPSHOT)).stdout).toBe(before.stdout);
    await host.exec("pkill -f 'flock /var/lib/dpkg/lock-frontend'; pkill -f 'sleep 120'; true");
  });

  it("an impossible --docker-version exits 2 before any change", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const result = await runCli([
      ...sshFlags(host),
      ...host.cliArgs,
      "--docker-version",
      ">=99",
      "--json",
    ]);
    expect(result.code, explain(result)).toBe(2);
    expect(result.stdout + result.stderr).toMatch(
      /no docker-ce version satisfies ">=99"; the repository offers: 20\.10\.25, 20\.10\.24/,
    );
    expect((await host.exec(STATE_SNAPSHOT)).stdout).toBe(before.stdout);
  });

  it("a repository key with the wrong fingerprint fails at the key step and leaves nothing behind", async () => {
    const flags = [...host.cliArgs];
    const at = flags.indexOf("--docker-key-fingerprint");
    flags[at + 1] = "0000000000000000000000000000000000000000";
    const result = await runCli([...sshFlags(host), ...flags, "--json"]);
    expect(result.code, explain(result)).toBe(1);
    const status = statuses(result);
    expect(status["docker-key"]).toBe("failed");
    expect(status["docker-source"]).toBeUndefined();
    const step = result.report?.hosts[0]?.steps.find((s) => s.id === "docker-key");
    expect(step?.error).toMatch(/fingerprint mismatch/);
    const left = await host.exec(
      "ls /etc/apt/keyrings/docker.asc /etc/apt/sources.list.d/docker.sources 2>&1; dpkg-query -W -f='${db:Status-Abbrev}' docker-ce 2>&1",
    );
    expect(left.stdout).toMatch(/docker\.asc'?: No such file/);
    expect(left.stdout).toMatch(/docker\.sources'?: No such file/);
    expect(left.stdout).not.toMatch(/^ii/m);
  });
});
