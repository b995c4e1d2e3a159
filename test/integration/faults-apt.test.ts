/**
 * Faults on the way to a provisioned host: too little disk, a repository that answers 404, a run
 * interrupted with Ctrl-C in the middle of apt, an interrupted dpkg, and conflicting packages whose
 * removal would take other packages along. Each: what the user sees, nothing lost, a re-run that
 * converges.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli } from "./_helpers/cli.js";
import {
  expectConverges,
  expectNothingLost,
  hostArgs,
  plantUserState,
  startCli,
  userState,
  waitOnHost,
} from "./_helpers/faults.js";
import { STATE_SNAPSHOT } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

function withRepo(args: string[], flag: string, value: string): string[] {
  const at = args.indexOf(flag);
  return [...args.slice(0, at + 1), value, ...args.slice(at + 2)];
}

describe("apt faults on a fresh Debian 12 host (ops, over SSH)", () => {
  let host: TestHost;
  const args = () => [...hostArgs(host), "--no-verify", "--no-nvidia"];

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
    await plantUserState(host);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("too little disk for Docker's packages: refused before any change, with the numbers", async () => {
    const snapshot = await host.exec(STATE_SNAPSHOT);
    const mounted = await host.exec("mount -t tmpfs -o size=64m tmpfs /var/cache/apt");
    expect(mounted.code, mounted.stderr).toBe(0);
    try {
      const result = await runCli([...args(), "--json"]);
      expect(result.code, explain(result)).toBe(3);
      expect(result.report?.hosts[0]?.error).toMatch(
        /^only \d+ MiB free on \/var\/cache\/apt; Docker's packages need at least 1 GiB$/,
      );
    } finally {
      await host.exec("umount /var/cache/apt");
    }
    expect((await host.exec(STATE_SNAPSHOT)).stdout).toBe(snapshot.stdout);
  });

  it("a repository that answers 404: one line naming the URL, nothing left behind", async () => {
    const before = await userState(host);
    const broken = withRepo(args(), "--docker-repo", "http://127.0.0.1:8080/nowhere/linux");
    const result = await runCli([...broken, "--json"]);
    expect(result.code, explain(result)).toBe(1);
    const failed = result.report?.hosts[0]?.steps.find((s) => s.status === "failed");
    expect(failed?.id).toBe("docker-key");
    expect(failed?.error).toMatch(/http:\/\/127\.0\.0\.1:8080\/nowhere\/linux\/debian\/gpg/);
    expect(failed?.error).toMatch(/404/);
    const left = await host.exec(
      "ls /etc/apt/keyrings/docker.asc /etc/apt/sources.list.d/docker.sources 2>/dev/null | wc -l",
    );
    expect(left.stdout.trim()).toBe("0");
    await expectNothingLost(host, before);
  });

  it("a repository that serves a broken package: one clear line, nothing installed, a re-run with a good one converges", async () => {
    const before = await userState(host);
    const broken = await host.exec(
      [
        "mkdir -p /srv/broken-repo && cp -as /srv/vla-testbed/repos/docker /srv/broken-repo/",
        "pkg=$(ls /srv/broken-repo/docker/linux/debian/dists/bookworm/pool/stable/amd64/docker-buildx-plugin_*.deb)",
        // Same size, other bytes: apt must catch it by the hash, not by the size.
        'size=$(stat -L -c %s "$pkg") && rm "$pkg" && head -c "$size" /dev/urandom > "$pkg"',
        "/opt/vla-testbed/bin/busybox httpd -p 127.0.0.1:8082 -h /srv/broken-repo",
      ].join(" && "),
    );
    expect(broken.code, broken.stderr).toBe(0);
    const args8082 = withRepo(args(), "--docker-repo", "http://127.0.0.1:8082/docker/linux");
    const result = await runCli([...args8082, "--json"]);
    expect(result.code, explain(result)).toBe(1);
    const failed = result.report?.hosts[0]?.steps.find((s) => s.status === "failed");
    expect(failed?.id).toBe("docker-packages");
    // One line says it: the package, the repository and apt's reason.
    expect(failed?.error?.split("\n")[0]).toMatch(
      /exited with code 100 \(apt\/dpkg error\): E: Failed to fetch http:\/\/127\.0\.0\.1:8082\/.*docker-buildx-plugin.*Hash Sum mismatch/,
    );
    expect((await host.exec("dpkg --audit")).stdout.trim()).toBe("");
    const installed = await host.exec("dpkg-query -W -f='${Status}' docker-ce 2>/dev/null || true");
    expect(installed.stdout).not.toContain("install ok installed");
    await expectNothingLost(host, before);
  });

  it("Ctrl-C during the package install: the install finishes, nothing new starts, exit 130; a re-run converges", async () => {
    const before = await userState(host);
    const cli = startCli([...args(), "--json"]);
    // apt-get by its process name: a pattern on command lines would match this very check.
    await waitOnHost(host, "pgrep -x apt-get >/dev/null || pgrep -x dpkg >/dev/null", 300_000);
    cli.kill("SIGINT");
    const result = await cli;
    expect(result.exitCode, String(result.stderr)).toBe(130);
    expect(String(result.stderr)).toMatch(/SIGINT: finishing the command in flight/);
    expect(String(result.stderr).trim().split("\n").at(-1)).toBe(
      "vla-provision: interrupted; run the same command again to continue from here",
    );
    const report = JSON.parse(String(result.stdout));
    const statuses = report.hosts[0].steps.map((s: { status: string }) => s.status);
    expect(statuses).toContain("not started");
    expect(statuses).not.toContain("failed");
    // The command in flight was let finish: dpkg is not left half-done.
    expect((await host.exec("dpkg --audit")).stdout.trim()).toBe("");
    await expectNothingLost(host, before);
    await expectConverges(host, args());
  });

  it("an interrupted dpkg: refused with the fix before any change; --yes repairs it and says so", async () => {
    const before = await userState(host);
    // A package unpacked but never configured, as after a power cut during apt.
    const broken = await host.exec(
      "cd /tmp && apt-get download docker-buildx-plugin >/dev/null 2>&1 && dpkg --unpack /tmp/docker-buildx-plugin_*.deb >/dev/null 2>&1 && dpkg --audit",
    );
    expect(broken.stdout, broken.stderr).toMatch(/docker-buildx-plugin/);
    const snapshot = await host.exec(STATE_SNAPSHOT);
    const refused = await runCli([...args(), "--json"]);
    expect(refused.code, explain(refused)).toBe(3);
    expect(refused.report?.hosts[0]?.error).toMatch(
      /dpkg was interrupted.*sudo dpkg --configure -a.*--yes/,
    );
    expect((await host.exec(STATE_SNAPSHOT)).stdout).toBe(snapshot.stdout);
    const repaired = await runCli([...args(), "--json", "--yes"]);
    expect(repaired.code, explain(repaired)).toBe(0);
    expect(repaired.report?.hosts[0]?.notices.join("\n")).toMatch(/dpkg --configure -a/);
    expect((await host.exec("dpkg --audit")).stdout.trim()).toBe("");
    await expectNothingLost(host, before);
    await expectConverges(host, args());
  });
});

describe("conflicting packages whose removal takes others along (debian12-docker-io)", () => {
  let host: TestHost;
  const args = () => [...hostArgs(host), "--no-verify", "--no-nvidia"];

  beforeAll(async () => {
    host = await startHost("debian12-docker-io", { user: "ops" });
    await plantUserState(host);
    // A package of the lab's own that depends on docker.io: apt would remove it with docker.io.
    const built = await host.exec(
      [
        "mkdir -p /tmp/lab-tool/DEBIAN",
        "printf 'Package: lab-docker-tool\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: lab <lab@example.org>\\nDepends: docker.io\\nDescription: the lab tool\\n' > /tmp/lab-tool/DEBIAN/control",
        "dpkg-deb --build /tmp/lab-tool /tmp/lab-docker-tool.deb >/dev/null",
        "dpkg -i /tmp/lab-docker-tool.deb",
        "tar -C /opt/vla-testbed/bin -c busybox | docker import - lab/kept-image",
      ].join(" && "),
    );
    expect(built.code, built.stderr).toBe(0);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("shows the collateral removal in the plan, refuses it without --yes, allows it with --yes", async () => {
    const before = await userState(host);
    const snapshot = await host.exec(STATE_SNAPSHOT);
    const dry = await runCli([...args(), "--json", "--dry-run"]);
    expect(dry.code, explain(dry)).toBe(0);
    const plan = dry.report?.hosts[0]?.steps.find((s) => s.id === "docker-conflicts")?.plan;
    expect(plan).toMatch(/lab-docker-tool/);
    expect((await host.exec(STATE_SNAPSHOT)).stdout).toBe(snapshot.stdout);

    const refused = await runCli([...args(), "--json"]);
    expect(refused.code, explain(refused)).toBe(3);
    expect(refused.report?.hosts[0]?.error).toMatch(/would also remove: lab-docker-tool.*--yes/);
    expect((await host.exec(STATE_SNAPSHOT)).stdout).toBe(snapshot.stdout);

    const allowed = await runCli([...args(), "--json", "--yes"]);
    expect(allowed.code, explain(allowed)).toBe(0);
    expect((await host.exec("docker image ls lab/kept-image -q")).stdout.trim()).not.toBe("");
    await expectNothingLost(host, before);
    await expectConverges(host, args());
  });
});
