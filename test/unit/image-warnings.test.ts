import { describe, expect, it } from "vitest";
import type { Gpu } from "../../src/facts/gpu.js";
import { warnForImage } from "../../src/nvidia/image-warnings.js";

const gpu = (name: string, computeCapability: string, index = 0): Gpu => ({
  index,
  name,
  driverVersion: "580.95.05",
  computeCapability,
  memoryMiB: 32607,
});

const RTX_5090 = gpu("NVIDIA GeForce RTX 5090", "12.0");
const H100 = gpu("NVIDIA H100 80GB HBM3", "9.0");

describe("warnForImage", () => {
  it("warns that the widely copied PyTorch 2.5.1 / CUDA 12.4 image has no Blackwell kernels", () => {
    expect(warnForImage("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", [RTX_5090])).toEqual([
      "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime is built with CUDA 12.4, which has no kernels for " +
        "NVIDIA GeForce RTX 5090 (compute capability 12.0): Blackwell (sm_100/sm_120) needs CUDA 12.8 " +
        "or newer. Use a CUDA >= 12.8 build instead, e.g. PyTorch 2.7+ for cu128 " +
        "(pytorch/pytorch:2.7.0-cuda12.8-cudnn9-runtime).",
    ]);
  });

  it("names only the GPUs the image cannot serve", () => {
    const [warning] = warnForImage("nvidia/cuda:12.6.3-base-ubuntu24.04", [H100, RTX_5090]);
    expect(warning).toContain("no kernels for NVIDIA GeForce RTX 5090 (compute capability 12.0):");
    expect(warning).not.toContain("H100");
  });

  it("says nothing for a CUDA 12.8 image on Blackwell", () => {
    expect(warnForImage("pytorch/pytorch:2.7.0-cuda12.8-cudnn9-runtime", [RTX_5090])).toEqual([]);
    expect(warnForImage("nvidia/cuda:13.0.2-base-ubuntu24.04", [RTX_5090])).toEqual([]);
  });

  it("says nothing for an old CUDA image on a GPU it supports", () => {
    expect(warnForImage("pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", [H100])).toEqual([]);
  });

  it("warns that CUDA 13 images dropped Volta and older", () => {
    expect(
      warnForImage("nvidia/cuda:13.0.2-base-ubuntu24.04", [gpu("Tesla V100-SXM2-32GB", "7.0")]),
    ).toEqual([
      "nvidia/cuda:13.0.2-base-ubuntu24.04 is built with CUDA 13.0.2, which dropped Tesla V100-SXM2-32GB " +
        "(compute capability 7.0) (Maxwell, Pascal and Volta): use a CUDA 12.x image.",
    ]);
  });

  it("says nothing for an image whose CUDA version it cannot tell", () => {
    expect(warnForImage("ubuntu:24.04", [RTX_5090])).toEqual([]);
  });
});
