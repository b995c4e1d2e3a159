import { type DaemonConfig, mergeRegistryMirrors } from "./daemon-json.js";

/** dockerd's own default data root. */
export const DEFAULT_DATA_ROOT = "/var/lib/docker";

/**
 * Log rotation for containers whose logs nobody rotates: json-file stays the driver (tools that
 * read /var/lib/docker/containers/<id>/<id>-json.log and `docker logs` keep working), with at most
 * 3 files of 100 MB per container. Docker's default keeps every line forever, and a training run
 * that prints per step fills the root disk.
 */
export const LOG_ROTATION = {
  "log-driver": "json-file",
  "log-opts": { "max-size": "100m", "max-file": "3" },
} as const;

/**
 * From Docker Engine v29.0 (containerd v2.1.5) containers inherit dockerd's open-file limit, which
 * systemd sets to 1024 (soft) since the docker.service unit dropped LimitNOFILE=infinity; data
 * loaders with many workers then fail with "Too many open files". Source: Docker's release notes
 * for v29 and v25.0 (docker/docs pull request 23730, "document LimitNOFILE change in engine v29 /
 * containerd v2.1.5"). The limit restored is the one containers had before (1048576).
 */
export const NOFILE_FROM_MAJOR = 29;
export const DEFAULT_NOFILE = { Name: "nofile", Soft: 1048576, Hard: 1048576 } as const;

/** What the user asked of daemon.json. */
export interface WantedDaemonSettings {
  registryMirrors: readonly string[];
  logRotation: boolean;
  /** An absolute directory, or undefined to leave the data root alone. */
  dataRoot?: string;
}

export interface MergedDaemonSettings {
  config: DaemonConfig;
  /** One phrase per setting added or changed ("log rotation (json-file, 3 x 100m)", ...). */
  changes: string[];
}

/** The installed engine's major version ("29.0.1", "5:29.0.1-1~ubuntu.24.04~noble" -> 29). */
export function engineMajor(version: string | undefined): number | undefined {
  const match = /^(?:\d+:)?(\d+)\./.exec(version ?? "");
  return match ? Number(match[1]) : undefined;
}

/** The data root dockerd uses with this configuration. */
export function configuredDataRoot(config: DaemonConfig): string {
  const root = config["data-root"] ?? config.graph;
  return typeof root === "string" && root.trim() ? normalizeDir(root) : DEFAULT_DATA_ROOT;
}

export function normalizeDir(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, "");
  return trimmed === "" ? "/" : trimmed;
}

/**
 * daemon.json with every setting the user asked for that is not there yet; every other key, and
 * every setting the user made (their own log driver or options, their own nofile limit), kept.
 */
export function mergeDaemonSettings(
  config: DaemonConfig,
  wanted: WantedDaemonSettings,
  engineVersion: string | undefined,
): MergedDaemonSettings {
  let merged = config;
  const changes: string[] = [];
  const mirrors = mergeRegistryMirrors(merged, [...wanted.registryMirrors]);
  if (mirrors.changed) {
    merged = mirrors.config;
    changes.push(`registry mirrors (${wanted.registryMirrors.join(", ")})`);
  }
  if (wanted.logRotation && !("log-driver" in merged) && !("log-opts" in merged)) {
    merged = { ...merged, ...structuredClone(LOG_ROTATION) };
    changes.push("log rotation (json-file, at most 3 files of 100m per container)");
  }
  if (needsNofile(merged, engineVersion)) {
    const ulimits = isObject(merged["default-ulimits"]) ? merged["default-ulimits"] : {};
    merged = { ...merged, "default-ulimits": { ...ulimits, nofile: { ...DEFAULT_NOFILE } } };
    changes.push(`open files per container ${DEFAULT_NOFILE.Soft} (Docker ${NOFILE_FROM_MAJOR}+)`);
  }
  if (wanted.dataRoot !== undefined && configuredDataRoot(merged) !== wanted.dataRoot) {
    const { graph: _legacy, ...rest } = merged;
    merged = { ...rest, "data-root": wanted.dataRoot };
    changes.push(`data root ${wanted.dataRoot}`);
  }
  return { config: merged, changes };
}

function needsNofile(config: DaemonConfig, engineVersion: string | undefined): boolean {
  const major = engineMajor(engineVersion);
  if (major === undefined || major < NOFILE_FROM_MAJOR) return false;
  const ulimits = config["default-ulimits"];
  return !(isObject(ulimits) && "nofile" in ulimits);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
