import type { ProxyRequest } from "./proxy.js";

/** Everything the steps need to know about what the user asked for. */
export interface ProvisionOptions {
  dryRun: boolean;
  yes: boolean;
  json: boolean;
  verbose: boolean;
  verify: boolean;
  nvidia: boolean;
  requireGpu: boolean;
  replaceSnapDocker: boolean;
  /** The account to add to the docker group; resolved per host when not given. */
  user?: string;
  dockerVersion?: string;
  toolkitVersion?: string;
  dockerRepo: string;
  dockerKeyFingerprint: string;
  nvidiaRepo: string;
  nvidiaKeyFingerprint: string;
  registryMirrors: string[];
  /** --proxy: a proxy to use and keep, or "none" to remove the one the tool kept. */
  proxy?: ProxyRequest;
  /** Rotate containers' logs when daemon.json sets no log driver or options. */
  logRotation: boolean;
  /** dockerd's data root, normalized (no trailing slash). */
  dataRoot?: string;
  /** Copy what the current data root holds to the new one (dockerd stops meanwhile). */
  moveData: boolean;
  helloImage: string;
  cudaImage?: string;
  aptLockWaitMs: number;
  /** What every host's report must say about the options themselves (a plain-http repository, ...). */
  notices: string[];
}

export const OFFICIAL = {
  dockerRepo: "https://download.docker.com/linux",
  /** Docker's release key, as published at https://docs.docker.com/engine/install/ubuntu/. */
  dockerKeyFingerprint: "9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
  nvidiaRepo: "https://nvidia.github.io/libnvidia-container",
  /**
   * NVIDIA's container-toolkit repository key: printed by gpg in
   * https://github.com/NVIDIA/nvidia-container-toolkit/issues/650 and listed by the key's own
   * uid "NVIDIA CORPORATION (Open Source Projects) <cudatools@nvidia.com>" at nvidia.github.io/libnvidia-container/gpgkey.
   */
  nvidiaKeyFingerprint: "C95B321B61E88C1809C4F759DDCAE044F796ECB0",
  helloImage: "hello-world",
} as const;
