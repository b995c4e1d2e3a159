import type { Step } from "../src/engine/step.js";
import { TOOLKIT_PACKAGES } from "../src/nvidia/repository.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";
import { planPackageSet } from "./lib/package-set.js";

export const nvidiaPackages: Step = {
  id: "nvidia-packages",
  title: "Install the NVIDIA Container Toolkit",
  kind: "change",
  packages: TOOLKIT_PACKAGES,
  skipReason: nvidiaSkipReason,
  plan: (ctx) =>
    planPackageSet(ctx, {
      packages: TOOLKIT_PACKAGES,
      // The four are released together: pin them all to the same version.
      pinned: TOOLKIT_PACKAGES,
      range: ctx.options.toolkitVersion,
    }),
};
