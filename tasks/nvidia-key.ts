import type { Step } from "../src/engine/step.js";
import { NVIDIA_KEYRING, nvidiaKeyUrl } from "../src/nvidia/repository.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";
import { planRepoKey } from "./lib/repo-key.js";

export const nvidiaKey: Step = {
  id: "nvidia-key",
  title: "Add NVIDIA's container toolkit repository key (fingerprint verified)",
  kind: "change",
  skipReason: nvidiaSkipReason,
  plan: (ctx) =>
    planRepoKey(ctx, {
      kind: "install-key",
      url: nvidiaKeyUrl(ctx.options),
      path: NVIDIA_KEYRING,
      fingerprint: ctx.options.nvidiaKeyFingerprint,
      store: "binary",
    }),
};
