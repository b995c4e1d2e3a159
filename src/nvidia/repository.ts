import type { Facts } from "../facts/facts.js";
import type { ProvisionOptions } from "../options.js";

export const TOOLKIT_PACKAGES = [
  "nvidia-container-toolkit",
  "nvidia-container-toolkit-base",
  "libnvidia-container-tools",
  "libnvidia-container1",
];

export const NVIDIA_KEYRING = "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg";
export const NVIDIA_SOURCE = "/etc/apt/sources.list.d/nvidia-container-toolkit.list";

/** Repositories that served the toolkit over the years; any entry for them duplicates ours. */
export const LEGACY_REPOSITORIES = [
  "https://nvidia.github.io/libnvidia-container",
  "https://nvidia.github.io/nvidia-docker",
  "https://nvidia.github.io/nvidia-container-runtime",
];

type RepoOptions = Pick<ProvisionOptions, "nvidiaRepo">;

export function nvidiaRepoBase(options: RepoOptions): string {
  return options.nvidiaRepo.replace(/\/+$/, "");
}

export function nvidiaKeyUrl(options: RepoOptions): string {
  return `${nvidiaRepoBase(options)}/gpgkey`;
}

export function nvidiaPackagesIndexUrl(options: RepoOptions, facts: Facts): string {
  return `${nvidiaRepoBase(options)}/stable/deb/${facts.arch.dpkg}/Packages`;
}

/** apt expands $(ARCH) itself in flat repositories; the file keeps it literally, as NVIDIA's guide does. */
export function nvidiaSourceLine(options: RepoOptions): string {
  return `deb [signed-by=${NVIDIA_KEYRING}] ${nvidiaRepoBase(options)}/stable/deb/$(ARCH) /\n`;
}
