import { describe, expect, it } from "vitest";
import type { HostReport, RunReport, StepReport } from "../../src/engine/report.js";
import { runExitCode } from "../../src/engine/report.js";
import type { GpuState } from "../../src/facts/gpu.js";
import { describeGpus } from "../../src/fleet/gpu-label.js";
import { mapWithLimit } from "../../src/fleet/pool.js";
import { hostResult, renderFleetTable } from "../../src/fleet/table.js";

const step = (status: StepReport["status"]): StepReport => ({
  id: status,
  title: status,
  status,
  durationMs: 1000,
});

function host(target: string, extra: Partial<HostReport> = {}): HostReport {
  return {
    target,
    os: "Debian GNU/Linux 12 (bookworm) amd64",
    gpu: "none",
    ok: true,
    exitCode: 0,
    steps: [],
    notices: [],
    decisions: {},
    commands: 3,
    durationMs: 61_500,
    ...extra,
  };
}

const fleet: RunReport = {
  version: "0.1.0",
  dryRun: false,
  hosts: [
    host("gpu-01", { gpu: "2x NVIDIA H100 80GB HBM3", steps: [step("changed"), step("skipped")] }),
    host("gpu-02", { ok: false, exitCode: 1, steps: [step("changed"), step("failed")] }),
    host("gpu-03", { ok: false, exitCode: 3, error: "Ubuntu 18.04 is not supported" }),
    host("gpu-04", {
      ok: false,
      exitCode: 1,
      os: undefined,
      gpu: undefined,
      error: "cannot connect to ops@10.0.0.4: connect ECONNREFUSED",
      durationMs: 20,
    }),
  ],
};

describe("the fleet table", () => {
  it("one row per host: OS, GPU, result, counts and its own time", () => {
    expect(renderFleetTable(fleet).split("\n")).toEqual([
      "",
      "host    OS                                    GPU                       result       changed  skipped   time",
      "gpu-01  Debian GNU/Linux 12 (bookworm) amd64  2x NVIDIA H100 80GB HBM3  ok                 1        1  61.5s",
      "gpu-02  Debian GNU/Linux 12 (bookworm) amd64  none                      failed             1        0  61.5s",
      "gpu-03  Debian GNU/Linux 12 (bookworm) amd64  none                      refused            0        0  61.5s",
      "gpu-04  -                                     -                         unreachable        0        0   0.0s",
      "4 hosts: 1 ok, 1 failed, 1 refused, 1 unreachable",
    ]);
  });

  it("a dry run counts planned steps", () => {
    const planned = { ...fleet, dryRun: true, hosts: [host("a", { steps: [step("planned")] })] };
    expect(renderFleetTable(planned)).toMatch(/result {2}planned {2}skipped/);
  });

  it("the run's exit code is the worst host's: refused (3) over failed (1)", () => {
    expect(runExitCode(fleet)).toBe(3);
    expect(
      runExitCode({
        ...fleet,
        hosts: [fleet.hosts[0] as HostReport, fleet.hosts[3] as HostReport],
      }),
    ).toBe(1);
    expect(hostResult(host("x", { ok: false, exitCode: 130 }))).toBe("interrupted");
  });
});

describe("hosts at once", () => {
  it("never more than the limit, every item once, results in order", async () => {
    let running = 0;
    let most = 0;
    const results = await mapWithLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(most).toBe(3);
  });
});

describe("the GPU column", () => {
  const gpu = (name: string, index = 0) => ({
    index,
    name,
    driverVersion: "580.95.05",
    computeCapability: "9.0",
    memoryMiB: 81559,
  });
  it.each<[GpuState, string]>([
    [{ kind: "none" }, "none"],
    [{ kind: "no-driver", devices: ["a", "b"], message: "" }, "2x no driver"],
    [
      {
        kind: "ready",
        gpus: [
          gpu("NVIDIA H100 80GB HBM3"),
          gpu("NVIDIA H100 80GB HBM3", 1),
          gpu("NVIDIA A100", 2),
        ],
        openKernelModule: true,
      },
      "2x NVIDIA H100 80GB HBM3, 1x NVIDIA A100",
    ],
  ])("%j", (state, label) => {
    expect(describeGpus(state)).toBe(label);
  });
});
