/** /etc/docker/daemon.json as parsed JSON. */
export type DaemonConfig = Record<string, unknown>;

export type ParsedDaemonJson =
  | { ok: true; value: DaemonConfig; missing: boolean }
  | { ok: false; error: string };

/** A missing or empty file is an empty configuration, as dockerd reads it. */
export function parseDaemonJson(text: string | undefined): ParsedDaemonJson {
  if (text === undefined) return { ok: true, value: {}, missing: true };
  if (text.trim() === "") return { ok: true, value: {}, missing: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `daemon.json is not valid JSON: ${describeJsonError(error, text)}` };
  }
  if (!isObject(value)) {
    return { ok: false, error: "daemon.json must hold a JSON object ({...})" };
  }
  return { ok: true, value, missing: false };
}

function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined || /\(line \d+ column \d+\)/.test(message)) return message;
  const before = text.slice(0, Number(position));
  const line = before.split("\n").length;
  const column = Number(position) - before.lastIndexOf("\n");
  return `${message} (line ${line} column ${column})`;
}

/** Appends the mirrors that are not there yet; "https://m.example/" and "https://m.example" are one. */
export function mergeRegistryMirrors(
  config: DaemonConfig,
  mirrors: string[],
): { changed: boolean; config: DaemonConfig } {
  const existing = stringList(config["registry-mirrors"]);
  const known = new Set(existing.map(withoutTrailingSlash));
  const added: string[] = [];
  for (const mirror of mirrors) {
    const key = withoutTrailingSlash(mirror);
    if (known.has(key)) continue;
    known.add(key);
    added.push(mirror);
  }
  if (added.length === 0) return { changed: false, config };
  return { changed: true, config: { ...config, "registry-mirrors": [...existing, ...added] } };
}

function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === "string");
  return typeof value === "string" ? [value] : [];
}

function withoutTrailingSlash(url: string): string {
  return url.trim().replace(/\/+$/, "");
}

/**
 * Whether daemon.json registers the `nvidia` runtime, in either shape seen in the wild:
 * `{"path": "nvidia-container-runtime", "args": []}` (nvidia-ctk) or
 * `{"path": "/usr/bin/nvidia-container-runtime", "runtimeArgs": []}` (older guides).
 */
export function hasNvidiaRuntime(config: DaemonConfig): boolean {
  const runtimes = config.runtimes;
  if (!isObject(runtimes)) return false;
  const nvidia = runtimes.nvidia;
  if (!isObject(nvidia) || typeof nvidia.path !== "string") return false;
  return nvidia.path.trim().split("/").at(-1) === "nvidia-container-runtime";
}

/** Paths under which a change is the tool's own doing, not a loss. */
const TOOL_OWNED_PATHS = new Set(["runtimes.nvidia"]);

/**
 * Dotted paths of settings the user had in `before` that are gone or different in `after`: checks
 * that `nvidia-ctk runtime configure` (which rewrites the file in place) kept everything else.
 * `runtimes.nvidia` may change; `registry-mirrors` may grow but must keep every mirror it had;
 * a `default-runtime` the user had counts like any other key.
 */
export function lostKeys(before: DaemonConfig, after: DaemonConfig): string[] {
  const lost: string[] = [];
  collectLost(before, after, "", lost);
  return lost;
}

function collectLost(
  before: DaemonConfig,
  after: DaemonConfig,
  prefix: string,
  lost: string[],
): void {
  for (const [key, value] of Object.entries(before)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (TOOL_OWNED_PATHS.has(path)) continue;
    if (!Object.hasOwn(after, key)) {
      lost.push(path);
      continue;
    }
    const afterValue = after[key];
    if (path === "registry-mirrors") {
      const kept = new Set(stringList(afterValue).map(withoutTrailingSlash));
      if (!stringList(value).every((mirror) => kept.has(withoutTrailingSlash(mirror)))) {
        lost.push(path);
      }
    } else if (isObject(value) && isObject(afterValue)) {
      collectLost(value, afterValue, path, lost);
    } else if (!deepEqual(value, afterValue)) {
      lost.push(path);
    }
  }
}

/** JSON with the indentation the file had (two spaces if unknown) and a trailing newline. */
export function renderDaemonJson(config: DaemonConfig, previousText?: string): string {
  return `${JSON.stringify(config, null, detectIndent(previousText))}\n`;
}

/** The indentation of the first indented line: a tab or some spaces; two spaces if none. */
export function detectIndent(text: string | undefined): string {
  const indent = /^\{\s*?\n([ \t]+)\S/m.exec(text ?? "")?.[1];
  if (!indent) return "  ";
  return indent.startsWith("\t") ? "\t" : indent;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}
