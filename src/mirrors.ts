import { readFileSync } from "node:fs";

/**
 * Public mirrors of Docker's and NVIDIA's apt repositories. A mirror serves the same signed
 * packages, so the upstream key fingerprints stay: the key check is what makes a mirror safe.
 */
export interface MirrorPreset {
  description: string;
  /** Replaces https://download.docker.com/linux (same layout below it: <distro>/dists/...). */
  dockerRepo?: string;
  /** Replaces https://nvidia.github.io/libnvidia-container (same layout: stable/deb/<arch>). */
  nvidiaRepo?: string;
  /** Where the URLs were found. */
  source: string;
}

export const MIRROR_PRESETS: Record<string, MirrorPreset> = {
  tuna: {
    description: "Tsinghua University (TUNA), Beijing: Docker CE",
    dockerRepo: "https://mirrors.tuna.tsinghua.edu.cn/docker-ce/linux",
    source: "https://mirrors.tuna.tsinghua.edu.cn/help/docker-ce/",
  },
  ustc: {
    description: "University of Science and Technology of China, Hefei: Docker CE and the toolkit",
    dockerRepo: "https://mirrors.ustc.edu.cn/docker-ce/linux",
    nvidiaRepo: "https://mirrors.ustc.edu.cn/libnvidia-container",
    source:
      "https://mirrors.ustc.edu.cn/help/docker-ce.html and https://mirrors.ustc.edu.cn/help/libnvidia-container.html",
  },
  aliyun: {
    description: "Alibaba Cloud: Docker CE",
    dockerRepo: "https://mirrors.aliyun.com/docker-ce/linux",
    source: "https://developer.aliyun.com/mirror/docker-ce",
  },
};

/**
 * A JSON file of presets of one's own ({"lab": {"dockerRepo": ..., "nvidiaRepo": ...}}), named by
 * this environment variable, adds to the built-in presets or replaces one of them.
 */
export const MIRRORS_FILE_VARIABLE = "VLA_PROVISION_MIRRORS";

/** The presets: built in, plus those of the file named by VLA_PROVISION_MIRRORS. */
export function mirrorPresets(env: NodeJS.ProcessEnv = process.env): Record<string, MirrorPreset> {
  const file = env[MIRRORS_FILE_VARIABLE];
  if (!file) return MIRROR_PRESETS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${MIRRORS_FILE_VARIABLE}=${file}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`${MIRRORS_FILE_VARIABLE}=${file}: must hold a JSON object of presets`);
  const own: Record<string, MirrorPreset> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const preset = value as Partial<MirrorPreset> | null;
    const urls = [preset?.dockerRepo, preset?.nvidiaRepo];
    if (
      typeof preset !== "object" ||
      preset === null ||
      urls.every((url) => url === undefined) ||
      urls.some((url) => url !== undefined && typeof url !== "string")
    )
      throw new Error(
        `${MIRRORS_FILE_VARIABLE}=${file}: preset ${JSON.stringify(name)} needs a dockerRepo and/or nvidiaRepo URL`,
      );
    own[name] = {
      description: preset.description ?? `from ${file}`,
      dockerRepo: preset.dockerRepo,
      nvidiaRepo: preset.nvidiaRepo,
      source: file,
    };
  }
  return { ...MIRROR_PRESETS, ...own };
}

/** `--mirror list`: one line per preset, then the URLs it sets. */
export function renderMirrorList(presets: Record<string, MirrorPreset>): string {
  const lines: string[] = [];
  for (const [name, preset] of Object.entries(presets)) {
    lines.push(`${name}: ${preset.description}`);
    lines.push(`  --docker-repo ${preset.dockerRepo ?? "(Docker's own)"}`);
    lines.push(`  --nvidia-repo ${preset.nvidiaRepo ?? "(NVIDIA's own)"}`);
    lines.push(`  source: ${preset.source}`);
  }
  lines.push(
    "",
    "A mirror serves the same signed packages: the keys are still checked against Docker's and NVIDIA's fingerprints.",
  );
  return `${lines.join("\n")}\n`;
}
