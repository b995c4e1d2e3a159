import semver from "semver";
import table from "../../data/pytorch-images.json" with { type: "json" };
import type { Gpu } from "../facts/gpu.js";
import {
  CUDA_RELEASES,
  compareDriverVersions,
  cudaVersionOfImage,
  driverSemver,
} from "../nvidia/cuda-image.js";
import { warnForImage } from "../nvidia/image-warnings.js";

/** One official PyTorch image of data/pytorch-images.json. */
export interface PytorchImage {
  image: string;
  torch: string;
  /** The CUDA build, "12.8". */
  cuda: string;
  /** Compute capabilities the build has kernels for ("8.6", "12.0"). */
  archs: readonly string[];
  /** The oldest driver that runs this CUDA release (its GA's minimum). */
  minDriver: string;
}

export function pytorchImageTag(torch: string, cuda: string): string {
  return `pytorch/pytorch:${torch}-cuda${cuda}-cudnn9-runtime`;
}

/** The minimum driver of CUDA `major.minor`'s first release, from data/cuda-driver-minimums.json. */
export function minDriverForCuda(cuda: string): string | undefined {
  const coerced = semver.coerce(cuda);
  if (!coerced) return undefined;
  const ga = `${coerced.major}.${coerced.minor}.0`;
  return CUDA_RELEASES.find((release) => release.cuda === ga)?.minDriver;
}

/** Newest first, as in the data file. */
export const PYTORCH_IMAGES: readonly PytorchImage[] = table.images.map((entry) => {
  const minDriver = minDriverForCuda(entry.cuda);
  if (!minDriver)
    throw new Error(`data/pytorch-images.json: no driver minimum for CUDA ${entry.cuda}`);
  return {
    image: pytorchImageTag(entry.torch, entry.cuda),
    torch: entry.torch,
    cuda: entry.cuda,
    archs: entry.archs,
    minDriver,
  };
});

/**
 * A build runs on a GPU when it has kernels for its compute capability, or for a lower minor
 * version of the same major one (CUDA's binary compatibility: sm_80 kernels run on sm_86 and sm_89).
 */
export function hasKernelsFor(archs: readonly string[], computeCapability: string): boolean {
  const [major, minor] = computeCapability.split(".").map(Number);
  if (major === undefined || minor === undefined || Number.isNaN(major)) return false;
  return archs.some((arch) => {
    const [archMajor, archMinor = 0] = arch.split(".").map(Number);
    return archMajor === major && archMinor <= minor;
  });
}

function describeGpu(gpu: Gpu): string {
  return `${gpu.name} (compute capability ${gpu.computeCapability})`;
}

function uniqueDescriptions(gpus: readonly Gpu[]): string {
  return [...new Set(gpus.map(describeGpu))].join(", ");
}

function lowestDriver(gpus: readonly Gpu[]): string | undefined {
  return gpus
    .map((gpu) => gpu.driverVersion)
    .filter((version) => driverSemver(version) !== undefined)
    .sort(compareDriverVersions)[0];
}

/** Why `entry` cannot serve these GPUs with this driver; undefined when it can. */
export function unfitReason(entry: PytorchImage, gpus: readonly Gpu[]): string | undefined {
  const uncovered = gpus.filter(
    (gpu) => gpu.computeCapability !== "" && !hasKernelsFor(entry.archs, gpu.computeCapability),
  );
  if (uncovered.length > 0)
    return `${entry.image} has no kernels for ${uniqueDescriptions(uncovered)} (it has sm_${entry.archs.map((a) => a.replace(".", "")).join(", sm_")})`;
  const driver = lowestDriver(gpus);
  if (driver && compareDriverVersions(driver, entry.minDriver) < 0)
    return `${entry.image} is built with CUDA ${entry.cuda}, which needs driver >= ${entry.minDriver}; the driver here is ${driver}`;
  return undefined;
}

export type ImageChoice =
  | { ok: true; image: string; reason: string }
  | { ok: false; error: string };

/** The newest build of the table that has kernels for every GPU and whose CUDA the driver runs. */
export function choosePytorchImage(gpus: readonly Gpu[]): ImageChoice {
  const fit = PYTORCH_IMAGES.find((entry) => unfitReason(entry, gpus) === undefined);
  const driver = lowestDriver(gpus);
  const seen = `${uniqueDescriptions(gpus)}${driver ? `, driver ${driver}` : ""}`;
  if (fit) {
    const several = gpus.length > 1 ? ` (${gpus.length} GPUs)` : "";
    return {
      ok: true,
      image: fit.image,
      reason: `${seen}${several}: the newest PyTorch build with kernels for every GPU whose CUDA ${fit.cuda} the driver runs`,
    };
  }
  const covering = PYTORCH_IMAGES.filter((entry) =>
    gpus.every(
      (gpu) => gpu.computeCapability === "" || hasKernelsFor(entry.archs, gpu.computeCapability),
    ),
  );
  const oldestDriverNeeded = covering
    .map((entry) => entry.minDriver)
    .sort(compareDriverVersions)[0];
  const error = oldestDriverNeeded
    ? `no PyTorch image this tool knows runs on ${seen}: the images with kernels for these GPUs need driver >= ${oldestDriverNeeded}. Install a newer driver, or pass --image (with --force if the tool knows it does not fit)`
    : `no PyTorch image this tool knows has kernels for ${seen}: pass --image`;
  return { ok: false, error };
}

/**
 * Why an image given with --image will not run on these GPUs: the table's knowledge of it when it
 * is there, else what its tag says about its CUDA build. Empty when nothing is known against it.
 */
export function imageProblems(image: string, gpus: readonly Gpu[]): string[] {
  if (gpus.length === 0) return [];
  const known = PYTORCH_IMAGES.find((entry) => entry.image === image);
  if (known) {
    const reason = unfitReason(known, gpus);
    return reason ? [reason] : [];
  }
  const problems = warnForImage(image, [...gpus]);
  const cuda = cudaVersionOfImage(image);
  const needed = cuda ? minDriverForCuda(cuda) : undefined;
  const driver = lowestDriver(gpus);
  if (needed && driver && compareDriverVersions(driver, needed) < 0)
    problems.push(
      `${image} is built with CUDA ${cuda}, which needs driver >= ${needed}; the driver here is ${driver}`,
    );
  return problems;
}

/**
 * Without a GPU to fit: the newest CUDA 12.8 build, which has kernels from Turing to Blackwell and
 * runs on any 570 or newer driver.
 */
export const DEFAULT_PYTORCH_IMAGE: PytorchImage = (() => {
  const entry = PYTORCH_IMAGES.find((candidate) => candidate.cuda === "12.8");
  if (!entry) throw new Error("data/pytorch-images.json has no CUDA 12.8 image");
  return entry;
})();
