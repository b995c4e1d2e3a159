import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lineDiff } from "../../src/diff.js";
import type { StepContext } from "../../src/engine/step.js";
import { StepError } from "../../src/errors.js";
import { parseProbe } from "../../src/facts/facts.js";
import { Host } from "../../src/hosts/host.js";
import { LocalTransport } from "../../src/hosts/local.js";
import type { ProvisionOptions } from "../../src/options.js";
import { DOCKER_SOURCE, dockerSource } from "../../tasks/docker-source.js";
import { checkAptSource } from "../../tasks/lib/apt-source.js";
import { TEST_OPTIONS } from "./_helpers/options.js";

const fixture = (path: string) =>
  readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");

/** The real Debian 12 probe output; it holds only /etc/apt/sources.list.d/debian.sources. */
const PROBE = fixture("probe/debian12-local-root.txt");

/** The probe output with more sources files, printed the way the probe prints them. */
function withSources(files: Record<string, string>, base = PROBE): string {
  return (
    base +
    Object.entries(files)
      .map(([path, text]) => `\n@@vla apt-source ${path}\n${text}\n@@vla-rc 0\n`)
      .join("")
  );
}

const OPTIONS = TEST_OPTIONS;

function context(output: string, options: Partial<ProvisionOptions> = {}): StepContext {
  return {
    // check() reads facts only; the host is never asked to run anything here.
    host: new Host(new LocalTransport(), { mode: "root" }),
    facts: parseProbe(output, "root"),
    options: { ...OPTIONS, ...options },
    targetUser: "root",
    decisions: new Map(),
    refreshFacts: async () => {},
    log: () => {},
    notice: () => {},
  };
}

const DEBIAN_SOURCES = [
  "Types: deb",
  "URIs: https://download.docker.com/linux/debian",
  "Suites: bookworm",
  "Components: stable",
  "Architectures: amd64",
  "Signed-By: /etc/apt/keyrings/docker.asc",
  "",
].join("\n");

const NEW_FILE_DIFF = [
  "+ Types: deb",
  "+ URIs: https://download.docker.com/linux/debian",
  "+ Suites: bookworm",
  "+ Components: stable",
  "+ Architectures: amd64",
  "+ Signed-By: /etc/apt/keyrings/docker.asc",
].join("\n");

const LEGACY_LINE =
  "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/debian bookworm stable";

const MOVE_DOCKER_LIST =
  "mv /etc/apt/sources.list.d/docker.list /var/backups/vla-provision/  # same repository as /etc/apt/sources.list.d/docker.sources";

describe("dockerSource.check on the Debian 12 capture", () => {
  it("plans the new docker.sources when there is no Docker source", async () => {
    const ctx = context(PROBE);
    expect([...ctx.facts.aptSourceFiles.keys()]).toEqual([
      "/etc/apt/sources.list.d/debian.sources",
    ]);
    expect(await dockerSource.check(ctx)).toEqual({
      done: false,
      plan: [{ kind: "file", path: DOCKER_SOURCE, diff: NEW_FILE_DIFF }],
    });
  });

  it("is done when docker.sources is already what it would write", async () => {
    const ctx = context(withSources({ [DOCKER_SOURCE]: DEBIAN_SOURCES }));
    expect(ctx.facts.aptSourceFiles.get(DOCKER_SOURCE)).toBe(DEBIAN_SOURCES);
    expect(await dockerSource.check(ctx)).toEqual({
      done: true,
      reason: "/etc/apt/sources.list.d/docker.sources is up to date",
    });
  });

  it("plans to replace an outdated docker.sources, showing the changed line", async () => {
    const old = DEBIAN_SOURCES.replace("docker.asc", "docker.gpg");
    const ctx = context(withSources({ [DOCKER_SOURCE]: old }));
    expect(await dockerSource.check(ctx)).toEqual({
      done: false,
      plan: [{ kind: "file", path: DOCKER_SOURCE, diff: lineDiff(old, DEBIAN_SOURCES) }],
    });
  });

  it("moves a legacy docker.list away and writes docker.sources", async () => {
    const ctx = context(withSources({ "/etc/apt/sources.list.d/docker.list": `${LEGACY_LINE}\n` }));
    expect(await dockerSource.check(ctx)).toEqual({
      done: false,
      plan: [
        { kind: "command", text: MOVE_DOCKER_LIST },
        { kind: "file", path: DOCKER_SOURCE, diff: NEW_FILE_DIFF },
      ],
    });
  });

  it("still moves docker.list away when docker.sources is already in place", async () => {
    const ctx = context(
      withSources({
        "/etc/apt/sources.list.d/docker.list": `${LEGACY_LINE}\n`,
        [DOCKER_SOURCE]: DEBIAN_SOURCES,
      }),
    );
    expect(await dockerSource.check(ctx)).toEqual({
      done: false,
      plan: [{ kind: "command", text: MOVE_DOCKER_LIST }],
    });
  });

  it("leaves a docker.list alone whose Docker line is commented out", async () => {
    const ctx = context(
      withSources({
        "/etc/apt/sources.list.d/docker.list": `# ${LEGACY_LINE}\n`,
        [DOCKER_SOURCE]: DEBIAN_SOURCES,
      }),
    );
    expect((await dockerSource.check(ctx)).done).toBe(true);
  });

  it("comments out Docker's line in /etc/apt/sources.list and keeps Debian's", async () => {
    const sourcesList = [
      "deb http://deb.debian.org/debian bookworm main",
      "deb http://deb.debian.org/debian-security bookworm-security main",
      LEGACY_LINE,
      "",
    ].join("\n");
    const rewritten = [
      "deb http://deb.debian.org/debian bookworm main",
      "deb http://deb.debian.org/debian-security bookworm-security main",
      `# moved to /etc/apt/sources.list.d/docker.sources by vla-provision: ${LEGACY_LINE}`,
      "",
    ].join("\n");
    const ctx = context(withSources({ "/etc/apt/sources.list": sourcesList }));
    expect(await dockerSource.check(ctx)).toEqual({
      done: false,
      plan: [
        { kind: "file", path: "/etc/apt/sources.list", diff: lineDiff(sourcesList, rewritten) },
        { kind: "file", path: DOCKER_SOURCE, diff: NEW_FILE_DIFF },
      ],
    });
  });

  it("rewrites /etc/apt/sources.list rather than removing it, even when Docker's line is all it holds", async () => {
    const ctx = context(withSources({ "/etc/apt/sources.list": `${LEGACY_LINE}\n` }));
    expect(await dockerSource.check(ctx)).toEqual({
      done: false,
      plan: [
        {
          kind: "file",
          path: "/etc/apt/sources.list",
          diff: lineDiff(
            `${LEGACY_LINE}\n`,
            `# moved to /etc/apt/sources.list.d/docker.sources by vla-provision: ${LEGACY_LINE}\n`,
          ),
        },
        { kind: "file", path: DOCKER_SOURCE, diff: NEW_FILE_DIFF },
      ],
    });
  });

  it("refuses a .sources file that mixes Docker's stanza with others", () => {
    const mixed = `${fixture("real-ubuntu-24.04-h100/apt-sources.txt")}\nTypes: deb\nURIs: https://download.docker.com/linux/debian\nSuites: bookworm\nComponents: stable\n`;
    const ctx = context(withSources({ "/etc/apt/sources.list.d/mixed.sources": mixed }));
    expect(() => dockerSource.check(ctx)).toThrow(StepError);
    expect(() => dockerSource.check(ctx)).toThrow(
      "/etc/apt/sources.list.d/mixed.sources mixes entries for this repository with others; remove the repository's stanza from it and run again",
    );
  });

  it("points at the mirror, and moves a source for Docker's own repository away", async () => {
    const ctx = context(
      withSources({ "/etc/apt/sources.list.d/docker.list": `${LEGACY_LINE}\n` }),
      { dockerRepo: "https://mirror.example.org/docker-ce/linux/" },
    );
    expect(await dockerSource.check(ctx)).toEqual({
      done: false,
      plan: [
        { kind: "command", text: MOVE_DOCKER_LIST },
        {
          kind: "file",
          path: DOCKER_SOURCE,
          diff: NEW_FILE_DIFF.replace(
            "https://download.docker.com/linux/debian",
            "https://mirror.example.org/docker-ce/linux/debian",
          ),
        },
      ],
    });
  });

  it("uses ubuntu and noble on the H100 host's os-release", async () => {
    const ubuntu = PROBE.replace(
      /@@vla os-release\n[\s\S]*?\n@@vla-rc 0/,
      `@@vla os-release\n${fixture("real-ubuntu-24.04-h100/os-release")}\n@@vla-rc 0`,
    );
    const ctx = context(ubuntu);
    expect(ctx.facts.os.codename).toBe("noble");
    expect(await dockerSource.check(ctx)).toEqual({
      done: false,
      plan: [
        {
          kind: "file",
          path: DOCKER_SOURCE,
          diff: NEW_FILE_DIFF.replace("linux/debian", "linux/ubuntu").replace(
            "Suites: bookworm",
            "Suites: noble",
          ),
        },
      ],
    });
  });
});

describe("checkAptSource with a spec of its own", () => {
  const spec = {
    path: "/etc/apt/sources.list.d/example.sources",
    content: "Types: deb\nURIs: https://example.org/apt\nSuites: stable\nComponents: main\n",
    matches: (entry: { uris: string[] }) => entry.uris.includes("https://example.org/apt"),
  };

  it("ignores disabled entries in other files", () => {
    const disabled = `${spec.content}Enabled: no\n`;
    const ctx = context(
      withSources({ [spec.path]: spec.content, "/etc/apt/sources.list.d/old.sources": disabled }),
    );
    expect(checkAptSource(ctx, spec)).toEqual({
      done: true,
      reason: "/etc/apt/sources.list.d/example.sources is up to date",
    });
  });

  it("moves away another .sources file that holds only this repository", () => {
    const ctx = context(
      withSources({
        [spec.path]: spec.content,
        "/etc/apt/sources.list.d/old.sources": spec.content,
      }),
    );
    expect(checkAptSource(ctx, spec)).toEqual({
      done: false,
      plan: [
        {
          kind: "command",
          text: "mv /etc/apt/sources.list.d/old.sources /var/backups/vla-provision/  # same repository as /etc/apt/sources.list.d/example.sources",
        },
      ],
    });
  });
});
