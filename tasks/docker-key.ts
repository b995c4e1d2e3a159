import { DOCKER_KEYRING, dockerKeyUrl } from "../src/docker/repository.js";
import type { Step } from "../src/engine/step.js";
import { planRepoKey } from "./lib/repo-key.js";

export const dockerKey: Step = {
  id: "docker-key",
  title: "Add Docker's repository key (fingerprint verified)",
  kind: "change",
  plan: (ctx) =>
    planRepoKey(ctx, {
      kind: "install-key",
      url: dockerKeyUrl(ctx.options, ctx.facts),
      path: DOCKER_KEYRING,
      fingerprint: ctx.options.dockerKeyFingerprint,
      store: "armored",
    }),
};
