import type { PlanContext, Step } from "../src/engine/step.js";
import { sameRepository } from "../src/facts/apt-sources.js";
import {
  LEGACY_REPOSITORIES,
  NVIDIA_SOURCE,
  nvidiaRepoBase,
  nvidiaSourceLine,
} from "../src/nvidia/repository.js";
import { OFFICIAL } from "../src/options.js";
import { planAptSource, type SourceSpec } from "./lib/apt-source.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";

function spec({ options }: PlanContext): SourceSpec {
  const bases = [nvidiaRepoBase(options), OFFICIAL.nvidiaRepo, ...LEGACY_REPOSITORIES];
  return {
    path: NVIDIA_SOURCE,
    content: nvidiaSourceLine(options),
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
  plan: (ctx) => planAptSource(ctx, spec(ctx)),
};
