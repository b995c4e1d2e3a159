import { codename, dockerDistro } from "../distro.js";
import type { Facts } from "../facts/facts.js";
import type { ProvisionOptions } from "../options.js";

/** What Docker's install guide says to remove first. Images, containers and volumes are kept. */
export const CONFLICTING_PACKAGES = [
  "docker.io",
  "docker-doc",
  "docker-compose",
  "docker-compose-v2",
  "podman-docker",
  "containerd",
  "runc",
];

export const DOCKER_PACKAGES = [
  "docker-ce",
  "docker-ce-cli",
  "containerd.io",
  "docker-buildx-plugin",
  "docker-compose-plugin",
];

/** The packages --docker-version is about. */
export const DOCKER_PINNED = ["docker-ce", "docker-ce-cli"];

export const DOCKER_KEYRING = "/etc/apt/keyrings/docker.asc";
export const DOCKER_SOURCE = "/etc/apt/sources.list.d/docker.sources";

type RepoOptions = Pick<ProvisionOptions, "dockerRepo">;

/** The repository for this host's distribution: <repo>/ubuntu or <repo>/debian. */
export function dockerRepoUri(options: RepoOptions, facts: Facts): string {
  return `${options.dockerRepo.replace(/\/+$/, "")}/${dockerDistro(facts)}`;
}

export function dockerKeyUrl(options: RepoOptions, facts: Facts): string {
  return `${dockerRepoUri(options, facts)}/gpg`;
}

export function dockerPackagesIndexUrl(options: RepoOptions, facts: Facts): string {
  return `${dockerRepoUri(options, facts)}/dists/${codename(facts)}/stable/binary-${facts.arch.dpkg}/Packages`;
}

/** Packages apt would remove only because they depend on a conflicting one. */
export function collateralRemovals(facts: Facts): string[] {
  const removes = facts.conflictRemoval?.removes ?? [];
  // apt names a package of a foreign architecture "name:arch".
  return removes.filter((name) => !CONFLICTING_PACKAGES.includes(name.replace(/:[^:]+$/, "")));
}
