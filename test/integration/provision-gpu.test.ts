import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explain, runCli, sshFlags, statuses } from "./_helpers/cli.js";
import { STATE_SNAPSHOT, snapshotChanges } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";

const NVIDIA_STEPS = ["nvidia-key", "nvidia-source", "nvidia-packages", "nvidia-runtime"];

describe("a host with a GPU (test double: RTX 5090, driver 580.95.05)", () => {
  let host: TestHost;
  const args = () => [...sshFlags(host), ...host.cliArgs, "--json"];

  beforeAll(async () => {
    host = await startHost("debian12-gpu", { user: "ops" });
    await host.exec(
      `mkdir -p /etc/docker && printf '%s\\n' '{"log-level": "warn", "runtimes": {"crun": {"path": "/usr/bin/crun"}}, "log-opts": {"max-size": "5m"}}' > /etc/docker/daemon.json`,
    );
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("doctor and --dry-run show the GPU, the driver and the CUDA image chosen, and change nothing", async () => {
    const doctor = await runCli(["doctor", ...sshFlags(host), "--json"]);
    expect(doctor.code, explain(doctor)).toBe(4);
    expect(JSON.parse(doctor.stdout).hosts[0].readiness.state).toBe("provision");
    const facts = JSON.parse(doctor.stdout).hosts[0].facts;
    expect(facts.gpu.gpus[0]).toMatchObject({
      name: "NVIDIA GeForce RTX 5090",
      driverVersion: "580.95.05",
      computeCapability: "12.0",
    });
    expect(facts.cudaImage.image).toBe("nvidia/cuda:13.0.2-base-ubuntu24.04");
    const before = await host.exec(STATE_SNAPSHOT);
    const dry = await runCli([...args(), "--dry-run"]);
    expect(dry.code, explain(dry)).toBe(0);
    expect(dry.stderr).toContain(
      "driver 580.95.05, NVIDIA GeForce RTX 5090 (12.0) -> CUDA 13.0.2 image",
    );
    const status = statuses(dry);
    for (const id of NVIDIA_STEPS) expect(status[id], id).toBe("planned");
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
  });

  it("runs every NVIDIA step, keeps the user's daemon.json keys, and the CUDA container sees the GPU", async () => {
    const result = await runCli(args());
    expect(result.code, explain(result)).toBe(0);
    const status = statuses(result);
    for (const id of NVIDIA_STEPS) expect(status[id], id).toBe("changed");
    expect(status["verify-cuda"]).toBe("verified");
    const daemon = JSON.parse((await host.exec("cat /etc/docker/daemon.json")).stdout);
    expect(daemon["log-level"]).toBe("warn");
    expect(daemon["log-opts"]).toEqual({ "max-size": "5m" });
    expect(daemon.runtimes.crun).toEqual({ path: "/usr/bin/crun" });
    expect(daemon.runtimes.nvidia.path).toBe("nvidia-container-runtime");
    expect(daemon["registry-mirrors"]).toEqual(["http://127.0.0.1:5000"]);
    const info = await host.exec("docker info --format '{{json .Runtimes}}'");
    expect(Object.keys(JSON.parse(info.stdout))).toContain("nvidia");
    const source = await host.exec("cat /etc/apt/sources.list.d/nvidia-container-toolkit.list");
    expect(source.stdout).toBe(
      "deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] http://127.0.0.1:8080/nvidia/libnvidia-container/stable/deb/$(ARCH) /",
    );
  });

  it("a re-run skips every step and changes nothing", async () => {
    const before = await host.exec(STATE_SNAPSHOT);
    const result = await runCli([...args(), "--no-verify"]);
    expect(result.code, explain(result)).toBe(0);
    for (const step of result.report?.hosts[0]?.steps ?? [])
      expect(step.status, step.id).toBe("skipped");
    const after = await host.exec(STATE_SNAPSHOT);
    expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
  });

  it("a dockerd that does not come back after configuration is rolled back", async () => {
    // Take the runtime out again, and make nvidia-ctk also write a directive dockerd refuses.
    await host.exec(
      [
        `printf '%s\\n' '{"log-level": "warn", "log-opts": {"max-size": "5m"}, "registry-mirrors": ["http://127.0.0.1:5000"]}' > /etc/docker/daemon.json`,
        "systemctl restart docker",
        "mv /usr/bin/nvidia-ctk /usr/bin/nvidia-ctk.real",
        // nvidia-ctk is run on a copy (--config=FILE): spoil the file it was given.
        `printf '%s\\n' '#!/bin/sh' '/usr/bin/nvidia-ctk.real "$@" || exit $?' 'f=/etc/docker/daemon.json; for a in "$@"; do case "$a" in --config=*) f="\${a#--config=}";; esac; done' 'sed -i "1s/{/{\\"not-a-dockerd-option\\": true,/" "$f"' > /usr/bin/nvidia-ctk`,
        "chmod +x /usr/bin/nvidia-ctk",
      ].join(" && "),
    );
    const before = (await host.exec("cat /etc/docker/daemon.json")).stdout;
    const result = await runCli([...args(), "--no-verify"]);
    expect(result.code, explain(result)).toBe(1);
    const step = result.report?.hosts[0]?.steps.find((s) => s.id === "nvidia-runtime");
    expect(step?.status).toBe("failed");
    expect(step?.error).toMatch(/dockerd did not come back.*restored/s);
    expect((await host.exec("cat /etc/docker/daemon.json")).stdout).toBe(before);
    expect((await host.exec("systemctl is-active docker")).stdout.trim()).toBe("active");
    await host.exec("mv -f /usr/bin/nvidia-ctk.real /usr/bin/nvidia-ctk");
  });
});

describe("a host without a GPU", () => {
  it("skips the NVIDIA steps with the reason, and --require-gpu refuses it", async () => {
    const host = await startHost("debian12", { user: "ops" });
    try {
      const refused = await runCli([...sshFlags(host), ...host.cliArgs, "--require-gpu", "--json"]);
      expect(refused.code, explain(refused)).toBe(3);
      expect(refused.report?.hosts[0]?.error).toMatch(/no NVIDIA GPU/);
      expect((await host.exec("ls /etc/apt/keyrings/ 2>/dev/null | wc -l")).stdout.trim()).toBe(
        "0",
      );
    } finally {
      await host.stop();
    }
  });
});
