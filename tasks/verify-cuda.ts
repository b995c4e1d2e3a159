import { note } from "../src/actions/types.js";
import { type Step, todo } from "../src/engine/step.js";
import { StepError } from "../src/errors.js";
import { nvidiaSkipReason } from "./lib/nvidia.js";

const QUERY = ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"];

export const verifyCuda: Step = {
  id: "verify-cuda",
  title: "Verify: a CUDA container sees the GPUs",
  kind: "verify",
  skipReason: (ctx) => (ctx.options.verify ? nvidiaSkipReason(ctx) : "--no-verify"),
  plan({ facts, decisions }) {
    const choice = decisions.cudaImage;
    if (!choice) throw new StepError("no CUDA image was chosen for this host's GPUs");
    const gpus = facts.gpuState.kind === "ready" ? facts.gpuState.gpus : [];
    return todo(note(choice.reason), {
      kind: "verify-container",
      user: decisions.targetUser,
      image: choice.image,
      gpus: true,
      command: QUERY,
      expect: { gpuLines: gpus.map((g) => `${g.name}, ${g.driverVersion}`) },
    });
  },
};
