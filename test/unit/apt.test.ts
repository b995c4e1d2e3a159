import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderActions } from "../../src/actions/render.js";
import { aptGet, aptInstall, aptRemove, aptUpdate } from "../../src/apt/apt.js";
import { commandEnv } from "../../src/engine/runner.js";
import type { Step } from "../../src/engine/step.js";
import { type Facts, parseProbe } from "../../src/facts/facts.js";
import type { ProvisionOptions } from "../../src/options.js";
import { dockerConflicts } from "../../tasks/docker-conflicts.js";
import { dockerPackages } from "../../tasks/docker-packages.js";
import { dockerPrerequisites } from "../../tasks/docker-prerequisites.js";
import { nvidiaPackages } from "../../tasks/nvidia-packages.js";
import { applyStep, fakeRun } from "./_helpers/fake-host.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

const fixture = (path: string) =>
  readFileSync(new URL(`../fixtures/probe/${path}`, import.meta.url), "utf8");

const PROBE_DEBIAN12 = fixture("debian12-local-root.txt");

/** The capture, with curl missing so docker-prerequisites has work to do. */
const FACTS: Facts = (() => {
  const facts = parseProbe(
    `${PROBE_DEBIAN12}\n${fixture("debian12-apt-remove-collateral.sections.txt")}`,
    "root",
  );
  facts.packages.delete("curl");
  return facts;
})();

/** --apt-lock-timeout 42 */
const LOCK_42: ProvisionOptions = { ...TEST_OPTIONS, aptLockWaitMs: 42_000 };

const aptGetCalls = (text: string) => text.match(/apt-get [^&|;\n]*/g) ?? [];

describe("apt-get command lines", () => {
  it("take the lock wait from the options, in seconds", () => {
    expect(aptGet(LOCK_42)).toContain("-o DPkg::Lock::Timeout=42 ");
    expect(aptUpdate(LOCK_42)).toMatch(/DPkg::Lock::Timeout=42 .* update$/);
    expect(aptInstall(["curl"], LOCK_42)).toContain("DPkg::Lock::Timeout=42 ");
    expect(aptRemove(["docker.io"], LOCK_42)).toContain("DPkg::Lock::Timeout=42 ");
    expect(aptGet({ aptLockWaitMs: 1_500 })).toContain("DPkg::Lock::Timeout=2 ");
  });
});

describe("every apt-get a step plans or runs waits as long as --apt-lock-timeout says", () => {
  const steps: [Step, string[]][] = [
    [dockerPrerequisites, ["update", "install"]],
    [dockerConflicts, ["remove"]],
    [dockerPackages, ["update", "install"]],
    [nvidiaPackages, ["update", "install"]],
  ];

  for (const [step, verbs] of steps) {
    it(`${step.id}: its plan and its commands`, async () => {
      const run = fakeRun(FACTS, LOCK_42);
      const plan = step.plan(run.ctx);
      if (plan.done) throw new Error(`${step.id} has nothing to do`);
      const planned = aptGetCalls(renderActions(plan.actions, commandEnv(run.ctx)));
      await applyStep(step, run.ctx);
      const ran = run.commands.flatMap(aptGetCalls);
      for (const calls of [planned, ran]) {
        expect(calls.map((call) => /-o APT::Status-Fd=1 (\w+)/.exec(call)?.[1])).toEqual(verbs);
        for (const call of calls) expect(call).toContain("-o DPkg::Lock::Timeout=42 ");
      }
      expect(ran.join("\n")).not.toContain("Timeout=600");
    });
  }

  it("bounds each apt command by the lock wait plus its own work", async () => {
    const run = fakeRun(FACTS, LOCK_42);
    await applyStep(dockerConflicts, run.ctx);
    expect(run.commands).toEqual([expect.stringMatching(/^timeout -k 10 342 sh -c /)]);
  });

  it("bounds apt-cache madison", async () => {
    const reply = (command: string) =>
      command.includes("apt-cache madison")
        ? {
            stdout:
              " docker-ce | 5:28.1.1-1~debian.12~bookworm | https://download.docker.com/linux/debian bookworm/stable amd64 Packages\n",
          }
        : {};
    const run = fakeRun(FACTS, { ...LOCK_42, dockerVersion: "28" }, FACTS, reply);
    await applyStep(dockerPackages, run.ctx);
    const madison = run.commands.find((command) => command.includes("apt-cache madison"));
    expect(madison).toMatch(/^timeout -k 10 120 sh -c 'apt-cache madison docker-ce'$/);
  });
});

describe("the docker-conflicts plan", () => {
  it("shows every package apt would remove, and sets apart the ones that are not conflicts", async () => {
    const plan = dockerConflicts.plan(fakeRun(FACTS, TEST_OPTIONS).ctx);
    if (plan.done) throw new Error("docker-conflicts has nothing to do");
    expect(plan.actions.slice(1)).toEqual([
      { kind: "note", text: "apt would remove: docker.io, containerd, runc" },
      {
        kind: "note",
        text: "apt would ALSO remove, as they depend on those (not conflicting packages): docker-clean",
      },
      { kind: "note", text: "/var/lib/docker (images, containers, volumes) is kept" },
    ]);
  });
});
