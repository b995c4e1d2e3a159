/** What both launchers give the container: mounts, cache variables and limits, with why. */

export const WORKSPACE_MOUNT = "/workspace";
export const CACHE_MOUNT = "/cache";

export interface ContainerVariable {
  name: string;
  value: string;
}

/** Every download lands in the mounted cache, on the big disk, and survives the container. */
export const CACHE_VARIABLES: readonly ContainerVariable[] = [
  { name: "HF_HOME", value: `${CACHE_MOUNT}/huggingface` },
  { name: "HF_DATASETS_CACHE", value: `${CACHE_MOUNT}/huggingface/datasets` },
  { name: "TORCH_HOME", value: `${CACHE_MOUNT}/torch` },
  { name: "PIP_CACHE_DIR", value: `${CACHE_MOUNT}/pip` },
  // The image's site-packages belong to root: `pip install --user` (scripts/setup.sh) puts the
  // project's packages into the project instead, owned by the user.
  { name: "PYTHONUSERBASE", value: `${WORKSPACE_MOUNT}/.local` },
  // The user's UID has no home directory in the image.
  { name: "HOME", value: `${CACHE_MOUNT}/home` },
];

/** Pinned (page-locked) memory without a cap, and the 64 MiB stack NVIDIA's PyTorch containers ask for. */
export const ULIMITS = { memlock: -1, stack: 67_108_864 } as const;
