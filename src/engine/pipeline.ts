import type { Step } from "./step.js";

/** The steps a run takes, in order: given to the engine by the composition root (tasks/index.ts). */
export interface Pipeline {
  steps: readonly Step[];
}

/** Every package whose dpkg state a step reads: the probe asks about exactly these. */
export function probedPackages(pipeline: Pipeline): string[] {
  return [...new Set(pipeline.steps.flatMap((step) => step.packages ?? []))];
}
