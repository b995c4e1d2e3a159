import type { Step, StepContext } from "../src/engine/step.js";
import { checkPackageSet, installPackageSet, type PackageSet } from "./lib/package-set.js";

export const DOCKER_PACKAGES = [
  "docker-ce",
  "docker-ce-cli",
  "containerd.io",
  "docker-buildx-plugin",
  "docker-compose-plugin",
];

export const DOCKER_VERSION_DECISION = "docker-version";

function set(ctx: StepContext): PackageSet {
  return {
    packages: DOCKER_PACKAGES,
    pinned: ["docker-ce", "docker-ce-cli"],
    range: ctx.options.dockerVersion,
    decisionKey: DOCKER_VERSION_DECISION,
  };
}

export const dockerPackages: Step = {
  id: "docker-packages",
  title: "Install Docker CE packages",
  kind: "change",
  // An upgrade or a switch from docker.io restarts dockerd in the packages' scripts.
  restartsDockerd: true,
  packages: DOCKER_PACKAGES,
  check: (ctx) => checkPackageSet(ctx, set(ctx)),
  apply: (ctx) => installPackageSet(ctx, set(ctx)),
};
