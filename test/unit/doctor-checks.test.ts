/** doctor's readiness checklist, from facts captured on test-bed hosts. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Check,
  doctorChecks,
  readiness,
  readinessExitCode,
  renderChecks,
} from "../../src/doctor/checks.js";
import { doctorExitCode, renderDoctor } from "../../src/doctor.js";
import { type Facts, parseProbe } from "../../src/facts/facts.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

const capture = (name: string, extra = "") =>
  parseProbe(
    `${readFileSync(resolve(import.meta.dirname, `../fixtures/steps/${name}.probe.txt`), "utf8")}\n${extra}`,
    "ops",
  );

function checks(facts: Facts, options = {}): Check[] {
  return doctorChecks({
    facts,
    targetUser: "ops",
    privilege: "sudo-nopasswd",
    options: { ...TEST_OPTIONS, ...options },
  });
}

const verdicts = (list: Check[]) => Object.fromEntries(list.map((c) => [c.id, c.verdict]));

describe("doctor's checklist", () => {
  it("a fresh host: Docker, the daemon and the group are missing; a run sets them up (exit 4)", () => {
    const list = checks(capture("debian12-fresh"));
    expect(verdicts(list)).toEqual({
      os: "ok",
      privilege: "ok",
      init: "ok",
      disk: "ok",
      apt: "ok",
      docker: "missing",
      dockerd: "missing",
      "docker-group": "missing",
      "registry-mirrors": "ok",
      proxy: "ok",
      "data-root": "ok",
      gpu: "warning",
    });
    const ready = readiness(list, "vla-provision --ssh ops@gpu-01");
    expect(ready).toEqual({
      state: "provision",
      summary:
        "not ready: Docker CE, dockerd, docker group missing; run `vla-provision --ssh ops@gpu-01`",
    });
    expect(readinessExitCode(ready.state)).toBe(4);
    expect(list.find((c) => c.id === "docker")?.fix).toBe("vla-provision");
  });

  it("a provisioned GPU host: every check ok, ready (exit 0)", () => {
    const list = checks(capture("debian12-gpu-done"));
    expect(list.filter((c) => c.verdict !== "ok")).toEqual([]);
    expect(list.map((c) => c.id)).toEqual([
      "os",
      "privilege",
      "init",
      "disk",
      "apt",
      "docker",
      "dockerd",
      "docker-group",
      "registry-mirrors",
      "proxy",
      "data-root",
      "gpu",
      "toolkit",
      "runtime",
      "cuda-image",
    ]);
    expect(list.find((c) => c.id === "gpu")?.found).toMatch(
      /^driver 580\.95\.05, .*NVIDIA GeForce RTX 5090 \(compute capability 12\.0\)$/,
    );
    expect(readiness(list, "vla-provision").state).toBe("ready");
  });

  it("a GPU without a working driver is blocked, with the driver fix (exit 3)", () => {
    const noDriver = capture(
      "debian12-gpu-fresh",
      [
        "@@vla gpu",
        "nvidia_smi=absent",
        "lspci=present",
        "pci: 01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GB202 [GeForce RTX 5090] [10de:2b85] (rev a1)",
        "@@vla-rc 0",
      ].join("\n"),
    );
    const gpu = checks(noDriver).find((c) => c.id === "gpu");
    expect(gpu?.verdict).toBe("blocked");
    expect(gpu?.found).toMatch(/^No working NVIDIA driver: lspci sees .*RTX 5090/);
    expect(gpu?.fix).toMatch(/ubuntu-drivers devices/);
    const ready = readiness(checks(noDriver), "vla-provision");
    expect(ready.state).toBe("blocked");
    expect(readinessExitCode(ready.state)).toBe(3);
  });

  it("too little space for Docker's packages blocks; little space for images warns", () => {
    const full = capture("debian12-fresh", "@@vla disk\n/\t512000\n@@vla-rc 0");
    expect(checks(full).find((c) => c.id === "disk")).toEqual({
      id: "disk",
      title: "Disk space",
      verdict: "blocked",
      found: "0.5 GiB free on /; Docker's packages need at least 1 GiB",
      fix: "free space on /",
    });
    const small = capture("debian12-done", "@@vla disk\n/\t5242880\n@@vla-rc 0");
    expect(checks(small).find((c) => c.id === "disk")?.verdict).toBe("warning");
  });

  it("apt locked by another process is a warning naming it; an interrupted dpkg blocks", () => {
    const locked = capture(
      "debian12-done",
      "@@vla apt-locks\n/var/lib/dpkg/lock-frontend\t4242\t/usr/bin/python3 /usr/bin/unattended-upgrade\n@@vla-rc 0",
    );
    expect(checks(locked).find((c) => c.id === "apt")).toMatchObject({
      verdict: "warning",
      found: expect.stringContaining("pid 4242 (/usr/bin/python3 /usr/bin/unattended-upgrade)"),
    });
    const interrupted = capture("debian12-done", "@@vla dpkg-journal\n0001\n@@vla-rc 0");
    expect(checks(interrupted).find((c) => c.id === "apt")?.verdict).toBe("blocked");
  });

  it("a registry mirror asked for but not in use is missing", () => {
    const list = checks(capture("debian12-fresh"), { registryMirrors: ["https://m.example"] });
    expect(list.find((c) => c.id === "registry-mirrors")).toMatchObject({
      verdict: "missing",
      fix: "vla-provision --registry-mirror https://m.example",
    });
  });

  it("the worst host decides the exit code: blocked, then unreachable, then not ready", () => {
    const host = (exitCode: number) => ({ target: "h", ok: true, exitCode, commands: 1 });
    expect(doctorExitCode([host(0), host(4)])).toBe(4);
    expect(doctorExitCode([host(4), host(1)])).toBe(1);
    expect(doctorExitCode([host(1), host(3), host(4)])).toBe(3);
    expect(doctorExitCode([host(0)])).toBe(0);
  });

  it("reads as a checklist (snapshot of a fresh host)", () => {
    const list = checks(capture("debian12-fresh"));
    const text = renderDoctor({
      hosts: [
        {
          target: "ops@gpu-01",
          ok: true,
          exitCode: 4,
          commands: 1,
          checks: list,
          readiness: readiness(list, "vla-provision --ssh ops@gpu-01"),
        },
      ],
    });
    expect(text.replace(/\d+\.\d GiB free/, "N GiB free")).toBe(
      [
        "ops@gpu-01:",
        "  [ok]      OS: Debian GNU/Linux 12 (bookworm) amd64, supported",
        "  [ok]      Root: sudo without a password",
        "  [ok]      Init system: systemd (running)",
        "  [ok]      Disk space: N GiB free on /",
        "  [ok]      apt and dpkg: not locked, dpkg sound",
        "  [missing] Docker CE: not installed from Docker's repository",
        "              fix: vla-provision",
        "  [missing] dockerd: not running",
        "              fix: vla-provision",
        "  [missing] docker group: ops is not a member",
        "              fix: vla-provision",
        "  [ok]      Registry mirrors: none (images come from Docker Hub)",
        "  [ok]      Proxy: none configured (direct)",
        "  [ok]      Docker data root: /var/lib/docker on / (77 GiB free of 252 GiB)",
        "  [warning] NVIDIA GPU: no NVIDIA GPU: the NVIDIA steps are skipped",
        "  => not ready: Docker CE, dockerd, docker group missing; run `vla-provision --ssh ops@gpu-01`",
        "",
      ].join("\n"),
    );
    expect(renderChecks(list)).toHaveLength(list.length + 3);
  });

  it("a data root on a small disk beside a big one: a hint to move it before images are pulled", () => {
    const facts = capture("debian12-done");
    const tib = 1024 * 1024 * 1024;
    facts.disks = [
      {
        mount: "/",
        fsType: "ext4",
        sizeKb: 100 * 1024 * 1024,
        freeKb: 40 * 1024 * 1024,
        access: "none",
      },
      { mount: "/data", fsType: "xfs", sizeKb: 4 * tib, freeKb: 3 * tib, access: "none" },
    ];
    expect(checks(facts).find((c) => c.id === "data-root")).toEqual({
      id: "data-root",
      title: "Docker data root",
      verdict: "warning",
      found:
        "/var/lib/docker on / (40 GiB free of 100 GiB); the largest other disk: /data (3072 GiB free)",
      fix: "vla-provision --data-root /data/docker (before images are pulled)",
    });
    facts.docker.rootDir = "/data/docker";
    expect(checks(facts).find((c) => c.id === "data-root")).toMatchObject({
      verdict: "ok",
      found:
        "/data/docker on /data (3072 GiB free of 4096 GiB); the largest other disk: / (40 GiB free)",
    });
  });

  it("a registry mirror that does not answer is a warning", () => {
    const facts = capture("debian12-done");
    facts.endpointAnswers = new Map([["http://127.0.0.1:5000", false]]);
    expect(checks(facts).find((c) => c.id === "registry-mirrors")).toMatchObject({
      verdict: "warning",
      found: "http://127.0.0.1:5000/ (does not answer)",
    });
    facts.endpointAnswers = new Map([["http://127.0.0.1:5000", true]]);
    expect(checks(facts).find((c) => c.id === "registry-mirrors")).toMatchObject({
      verdict: "ok",
      found: "http://127.0.0.1:5000/ (answers)",
    });
  });

  it("the proxy of each part, whether it answers, and never its credentials", () => {
    const facts = capture("debian12-done");
    facts.aptProxy = "http://[credentials]@10.0.0.5:3128";
    facts.docker.proxy = "http://[credentials]@10.0.0.5:3128";
    facts.endpointAnswers = new Map([["http://10.0.0.5:3128", false]]);
    const proxy = checks(facts).find((c) => c.id === "proxy");
    expect(proxy).toMatchObject({
      verdict: "warning",
      found:
        "apt: http://[credentials]@10.0.0.5:3128 (does not answer); dockerd: http://[credentials]@10.0.0.5:3128 (does not answer)",
    });
    facts.endpointAnswers = new Map([["http://10.0.0.5:3128", true]]);
    expect(checks(facts).find((c) => c.id === "proxy")?.verdict).toBe("ok");
  });
});
