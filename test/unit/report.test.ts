import { describe, expect, it } from "vitest";
import {
  type HostReport,
  nextCommand,
  type RunReport,
  renderRecap,
  renderSummary,
  runExitCode,
  type StepReport,
} from "../../src/engine/report.js";

const dryRun: RunReport = {
  version: "0.1.0",
  dryRun: true,
  hosts: [
    {
      target: "ops@gpu-01",
      os: "Ubuntu 24.04.3 LTS amd64",
      ok: true,
      exitCode: 0,
      steps: [
        {
          id: "docker-key",
          title: "Add Docker's key",
          status: "skipped",
          reason: "holds key",
          durationMs: 1,
        },
        {
          id: "daemon-settings",
          title: "Configure registry mirrors",
          status: "planned",
          plan: '--- /etc/docker/daemon.json\n+  "registry-mirrors": ["http://127.0.0.1:5000"]\n$ restart dockerd',
          durationMs: 2,
        },
      ],
      notices: [],
      decisions: {},
      commands: 1,
      durationMs: 400,
    },
  ],
};

describe("the summary", () => {
  it("shows a dry run's commands and file diffs without --verbose", () => {
    const text = renderSummary(dryRun);
    expect(text).toContain("  planned    0.0s  Configure registry mirrors\n");
    expect(text).toContain('             | +  "registry-mirrors": ["http://127.0.0.1:5000"]');
    expect(text).toContain("             | $ restart dockerd");
    expect(text).not.toContain("| holds key");
  });

  it("takes the worst host's exit code, an interruption above a failure", () => {
    const [first] = dryRun.hosts;
    const host = (exitCode: number) => ({ ...(first as HostReport), exitCode });
    expect(runExitCode({ ...dryRun, hosts: [host(0), host(1)] })).toBe(1);
    expect(runExitCode({ ...dryRun, hosts: [host(1), host(3)] })).toBe(3);
    expect(runExitCode({ ...dryRun, hosts: [host(1), host(130)] })).toBe(130);
    expect(runExitCode({ ...dryRun, hosts: [host(3), host(2)] })).toBe(2);
  });
});

describe("the last line of a run that did not succeed", () => {
  const failed = (error: string, exitCode: number): RunReport => ({
    ...dryRun,
    dryRun: false,
    hosts: [{ ...(dryRun.hosts[0] as HostReport), ok: false, error, exitCode }],
  });

  it("names --yes when a refusal says --yes would allow it", () => {
    const report = failed(
      "1 running container (web): ...; nothing was changed: stop them first, or run again with --yes to allow the restart",
      3,
    );
    expect(nextCommand(report, "vla-provision --ssh gpu-01")).toBe(
      "next: vla-provision --ssh gpu-01 --yes   (if what is named above is what you want; done steps are skipped)",
    );
    expect(nextCommand(report, "vla-provision --ssh gpu-01 -y")).toBe(
      "next: fix what is named above, then run the same command again: vla-provision --ssh gpu-01 -y",
    );
  });

  it("otherwise says to fix the cause and run the same command again", () => {
    expect(nextCommand(failed("unsupported OS Fedora 40", 3), "vla-provision")).toBe(
      "next: fix what is named above, then run the same command again: vla-provision",
    );
  });

  it("says nothing after a success, a usage error or an interruption (that has its own line)", () => {
    expect(nextCommand(dryRun, "vla-provision")).toBeUndefined();
    expect(nextCommand(failed("x", 2), "vla-provision")).toBeUndefined();
    expect(nextCommand(failed("x", 130), "vla-provision")).toBeUndefined();
  });
});

describe("renderRecap", () => {
  const step = (id: string, status: StepReport["status"], extra: Partial<StepReport> = {}) => ({
    id,
    title: `Step ${id}`,
    status,
    durationMs: 100,
    ...extra,
  });
  const host = (target: string, steps: StepReport[], extra: Partial<HostReport> = {}) => ({
    target,
    ok: !steps.some((s) => s.status === "failed"),
    exitCode: steps.some((s) => s.status === "failed") ? 1 : 0,
    steps,
    notices: [],
    decisions: {},
    commands: 3,
    durationMs: 4200,
    ...extra,
  });

  it("one line per host with its counts and time, then only the failures and the notes", () => {
    const text = renderRecap({
      version: "0",
      dryRun: false,
      hosts: [
        host("ops@gpu-01", [step("a", "changed"), step("b", "skipped"), step("c", "verified")], {
          notices: ["ops was added to the docker group"],
        }),
        host("gpu-02", [step("a", "skipped"), step("b", "failed", { error: "apt said no\nmore" })]),
      ],
    });
    expect(text.split("\n")).toEqual([
      "",
      "RECAP",
      "ops@gpu-01 : ok          changed=1 skipped=1 verified=1 failed=0  4.2s",
      "gpu-02     : FAILED      changed=0 skipped=1 verified=0 failed=1  4.2s",
      "ops@gpu-01: note: ops was added to the docker group",
      "gpu-02: Step b: apt said no",
      "  more",
    ]);
  });

  it("a dry run keeps the full list with its plan", () => {
    const report = {
      version: "0",
      dryRun: true,
      hosts: [host("h", [step("a", "planned", { plan: "$ true" })])],
    };
    expect(renderRecap(report)).toBe(renderSummary(report));
  });
});
