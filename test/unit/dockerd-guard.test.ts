import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { Facts } from "../../src/facts/facts.js";
import { guardScript, parseGuardResult } from "../../tasks/lib/dockerd.js";

const systemd = { init: { systemd: true } } as Facts;
const sysv = { init: { systemd: false } } as Facts;

describe("the daemon.json guard that runs on the host", () => {
  it.each([
    ["systemd", systemd],
    ["init script", sysv],
  ])("is valid POSIX sh (%s)", (_name, facts) => {
    const script = guardScript(facts, "20261123T160000Z");
    expect(() => execFileSync("sh", ["-n", "-c", script])).not.toThrow();
  });

  it("writes through a symlink to the file it points to, backs up first, restores on failure", () => {
    const script = guardScript(systemd, "20261123T160000Z");
    expect(script).toContain("readlink -f /etc/docker/daemon.json");
    const backup = script.indexOf(
      'cp -a "$target" /var/backups/vla-provision/etc_docker_daemon.json.20261123T160000Z',
    );
    const write = script.indexOf('mv -f "$tmp" "$target"');
    const restart = script.indexOf("systemctl restart docker");
    const restore = script.indexOf(
      'cp -a /var/backups/vla-provision/etc_docker_daemon.json.20261123T160000Z "$tmp"',
    );
    expect(backup).toBeGreaterThan(0);
    expect(write).toBeGreaterThan(backup);
    expect(restart).toBeGreaterThan(write);
    expect(restore).toBeGreaterThan(restart);
    expect(script).toContain("finish restored");
    expect(script).toContain("finish restore-failed");
  });

  it("restarts with the init script where there is no systemd", () => {
    expect(guardScript(sysv, "x")).toContain("/etc/init.d/docker restart");
    expect(guardScript(sysv, "x")).not.toContain("systemctl");
  });

  it("reads what the guard reports", () => {
    expect(
      parseGuardResult(
        "target=/srv/config/daemon.json\nbackup=/var/backups/vla-provision/x\noutcome=restored\n@@log\nfailed to start\n",
      ),
    ).toEqual({
      outcome: "restored",
      target: "/srv/config/daemon.json",
      backup: "/var/backups/vla-provision/x",
      log: "failed to start\n",
    });
    expect(parseGuardResult("").outcome).toBe("unknown");
  });
});
