/** After a step, only the probe sections its actions can change are read again. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { sectionsTouched, sectionsTouchedBy } from "../../src/actions/effects.js";
import type { Action } from "../../src/actions/types.js";
import { mergeFacts, parseProbe } from "../../src/facts/facts.js";
import { sectionReader } from "../../src/facts/probe/definition.js";
import { PROBE_SCRIPT, PROBE_SECTIONS, SECTION_DEFS } from "../../src/facts/probe-script.js";
import { splitSections } from "../../src/facts/sections.js";

const probeText = (name: string) =>
  readFileSync(resolve(import.meta.dirname, `../fixtures/steps/${name}.probe.txt`), "utf8");
const capture = (name: string) => parseProbe(probeText(name), "ops");

function probe(only: string): string[] {
  const output = execFileSync(
    "sh",
    ["-c", `probe_only='${only}'\nset -- root curl\n${PROBE_SCRIPT}`],
    {
      encoding: "utf8",
    },
  );
  return [...splitSections(output).keys()];
}

describe("a partial probe", () => {
  it("reads identity and the sections asked for, nothing else", () => {
    expect(probe("dpkg init")).toEqual(["identity", "init", "dpkg"]);
    expect(probe("apt-sources").filter((s) => !s.startsWith("apt-source "))).toEqual(["identity"]);
    expect(probe("apt-sources").some((s) => s.startsWith("apt-source "))).toBe(true);
  });

  it("reads every section when none is named", () => {
    const all = probe("");
    const named = PROBE_SECTIONS.filter(
      (s) => s !== "apt-sources" && s !== "keyrings" && s !== "docker",
    );
    for (const section of [...named, "docker-server", "docker-containers"])
      expect(all, section).toContain(section);
  });

  it("each section's parser fills its own facts; all of them together are the whole probe", () => {
    const text = probeText("debian12-gpu-done");
    const whole = parseProbe(text, "ops");
    const all = mergeFacts(capture("debian12-fresh"), text, "ops", PROBE_SECTIONS);
    expect(all).toEqual(whole);
    const filled = new Set(
      SECTION_DEFS.flatMap((def) =>
        Object.keys(def.parse(sectionReader(splitSections(text), "ops"))),
      ),
    );
    expect([...filled, "identity", "timedOut"].sort()).toEqual(Object.keys(whole).sort());
  });

  it("merges the sections read into the facts, keeping the rest", () => {
    const fresh = capture("debian12-fresh");
    const done = capture("debian12-done");
    const merged = mergeFacts(fresh, probeText("debian12-done"), "ops", ["dpkg", "docker-group"]);
    expect(merged.packages).toEqual(done.packages);
    expect(merged.dockerGroup).toEqual(done.dockerGroup);
    expect(merged.keyrings).toEqual(fresh.keyrings);
    expect(merged.daemonJson).toEqual(fresh.daemonJson);
    expect(merged.init).toEqual(fresh.init);
  });
});

describe("what each action can change", () => {
  it("names only sections the probe has", () => {
    const kinds: Action[] = [
      { kind: "apt-install", packages: [], noRecommends: false, allowDowngrades: false },
      { kind: "write-file", path: "/x", content: "", mode: "0644" },
      { kind: "install-key", url: "u", path: "/p", fingerprint: "f", store: "binary" },
      { kind: "add-to-group", user: "ops", group: "docker" },
      { kind: "start-docker", init: "systemd" },
      { kind: "change-daemon-json", init: "systemd", before: "", beforeConfig: {}, content: "{}" },
    ];
    for (const action of kinds) {
      expect(sectionsTouched(action).length, action.kind).toBeGreaterThan(0);
      for (const section of sectionsTouched(action))
        expect(PROBE_SECTIONS as readonly string[]).toContain(section);
    }
  });

  it("a package install re-reads what package scripts change, not the GPU or the apt sources", () => {
    const sections = sectionsTouchedBy([
      { kind: "apt-update" },
      { kind: "apt-install", packages: [], noRecommends: false, allowDowngrades: false },
    ]);
    expect(sections).toEqual(
      expect.arrayContaining(["dpkg", "init", "docker", "docker-group", "daemon-json"]),
    );
    expect(sections).not.toContain("gpu");
    expect(sections).not.toContain("apt-sources");
  });
});
