import { posix } from "node:path";
import type { Gpu, GpuState } from "../facts/gpu.js";
import type { Disk } from "../facts/probe/disks.js";
import { chooseCacheDir } from "./cache-dir.js";
import type { WorkspaceOptions } from "./options.js";
import { isLoopbackProxy, type WorkspaceProxy } from "./proxy.js";
import { choosePytorchImage, DEFAULT_PYTORCH_IMAGE, imageProblems } from "./pytorch-images.js";

/** Everything the generated files are made from: rendering is a function of this alone. */
export interface WorkspaceDecisions {
  image: string;
  cacheDir: string;
  /** Container name, and the Compose project's name. */
  name: string;
  /** "all", or the cards to use ("0", "0,1", GPU UUIDs). */
  gpus: string;
  ports: readonly number[];
  /** --ipc=host, or a private /dev/shm of this size. */
  shm: { ipcHost: true } | { ipcHost: false; size: string };
  proxy?: WorkspaceProxy;
  /** A loopback proxy is reachable only from the host's network: builds and containers use it. */
  hostNetwork: boolean;
  uid: number;
  gid: number;
}

export type DecisionName = "image" | "cacheDir" | "name" | "gpus" | "ports" | "shm" | "proxy";

export interface DecisionOutcome {
  decisions: WorkspaceDecisions;
  /** One line per decision: why it is what it is. */
  reasons: Record<DecisionName, string>;
  warnings: string[];
  /** Set when the workspace must not be written (an image known not to run, without --force). */
  refusal?: string;
}

/** What the command read from the host, as the decisions need it. */
export interface HostView {
  gpuState: GpuState;
  disks: readonly Disk[];
  user: string;
  home: string;
  /** The project folder, absolute. */
  dir: string;
  uid: number;
  gid: number;
  proxy?: WorkspaceProxy;
  /** The cache dir the last run chose by itself (from the manifest). */
  previousCacheDir?: string;
}

export const DEFAULT_PORTS = [7860, 8888] as const;
export const DEFAULT_SHM_SIZE = "16g";
const FALLBACK_NAME = "vla-workspace";

/** The GPUs an image has to fit, or why there are none to fit. */
function gpusToFit(state: GpuState): { gpus: Gpu[]; none?: string; warning?: string } {
  switch (state.kind) {
    case "ready":
      return { gpus: state.gpus };
    case "blackwell-needs-open-module":
      return { gpus: state.gpus, warning: state.message };
    case "no-driver":
      return { gpus: [], none: state.message.split(". Fix:")[0] ?? state.message };
    case "none":
      return { gpus: [], none: "no NVIDIA GPU seen (neither nvidia-smi nor lspci lists one)" };
  }
}

/** A Compose project name from the folder's: lower case letters, digits, "-" and "_". */
export function nameFromFolder(dir: string): string {
  const cleaned = posix
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[^a-z0-9]+|-+$/g, "")
    .slice(0, 63);
  return cleaned || FALLBACK_NAME;
}

function decideImage(
  options: WorkspaceOptions,
  gpuState: GpuState,
): { image: string; reason: string; warnings: string[]; refusal?: string } {
  const { gpus, none, warning } = gpusToFit(gpuState);
  const warnings = warning ? [warning] : [];
  if (options.image) {
    const problems = imageProblems(options.image, gpus);
    if (problems.length === 0) return { image: options.image, reason: "set by --image", warnings };
    if (!options.force)
      return {
        image: options.image,
        reason: "set by --image",
        warnings,
        refusal: `${problems.join("; ")} (--force writes it anyway)`,
      };
    return {
      image: options.image,
      reason: "set by --image, with --force",
      warnings: [...warnings, ...problems],
    };
  }
  if (gpus.length === 0)
    return {
      image: DEFAULT_PYTORCH_IMAGE.image,
      reason: `${none}: the newest CUDA ${DEFAULT_PYTORCH_IMAGE.cuda} build (kernels from Turing to Blackwell, driver >= ${DEFAULT_PYTORCH_IMAGE.minDriver}); --image picks another`,
      warnings,
    };
  const choice = choosePytorchImage(gpus);
  if (choice.ok) return { image: choice.image, reason: choice.reason, warnings };
  return { image: "", reason: choice.error, warnings, refusal: choice.error };
}

function gpuIndexWarning(gpus: string, gpuState: GpuState): string | undefined {
  if (gpuState.kind !== "ready" || !/^\d+(,\d+)*$/.test(gpus)) return undefined;
  const count = gpuState.gpus.length;
  const missing = gpus.split(",").filter((index) => Number(index) >= count);
  return missing.length
    ? `--gpus ${gpus}: the host has ${count} GPU${count === 1 ? "" : "s"} (0..${count - 1}); no card ${missing.join(", ")}`
    : undefined;
}

function describeProxy(proxy: WorkspaceProxy | undefined, hostNetwork: boolean): string {
  if (!proxy) return "none configured";
  const where = hostNetwork
    ? "; it listens on the host's loopback, so builds and containers use the host's network (build network: host, --network host)"
    : "";
  return `passed to containers and builds (http_proxy, https_proxy, no_proxy)${where}`;
}

/** Every decision, with its reason: pure, from the options and what was read on the host. */
export function decideWorkspace(options: WorkspaceOptions, host: HostView): DecisionOutcome {
  const image = decideImage(options, host.gpuState);
  const cache = chooseCacheDir({
    disks: host.disks,
    home: host.home,
    user: host.user,
    override: options.cacheDir,
    previous: host.previousCacheDir,
  });
  const name = options.name ?? nameFromFolder(host.dir);
  const gpus = options.gpus ?? "all";
  const ports = options.ports.length ? options.ports : [...DEFAULT_PORTS];
  const shm: WorkspaceDecisions["shm"] = options.ipcHost
    ? { ipcHost: true }
    : { ipcHost: false, size: options.shmSize ?? DEFAULT_SHM_SIZE };
  const hostNetwork = isLoopbackProxy(host.proxy);
  const warnings = [...image.warnings];
  const indexWarning = gpuIndexWarning(gpus, host.gpuState);
  if (indexWarning) warnings.push(indexWarning);
  return {
    decisions: {
      image: image.image,
      cacheDir: cache.path,
      name,
      gpus,
      ports,
      shm,
      proxy: host.proxy,
      hostNetwork,
      uid: host.uid,
      gid: host.gid,
    },
    reasons: {
      image: image.reason,
      cacheDir: cache.reason,
      name: options.name ? "set by --name" : `from the folder's name (${posix.basename(host.dir)})`,
      gpus: options.gpus
        ? "set by --gpus"
        : "every card; GPUS=0 or GPUS=0,1 before ./run_docker.sh picks some",
      ports: options.ports.length
        ? "set by --port"
        : `${DEFAULT_PORTS[0]} (Gradio) and ${DEFAULT_PORTS[1]} (Jupyter), on 127.0.0.1 (BIND_ADDRESS in .env opens them)`,
      shm: shm.ipcHost
        ? "PyTorch's DataLoader workers share tensors through /dev/shm, which Docker caps at 64 MiB"
        : `--shm-size ${shm.size} (--no-ipc-host)`,
      proxy: describeProxy(host.proxy, hostNetwork),
    },
    warnings,
    refusal: image.refusal,
  };
}
