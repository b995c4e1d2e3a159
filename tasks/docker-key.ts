import type { Step, StepContext } from "../src/engine/step.js";
import { dockerDistro } from "./lib/distro.js";
import { checkRepoKey, installRepoKey, type RepoKeySpec } from "./lib/repo-key.js";

export const DOCKER_KEYRING = "/etc/apt/keyrings/docker.asc";

function spec(ctx: StepContext): RepoKeySpec {
  return {
    url: `${ctx.options.dockerRepo}/${dockerDistro(ctx.facts)}/gpg`,
    path: DOCKER_KEYRING,
    fingerprint: ctx.options.dockerKeyFingerprint,
    store: "armored",
  };
}

export const dockerKey: Step = {
  id: "docker-key",
  title: "Add Docker's repository key (fingerprint verified)",
  kind: "change",
  check: (ctx) => checkRepoKey(ctx, spec(ctx)),
  apply: (ctx) => installRepoKey(ctx, spec(ctx)),
};
