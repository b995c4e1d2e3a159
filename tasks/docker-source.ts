import type { Step, StepContext } from "../src/engine/step.js";
import { sameRepository } from "../src/facts/apt-sources.js";
import { OFFICIAL } from "../src/options.js";
import { DOCKER_KEYRING } from "./docker-key.js";
import { applyAptSource, checkAptSource, type SourceSpec } from "./lib/apt-source.js";
import { codename, dockerDistro } from "./lib/distro.js";

export const DOCKER_SOURCE = "/etc/apt/sources.list.d/docker.sources";

export function dockerRepoUri(ctx: StepContext): string {
  return `${ctx.options.dockerRepo.replace(/\/+$/, "")}/${dockerDistro(ctx.facts)}`;
}

function spec(ctx: StepContext): SourceSpec {
  const uri = dockerRepoUri(ctx);
  const official = `${OFFICIAL.dockerRepo}/${dockerDistro(ctx.facts)}`;
  return {
    path: DOCKER_SOURCE,
    content: [
      "Types: deb",
      `URIs: ${uri}`,
      `Suites: ${codename(ctx.facts)}`,
      "Components: stable",
      `Architectures: ${ctx.facts.arch.dpkg}`,
      `Signed-By: ${DOCKER_KEYRING}`,
      "",
    ].join("\n"),
    // The configured repository, and Docker's own even when a mirror is used: two entries for the
    // same suite with different Signed-By make apt fail ("Conflicting values set for option Signed-By").
    matches: (entry) =>
      entry.uris.some((u) => sameRepository(u, uri) || sameRepository(u, official)),
  };
}

export const dockerSource: Step = {
  id: "docker-source",
  title: "Add Docker's apt repository",
  kind: "change",
  check: (ctx) => checkAptSource(ctx, spec(ctx)),
  apply: (ctx) => applyAptSource(ctx, spec(ctx)),
};
