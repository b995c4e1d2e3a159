import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { type Gpu, parseQueryGpu } from "../../src/facts/gpu.js";
import {
  CUDA_RELEASES,
  chooseCudaImage,
  compareDriverVersions,
  cudaImageTag,
  cudaVersionOfImage,
  driverSemver,
} from "../../src/nvidia/cuda-image.js";

const gpu = (name: string, driverVersion: string, computeCapability: string, index = 0): Gpu => ({
  index,
  name,
  driverVersion,
  computeCapability,
  memoryMiB: 32607,
});

const RTX_5090 = "NVIDIA GeForce RTX 5090";

describe("chooseCudaImage", () => {
  it("picks CUDA 13.0.2 for the real H100 host (driver 580.159.04, 9.0)", () => {
    // The five fields of the real capture in test/fixtures/gpu/query-gpu.csv (uuid and pci.bus_id dropped).
    const [index, name, , driver, cc, memory] = readFileSync(
      new URL("../fixtures/gpu/query-gpu.csv", import.meta.url),
      "utf8",
    )
      .trim()
      .split(", ");
    const gpus = parseQueryGpu([index, name, driver, cc, memory].join(", "));
    expect(chooseCudaImage(gpus)).toEqual({
      image: "nvidia/cuda:13.0.2-base-ubuntu24.04",
      cuda: "13.0.2",
      reason: "driver 580.159.04, NVIDIA H100 80GB HBM3 (9.0) -> CUDA 13.0.2 image",
      lowestDriver: "580.159.04",
      highestComputeCapability: "9.0",
    });
  });

  it("picks CUDA 13.0.2 for an RTX 5090 on 580.95.05", () => {
    expect(chooseCudaImage([gpu(RTX_5090, "580.95.05", "12.0")])).toEqual({
      image: "nvidia/cuda:13.0.2-base-ubuntu24.04",
      cuda: "13.0.2",
      reason: "driver 580.95.05, NVIDIA GeForce RTX 5090 (12.0) -> CUDA 13.0.2 image",
      lowestDriver: "580.95.05",
      highestComputeCapability: "12.0",
    });
  });

  it("picks CUDA 12.8.1 for an RTX 5090 on 570.124.06", () => {
    const choice = chooseCudaImage([gpu(RTX_5090, "570.124.06", "12.0")]);
    expect(choice).toMatchObject({ image: "nvidia/cuda:12.8.1-base-ubuntu24.04", cuda: "12.8.1" });
  });

  it("picks a 12.4 image, on ubuntu22.04, for a 550 driver on Ampere and Hopper", () => {
    expect(chooseCudaImage([gpu("NVIDIA A100-SXM4-80GB", "550.54.15", "8.0")])).toMatchObject({
      image: "nvidia/cuda:12.4.1-base-ubuntu22.04",
      cuda: "12.4.1",
    });
    expect(chooseCudaImage([gpu("NVIDIA H100 80GB HBM3", "550.54.14", "9.0")])).toMatchObject({
      image: "nvidia/cuda:12.4.0-base-ubuntu22.04",
      cuda: "12.4.0",
    });
    expect(chooseCudaImage([gpu("NVIDIA H100 80GB HBM3", "550.127.05", "9.0")])).toMatchObject({
      cuda: "12.4.1",
    });
  });

  it("picks a 12.0 image for a 525 driver", () => {
    expect(chooseCudaImage([gpu("NVIDIA GeForce RTX 3090", "525.60.13", "8.6")])).toMatchObject({
      image: "nvidia/cuda:12.0.0-base-ubuntu22.04",
      cuda: "12.0.0",
    });
    expect(chooseCudaImage([gpu("NVIDIA GeForce RTX 3090", "525.147.05", "8.6")])).toMatchObject({
      image: "nvidia/cuda:12.0.1-base-ubuntu22.04",
      cuda: "12.0.1",
    });
  });

  it("refuses an RTX 5090 on a 550 driver and names the driver it needs", () => {
    expect(chooseCudaImage([gpu(RTX_5090, "550.54.15", "12.0")])).toEqual({
      error:
        "NVIDIA GeForce RTX 5090 (compute capability 12.0) needs CUDA 12.8 or newer, which needs " +
        "driver >= 570.26; the driver here is 550.54.15 (NVIDIA GeForce RTX 5090). Install a newer " +
        "-open driver (e.g. `sudo apt install nvidia-driver-580-open`) and reboot.",
    });
  });

  it("uses the lowest driver and the highest compute capability of a mixed box", () => {
    const gpus = [
      gpu(RTX_5090, "580.95.05", "12.0", 0),
      gpu("NVIDIA GeForce RTX 4090", "575.57.08", "8.9", 1),
    ];
    expect(chooseCudaImage(gpus)).toEqual({
      image: "nvidia/cuda:12.9.1-base-ubuntu24.04",
      cuda: "12.9.1",
      reason:
        "driver 575.57.08, NVIDIA GeForce RTX 5090 (12.0) -> CUDA 12.9.1 image " +
        "(lowest driver and highest compute capability of 2 GPUs)",
      lowestDriver: "575.57.08",
      highestComputeCapability: "12.0",
    });
  });

  it("refuses a mixed box whose old driver is too old for its Blackwell GPU", () => {
    const gpus = [
      gpu("NVIDIA GeForce RTX 3090", "560.35.03", "8.6", 0),
      gpu(RTX_5090, "580.95.05", "12.0", 1),
    ];
    const choice = chooseCudaImage(gpus);
    expect("error" in choice && choice.error).toContain(
      "driver >= 570.26; the driver here is 560.35.03",
    );
  });

  it("stays on CUDA 12 for GPUs that CUDA 13 dropped (below 7.5)", () => {
    expect(chooseCudaImage([gpu("Tesla V100-SXM2-32GB", "580.95.05", "7.0")])).toMatchObject({
      cuda: "12.9.1",
    });
  });

  it("refuses a driver older than every release in the table", () => {
    expect(chooseCudaImage([gpu("Tesla T4", "470.256.02", "7.5")])).toEqual({
      error:
        "Driver 470.256.02 (Tesla T4) is older than every CUDA release this tool knows (the oldest, " +
        "CUDA 11.8 GA, needs driver >= 520.61.05). Install a newer driver or pass --cuda-image.",
    });
  });

  it("returns the --cuda-image override as it is", () => {
    expect(
      chooseCudaImage(
        [gpu(RTX_5090, "580.95.05", "12.0")],
        "nvidia/cuda:12.9.1-runtime-ubuntu24.04",
      ),
    ).toEqual({
      image: "nvidia/cuda:12.9.1-runtime-ubuntu24.04",
      cuda: "12.9.1",
      reason: "set by --cuda-image",
      lowestDriver: "580.95.05",
      highestComputeCapability: "12.0",
    });
  });

  it("the choice does not depend on the GPUs' order; unreadable drivers and capabilities are left out", () => {
    const box = [
      gpu("NVIDIA GeForce RTX 4090", "575.57.08", "8.9", 0),
      gpu("NVIDIA GeForce GTX 1080", "[N/A]", "6.1", 1),
      gpu(RTX_5090, "580.95.05", "12.0", 2),
      gpu("NVIDIA A100-SXM4-80GB", "580.95.05", "", 3),
    ];
    for (const order of [box, [...box].reverse(), [box[2], box[0], box[3], box[1]]]) {
      const choice = chooseCudaImage(order as Gpu[]);
      expect(choice).toMatchObject({
        cuda: "12.9.1",
        lowestDriver: "575.57.08",
        highestComputeCapability: "12.0",
      });
      // The GTX 1080 (6.1) is below CUDA 13's floor: CUDA 12 whatever the order.
      expect("reason" in choice && choice.reason).toContain("NVIDIA GeForce RTX 5090 (12.0)");
    }
  });

  it("compute capability 10.0 counts as Blackwell; 7.5 is still in CUDA 13", () => {
    expect(chooseCudaImage([gpu("NVIDIA B200", "570.124.06", "10.0")])).toMatchObject({
      cuda: "12.8.1",
    });
    expect(chooseCudaImage([gpu("NVIDIA B200", "560.35.03", "10.0")])).toHaveProperty("error");
    expect(chooseCudaImage([gpu("Tesla T4", "580.95.05", "7.5")])).toMatchObject({
      cuda: "13.0.2",
    });
  });

  it("an override without a GPU still names its CUDA version, or says it is unknown", () => {
    expect(chooseCudaImage([], "nvidia/cuda:12.4.1-base-ubuntu22.04")).toEqual({
      image: "nvidia/cuda:12.4.1-base-ubuntu22.04",
      cuda: "12.4.1",
      reason: "set by --cuda-image",
      lowestDriver: "",
      highestComputeCapability: "",
    });
    expect(chooseCudaImage([], "lab/cuda-tools:stable")).toMatchObject({ cuda: "unknown" });
  });

  it("has nothing to choose without GPUs", () => {
    expect(chooseCudaImage([])).toEqual({
      error: "No NVIDIA GPU with a readable driver version: no CUDA image to choose.",
    });
  });
});

describe("driver versions", () => {
  it("normalises leading zeros and short versions for semver", () => {
    expect(driverSemver("580.159.04")).toBe("580.159.4");
    expect(driverSemver("570.26")).toBe("570.26.0");
    expect(driverSemver("[N/A]")).toBeUndefined();
  });

  it("compares by number, not by text", () => {
    expect(compareDriverVersions("570.124.06", "570.26")).toBeGreaterThan(0);
    expect(compareDriverVersions("580.95.05", "580.159.04")).toBeLessThan(0);
    expect(compareDriverVersions("580.95.05", "580.95.5")).toBe(0);
  });
});

describe("the CUDA release table", () => {
  it("is sorted newest first, with minimum drivers that never rise going back", () => {
    for (const [i, release] of CUDA_RELEASES.entries()) {
      expect(semver.valid(release.cuda)).toBe(release.cuda);
      expect(driverSemver(release.minDriver)).toBeDefined();
      const older = CUDA_RELEASES[i + 1];
      if (!older) continue;
      expect(semver.gt(release.cuda, older.cuda)).toBe(true);
      expect(compareDriverVersions(release.minDriver, older.minDriver)).toBeGreaterThanOrEqual(0);
    }
  });

  it("holds the rows the choice depends on", () => {
    const minimum = (cuda: string) =>
      CUDA_RELEASES.find((release) => release.cuda === cuda)?.minDriver;
    expect(minimum("13.1.0")).toBe("590.44.01");
    expect(minimum("13.0.2")).toBe("580.95.05");
    expect(minimum("13.0.1")).toBe("580.82.07");
    expect(minimum("13.0.0")).toBe("580.65.06");
    expect(minimum("12.9.1")).toBe("575.57.08");
    expect(minimum("12.9.0")).toBe("575.51.03");
    expect(minimum("12.8.1")).toBe("570.124.06");
    expect(minimum("12.8.0")).toBe("570.26");
    expect(minimum("12.4.1")).toBe("550.54.15");
    expect(minimum("12.4.0")).toBe("550.54.14");
    expect(minimum("12.0.0")).toBe("525.60.13");
    expect(minimum("11.8.0")).toBe("520.61.05");
  });
});

describe("image tags", () => {
  it("uses ubuntu24.04 from CUDA 12.5 on and ubuntu22.04 before", () => {
    expect(cudaImageTag("12.5.0")).toBe("nvidia/cuda:12.5.0-base-ubuntu24.04");
    expect(cudaImageTag("12.4.1")).toBe("nvidia/cuda:12.4.1-base-ubuntu22.04");
  });

  it("reads the CUDA version an image names", () => {
    expect(cudaVersionOfImage("nvidia/cuda:12.8.1-base-ubuntu24.04")).toBe("12.8.1");
    expect(cudaVersionOfImage("nvcr.io/nvidia/cuda:13.0.1-devel-ubuntu24.04")).toBe("13.0.1");
    expect(cudaVersionOfImage("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime")).toBe("12.4");
    expect(cudaVersionOfImage("vllm/vllm-openai:v0.9.0-cu128")).toBe("12.8");
    expect(cudaVersionOfImage("ubuntu:24.04")).toBeUndefined();
  });

  it.each([
    ["nvidia/cuda:12.4-base", "12.4"],
    ["registry.lab:5000/nvidia/cuda:12.6.3-runtime-ubuntu24.04", "12.6.3"],
    ["lab/nvidia/cuda-tools:12.6.3", undefined],
    ["mynvidia/cuda:12.6.3", undefined],
    ["nvidia/cuda:latest", undefined],
    ["lab/train:v2-CUDA_12.1.1", "12.1.1"],
    ["lab/train:cuda-12.6", "12.6"],
    ["lab/train:cuda12", undefined],
    ["lab/train:cu121", "12.1"],
    ["lab/train:torch2.5.cu124.py311", "12.4"],
    ["lab/train:xcu121", undefined],
    ["lab/train:cu1210", undefined],
    ["lab/train:cu121x", undefined],
  ])("%s names CUDA %s", (image, cuda) => {
    expect(cudaVersionOfImage(image)).toBe(cuda);
  });
});
