import type { Facts } from "./facts/facts.js";

/** The hosts the tool supports: Docker's and NVIDIA's repositories serve these. */
const SUPPORTED: Record<string, Record<string, string>> = {
  ubuntu: { "22.04": "jammy", "24.04": "noble" },
  debian: { "12": "bookworm", "13": "trixie" },
};
export const SUPPORTED_ARCHES = ["amd64", "arm64"];

export const SUPPORTED_TEXT =
  "Ubuntu 22.04 (jammy) and 24.04 (noble), Debian 12 (bookworm) and 13 (trixie), on amd64 or arm64";

/** Why the host's OS or architecture is not supported, or undefined when it is. */
export function unsupportedReason(facts: Facts): string | undefined {
  const { id, versionId, prettyName } = facts.os;
  const codename = SUPPORTED[id]?.[versionId];
  if (!codename) {
    return `unsupported OS ${prettyName || id || "unknown"}: supported are ${SUPPORTED_TEXT}`;
  }
  if (!SUPPORTED_ARCHES.includes(facts.arch.dpkg)) {
    return `unsupported architecture ${facts.arch.dpkg} (${facts.arch.machine}): supported are ${SUPPORTED_TEXT}`;
  }
  return undefined;
}

/** The path segment of Docker's repository for this host: "ubuntu" or "debian". */
export function dockerDistro(facts: Facts): string {
  return facts.os.id === "ubuntu" ? "ubuntu" : "debian";
}

export function codename(facts: Facts): string {
  return SUPPORTED[facts.os.id]?.[facts.os.versionId] ?? facts.os.codename;
}

export function describeOs(facts: Facts): string {
  return `${facts.os.prettyName || `${facts.os.id} ${facts.os.versionId}`} ${facts.arch.dpkg}`;
}
