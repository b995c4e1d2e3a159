import type { PlanContext } from "../../src/engine/step.js";

/** Why the NVIDIA steps do not apply to this host, or undefined when they do. */
export function nvidiaSkipReason({ options, facts }: PlanContext): string | undefined {
  if (!options.nvidia) return "--no-nvidia";
  if (facts.gpuState.kind === "none") return "no NVIDIA GPU on this host";
  return undefined;
}
