import type { Step, StepContext } from "../src/engine/step.js";
import { sameRepository } from "../src/facts/apt-sources.js";
import { OFFICIAL } from "../src/options.js";
import { applyAptSource, checkAptSource, type SourceSpec } from "./lib/apt-source.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";
import { NVIDIA_KEYRING } from "./nvidia-key.js";

export const NVIDIA_SOURCE = "/etc/apt/sources.list.d/nvidia-container-toolkit.list";

/** Repositories that served the toolkit over the years; any entry for them duplicates ours. */
const LEGACY_REPOSITORIES = [
  "https://nvidia.github.io/libnvidia-container",
  "https://nvidia.github.io/nvidia-docker",
  "https://nvidia.github.io/nvidia-container-runtime",
];

function spec(ctx: StepContext): SourceSpec {
  const base = ctx.options.nvidiaRepo.replace(/\/+$/, "");
  const bases = [base, OFFICIAL.nvidiaRepo, ...LEGACY_REPOSITORIES];
  return {
    path: NVIDIA_SOURCE,
    // apt expands $(ARCH) itself in flat repositories; the file keeps it literally, as NVIDIA's guide does.
    content: `deb [signed-by=${NVIDIA_KEYRING}] ${base}/stable/deb/$(ARCH) /\n`,
    matches: (entry) =>
      entry.uris.some((uri) =>
        bases.some(
          (b) =>
            sameRepository(uri, b) ||
            uri.replace(/^https?:\/\//, "").startsWith(`${b.replace(/^https?:\/\//, "")}/`),
        ),
      ),
  };
}

export const nvidiaSource: Step = {
  id: "nvidia-source",
  title: "Add NVIDIA's container toolkit apt repository",
  kind: "change",
  skipReason: nvidiaSkipReason,
  check: (ctx) => checkAptSource(ctx, spec(ctx)),
  apply: (ctx) => applyAptSource(ctx, spec(ctx)),
};
