import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BACKUP_DIR, HOST_STAMP } from "../../src/actions/backup.js";
import { checkGuardOutcome, guardScript, parseGuardResult } from "../../src/actions/dockerd.js";

describe("the daemon.json guard that runs on the host", () => {
  it.each(["systemd", "sysv"] as const)("is valid POSIX sh (%s)", (init) => {
    const script = guardScript(init);
    expect(() => execFileSync("sh", ["-n", "-c", script])).not.toThrow();
  });

  it("writes through a symlink to the file it points to, backs up first, restores on failure", () => {
    const script = guardScript("systemd");
    expect(script).toContain("readlink -f /etc/docker/daemon.json");
    // The backup's time stamp is the host's own, taken once, before the backup is made.
    const stamp = script.indexOf(`stamp=${HOST_STAMP}`);
    const backup = script.indexOf(
      'cp -a "$target" "/var/backups/vla-provision/etc_docker_daemon.json.$stamp"',
    );
    const write = script.indexOf('mv -f "$tmp" "$target"');
    const restart = script.indexOf("systemctl restart docker");
    const restore = script.indexOf(
      'cp -a "/var/backups/vla-provision/etc_docker_daemon.json.$stamp" "$tmp"',
    );
    expect(stamp).toBeGreaterThan(0);
    expect(backup).toBeGreaterThan(stamp);
    expect(write).toBeGreaterThan(backup);
    expect(restart).toBeGreaterThan(write);
    expect(restore).toBeGreaterThan(restart);
    expect(script.split(`stamp=${HOST_STAMP}`)).toHaveLength(2);
    expect(script).toContain("finish restored");
    expect(script).toContain("finish restore-failed");
  });

  it("backs up to and restores from one file, stamped by the host's clock (UTC, to the second)", () => {
    const script = guardScript("systemd");
    // The backup, the path it reports, and the restore: the same name each time.
    expect(script.match(/etc_docker_daemon\.json\.\$stamp"/g)).toHaveLength(3);
    const path = execFileSync("sh", [
      "-c",
      `stamp=${HOST_STAMP}; echo "${BACKUP_DIR}/etc_docker_daemon.json.$stamp"`,
    ]).toString();
    expect(path).toMatch(
      /^\/var\/backups\/vla-provision\/etc_docker_daemon\.json\.\d{8}T\d{6}Z\n$/,
    );
  });

  it("restarts with the init script where there is no systemd", () => {
    expect(guardScript("sysv")).toContain("/etc/init.d/docker restart");
    expect(guardScript("sysv")).not.toContain("systemctl");
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
      mismatch: false,
      log: "failed to start\n",
    });
    expect(parseGuardResult("").outcome).toBe("unknown");
  });
});

describe("the guard with --move-data", () => {
  const move = { from: "/var/lib/docker", to: "/data/docker" };

  it("lists what dockerd holds, stops it with its socket, copies, and compares after the restart", () => {
    const script = guardScript("systemd", move);
    const order = [
      "before=$(contents)",
      "systemctl stop docker.socket docker",
      "cp -a /var/lib/docker/. /data/docker/",
      'mv -f "$tmp" "$target"',
      'if [ "$(contents)" = "$before" ]; then finish applied; fi; say "mismatch=yes"',
    ].map((part) => script.indexOf(part));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Without a move, none of it.
    expect(guardScript("systemd")).not.toContain("contents");
  });

  it("a move whose lists differ is reported as such: restored, the old root untouched", () => {
    const stdout = "target=/etc/docker/daemon.json\nmismatch=yes\noutcome=restored\n@@log\n";
    expect(() => checkGuardOutcome(stdout, () => {})).toThrow(
      /did not list the same images, containers and volumes .* the previous \/etc\/docker\/daemon\.json was restored/,
    );
    expect(parseGuardResult(stdout).mismatch).toBe(true);
    expect(() => checkGuardOutcome("outcome=copy-failed\n@@log\n", () => {})).toThrow(
      /copying the data root failed .* old data root, which was not changed/,
    );
  });
});
