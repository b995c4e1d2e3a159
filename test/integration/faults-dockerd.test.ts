/**
 * Faults around the one change that can take dockerd down: daemon.json. The change, the restart,
 * the check and the restore run on the host as one unit, so a dockerd that does not come back, a
 * killed CLI or a dropped connection all end with a host that runs dockerd on a valid file.
 * Each scenario: what the user sees, nothing lost, and a re-run that converges.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli } from "./_helpers/cli.js";
import {
  dockerDropIn,
  expectConverges,
  expectDockerdRunning,
  expectNothingLost,
  hostArgs,
  plantUserState,
  startCli,
  userState,
  waitOnHost,
} from "./_helpers/faults.js";
import { STATE_SNAPSHOT } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

const SECOND_MIRROR = "http://127.0.0.1:5001";
/** A guard on the host is at work while its folder exists. */
const GUARD_RUNNING = "ls -d /run/vla-provision.* >/dev/null 2>&1";
const GUARD_DONE = "! ls -d /run/vla-provision.*/ >/dev/null 2>&1 || ls /run/vla-provision.*/done";
const SLEEPER = "/opt/vla-testbed/bin/busybox";

describe("dockerd faults on a provisioned Debian 12 host (ops, over SSH)", () => {
  let host: TestHost;
  const args = () => [...hostArgs(host), "--no-verify"];
  const withSecondMirror = () => [...args(), "--registry-mirror", SECOND_MIRROR];

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
    await plantUserState(host);
    const first = await runCli([...args(), "--json"]);
    expect(first.code, explain(first)).toBe(0);
    // Something of the user's in dockerd: an image, a stopped container and a volume.
    const seeded = await host.exec(
      `tar -C $(dirname ${SLEEPER}) -c busybox | docker import -c 'ENTRYPOINT ["/busybox"]' - lab/sleeper && docker volume create lab-data && docker create --name lab-stopped -v lab-data:/data lab/sleeper true`,
    );
    expect(seeded.code, seeded.stderr).toBe(0);
  });
  afterAll(async () => {
    await host?.stop();
  });
  // A scenario that fails half way must not leave its fault behind for the next one.
  afterEach(async () => {
    await host?.exec(
      "rm -f /run/fail-dockerd /etc/systemd/system/docker.service.d/fault.conf /etc/systemd/system/docker.service.d/slow.conf; systemctl daemon-reload; systemctl reset-failed docker; systemctl start docker",
    );
  });

  it("dockerd that does not come back: the previous daemon.json is restored, and the user is told so", async () => {
    const before = await userState(host);
    const daemonBefore = await host.exec("md5sum /etc/docker/daemon.json");
    await dockerDropIn(
      host,
      "fault",
      `ExecStartPre=/bin/sh -c '! grep -q 127.0.0.1:5001 /etc/docker/daemon.json'`,
    );
    const result = await runCli([...withSecondMirror(), "--json"]);
    expect(result.code, explain(result)).toBe(1);
    const step = result.report?.hosts[0]?.steps.find((s) => s.id === "daemon-settings");
    expect(step?.status).toBe("failed");
    expect(step?.error).toMatch(
      /^dockerd did not come back after \/etc\/docker\/daemon\.json changed; the previous file was restored from \/var\/backups\/vla-provision\/etc_docker_daemon\.json\.\d{8}T\d{6}Z and dockerd runs again\./,
    );
    expect((await host.exec("md5sum /etc/docker/daemon.json")).stdout).toBe(daemonBefore.stdout);
    await expectDockerdRunning(host);
    await expectNothingLost(host, before);
    await dockerDropIn(host, "fault", undefined);
    await expectConverges(host, withSecondMirror());
  });

  it("a restore that does not bring dockerd back either is reported as such, not as restored", async () => {
    const before = await userState(host);
    // dockerd refuses to start with any file while the flag exists: the change and the restore fail.
    await dockerDropIn(host, "fault", "ExecStartPre=/bin/sh -c '! test -e /run/fail-dockerd'");
    await host.exec("touch /run/fail-dockerd");
    const result = await runCli([
      ...args(),
      "--registry-mirror",
      "http://127.0.0.1:5002",
      "--json",
    ]);
    expect(result.code, explain(result)).toBe(1);
    const step = result.report?.hosts[0]?.steps.find((s) => s.id === "daemon-settings");
    expect(step?.error).toMatch(
      /and restoring the previous file did not bring it back either \(the backup is \/var\/backups\/vla-provision\/etc_docker_daemon\.json\.\d{8}T\d{6}Z\)/,
    );
    expect(step?.error).not.toMatch(/was restored from/);
    const daemon = JSON.parse((await host.exec("cat /etc/docker/daemon.json")).stdout);
    expect(daemon["registry-mirrors"]).not.toContain("http://127.0.0.1:5002");
    await host.exec(
      "rm -f /run/fail-dockerd; systemctl reset-failed docker; systemctl start docker",
    );
    await dockerDropIn(host, "fault", undefined);
    await expectDockerdRunning(host);
    await expectNothingLost(host, before);
    await expectConverges(host, withSecondMirror());
  });

  it("a CLI killed (SIGKILL) during the change: the change finishes on the host by itself", async () => {
    const before = await userState(host);
    await dockerDropIn(host, "slow", "ExecStartPre=/bin/sleep 6");
    const cli = startCli([...args(), "--registry-mirror", "http://127.0.0.1:5003"]);
    await waitOnHost(host, GUARD_RUNNING, 120_000);
    cli.kill("SIGKILL");
    await cli;
    await waitOnHost(host, GUARD_DONE, 120_000);
    await waitOnHost(host, "docker info >/dev/null 2>&1", 60_000);
    const daemon = JSON.parse((await host.exec("cat /etc/docker/daemon.json")).stdout);
    expect(daemon["registry-mirrors"]).toContain("http://127.0.0.1:5003");
    const leftovers = await host.exec("ls -a /etc/docker | grep -c vla-provision || true");
    expect(leftovers.stdout.trim()).toBe("0");
    await dockerDropIn(host, "slow", undefined);
    await expectDockerdRunning(host);
    // Nobody read the result: the guard cleans up after itself.
    await waitOnHost(host, "! ls -d /run/vla-provision.* >/dev/null 2>&1", 90_000);
    await expectNothingLost(host, before);
    const again = await expectConverges(host, [
      ...args(),
      "--registry-mirror",
      "http://127.0.0.1:5003",
    ]);
    expect(again.report?.hosts[0]?.steps.find((s) => s.id === "daemon-settings")?.status).toBe(
      "skipped",
    );
  });

  it("a dropped SSH connection during the change: one line for the host, the change finishes there", async () => {
    const before = await userState(host);
    await dockerDropIn(host, "slow", "ExecStartPre=/bin/sleep 6");
    const cli = startCli([...args(), "--registry-mirror", "http://127.0.0.1:5004", "--json"]);
    await waitOnHost(host, GUARD_RUNNING, 120_000);
    // Cut every SSH session of ops, as a network drop would.
    await host.exec("pkill -KILL -f 'sshd: ops' || true");
    const result = await cli;
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(String(result.stdout));
    const failed = report.hosts[0].steps.find((s: { status: string }) => s.status === "failed");
    expect(failed?.id).toBe("daemon-settings");
    expect(failed?.error.split("\n")[0]).toMatch(
      /^lost the SSH connection to ops@127\.0\.0\.1:\d+; /,
    );
    await waitOnHost(host, GUARD_DONE, 120_000);
    await dockerDropIn(host, "slow", undefined);
    await waitOnHost(host, "docker info >/dev/null 2>&1", 60_000);
    await waitOnHost(host, "! ls -d /run/vla-provision.* >/dev/null 2>&1", 90_000);
    await expectNothingLost(host, before);
    await expectConverges(host, [...args(), "--registry-mirror", "http://127.0.0.1:5004"]);
  });

  it("a daemon.json kept as a symlink: the file it points to is backed up and changed, the link stays", async () => {
    const before = await userState(host);
    const link = await host.exec(
      "mkdir -p /srv/lab-config && mv /etc/docker/daemon.json /srv/lab-config/daemon.json && ln -s /srv/lab-config/daemon.json /etc/docker/daemon.json",
    );
    expect(link.code, link.stderr).toBe(0);
    const result = await runCli([
      ...args(),
      "--registry-mirror",
      "http://127.0.0.1:5005",
      "--json",
    ]);
    expect(result.code, explain(result)).toBe(0);
    expect((await host.exec("readlink /etc/docker/daemon.json")).stdout.trim()).toBe(
      "/srv/lab-config/daemon.json",
    );
    const daemon = JSON.parse((await host.exec("cat /srv/lab-config/daemon.json")).stdout);
    expect(daemon["registry-mirrors"]).toContain("http://127.0.0.1:5005");
    await expectNothingLost(host, before);
    await expectConverges(host, [...args(), "--registry-mirror", "http://127.0.0.1:5005"]);
  });

  it("running containers: refused without --yes when not interactive, allowed with --yes, and kept", async () => {
    const started = await host.exec("docker run -d --name lab-running lab/sleeper sleep 3600");
    expect(started.code, started.stderr).toBe(0);
    const before = await userState(host);
    const snapshot = await host.exec(STATE_SNAPSHOT);
    const flags = [...args(), "--registry-mirror", "http://127.0.0.1:5006", "--json"];

    const dry = await runCli([...flags, "--dry-run"]);
    expect(dry.code, explain(dry)).toBe(0);
    expect(dry.report?.hosts[0]?.notices.join("\n")).toMatch(
      /1 running container \(lab-running\).*restarts dockerd.*a real run asks first/,
    );

    const refused = await runCli(flags);
    expect(refused.code, explain(refused)).toBe(3);
    expect(refused.report?.hosts[0]?.error).toMatch(
      /1 running container \(lab-running\).*run again with --yes/,
    );
    // The last line is the command that goes on from here.
    expect(refused.stderr.trim().split("\n").at(-1)).toMatch(
      /^next: vla-provision --ssh .* --yes {3}\(/,
    );
    expect((await host.exec(STATE_SNAPSHOT)).stdout).toBe(snapshot.stdout);

    const allowed = await runCli([...flags, "--yes"]);
    expect(allowed.code, explain(allowed)).toBe(0);
    expect(allowed.report?.hosts[0]?.notices.join("\n")).toMatch(/going on \(--yes\)/);
    await expectNothingLost(host, before);
    await expectConverges(host, [...args(), "--registry-mirror", "http://127.0.0.1:5006"]);
  });

  it("a frozen dockerd: doctor answers with 'timed out' instead of hanging", async () => {
    await host.exec("kill -STOP $(pidof dockerd)");
    try {
      const started = Date.now();
      const result = await runCli(["doctor", ...hostArgs(host).slice(0, 6), "--json"], {
        timeoutMs: 120_000,
      });
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(result.stdout).toMatch(/timed out/);
    } finally {
      await host.exec("kill -CONT $(pidof dockerd)");
    }
    await expectDockerdRunning(host);
  });
});
