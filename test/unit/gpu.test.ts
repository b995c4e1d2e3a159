import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  classifyGpuState,
  compareComputeCapability,
  type Gpu,
  nvidiaDevicesFromLspci,
  parseDriverVersionFile,
  parseQueryGpu,
} from "../../src/facts/gpu.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/gpu/${name}`, import.meta.url), "utf8");

// The real capture (query-gpu.csv) asked for index,name,uuid,driver_version,compute_cap,memory.total,
// pci.bus_id. This is the line the same host prints for the tool's five fields, built from that
// capture's values with the uuid and pci.bus_id columns removed.
const H100_QUERY = "0, NVIDIA H100 80GB HBM3, 580.159.04, 9.0, 81559 MiB\n";

const H100: Gpu = {
  index: 0,
  name: "NVIDIA H100 80GB HBM3",
  driverVersion: "580.159.04",
  computeCapability: "9.0",
  memoryMiB: 81559,
};

const RTX_5090_LSPCI =
  "01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GB202 [GeForce RTX 5090] [10de:2b85] (rev a1)";
const RTX_5090_QUERY = "0, NVIDIA GeForce RTX 5090, 580.95.05, 12.0, 32607 MiB\n";
const PROPRIETARY_PROC_VERSION =
  "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05  Tue Sep 23 09:37:32 UTC 2025\n" +
  "GCC version:  gcc version 13.3.0 (Ubuntu 13.3.0-6ubuntu2~24.04)\n";

describe("parseQueryGpu", () => {
  it("reads the five-field line of the real H100 host", () => {
    expect(parseQueryGpu(H100_QUERY)).toEqual([H100]);
  });

  it("derives that line from the real capture's values", () => {
    const [index, name, , driver, cc, memory] = fixture("query-gpu.csv").trim().split(", ");
    expect([index, name, driver, cc, memory].join(", ")).toBe(H100_QUERY.trim());
  });

  it("ignores blank lines, CRLF and lines that are not GPUs", () => {
    const output =
      "\r\n0, NVIDIA GeForce RTX 5090, 580.95.05, 12.0, 32607 MiB\r\n" +
      "1, NVIDIA RTX A6000, 580.95.05, 8.6, 49140 MiB\r\n\r\n" +
      "WARNING: infoROM is corrupted at gpu 0000:41:00.0\n\n";
    expect(
      parseQueryGpu(output).map((gpu) => [gpu.index, gpu.name, gpu.computeCapability]),
    ).toEqual([
      [0, "NVIDIA GeForce RTX 5090", "12.0"],
      [1, "NVIDIA RTX A6000", "8.6"],
    ]);
  });

  it("takes the numeric fields from the right when the name holds a comma", () => {
    expect(parseQueryGpu("2, Odd, Name GPU, 570.124.06, 12.0, 1024 MiB")).toEqual([
      {
        index: 2,
        name: "Odd, Name GPU",
        driverVersion: "570.124.06",
        computeCapability: "12.0",
        memoryMiB: 1024,
      },
    ]);
  });

  it("keeps a GPU whose memory or compute capability is [N/A]", () => {
    expect(parseQueryGpu("0, NVIDIA GH200 480GB, 580.95.05, [N/A], [N/A]")).toEqual([
      {
        index: 0,
        name: "NVIDIA GH200 480GB",
        driverVersion: "580.95.05",
        computeCapability: "",
        memoryMiB: undefined,
      },
    ]);
  });

  it("does not read the seven-field capture as five fields", () => {
    expect(parseQueryGpu(fixture("query-gpu.csv"))).toEqual([]);
  });

  it("finds nothing in nvidia-smi's failure text", () => {
    const failure =
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n";
    expect(parseQueryGpu(failure)).toEqual([]);
  });
});

describe("parseDriverVersionFile", () => {
  it("reads the open module and driver of the real H100 host", () => {
    expect(parseDriverVersionFile(fixture("proc-driver-version.txt"))).toEqual({
      driverVersion: "580.159.04",
      openKernelModule: true,
    });
  });

  it("reads the proprietary module", () => {
    expect(parseDriverVersionFile(PROPRIETARY_PROC_VERSION)).toEqual({
      driverVersion: "580.95.05",
      openKernelModule: false,
    });
  });

  it("says nothing about a driver version the text does not hold", () => {
    expect(parseDriverVersionFile("")).toEqual({ openKernelModule: false });
  });
});

describe("nvidiaDevicesFromLspci", () => {
  it("keeps NVIDIA display and 3D controllers only", () => {
    const lspci = [
      "00:02.0 VGA compatible controller [0300]: Intel Corporation Device [8086:a780] (rev 04)",
      RTX_5090_LSPCI,
      "01:00.1 Audio device [0403]: NVIDIA Corporation Device [10de:22e8] (rev a1)",
      "00:06.0 3D controller [0302]: NVIDIA Corporation GH100 [H100 SXM5 80GB] [10de:2330] (rev a1)",
    ].join("\n");
    expect(nvidiaDevicesFromLspci(lspci)).toEqual([
      RTX_5090_LSPCI,
      "00:06.0 3D controller [0302]: NVIDIA Corporation GH100 [H100 SXM5 80GB] [10de:2330] (rev a1)",
    ]);
  });
});

describe("compareComputeCapability", () => {
  it("compares numerically, not as text", () => {
    expect(compareComputeCapability("12.0", "9.0")).toBeGreaterThan(0);
    expect(compareComputeCapability("8.6", "8.9")).toBeLessThan(0);
    expect(compareComputeCapability("10.0", "10.0")).toBe(0);
  });
});

describe("classifyGpuState", () => {
  it("is ready on the real H100 host, open module", () => {
    expect(
      classifyGpuState({
        nvidiaSmiPresent: true,
        queryExitCode: 0,
        queryOutput: H100_QUERY,
        lspciNvidia: [],
        procVersion: fixture("proc-driver-version.txt"),
      }),
    ).toEqual({ kind: "ready", gpus: [H100], openKernelModule: true });
  });

  it("finds no GPU when there is no device and no nvidia-smi", () => {
    expect(
      classifyGpuState({
        nvidiaSmiPresent: false,
        queryExitCode: 127,
        queryOutput: "",
        lspciNvidia: [],
      }),
    ).toEqual({ kind: "none" });
  });

  it("finds no GPU when nvidia-smi is installed but reports no devices", () => {
    expect(
      classifyGpuState({
        nvidiaSmiPresent: true,
        queryExitCode: 6,
        queryOutput: "No devices were found\n",
        lspciNvidia: [],
      }),
    ).toEqual({ kind: "none" });
  });

  it("refuses a device without nvidia-smi, with the fix", () => {
    const state = classifyGpuState({
      nvidiaSmiPresent: false,
      queryExitCode: 127,
      queryOutput: "",
      lspciNvidia: [RTX_5090_LSPCI],
    });
    expect(state).toEqual({
      kind: "no-driver",
      devices: [RTX_5090_LSPCI],
      message:
        `No working NVIDIA driver: lspci sees ${RTX_5090_LSPCI}, but nvidia-smi is not installed. ` +
        "Fix: run `ubuntu-drivers devices` to see the recommended driver, install its -open package " +
        "(e.g. `sudo apt install nvidia-driver-580-open`), then reboot.",
    });
  });

  it("refuses a device whose driver nvidia-smi cannot reach", () => {
    const state = classifyGpuState({
      nvidiaSmiPresent: true,
      queryExitCode: 9,
      queryOutput:
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
      lspciNvidia: [RTX_5090_LSPCI],
    });
    expect(state.kind).toBe("no-driver");
    expect(state.kind === "no-driver" && state.message).toContain(
      "nvidia-smi failed (exit code 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    );
  });

  it("refuses Blackwell on the proprietary module", () => {
    const state = classifyGpuState({
      nvidiaSmiPresent: true,
      queryExitCode: 0,
      queryOutput: RTX_5090_QUERY,
      lspciNvidia: [RTX_5090_LSPCI],
      procVersion: PROPRIETARY_PROC_VERSION,
    });
    expect(state).toEqual({
      kind: "blackwell-needs-open-module",
      gpus: parseQueryGpu(RTX_5090_QUERY),
      message:
        "NVIDIA GeForce RTX 5090 (compute capability 12.0) needs the open NVIDIA kernel module, " +
        'but the loaded module is the proprietary one (/proc/driver/nvidia/version does not say "Open Kernel Module"). ' +
        "Fix: run `ubuntu-drivers devices`, install the -open package of your driver branch " +
        "(e.g. `sudo apt install nvidia-driver-580-open`), then reboot.",
    });
  });

  it("does not refuse Blackwell when the module type is unknown", () => {
    expect(
      classifyGpuState({
        nvidiaSmiPresent: true,
        queryExitCode: 0,
        queryOutput: RTX_5090_QUERY,
        lspciNvidia: [],
      }),
    ).toEqual({ kind: "ready", gpus: parseQueryGpu(RTX_5090_QUERY), openKernelModule: undefined });
  });

  it("accepts a pre-Blackwell GPU on the proprietary module", () => {
    const state = classifyGpuState({
      nvidiaSmiPresent: true,
      queryExitCode: 0,
      queryOutput: H100_QUERY,
      lspciNvidia: [],
      procVersion: PROPRIETARY_PROC_VERSION,
    });
    expect(state).toEqual({ kind: "ready", gpus: [H100], openKernelModule: false });
  });
});
