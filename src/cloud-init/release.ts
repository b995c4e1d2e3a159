/** The GitHub repository (owner/name) of the releases, as install.sh names it. */
export const RELEASE_REPOSITORY = "vla-provision/vla-provision";

export const EXECUTABLE_ARCHES = ["x64", "arm64"] as const;
export type ExecutableArch = (typeof EXECUTABLE_ARCHES)[number];

export function executableName(arch: ExecutableArch): string {
  return `vla-provision-linux-${arch}`;
}

/** Where a release's standalone executable is downloaded from (its SHA256SUMS lies beside it). */
export function releaseExecutableUrl(version: string, arch: ExecutableArch): string {
  return `https://github.com/${RELEASE_REPOSITORY}/releases/download/v${version}/${executableName(arch)}`;
}
