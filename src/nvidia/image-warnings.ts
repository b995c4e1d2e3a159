import semver from "semver";
import { compareComputeCapability, type Gpu } from "../facts/gpu.js";
import { cudaVersionOfImage } from "./cuda-image.js";

/** An image/GPU combination known not to run, and what to use instead. */
interface ImageRule {
  /** True when an image built with CUDA `cuda` cannot serve this GPU. */
  breaks(cuda: string, gpu: Gpu): boolean;
  message(image: string, cuda: string, gpus: Gpu[]): string;
  source: string;
}

const RULES: readonly ImageRule[] = [
  {
    // e.g. pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime on an RTX 5090: "no kernel image is
    // available for execution on the device".
    breaks: (cuda, gpu) => cudaBefore(cuda, "12.8.0") && ccAtLeast(gpu, "10.0"),
    message: (image, cuda, gpus) =>
      `${image} is built with CUDA ${cuda}, which has no kernels for ${describe(gpus)}: ` +
      "Blackwell (sm_100/sm_120) needs CUDA 12.8 or newer. Use a CUDA >= 12.8 build instead, " +
      "e.g. PyTorch 2.7+ for cu128 (pytorch/pytorch:2.7.0-cuda12.8-cudnn9-runtime).",
    source:
      "CUDA 12.8 release notes (first toolkit with Blackwell support); PyTorch 2.7 release blog " +
      "(https://pytorch.org/blog/pytorch-2-7/: Blackwell support with CUDA 12.8 wheels)",
  },
  {
    breaks: (cuda, gpu) => cudaAtLeast(cuda, "13.0.0") && ccBelow(gpu, "7.5"),
    message: (image, cuda, gpus) =>
      `${image} is built with CUDA ${cuda}, which dropped ${describe(gpus)} ` +
      "(Maxwell, Pascal and Volta): use a CUDA 12.x image.",
    source:
      "CUDA 13.0 release notes, Deprecated Architectures: offline compilation and library support " +
      "for Maxwell, Pascal and Volta removed",
  },
];

/** Warnings for an image that is known not to run on some of these GPUs; empty when none apply. */
export function warnForImage(image: string, gpus: Gpu[]): string[] {
  const cuda = cudaVersionOfImage(image);
  if (!cuda) return [];
  const warnings: string[] = [];
  for (const rule of RULES) {
    const affected = gpus.filter((gpu) => rule.breaks(cuda, gpu));
    if (affected.length > 0) warnings.push(rule.message(image, cuda, affected));
  }
  return warnings;
}

function cudaBefore(cuda: string, version: string): boolean {
  const coerced = semver.coerce(cuda);
  return coerced !== null && semver.lt(coerced, version);
}

function cudaAtLeast(cuda: string, version: string): boolean {
  const coerced = semver.coerce(cuda);
  return coerced !== null && semver.gte(coerced, version);
}

function ccAtLeast(gpu: Gpu, cc: string): boolean {
  return gpu.computeCapability !== "" && compareComputeCapability(gpu.computeCapability, cc) >= 0;
}

function ccBelow(gpu: Gpu, cc: string): boolean {
  return gpu.computeCapability !== "" && compareComputeCapability(gpu.computeCapability, cc) < 0;
}

function describe(gpus: Gpu[]): string {
  const names = new Set(
    gpus.map((gpu) => `${gpu.name} (compute capability ${gpu.computeCapability})`),
  );
  return [...names].join(", ");
}
