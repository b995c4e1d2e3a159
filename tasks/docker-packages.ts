import { DOCKER_PACKAGES, DOCKER_PINNED } from "../src/docker/repository.js";
import type { Step } from "../src/engine/step.js";
import { planPackageSet } from "./lib/package-set.js";

export const dockerPackages: Step = {
  id: "docker-packages",
  title: "Install Docker CE packages",
  kind: "change",
  // An upgrade or a switch from docker.io restarts dockerd in the packages' scripts.
  restartsDockerd: true,
  packages: DOCKER_PACKAGES,
  plan: (ctx) =>
    planPackageSet(ctx, {
      packages: DOCKER_PACKAGES,
      pinned: DOCKER_PINNED,
      range: ctx.options.dockerVersion,
    }),
};
