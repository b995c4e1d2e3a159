import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CommandEnv } from "../../src/actions/commands.js";
import { renderActions } from "../../src/actions/render.js";
import type { Action, WriteFile } from "../../src/actions/types.js";
import { initialDecisions } from "../../src/decisions.js";
import { lineDiff } from "../../src/diff.js";
import { DOCKER_SOURCE } from "../../src/docker/repository.js";
import type { PlanContext, StepPlan } from "../../src/engine/step.js";
import { StepError } from "../../src/errors.js";
import { parseProbe } from "../../src/facts/facts.js";
import type { ProvisionOptions } from "../../src/options.js";
import { dockerSource } from "../../tasks/docker-source.js";
import { planAptSource } from "../../tasks/lib/apt-source.js";
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
const ENV: CommandEnv = { loginUser: "root", aptLockWaitMs: OPTIONS.aptLockWaitMs };

// plan() reads facts only: there is no host here to run anything on.
function context(output: string, options: Partial<ProvisionOptions> = {}): PlanContext {
  return {
    facts: parseProbe(output, "root"),
    options: { ...OPTIONS, ...options },
    decisions: initialDecisions("root"),
  };
}

/** The plan's actions; fails the test when the plan is done. */
function actionsOf(plan: StepPlan): Action[] {
  if (plan.done) throw new Error(`expected changes, got done: ${plan.reason}`);
  return plan.actions;
}

/** The plan as --dry-run shows it. */
const shown = (plan: StepPlan) => renderActions(actionsOf(plan), ENV);

/** Writing `path` with `content`, replacing `before` (undefined: a new file). */
const write = (path: string, content: string, before?: string): WriteFile => ({
  kind: "write-file",
  path,
  content,
  mode: "0644",
  before,
});

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

const DOCKER_LIST = "/etc/apt/sources.list.d/docker.list";

/** Back docker.list up and remove it: a second entry for Docker's repository. */
const RETIRE_DOCKER_LIST: Action = {
  kind: "retire-file",
  path: DOCKER_LIST,
  reason: "same repository as /etc/apt/sources.list.d/docker.sources",
};

describe("dockerSource.plan on the Debian 12 capture", () => {
  it("plans the new docker.sources when there is no Docker source", () => {
    const ctx = context(PROBE);
    expect([...ctx.facts.aptSourceFiles.keys()]).toEqual([
      "/etc/apt/sources.list.d/debian.sources",
    ]);
    const plan = dockerSource.plan(ctx);
    expect(plan).toEqual({ done: false, actions: [write(DOCKER_SOURCE, DEBIAN_SOURCES)] });
    // A new file: nothing to back up, the whole content shown as added.
    expect(shown(plan)).toBe(`--- ${DOCKER_SOURCE}\n${NEW_FILE_DIFF}`);
  });

  it("is done when docker.sources is already what it would write", () => {
    const ctx = context(withSources({ [DOCKER_SOURCE]: DEBIAN_SOURCES }));
    expect(ctx.facts.aptSourceFiles.get(DOCKER_SOURCE)).toBe(DEBIAN_SOURCES);
    expect(dockerSource.plan(ctx)).toEqual({
      done: true,
      reason: "/etc/apt/sources.list.d/docker.sources is up to date",
    });
  });

  it("plans to replace an outdated docker.sources, showing the changed line", () => {
    const old = DEBIAN_SOURCES.replace("docker.asc", "docker.gpg");
    const ctx = context(withSources({ [DOCKER_SOURCE]: old }));
    const plan = dockerSource.plan(ctx);
    expect(plan).toEqual({ done: false, actions: [write(DOCKER_SOURCE, DEBIAN_SOURCES, old)] });
    expect(shown(plan)).toContain(`--- ${DOCKER_SOURCE}\n${lineDiff(old, DEBIAN_SOURCES)}`);
    expect(lineDiff(old, DEBIAN_SOURCES)).toContain(
      "- Signed-By: /etc/apt/keyrings/docker.gpg\n+ Signed-By: /etc/apt/keyrings/docker.asc",
    );
  });

  it("moves a legacy docker.list away and writes docker.sources", () => {
    const ctx = context(withSources({ [DOCKER_LIST]: `${LEGACY_LINE}\n` }));
    expect(dockerSource.plan(ctx)).toEqual({
      done: false,
      actions: [RETIRE_DOCKER_LIST, write(DOCKER_SOURCE, DEBIAN_SOURCES)],
    });
  });

  it("still moves docker.list away when docker.sources is already in place", () => {
    const ctx = context(
      withSources({
        [DOCKER_LIST]: `${LEGACY_LINE}\n`,
        [DOCKER_SOURCE]: DEBIAN_SOURCES,
      }),
    );
    expect(dockerSource.plan(ctx)).toEqual({ done: false, actions: [RETIRE_DOCKER_LIST] });
  });

  it("leaves a docker.list alone whose Docker line is commented out", () => {
    const ctx = context(
      withSources({
        [DOCKER_LIST]: `# ${LEGACY_LINE}\n`,
        [DOCKER_SOURCE]: DEBIAN_SOURCES,
      }),
    );
    expect(dockerSource.plan(ctx).done).toBe(true);
  });

  it("comments out Docker's line in /etc/apt/sources.list and keeps Debian's", () => {
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
    const plan = dockerSource.plan(ctx);
    expect(plan).toEqual({
      done: false,
      actions: [
        write("/etc/apt/sources.list", rewritten, sourcesList),
        write(DOCKER_SOURCE, DEBIAN_SOURCES),
      ],
    });
    expect(shown(plan)).toContain(
      `--- /etc/apt/sources.list\n${lineDiff(sourcesList, rewritten)}\n--- ${DOCKER_SOURCE}\n${NEW_FILE_DIFF}`,
    );
  });

  it("rewrites /etc/apt/sources.list rather than removing it, even when Docker's line is all it holds", () => {
    const ctx = context(withSources({ "/etc/apt/sources.list": `${LEGACY_LINE}\n` }));
    expect(dockerSource.plan(ctx)).toEqual({
      done: false,
      actions: [
        write(
          "/etc/apt/sources.list",
          `# moved to /etc/apt/sources.list.d/docker.sources by vla-provision: ${LEGACY_LINE}\n`,
          `${LEGACY_LINE}\n`,
        ),
        write(DOCKER_SOURCE, DEBIAN_SOURCES),
      ],
    });
  });

  it("refuses a .sources file that mixes Docker's stanza with others", () => {
    const mixed = `${fixture("real-ubuntu-24.04-h100/apt-sources.txt")}\nTypes: deb\nURIs: https://download.docker.com/linux/debian\nSuites: bookworm\nComponents: stable\n`;
    const ctx = context(withSources({ "/etc/apt/sources.list.d/mixed.sources": mixed }));
    expect(() => dockerSource.plan(ctx)).toThrow(StepError);
    expect(() => dockerSource.plan(ctx)).toThrow(
      "/etc/apt/sources.list.d/mixed.sources mixes entries for this repository with others; remove the repository's stanza from it and run again",
    );
  });

  it("points at the mirror, and moves a source for Docker's own repository away", () => {
    const ctx = context(withSources({ [DOCKER_LIST]: `${LEGACY_LINE}\n` }), {
      dockerRepo: "https://mirror.example.org/docker-ce/linux/",
    });
    const plan = dockerSource.plan(ctx);
    expect(plan).toEqual({
      done: false,
      actions: [
        RETIRE_DOCKER_LIST,
        write(
          DOCKER_SOURCE,
          DEBIAN_SOURCES.replace(
            "https://download.docker.com/linux/debian",
            "https://mirror.example.org/docker-ce/linux/debian",
          ),
        ),
      ],
    });
    expect(shown(plan)).toContain(
      `--- ${DOCKER_SOURCE}\n${NEW_FILE_DIFF.replace(
        "https://download.docker.com/linux/debian",
        "https://mirror.example.org/docker-ce/linux/debian",
      )}`,
    );
  });

  it("uses ubuntu and noble on the H100 host's os-release", () => {
    const ubuntu = PROBE.replace(
      /@@vla os-release\n[\s\S]*?\n@@vla-rc 0/,
      `@@vla os-release\n${fixture("real-ubuntu-24.04-h100/os-release")}\n@@vla-rc 0`,
    );
    const ctx = context(ubuntu);
    expect(ctx.facts.os.codename).toBe("noble");
    expect(dockerSource.plan(ctx)).toEqual({
      done: false,
      actions: [
        write(
          DOCKER_SOURCE,
          DEBIAN_SOURCES.replace("linux/debian", "linux/ubuntu").replace(
            "Suites: bookworm",
            "Suites: noble",
          ),
        ),
      ],
    });
  });
});

describe("retiring a file another source duplicates", () => {
  it("backs the file up before it removes it, in one command", () => {
    const plan = dockerSource.plan(context(withSources({ [DOCKER_LIST]: `${LEGACY_LINE}\n` })));
    const [retire] = shown(plan).split("\n");
    expect(retire).toMatch(
      /^\$ if \[ -e \/etc\/apt\/sources\.list\.d\/docker\.list \]; then .*cp -a \/etc\/apt\/sources\.list\.d\/docker\.list .*\/var\/backups\/vla-provision\/.* && rm -f \/etc\/apt\/sources\.list\.d\/docker\.list {2}# same repository as \/etc\/apt\/sources\.list\.d\/docker\.sources$/,
    );
  });
});

describe("planAptSource with a spec of its own", () => {
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
    expect(planAptSource(ctx, spec)).toEqual({
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
    expect(planAptSource(ctx, spec)).toEqual({
      done: false,
      actions: [
        {
          kind: "retire-file",
          path: "/etc/apt/sources.list.d/old.sources",
          reason: "same repository as /etc/apt/sources.list.d/example.sources",
        },
      ],
    });
  });
});
