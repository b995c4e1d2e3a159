import semver from "semver";
import table from "../../data/cuda-driver-minimums.json" with { type: "json" };
import { compareComputeCapability, type Gpu } from "../facts/gpu.js";

export interface CudaRelease {
  /** As NVIDIA's release notes name it: "CUDA 13.0 Update 2". */
  release: string;
  /** The X.Y.Z of the nvidia/cuda image tag. */
  cuda: string;
  minDriver: string;
}

export type CudaImageChoice =
  | {
      image: string;
      cuda: string;
      reason: string;
      lowestDriver: string;
      highestComputeCapability: string;
    }
  | { error: string };

/** Newest first, as in data/cuda-driver-minimums.json. */
export const CUDA_RELEASES: readonly CudaRelease[] = table.releases;

/** CUDA 12.8 is the first toolkit that builds for Blackwell (sm_100, sm_120). */
const BLACKWELL_COMPUTE_CAPABILITY = "10.0";
const BLACKWELL_MIN_CUDA = "12.8.0";
/** CUDA 13.0 removed offline compilation and library support for Maxwell, Pascal and Volta (< 7.5). */
const CUDA13_MIN_COMPUTE_CAPABILITY = "7.5";
const CUDA13 = "13.0.0";
/**
 * nvidia/cuda publishes ubuntu24.04 tags from CUDA 12.5 on (Ubuntu 24.04 images were still
 * missing after 12.4.1: gitlab.com/nvidia/container-images/cuda issue 226); older releases use
 * the ubuntu22.04 tags.
 */
const FIRST_UBUNTU_2404_IMAGE = "12.5.0";

/**
 * Driver versions are "580.95.05", "570.26" or "580.159.04": pads them to three numbers and drops
 * leading zeros, which semver rejects ("04").
 */
export function driverSemver(version: string): string | undefined {
  if (!/^\d+(\.\d+){0,2}$/.test(version)) return undefined;
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  return `${major}.${minor}.${patch}`;
}

export function compareDriverVersions(a: string, b: string): number {
  const left = driverSemver(a);
  const right = driverSemver(b);
  if (!left || !right) throw new Error(`not a driver version: ${left ? b : a}`);
  return semver.compare(left, right);
}

export function cudaImageTag(cuda: string): string {
  const os = semver.gte(cuda, FIRST_UBUNTU_2404_IMAGE) ? "ubuntu24.04" : "ubuntu22.04";
  return `nvidia/cuda:${cuda}-base-${os}`;
}

/**
 * Picks the newest CUDA base image that every GPU's driver supports: the lowest driver decides the
 * release, the highest compute capability sets a floor (12.8 for Blackwell), the lowest a ceiling
 * (12.x for GPUs that CUDA 13 dropped).
 */
export function chooseCudaImage(gpus: Gpu[], override?: string): CudaImageChoice {
  const lowest = lowestDriverGpu(gpus);
  const highest = highestComputeCapabilityGpu(gpus);
  if (override) {
    return {
      image: override,
      cuda: cudaVersionOfImage(override) ?? "unknown",
      reason: "set by --cuda-image",
      lowestDriver: lowest?.driverVersion ?? "",
      highestComputeCapability: highest?.computeCapability ?? "",
    };
  }
  if (!lowest || !highest) {
    return { error: "No NVIDIA GPU with a readable driver version: no CUDA image to choose." };
  }
  const lowestDriver = lowest.driverVersion;
  const highestCc = highest.computeCapability;

  const supported = CUDA_RELEASES.filter(
    (release) => compareDriverVersions(release.minDriver, lowestDriver) <= 0,
  );
  const isBlackwell = compareComputeCapability(highestCc, BLACKWELL_COMPUTE_CAPABILITY) >= 0;
  const lowestCc = lowestComputeCapability(gpus);
  const droppedByCuda13 =
    lowestCc !== undefined && compareComputeCapability(lowestCc, CUDA13_MIN_COMPUTE_CAPABILITY) < 0;

  const choice = supported.find(
    (release) =>
      (!isBlackwell || semver.gte(release.cuda, BLACKWELL_MIN_CUDA)) &&
      (!droppedByCuda13 || semver.lt(release.cuda, CUDA13)),
  );
  if (!choice) {
    return { error: noImageMessage(lowest, highest, isBlackwell, supported) };
  }

  const image = cudaImageTag(choice.cuda);
  const several =
    gpus.length > 1 ? ` (lowest driver and highest compute capability of ${gpus.length} GPUs)` : "";
  return {
    image,
    cuda: choice.cuda,
    reason: `driver ${lowestDriver}, ${highest.name} (${highestCc}) -> CUDA ${choice.cuda} image${several}`,
    lowestDriver,
    highestComputeCapability: highestCc,
  };
}

function noImageMessage(
  lowest: Gpu,
  highest: Gpu,
  isBlackwell: boolean,
  supported: readonly CudaRelease[],
): string {
  const oldestBlackwellRelease = CUDA_RELEASES.filter((release) =>
    semver.gte(release.cuda, BLACKWELL_MIN_CUDA),
  ).at(-1);
  if (isBlackwell && oldestBlackwellRelease && supported.length > 0) {
    return (
      `${highest.name} (compute capability ${highest.computeCapability}) needs CUDA 12.8 or newer, ` +
      `which needs driver >= ${oldestBlackwellRelease.minDriver}; the driver here is ${lowest.driverVersion}` +
      ` (${lowest.name}). Install a newer -open driver (e.g. \`sudo apt install nvidia-driver-580-open\`) and reboot.`
    );
  }
  const oldest = CUDA_RELEASES.at(-1);
  return (
    `Driver ${lowest.driverVersion} (${lowest.name}) is older than every CUDA release this tool knows` +
    (oldest ? ` (the oldest, ${oldest.release}, needs driver >= ${oldest.minDriver})` : "") +
    ". Install a newer driver or pass --cuda-image."
  );
}

function lowestDriverGpu(gpus: Gpu[]): Gpu | undefined {
  const readable = gpus.filter((gpu) => driverSemver(gpu.driverVersion) !== undefined);
  return readable.reduce<Gpu | undefined>(
    (lowest, gpu) =>
      !lowest || compareDriverVersions(gpu.driverVersion, lowest.driverVersion) < 0 ? gpu : lowest,
    undefined,
  );
}

function highestComputeCapabilityGpu(gpus: Gpu[]): Gpu | undefined {
  return gpus
    .filter((gpu) => gpu.computeCapability !== "")
    .reduce<Gpu | undefined>(
      (highest, gpu) =>
        !highest || compareComputeCapability(gpu.computeCapability, highest.computeCapability) > 0
          ? gpu
          : highest,
      undefined,
    );
}

function lowestComputeCapability(gpus: Gpu[]): string | undefined {
  return gpus
    .map((gpu) => gpu.computeCapability)
    .filter((cc) => cc !== "")
    .sort(compareComputeCapability)[0];
}

/**
 * The CUDA version an image tag names: "nvidia/cuda:12.8.1-base-ubuntu24.04" -> "12.8.1",
 * "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime" -> "12.4", "...-cu128" -> "12.8".
 */
export function cudaVersionOfImage(image: string): string | undefined {
  const tag = image.slice(image.lastIndexOf(":") + 1);
  const repository = image.slice(0, image.lastIndexOf(":"));
  if (/(^|\/)nvidia\/cuda$/.test(repository)) {
    const leading = /^(\d+\.\d+(?:\.\d+)?)/.exec(tag)?.[1];
    if (leading) return leading;
  }
  const named = /cuda[-_]?(\d+\.\d+(?:\.\d+)?)/i.exec(tag)?.[1];
  if (named) return named;
  const short = /(?:^|[-_.])cu(\d{2})(\d)(?:$|[-_.])/.exec(tag);
  if (short?.[1] && short[2]) return `${Number(short[1])}.${short[2]}`;
  return undefined;
}
