import type { GpuProbe } from "../facts.js";
import { classifyGpuState } from "../gpu.js";
import { keyValues } from "../sections.js";
import { TIMED_OUT, timedOutMessage } from "./constants.js";
import type { ProbeSectionDef } from "./definition.js";

/** nvidia-smi's GPU list, the driver's version file and lspci's NVIDIA devices, then classified. */
export const gpu: ProbeSectionDef<"gpu" | "gpuState", "gpu"> = {
  name: "gpu",
  script: String.raw`
section gpu
if have nvidia-smi; then
  printf 'nvidia_smi=present\n'
  gpu_query --query-gpu=index,name,driver_version,compute_cap,memory.total --format=csv,noheader
  printf 'query_rc=%s\n' "$query_rc"
  printf '%s\n' "$query_out" | sed 's/^/query: /'
else printf 'nvidia_smi=absent\n'; fi
if [ -r /proc/driver/nvidia/version ]; then sed 's/^/proc: /' /proc/driver/nvidia/version; fi
if have lspci; then printf 'lspci=present\n'; lspci -nn 2>/dev/null | grep -Ei '\[10de:[0-9a-f]{4}\]' | grep -Ei 'vga|3d|display' | sed 's/^/pci: /'; else printf 'lspci=absent\n'; fi
rc 0
`,
  parse(read) {
    const probe = parseGpuSection(read.body("gpu"));
    return { gpu: probe, gpuState: classifyGpuState(probe) };
  },
};

export function parseGpuSection(body: string): GpuProbe {
  const lines = body.split("\n");
  const prefixed = (prefix: string) =>
    lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length));
  const values = keyValues(lines.filter((l) => /^[a-z_]+=/.test(l)).join("\n"));
  const proc = prefixed("proc: ");
  const queryExitCode = Number(values.query_rc ?? 127);
  return {
    nvidiaSmiPresent: values.nvidia_smi === "present",
    queryExitCode,
    queryOutput:
      queryExitCode === TIMED_OUT ? timedOutMessage("nvidia-smi") : prefixed("query: ").join("\n"),
    procVersion: proc.length ? proc.join("\n") : undefined,
    lspciPresent: values.lspci === "present",
    lspciNvidia: prefixed("pci: "),
  };
}

export const nvidiaCtk: ProbeSectionDef<"nvidiaCtkVersion", "nvidia-ctk"> = {
  name: "nvidia-ctk",
  script: String.raw`
section nvidia-ctk
if have nvidia-ctk; then nvidia-ctk --version 2>&1; rc $?; else rc 127; fi
`,
  parse: (read) => ({
    nvidiaCtkVersion: read.ok("nvidia-ctk")
      ? /version\s+(\S+)/i.exec(read.body("nvidia-ctk"))?.[1]
      : undefined,
  }),
};
