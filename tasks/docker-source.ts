import { codename, dockerDistro } from "../src/distro.js";
import { DOCKER_KEYRING, DOCKER_SOURCE, dockerRepoUri } from "../src/docker/repository.js";
import type { PlanContext, Step } from "../src/engine/step.js";
import { sameRepository } from "../src/facts/apt-sources.js";
import { OFFICIAL } from "../src/options.js";
import { planAptSource, type SourceSpec } from "./lib/apt-source.js";

function spec({ options, facts }: PlanContext): SourceSpec {
  const uri = dockerRepoUri(options, facts);
  const official = `${OFFICIAL.dockerRepo}/${dockerDistro(facts)}`;
  return {
    path: DOCKER_SOURCE,
    content: [
      "Types: deb",
      `URIs: ${uri}`,
      `Suites: ${codename(facts)}`,
      "Components: stable",
      `Architectures: ${facts.arch.dpkg}`,
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
  plan: (ctx) => planAptSource(ctx, spec(ctx)),
};
