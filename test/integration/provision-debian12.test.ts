import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli, sshFlags, statuses } from "./_helpers/cli.js";
import { STATE_SNAPSHOT, snapshotChanges } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

const USER_DAEMON_JSON = `{
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "3" },
  "default-address-pools": [{ "base": "10.213.0.0/16", "size": 24 }],
  "features": { "buildkit": true }
}
`;

describe("a fresh Debian 12 host over SSH, as ops (passwordless sudo)", () => {
  let host: TestHost;
  /** The dry run's plan, step by step: the scripts each step would run. */
  const planned = new Map<string, string[]>();
  const args = () => [...sshFlags(host), ...host.cliArgs, "--json"];

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
    await host.exec(
      `mkdir -p /etc/docker && cat > /etc/docker/daemon.json <<'JSON'\n${USER_DAEMON_JSON}JSON`,
    );
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("doctor reads the facts in one round trip", async () => {
    const result = await runCli(["doctor", ...sshFlags(host), "--json"]);
    // Not provisioned yet: a run would set Docker up (exit 4, "provision").
    expect(result.code, explain(result)).toBe(4);
    const report = JSON.parse(result.stdout);
    expect(report.hosts[0].commands).toBe(1);
    expect(report.hosts[0].facts.os).toBe("Debian GNU/Linux 12 (bookworm) amd64");
    expect(report.hosts[0].facts.privilege).toBe("sudo-nopasswd");
    expect(report.hosts[0].facts.init).toMatch(/^systemd/);
  });

  it("a dry run plans every change and changes nothing", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const result = await runCli([...args(), "--dry-run"]);
    expect(result.code, explain(result)).toBe(0);
    const status = statuses(result);
    expect(status["docker-key"]).toBe("planned");
    expect(status["docker-packages"]).toBe("planned");
    expect(status["daemon-settings"]).toBe("planned");
    expect(result.stderr).toContain("+ Signed-By: /etc/apt/keyrings/docker.asc");
    for (const step of result.report?.hosts[0]?.steps ?? []) {
      if (step.status === "planned") planned.set(step.id, step.commands ?? []);
    }
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
  });

  it("provisions: Docker CE from the repository, ops in the docker group, hello-world through the mirror", async () => {
    const result = await runCli(args());
    expect(result.code, explain(result)).toBe(0);
    const status = statuses(result);
    for (const id of [
      "docker-key",
      "docker-source",
      "docker-packages",
      "docker-group",
      "daemon-settings",
    ]) {
      expect(status[id], id).toBe("changed");
    }
    expect(status["verify-hello"]).toBe("verified");
    expect(Object.values(status)).not.toContain("failed");
    expect(status["nvidia-packages"]).toBe("skipped");

    // The plan shown is the plan executed: every step that ran, ran exactly the scripts the dry
    // run listed for it, in order.
    const ran = (result.report?.hosts[0]?.steps ?? []).filter((s) => s.ran !== undefined);
    expect(ran.map((s) => s.id)).toEqual(
      expect.arrayContaining([...Object.keys(status).filter((id) => status[id] === "changed")]),
    );
    expect(ran.length).toBeGreaterThanOrEqual(6);
    for (const step of ran) {
      expect(planned.get(step.id), `${step.id} was not in the dry run's plan`).toBeDefined();
      expect(step.ran, step.id).toEqual(planned.get(step.id));
    }
    // Each changed step's re-check rode in its last command's round trip: the host ran the first
    // probe and the steps' own commands, nothing more.
    const own = ran.reduce((sum, step) => sum + (step.ran?.length ?? 0), 0);
    expect(result.report?.hosts[0]?.commands).toBe(1 + own);
    expect(result.report?.hosts[0]?.steps.find((s) => s.id === "nvidia-key")?.reason).toBe(
      "no NVIDIA GPU on this host",
    );

    const groups = await host.exec("id -nG ops");
    expect(groups.stdout.split(/\s+/)).toContain("docker");
    const packages = await host.exec(
      "dpkg-query -W -f='${Package} ${Version}\\n' docker-ce docker-ce-cli containerd.io",
    );
    expect(packages.stdout).toMatch(/^docker-ce 5:20\.10\.25-1~debian\.12~bookworm$/m);
    const source = await host.exec("cat /etc/apt/sources.list.d/docker.sources");
    expect(source.stdout).toContain("Suites: bookworm");
    expect(source.stdout).toContain("URIs: http://127.0.0.1:8080/docker/linux/debian");
    const key = await host.exec("stat -c %a /etc/apt/keyrings/docker.asc");
    expect(key.stdout.trim()).toBe("644");
    const active = await host.exec("systemctl is-active docker; systemctl is-enabled docker");
    expect(active.stdout.split("\n").slice(0, 2)).toEqual(["active", "enabled"]);

    // The user's own daemon.json keys survive; the mirror is merged in.
    const daemon = JSON.parse((await host.exec("cat /etc/docker/daemon.json")).stdout);
    expect(daemon["log-driver"]).toBe("json-file");
    expect(daemon["log-opts"]).toEqual({ "max-size": "10m", "max-file": "3" });
    expect(daemon["default-address-pools"]).toEqual([{ base: "10.213.0.0/16", size: 24 }]);
    expect(daemon.features).toEqual({ buildkit: true });
    expect(daemon["registry-mirrors"]).toEqual(["http://127.0.0.1:5000"]);
    const backups = await host.exec("ls /var/backups/vla-provision/");
    expect(backups.stdout).toMatch(/etc_docker_daemon\.json\./);
  });

  it("a second run skips every step and changes nothing", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const result = await runCli([...args(), "--no-verify"]);
    expect(result.code, explain(result)).toBe(0);
    const steps = result.report?.hosts[0]?.steps ?? [];
    for (const step of steps) {
      expect(step.status, `${step.id}: ${step.reason}`).toBe("skipped");
      expect(step.reason, step.id).toBeTruthy();
    }
    expect(result.report?.hosts[0]?.commands).toBeLessThanOrEqual(3);
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
    expect(after.stdout).not.toContain("no-dockerd");

    const doctor = await runCli(["doctor", ...sshFlags(host), ...host.cliArgs.slice(-2)]);
    expect(doctor.code, explain(doctor)).toBe(0);
    expect(doctor.stdout).toMatch(/\[ok\] +Registry mirrors: http:\/\/127\.0\.0\.1:5000/);
    expect(doctor.stdout.trim().split("\n").at(-1)).toBe("  => ready for VLA work in Docker");
  });

  it("with verification, a second run still changes nothing and verifies hello-world", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const result = await runCli(args());
    expect(result.code, explain(result)).toBe(0);
    const status = statuses(result);
    expect(status["verify-hello"]).toBe("verified");
    const changed = Object.entries(status).filter(([, s]) => s === "changed" || s === "failed");
    expect(changed).toEqual([]);
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
  });
});
