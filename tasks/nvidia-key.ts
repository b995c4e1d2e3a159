import type { Step, StepContext } from "../src/engine/step.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";
import { checkRepoKey, installRepoKey, type RepoKeySpec } from "./lib/repo-key.js";

export const NVIDIA_KEYRING = "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg";

function spec(ctx: StepContext): RepoKeySpec {
  return {
    url: `${ctx.options.nvidiaRepo.replace(/\/+$/, "")}/gpgkey`,
    path: NVIDIA_KEYRING,
    fingerprint: ctx.options.nvidiaKeyFingerprint,
    store: "binary",
  };
}

export const nvidiaKey: Step = {
  id: "nvidia-key",
  title: "Add NVIDIA's container toolkit repository key (fingerprint verified)",
  kind: "change",
  skipReason: nvidiaSkipReason,
  check: (ctx) => checkRepoKey(ctx, spec(ctx)),
  apply: (ctx) => installRepoKey(ctx, spec(ctx)),
};
