import { command, type Step, type StepContext, todo } from "../src/engine/step.js";
import { lastLines, StepError } from "../src/errors.js";
import { shellQuote } from "../src/hosts/shell.js";
import { chooseCudaImage } from "../src/nvidia/cuda-image.js";
import { runAsTargetUser } from "./lib/as-user.js";
import { gpuState, nvidiaSkipReason } from "./lib/nvidia.js";

const QUERY = "nvidia-smi --query-gpu=name,driver_version --format=csv,noheader";

/** The CUDA image for this host's GPUs (or --cuda-image): the same pure choice preflight reports. */
export function cudaImageFor(ctx: StepContext): { image: string; reason: string } {
  const state = gpuState(ctx);
  const gpus = state.kind === "ready" ? state.gpus : [];
  const choice = chooseCudaImage(gpus, ctx.options.cudaImage);
  if ("error" in choice) throw new StepError(choice.error);
  return choice;
}

export const verifyCuda: Step = {
  id: "verify-cuda",
  title: "Verify: a CUDA container sees the GPUs",
  kind: "verify",
  skipReason: (ctx) => (ctx.options.verify ? nvidiaSkipReason(ctx) : "--no-verify"),
  check(ctx) {
    const { image, reason } = cudaImageFor(ctx);
    return todo(
      { kind: "note", text: reason },
      command(`docker run --rm --gpus all ${image} ${QUERY}  # as ${ctx.targetUser}`),
    );
  },
  async apply(ctx) {
    const { image } = cudaImageFor(ctx);
    const state = gpuState(ctx);
    const expected =
      state.kind === "ready" ? state.gpus.map((g) => `${g.name}, ${g.driverVersion}`) : [];
    const result = await runAsTargetUser(
      ctx,
      `docker run --rm --gpus all ${shellQuote(image)} ${QUERY}`,
      900_000,
    );
    const seen = result.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /,\s*\d+\.\d+/.test(l));
    const same = seen.length === expected.length && expected.every((line) => seen.includes(line));
    if (result.code !== 0 || !same) {
      throw new StepError(
        `the CUDA container (${image}) did not list the host's GPUs (exit ${result.code}); expected ${expected.join(" | ")}, got ${seen.join(" | ") || "nothing"}:\n${lastLines(result.stderr, 5)}`,
      );
    }
    ctx.log(`container sees: ${seen.join(" | ")}`);
  },
};
