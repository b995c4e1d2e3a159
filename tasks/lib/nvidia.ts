import type { StepContext } from "../../src/engine/step.js";
import { classifyGpuState, type GpuState } from "../../src/facts/gpu.js";

export function gpuState(ctx: StepContext): GpuState {
  return classifyGpuState(ctx.facts.gpu);
}

/** Why the NVIDIA steps do not apply to this host, or undefined when they do. */
export function nvidiaSkipReason(ctx: StepContext): string | undefined {
  if (!ctx.options.nvidia) return "--no-nvidia";
  if (gpuState(ctx).kind === "none") return "no NVIDIA GPU on this host";
  return undefined;
}
