import type { Step, StepContext } from "../src/engine/step.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";
import { checkPackageSet, installPackageSet, type PackageSet } from "./lib/package-set.js";

export const TOOLKIT_PACKAGES = [
  "nvidia-container-toolkit",
  "nvidia-container-toolkit-base",
  "libnvidia-container-tools",
  "libnvidia-container1",
];

export const TOOLKIT_VERSION_DECISION = "toolkit-version";

function set(ctx: StepContext): PackageSet {
  return {
    packages: TOOLKIT_PACKAGES,
    // The four are released together: pin them all to the same version.
    pinned: TOOLKIT_PACKAGES,
    range: ctx.options.toolkitVersion,
    decisionKey: TOOLKIT_VERSION_DECISION,
  };
}

export const nvidiaPackages: Step = {
  id: "nvidia-packages",
  title: "Install the NVIDIA Container Toolkit",
  kind: "change",
  packages: TOOLKIT_PACKAGES,
  skipReason: nvidiaSkipReason,
  check: (ctx) => checkPackageSet(ctx, set(ctx)),
  apply: (ctx) => installPackageSet(ctx, set(ctx)),
};
