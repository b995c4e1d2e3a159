import type { GpuState } from "../facts/gpu.js";

/** The host's GPUs in a few words for the fleet table: "2x NVIDIA H100 80GB HBM3", "none". */
export function describeGpus(state: GpuState): string {
  switch (state.kind) {
    case "none":
      return "none";
    case "no-driver":
      return `${state.devices.length}x no driver`;
    case "ready":
    case "blackwell-needs-open-module": {
      const counts = new Map<string, number>();
      for (const gpu of state.gpus) counts.set(gpu.name, (counts.get(gpu.name) ?? 0) + 1);
      const label = [...counts].map(([name, count]) => `${count}x ${name}`).join(", ");
      return state.kind === "ready" ? label : `${label} (needs the open module)`;
    }
  }
}
