import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeFacts, renderDoctor } from "../../src/doctor.js";
import { parseProbe } from "../../src/facts/facts.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

const fixture = (path: string) =>
  readFileSync(new URL(`../fixtures/probe/${path}`, import.meta.url), "utf8");

const probe = (...sections: string[]) =>
  parseProbe([fixture("debian12-local-root.txt"), ...sections.map(fixture)].join("\n"), "root");

const doctorView = (facts: ReturnType<typeof probe>) =>
  describeFacts(facts, "root", "root", TEST_OPTIONS);

describe("doctor on faults", () => {
  it("says which daemons timed out, in one line each", () => {
    const facts = doctorView(probe("debian12-frozen-daemons.sections.txt"));
    expect(facts.docker.server).toBe("dockerd did not answer within 10 s (timed out)");
    expect(facts.gpu).toEqual({
      state: "no-driver",
      message: expect.stringContaining("nvidia-smi did not answer within 10 s (timed out)"),
    });
    expect(facts.timedOut).toEqual(["snap-docker: timed out", "docker-server: timed out"]);
    const text = renderDoctor(
      { hosts: [{ target: "local", ok: true, exitCode: 0, commands: 1, facts }] },
      true,
    );
    expect(text).toContain(
      "    timedOut: \n      - snap-docker: timed out\n      - docker-server: timed out",
    );
    expect(text).not.toContain("@@vla");
  });

  it("shows an interrupted dpkg by its first package, with the fix", () => {
    expect(doctorView(probe("debian12-dpkg-interrupted.sections.txt")).dpkg).toBe(
      "interrupted (docker.io): run `sudo dpkg --configure -a`",
    );
    expect(doctorView(probe()).dpkg).toBe("ok");
  });

  it("shows the running containers and what removing the conflicting packages takes along", () => {
    const facts = doctorView(
      probe(
        "debian12-running-container.sections.txt",
        "debian12-apt-remove-collateral.sections.txt",
      ),
    );
    expect(facts.docker.runningContainers).toEqual(["vla-testbed-debian12-d68d08"]);
    expect(facts.conflictRemoval).toEqual({
      removes: ["docker-clean", "docker.io", "containerd", "runc"],
      collateral: ["docker-clean"],
    });
  });
});
