import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { initialDecisions } from "../../src/decisions.js";
import { confirmRestarts, pendingRestarts } from "../../src/engine/restart-confirmation.js";
import type { HostRun } from "../../src/engine/runner.js";
import type { StepContext } from "../../src/engine/step.js";
import { parseProbe } from "../../src/facts/facts.js";
import { Host } from "../../src/hosts/host.js";
import { LocalTransport } from "../../src/hosts/local.js";
import type { ProvisionOptions } from "../../src/options.js";
import { emptyReport } from "../../src/session.js";
import { STEPS } from "../../tasks/index.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

const PROBE = readFileSync(
  new URL("../fixtures/probe/debian12-local-root.txt", import.meta.url),
  "utf8",
);

/** A host with dockerd running `containers`, asked for a registry mirror it does not have yet. */
function run(containers: string[], options: Partial<ProvisionOptions> = {}): HostRun {
  const report = emptyReport("ops@gpu-01");
  const facts = parseProbe(PROBE, "root");
  facts.docker.runningContainers = containers;
  const ctx: StepContext = {
    host: new Host(new LocalTransport(), { mode: "root" }),
    facts,
    options: {
      ...TEST_OPTIONS,
      nvidia: false,
      yes: false,
      registryMirrors: ["http://127.0.0.1:5000"],
      ...options,
    },
    decisions: initialDecisions("root"),
    refreshFacts: async () => {},
    log: () => {},
    notice: (text) => report.notices.push(text),
  };
  return { ctx, report };
}

/** The step that restarts dockerd on this fixture once Docker is there: dockerd's settings. */
const MIRROR = STEPS.filter((step) => step.id === "daemon-settings");

const never = async () => {
  throw new Error("must not ask");
};

describe("confirming a dockerd restart while containers run", () => {
  it("finds the steps that would restart dockerd", () => {
    // This fixture has containerd and runc from Debian and no Docker CE: replacing them counts too.
    expect(pendingRestarts(run([]).ctx, STEPS).map((s) => s.id)).toEqual([
      "docker-conflicts",
      "docker-packages",
      "daemon-settings",
    ]);
    expect(
      pendingRestarts(run([], { registryMirrors: [], logRotation: false }).ctx, MIRROR),
    ).toEqual([]);
  });

  it("refuses with exit code 3 when it cannot ask, naming the containers", async () => {
    const host = run(["web", "trainer"]);
    await confirmRestarts([host], MIRROR, async () => undefined);
    expect(host.report.ok).toBe(false);
    expect(host.report.exitCode).toBe(3);
    expect(host.report.error).toBe(
      '2 running containers (web, trainer): "Configure dockerd (daemon.json)" restarts dockerd, which stops them (those with a restart policy come back); nothing was changed: stop them first, or run again with --yes to allow the restart',
    );
  });

  it("refuses under --json without asking, even in a terminal", async () => {
    const host = run(["web"], { json: true });
    await confirmRestarts([host], MIRROR, never);
    expect(host.report.exitCode).toBe(3);
  });

  it("goes on when the user says yes, and refuses when they say no", async () => {
    const yes = run(["web"]);
    const questions: string[] = [];
    await confirmRestarts([yes], MIRROR, async (q) => {
      questions.push(q);
      return true;
    });
    expect(yes.report.ok).toBe(true);
    expect(questions[0]).toMatch(/^ops@gpu-01: 1 running container \(web\).*Go on\?$/);
    const no = run(["web"]);
    await confirmRestarts([no], MIRROR, async () => false);
    expect(no.report.exitCode).toBe(3);
    expect(no.report.error).toMatch(/you chose not to go on/);
  });

  it("goes on with --yes and says so; a dry run shows it", async () => {
    const yes = run(["web"], { yes: true });
    await confirmRestarts([yes], MIRROR, never);
    expect(yes.report.ok).toBe(true);
    expect(yes.report.notices.join("\n")).toMatch(/going on \(--yes\)/);
    const dry = run(["web"], { dryRun: true });
    await confirmRestarts([dry], MIRROR, never);
    expect(dry.report.ok).toBe(true);
    expect(dry.report.notices.join("\n")).toMatch(/a real run asks first/);
  });

  it("asks nothing when no container runs or nothing restarts dockerd", async () => {
    const idle = run([]);
    await confirmRestarts([idle], MIRROR, never);
    expect(idle.report.ok).toBe(true);
    const nothingToDo = run(["web"], { registryMirrors: [], logRotation: false });
    await confirmRestarts([nothingToDo], MIRROR, never);
    expect(nothingToDo.report.ok).toBe(true);
    expect(nothingToDo.report.notices).toEqual([]);
  });
});
