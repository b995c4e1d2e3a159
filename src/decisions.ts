import { installedVersion } from "./apt/apt.js";
import { fetchOfferedVersions } from "./apt/repo-index.js";
import { resolveVersion, satisfiesRange } from "./apt/versions.js";
import { DOCKER_PINNED, dockerPackagesIndexUrl } from "./docker/repository.js";
import { RefusedError, UsageError } from "./errors.js";
import type { Facts } from "./facts/facts.js";
import type { Host } from "./hosts/host.js";
import { chooseCudaImage } from "./nvidia/cuda-image.js";
import { nvidiaPackagesIndexUrl, TOOLKIT_PACKAGES } from "./nvidia/repository.js";
import type { ProvisionOptions } from "./options.js";
import { type ProxySetting, proxyFromEnvironment, shownProxy } from "./proxy.js";

/** What is decided once per host, before any change, and read by the steps (never re-derived). */
export interface Decisions {
  /** The account to add to the docker group and to verify as. */
  targetUser: string;
  /** The exact apt version a --docker-version / --toolkit-version range resolved to, by package. */
  versions: Record<string, string>;
  /** The CUDA image the GPU check runs, and why. */
  cudaImage?: { image: string; reason: string };
  /** The proxy to keep on the host (and where it came from), or "remove" (--proxy none). */
  proxy?: { setting: ProxySetting; from: "--proxy" | "your environment" } | "remove";
}

/**
 * --proxy wins; `--proxy none` removes; a local run without it keeps the invoking user's proxy
 * variables (the plan says so). Over SSH, a login's own proxy variables serve the run only.
 */
export function decideProxy(
  options: Pick<ProvisionOptions, "proxy">,
  local: boolean,
  env: Partial<Record<string, string>>,
): Decisions["proxy"] {
  if (options.proxy === "none") return "remove";
  if (options.proxy) return { setting: options.proxy, from: "--proxy" };
  const fromEnv = local ? proxyFromEnvironment(env) : undefined;
  return fromEnv ? { setting: fromEnv, from: "your environment" } : undefined;
}

export function initialDecisions(targetUser: string): Decisions {
  return { targetUser, versions: {} };
}

/** A version range and the packages it pins; `versions[pinned[0]]` holds what it resolved to. */
export interface Pin {
  range: string | undefined;
  pinned: readonly string[];
  indexUrl: string;
}

export function pinsFor(facts: Facts, options: ProvisionOptions): Pin[] {
  return [
    {
      range: options.dockerVersion,
      pinned: DOCKER_PINNED,
      indexUrl: dockerPackagesIndexUrl(options, facts),
    },
    {
      range: options.nvidia && facts.gpuState.kind === "ready" ? options.toolkitVersion : undefined,
      pinned: TOOLKIT_PACKAGES,
      indexUrl: nvidiaPackagesIndexUrl(options, facts),
    },
  ];
}

/**
 * Resolve each version range not yet satisfied against the repository's Packages index, read
 * without touching apt's state. Without a readable index (no curl yet, a proxy in the way) the
 * range stays open and apt's own lists resolve it when the packages are installed.
 */
export async function resolvePins(
  host: Host,
  facts: Facts,
  options: ProvisionOptions,
  decisions: Decisions,
): Promise<void> {
  for (const pin of pinsFor(facts, options)) {
    const range = pin.range;
    if (!range) continue;
    const satisfied = pin.pinned.every((name) => {
      const version = installedVersion(facts, name);
      return version !== undefined && satisfiesRange(version, range);
    });
    if (satisfied) continue;
    const first = pin.pinned[0] ?? "";
    const offered = await fetchOfferedVersions(host, pin.indexUrl).catch(() => undefined);
    if (!offered) continue;
    const resolution = resolveVersion(first, range, offered.get(first) ?? []);
    if (!resolution.ok) throw new UsageError(resolution.error);
    decisions.versions[first] = resolution.version;
  }
}

/** The CUDA image for this host's GPUs (or --cuda-image); refuses when none fits the driver. */
export function decideCudaImage(
  facts: Facts,
  options: ProvisionOptions,
  decisions: Decisions,
): void {
  const state = facts.gpuState;
  if (state.kind !== "ready") return;
  const choice = chooseCudaImage(state.gpus, options.cudaImage);
  if ("error" in choice) throw new RefusedError(choice.error);
  decisions.cudaImage = choice;
}

/** The decisions as the report shows them. */
export function describeDecisions(decisions: Decisions): Record<string, string> {
  const out: Record<string, string> = { user: decisions.targetUser };
  const docker = decisions.versions[DOCKER_PINNED[0] ?? ""];
  const toolkit = decisions.versions[TOOLKIT_PACKAGES[0] ?? ""];
  if (docker) out["docker-version"] = docker;
  if (toolkit) out["toolkit-version"] = toolkit;
  if (decisions.cudaImage) out["cuda-image"] = decisions.cudaImage.image;
  if (decisions.proxy === "remove") out.proxy = "none (--proxy none)";
  else if (decisions.proxy)
    out.proxy = `${shownProxy(decisions.proxy.setting.url)} (from ${decisions.proxy.from})`;
  return out;
}
