/** One GPU as `nvidia-smi --query-gpu=index,name,driver_version,compute_cap,memory.total` reports it. */
export interface Gpu {
  index: number;
  name: string;
  driverVersion: string;
  /** "major.minor", e.g. "12.0" for an RTX 5090, "9.0" for an H100. */
  computeCapability: string;
  /** Undefined where nvidia-smi printed "[N/A]". */
  memoryMiB: number | undefined;
}

export const QUERY_GPU_FIELDS = "index,name,driver_version,compute_cap,memory.total";
export const QUERY_GPU_COMMAND = `nvidia-smi --query-gpu=${QUERY_GPU_FIELDS} --format=csv,noheader`;

/** Blackwell (sm_100, sm_120) and newer: the first GPUs the proprietary kernel module does not drive. */
export const OPEN_MODULE_REQUIRED_FROM = "10.0";

const DRIVER_VERSION = /^\d+\.\d+(\.\d+)?$/;
const COMPUTE_CAPABILITY = /^\d+\.\d+$/;
const MEMORY = /^(\d+) MiB$/;
const NOT_AVAILABLE = "[N/A]";

/**
 * Parses the csv,noheader output of {@link QUERY_GPU_COMMAND}. nvidia-smi does not quote fields, so
 * a name holding ", " would add fields: the index is read from the left and the last three fields
 * from the right. Lines that do not have that shape (warnings, blank lines) are skipped.
 */
export function parseQueryGpu(csv: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of csv.split("\n")) {
    const gpu = parseQueryGpuLine(line.trim());
    if (gpu) gpus.push(gpu);
  }
  return gpus;
}

function parseQueryGpuLine(line: string): Gpu | undefined {
  const fields = line.split(", ").map((field) => field.trim());
  if (fields.length < 5) return undefined;
  const [indexField, ...rest] = fields;
  const memoryField = rest.pop() ?? "";
  const computeField = rest.pop() ?? "";
  const driverField = rest.pop() ?? "";
  const name = rest.join(", ");

  if (!indexField || !/^\d+$/.test(indexField)) return undefined;
  if (driverField !== NOT_AVAILABLE && !DRIVER_VERSION.test(driverField)) return undefined;
  if (computeField !== NOT_AVAILABLE && !COMPUTE_CAPABILITY.test(computeField)) return undefined;
  const memory = MEMORY.exec(memoryField);
  if (memoryField !== NOT_AVAILABLE && !memory) return undefined;

  return {
    index: Number(indexField),
    name: name === NOT_AVAILABLE ? "" : name,
    driverVersion: driverField === NOT_AVAILABLE ? "" : driverField,
    computeCapability: computeField === NOT_AVAILABLE ? "" : computeField,
    memoryMiB: memory?.[1] ? Number(memory[1]) : undefined,
  };
}

/** Parses /proc/driver/nvidia/version; the open module says "NVIDIA UNIX Open Kernel Module for x86_64". */
export function parseDriverVersionFile(text: string): {
  driverVersion?: string;
  openKernelModule: boolean;
} {
  const nvrmLine = text.split("\n").find((line) => line.startsWith("NVRM version:")) ?? "";
  const version = /\s(\d+\.\d+(?:\.\d+)?)\s/.exec(`${nvrmLine} `)?.[1];
  const openKernelModule = /Open Kernel Module/i.test(nvrmLine);
  return version ? { driverVersion: version, openKernelModule } : { openKernelModule };
}

/** NVIDIA display and 3D controllers from `lspci -nn` output (vendor id 10de). */
export function nvidiaDevicesFromLspci(lspciNn: string): string[] {
  return lspciNn
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /\[10de:[0-9a-f]{4}\]/i.test(line))
    .filter((line) => /VGA compatible controller|3D controller/i.test(line));
}

/** Compares "major.minor" compute capabilities numerically ("12.0" > "9.0"). */
export function compareComputeCapability(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

export function needsOpenKernelModule(gpu: Gpu): boolean {
  return (
    gpu.computeCapability !== "" &&
    compareComputeCapability(gpu.computeCapability, OPEN_MODULE_REQUIRED_FROM) >= 0
  );
}

export type GpuState =
  | { kind: "none" }
  | { kind: "no-driver"; devices: string[]; message: string }
  | { kind: "ready"; gpus: Gpu[]; openKernelModule: boolean | undefined }
  | { kind: "blackwell-needs-open-module"; gpus: Gpu[]; message: string };

export interface GpuProbe {
  nvidiaSmiPresent: boolean;
  queryExitCode: number;
  queryOutput: string;
  /** Lines of `lspci -nn` naming NVIDIA VGA/3D controllers; empty when there are none or lspci is missing. */
  lspciNvidia: string[];
  /** /proc/driver/nvidia/version; undefined when it could not be read. */
  procVersion?: string;
}

/** The GPU decisions of preflight: nothing to do, refuse with a fix, or go on with these GPUs. */
export function classifyGpuState(probe: GpuProbe): GpuState {
  const gpus =
    probe.nvidiaSmiPresent && probe.queryExitCode === 0 ? parseQueryGpu(probe.queryOutput) : [];

  if (gpus.length > 0) {
    const openKernelModule = openModuleFromProcVersion(probe.procVersion);
    const blackwell = gpus.filter(needsOpenKernelModule);
    if (openKernelModule === false && blackwell.length > 0) {
      return {
        kind: "blackwell-needs-open-module",
        gpus: blackwell,
        message: openModuleMessage(blackwell),
      };
    }
    return { kind: "ready", gpus, openKernelModule };
  }

  if (!probe.nvidiaSmiPresent) {
    if (probe.lspciNvidia.length === 0) return { kind: "none" };
    return noDriver(probe.lspciNvidia, "nvidia-smi is not installed");
  }
  if (/No devices were found/i.test(probe.queryOutput) && probe.lspciNvidia.length === 0) {
    return { kind: "none" };
  }
  const firstLine = probe.queryOutput.trim().split("\n")[0]?.trim();
  const failure =
    probe.queryExitCode === 0
      ? "nvidia-smi listed no GPU"
      : `nvidia-smi failed (exit code ${probe.queryExitCode})${firstLine ? `: ${firstLine}` : ""}`;
  return noDriver(probe.lspciNvidia, failure);
}

function openModuleFromProcVersion(procVersion: string | undefined): boolean | undefined {
  if (procVersion === undefined || !procVersion.includes("NVRM version:")) return undefined;
  return parseDriverVersionFile(procVersion).openKernelModule;
}

const DRIVER_FIX =
  "run `ubuntu-drivers devices` to see the recommended driver, install its -open package " +
  "(e.g. `sudo apt install nvidia-driver-580-open`), then reboot";

function noDriver(devices: string[], failure: string): GpuState {
  const seen = devices.length > 0 ? `lspci sees ${devices.join("; ")}, but ` : "";
  return {
    kind: "no-driver",
    devices,
    message: `No working NVIDIA driver: ${seen}${failure}. Fix: ${DRIVER_FIX}.`,
  };
}

function openModuleMessage(gpus: Gpu[]): string {
  const names = gpus.map((gpu) => `${gpu.name} (compute capability ${gpu.computeCapability})`);
  const branch = gpus[0]?.driverVersion.split(".")[0];
  const example = branch ? `nvidia-driver-${branch}-open` : "nvidia-driver-580-open";
  return (
    `${names.join(", ")} needs the open NVIDIA kernel module, but the loaded module is the ` +
    'proprietary one (/proc/driver/nvidia/version does not say "Open Kernel Module"). ' +
    `Fix: run \`ubuntu-drivers devices\`, install the -open package of your driver branch ` +
    `(e.g. \`sudo apt install ${example}\`), then reboot.`
  );
}
