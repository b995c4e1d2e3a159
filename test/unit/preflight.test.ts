import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RefusedError } from "../../src/errors.js";
import { type Facts, parseProbe } from "../../src/facts/facts.js";
import type { ProvisionOptions } from "../../src/options.js";
import { preflight } from "../../src/preflight.js";
import { fakeRun } from "./_helpers/fake-host.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

const fixture = (path: string) =>
  readFileSync(new URL(`../fixtures/probe/${path}`, import.meta.url), "utf8");

const PROBE_DEBIAN12 = fixture("debian12-local-root.txt");
const probe = (...sections: string[]): Facts =>
  parseProbe([PROBE_DEBIAN12, ...sections.map(fixture)].join("\n"), "root");

const SOUND = probe();
const DPKG_INTERRUPTED = probe("debian12-dpkg-interrupted.sections.txt");
const COLLATERAL = probe("debian12-apt-remove-collateral.sections.txt");

const options = (changes: Partial<ProvisionOptions>): ProvisionOptions => ({
  ...TEST_OPTIONS,
  ...changes,
});

describe("preflight on the sound Debian 12 capture", () => {
  it("reads dpkg as sound with nothing to remove, and passes without running anything", async () => {
    expect([SOUND.dpkgAudit, SOUND.dpkgJournalPending, SOUND.conflictRemoval]).toEqual([
      "",
      false,
      undefined,
    ]);
    const run = fakeRun(SOUND, options({ yes: false }));
    await expect(preflight(run.ctx)).resolves.toMatch(/^Debian GNU\/Linux 12/);
    expect(run.commands).toEqual([]);
    expect(run.notices).toEqual([]);
  });
});

describe("preflight on an interrupted dpkg", () => {
  it("refuses without --yes, naming the package and the fix, before running anything", async () => {
    const run = fakeRun(DPKG_INTERRUPTED, options({ yes: false }));
    const refusal = preflight(run.ctx);
    await expect(refusal).rejects.toBeInstanceOf(RefusedError);
    await expect(refusal).rejects.toThrow(
      "dpkg was interrupted (docker.io): run `sudo dpkg --configure -a`, or run again with --yes to let vla-provision run it",
    );
    expect(run.commands).toEqual([]);
  });

  it("with --yes runs dpkg --configure -a (bounded), says so and reads the facts again", async () => {
    const run = fakeRun(DPKG_INTERRUPTED, options({ yes: true }), SOUND);
    await preflight(run.ctx);
    expect(run.commands).toHaveLength(1);
    expect(run.commands[0]).toMatch(/^timeout -k 10 1800 sh -c '.*dpkg --configure -a /);
    expect(run.notices).toEqual(["repaired an interrupted dpkg: ran dpkg --configure -a"]);
    expect(run.refreshes).toBe(1);
  });

  it("with --yes refuses when dpkg is still not sound after the repair", async () => {
    const run = fakeRun(DPKG_INTERRUPTED, options({ yes: true }), DPKG_INTERRUPTED);
    await expect(preflight(run.ctx)).rejects.toThrow(
      /^dpkg is still not sound after dpkg --configure -a \(docker\.io\)/,
    );
  });

  it("treats pending entries in dpkg's journal as interrupted", async () => {
    const journal = parseProbe(
      `${PROBE_DEBIAN12}\n@@vla dpkg-journal\n0001\n\n@@vla-rc 0\n`,
      "root",
    );
    const run = fakeRun(journal, options({ yes: false }));
    await expect(preflight(run.ctx)).rejects.toThrow(
      "dpkg was interrupted (unfinished entries in /var/lib/dpkg/updates)",
    );
  });

  it("in a dry run changes nothing and says what the real run would do", async () => {
    const refusing = fakeRun(DPKG_INTERRUPTED, options({ dryRun: true, yes: false }));
    await preflight(refusing.ctx);
    const repairing = fakeRun(DPKG_INTERRUPTED, options({ dryRun: true, yes: true }));
    await preflight(repairing.ctx);
    expect([...refusing.commands, ...repairing.commands]).toEqual([]);
    expect(refusing.notices).toEqual(["dpkg was interrupted (docker.io): a real run would refuse"]);
    expect(repairing.notices).toEqual([
      "dpkg was interrupted (docker.io): a real run would run `dpkg --configure -a` first",
    ]);
  });
});

describe("preflight on conflicting packages whose removal takes others along", () => {
  it("refuses without --yes, naming what else apt would remove, and allows it with --yes", async () => {
    const run = fakeRun(COLLATERAL, options({ yes: false }));
    const refusal = preflight(run.ctx);
    await expect(refusal).rejects.toBeInstanceOf(RefusedError);
    await expect(refusal).rejects.toThrow(
      "removing the conflicting Docker packages would also remove: docker-clean; run again with --yes to allow it",
    );
    expect(run.commands).toEqual([]);

    const allowed = fakeRun(COLLATERAL, options({ yes: true }));
    await expect(preflight(allowed.ctx)).resolves.toBeTruthy();
    expect(allowed.notices).toEqual([]);
  });

  it("shows it as a notice in a dry run", async () => {
    const run = fakeRun(COLLATERAL, options({ dryRun: true, yes: false }));
    await preflight(run.ctx);
    expect(run.notices).toEqual([
      "removing the conflicting Docker packages would also remove: docker-clean; run again with --yes to allow it (a real run would refuse)",
    ]);
  });

  it("does not ask when apt removes only the conflicting packages", async () => {
    const facts = probe("debian12-apt-remove.sections.txt");
    expect(facts.conflictRemoval?.removes).toEqual(["docker.io", "containerd", "runc"]);
    const run = fakeRun(facts, options({ yes: false }));
    await expect(preflight(run.ctx)).resolves.toBeTruthy();
  });

  it("refuses without --yes when apt could not say what it would remove", async () => {
    const facts = parseProbe(`${PROBE_DEBIAN12}\n@@vla apt-remove\n\n@@vla-rc 124\n`, "root");
    const run = fakeRun(facts, options({ yes: false }));
    await expect(preflight(run.ctx)).rejects.toThrow(
      "could not tell what removing the conflicting Docker packages would also remove (apt-get -s remove did not answer within 30 s (timed out)); run again with --yes to allow it",
    );
  });
});

describe("preflight on a user lookup that timed out", () => {
  it("refuses with the timeout rather than calling the user missing", async () => {
    const facts = parseProbe(`${PROBE_DEBIAN12}\n@@vla target-user\n\n@@vla-rc 124\n`, "root");
    const run = fakeRun(facts, options({}));
    await expect(preflight(run.ctx)).rejects.toThrow(
      "looking up the user root did not answer (timed out)",
    );
  });
});
