/** doctor's "VLA readiness" part: /dev/shm, the limits containers get, the cache dir, the image. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { type Check, doctorChecks, renderChecks } from "../../src/doctor/checks.js";
import { type Facts, parseProbe } from "../../src/facts/facts.js";
import { parseContainerLimits } from "../../src/facts/probe/container-limits.js";
import { PROBE_SCRIPT } from "../../src/facts/probe-script.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

const ROOT = resolve(import.meta.dirname, "../..");

const capture = (name: string, ...extra: string[]) =>
  parseProbe(
    [readFileSync(resolve(ROOT, `test/fixtures/steps/${name}.probe.txt`), "utf8"), ...extra].join(
      "\n",
    ),
    "ops",
  );

const section = (name: string, body: string, code = 0) =>
  `@@vla ${name}\n${body}\n@@vla-rc ${code}`;

/** What the section reads on a test-bed host: a container's 64 MiB /dev/shm, containerd's limits. */
const TESTBED_LIMITS = section(
  "container-limits",
  [
    "shm\t65536\t65536",
    "containerd\tnofile\t1048576\t1048576",
    "containerd\tmemlock\t8388608\t8388608",
    "home\t/home/ops",
  ].join("\n"),
);

/** A big host: 504 GiB of /dev/shm, Docker 29's containerd without LimitNOFILE (systemd's 1024). */
const BIG_HOST_LIMITS = section(
  "container-limits",
  [
    "shm\t527958016\t527958016",
    "containerd\tnofile\t1024\t524288",
    "containerd\tmemlock\t8388608\t8388608",
    "home\t/home/ops",
  ].join("\n"),
);

/** The real H100 host's GPU (test/fixtures/gpu), as the probe's gpu section reads it. */
const H100 = section(
  "gpu",
  [
    "nvidia_smi=present",
    "query_rc=0",
    "query: 0, NVIDIA H100 80GB HBM3, 580.159.04, 9.0, 81559 MiB",
    "lspci=absent",
  ].join("\n"),
);

function checks(facts: Facts): Check[] {
  return doctorChecks({
    facts,
    targetUser: "ops",
    privilege: "sudo-nopasswd",
    options: TEST_OPTIONS,
  });
}

const vla = (list: Check[]) => list.filter((c) => c.part === "vla");
const byId = (list: Check[], id: string) => list.find((c) => c.id === id);

describe("doctor's VLA readiness part", () => {
  it("is left out when the probe did not read the container limits (a run's probe)", () => {
    expect(vla(checks(capture("debian12-gpu-done")))).toEqual([]);
  });

  it("on a provisioned test-bed GPU host: small /dev/shm warns; limits, cache dir and image named", () => {
    const list = vla(checks(capture("debian12-gpu-done", TESTBED_LIMITS)));
    expect(list.map((c) => [c.id, c.verdict])).toEqual([
      ["shm", "warning"],
      ["container-nofile", "ok"],
      ["container-memlock", "ok"],
      ["cache-dir", "ok"],
      ["workspace-image", "ok"],
    ]);
    expect(byId(list, "shm")?.found).toBe(
      "/dev/shm 64.0 MiB (64.0 MiB free): DataLoader workers need a few GiB; shared with containers started with --ipc=host (./run_docker.sh and compose.yaml (vla-provision workspace)); other containers get 64 MiB (Docker's default)",
    );
    expect(byId(list, "shm")?.fix).toContain("--no-ipc-host --shm-size 16g");
    expect(byId(list, "container-nofile")?.found).toBe(
      "1048576 (hard 1048576), inherited from containerd (no default-ulimits in daemon.json)",
    );
    expect(byId(list, "container-memlock")?.found).toBe(
      "8.0 MiB (hard 8.0 MiB), inherited from containerd (no default-ulimits in daemon.json); ./run_docker.sh and compose.yaml (vla-provision workspace) ask for unlimited (--ulimit memlock=-1)",
    );
    expect(byId(list, "cache-dir")?.found).toMatch(
      /^\/home\/ops\/\.cache\/vla-workspace on \/, 76\.4 GiB free \(the dir vla-provision workspace picks: /,
    );
    expect(byId(list, "workspace-image")?.found).toMatch(
      /^pytorch\/pytorch:2\.11\.0-cuda13\.0-cudnn9-runtime, the image vla-provision workspace picks \(NVIDIA GeForce RTX 5090 \(compute capability 12\.0\), driver 580\.95\.05/,
    );
  });

  it("renders under its own heading, after the provisioning checks", () => {
    const lines = renderChecks(checks(capture("debian12-gpu-done", TESTBED_LIMITS)));
    const heading = lines.indexOf("  VLA readiness:");
    expect(heading).toBeGreaterThan(0);
    expect(lines.filter((l) => l === "  VLA readiness:")).toHaveLength(1);
    expect(lines[heading - 1]).toMatch(/CUDA image/);
    expect(lines[heading + 1]).toMatch(/^ {2}\[warning\] Shared memory: \/dev\/shm 64\.0 MiB/);
  });

  it("Docker 29's 1024 open files: missing, as a run writes daemon.json's default-ulimits", () => {
    const docker29 = section("docker-server", "29.0.1|{}|[]|/var/lib/docker|0|0|overlayfs||");
    const list = checks(capture("debian12-gpu-done", BIG_HOST_LIMITS, docker29));
    expect(byId(list, "container-nofile")).toMatchObject({
      verdict: "missing",
      found:
        '1024 (hard 524288), inherited from containerd (no default-ulimits in daemon.json): data loaders with many workers fail with "Too many open files"',
      fix: "vla-provision",
    });
    expect(byId(list, "shm")?.verdict).toBe("ok");
    expect(byId(list, "shm")?.found).toMatch(/^\/dev\/shm 504 GiB \(504 GiB free\), shared/);
  });

  it("an older engine with 1024 open files warns with the daemon.json entry; default-ulimits wins over containerd", () => {
    const old = checks(capture("debian12-gpu-done", BIG_HOST_LIMITS));
    expect(byId(old, "container-nofile")?.verdict).toBe("warning");
    expect(byId(old, "container-nofile")?.fix).toBe(
      '"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1048576, "Hard": 1048576}} in /etc/docker/daemon.json, or docker run --ulimit nofile=1048576',
    );
    const daemonJson = section(
      "daemon-json",
      JSON.stringify({
        "default-ulimits": {
          nofile: { Name: "nofile", Soft: 65536, Hard: 65536 },
          memlock: { Name: "memlock", Soft: -1, Hard: -1 },
        },
        "default-shm-size": "8G",
      }),
    );
    const set = checks(capture("debian12-gpu-done", BIG_HOST_LIMITS, daemonJson));
    expect(byId(set, "container-nofile")).toMatchObject({
      verdict: "ok",
      found: "65536 (hard 65536), daemon.json default-ulimits",
    });
    expect(byId(set, "container-memlock")).toMatchObject({
      verdict: "ok",
      found: "unlimited (hard unlimited), daemon.json default-ulimits",
    });
    expect(byId(set, "shm")?.found).toMatch(
      /other containers get 8G \(daemon.json default-shm-size\)$/,
    );
  });

  it("the cache dir goes to the data disk; little room there warns", () => {
    const facts = capture("debian12-gpu-done", TESTBED_LIMITS);
    const gib = 1024 * 1024;
    facts.disks = [
      { mount: "/", fsType: "ext4", sizeKb: 100 * gib, freeKb: 60 * gib, access: "none" },
      { mount: "/data", fsType: "xfs", sizeKb: 100 * gib, freeKb: 30 * gib, access: "mount" },
    ];
    expect(byId(checks(facts), "cache-dir")).toMatchObject({
      verdict: "warning",
      found: expect.stringMatching(
        /^\/data\/ops\/vla-cache on \/data, 30\.0 GiB free \(.*\): one VLA checkpoint is about 15 GiB$/,
      ),
      fix: expect.stringContaining("--cache-dir"),
    });
  });

  it("the real H100 capture: the newest build with sm_90 kernels the 580 driver runs", () => {
    const list = checks(capture("debian12-gpu-done", TESTBED_LIMITS, H100));
    expect(byId(list, "workspace-image")).toMatchObject({
      verdict: "ok",
      found: expect.stringMatching(
        /^pytorch\/pytorch:2\.11\.0-cuda13\.0-cudnn9-runtime, the image vla-provision workspace picks \(NVIDIA H100 80GB HBM3 \(compute capability 9\.0\), driver 580\.159\.04/,
      ),
    });
  });

  it("an RTX 5090 on a driver too old for any build with its kernels: a warning naming the driver needed", () => {
    const old = section(
      "gpu",
      "nvidia_smi=present\nquery_rc=0\nquery: 0, NVIDIA GeForce RTX 5090, 560.35.03, 12.0, 32607 MiB\nlspci=absent",
    );
    const found = byId(
      checks(capture("debian12-gpu-done", TESTBED_LIMITS, old)),
      "workspace-image",
    );
    expect(found?.verdict).toBe("warning");
    expect(found?.found).toMatch(/need driver >= 570/);
    expect(found?.fix).toContain("newer NVIDIA driver");
  });
});

describe("the container-limits probe section", () => {
  it("parses containerd's limits, or dockerd's, and skips what it cannot read", () => {
    expect(
      parseContainerLimits(
        "shm\t65536\t65000\ndockerd\tnofile\tunlimited\tunlimited\ndockerd\tmemlock\tx\t1\nhome\trelative\n",
      ),
    ).toEqual({
      shm: { sizeKb: 65536, freeKb: 65000 },
      inheritedFrom: "dockerd",
      nofile: { soft: "unlimited", hard: "unlimited" },
    });
    expect(parseContainerLimits("")).toEqual({});
  });

  it("runs only for doctor (probe_details=1), read-only, as any user", () => {
    const run = (details: string) =>
      parseProbe(
        execFileSync(
          "sh",
          [
            "-c",
            `probe_details=${details}\nprobe_only=container-limits\nset -- root\n${PROBE_SCRIPT}`,
          ],
          { encoding: "utf8" },
        ),
        "root",
      ).containerLimits;
    expect(run("0")).toBeUndefined();
    const read = run("1");
    expect(read?.home).toBe(
      execFileSync("sh", ["-c", "getent passwd root | cut -d: -f6"], { encoding: "utf8" }).trim(),
    );
  });
});
