import { installedVersion } from "../apt/apt.js";
import type { Facts } from "../facts/facts.js";

/** "2 image(s), 1 volume(s)"; "" when there is nothing; undefined when it cannot be told. */
export function dataRootContents(facts: Facts): string | undefined {
  const { imageCount, containerCount, volumeCount, serverVersion } = facts.docker;
  if (!serverVersion)
    return ENGINE_PACKAGES.some((name) => installedVersion(facts, name)) ? undefined : "";
  if (imageCount === undefined || containerCount === undefined || volumeCount === undefined)
    return undefined;
  const counts: [number, string][] = [
    [imageCount, "image(s)"],
    [containerCount, "container(s)"],
    [volumeCount, "volume(s)"],
  ];
  return counts
    .filter(([count]) => count > 0)
    .map(([count, what]) => `${count} ${what}`)
    .join(", ");
}

/** Packages that bring a dockerd of their own, with a data root that may hold data. */
const ENGINE_PACKAGES = ["docker-ce", "docker.io", "moby-engine"];
