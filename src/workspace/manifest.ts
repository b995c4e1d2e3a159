import { createHash } from "node:crypto";

/** .vla-provision/workspace.json: the hash of each file as the tool last wrote it. */
export interface Manifest {
  /** Relative path -> "sha256:<hex>" of the content the tool wrote (or found equal to its own). */
  files: Record<string, string>;
  /** The cache dir the tool chose by itself (absent when --cache-dir set it). */
  cacheDir?: string;
}

export function contentHash(content: string): string {
  return `sha256:${createHash("sha256").update(content, "utf8").digest("hex")}`;
}

/** The manifest's text: keys sorted, so the same manifest is always the same bytes. */
export function renderManifest(manifest: Manifest): string {
  const files = Object.fromEntries(
    Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  const body = manifest.cacheDir === undefined ? { files } : { cacheDir: manifest.cacheDir, files };
  return `${JSON.stringify({ tool: "vla-provision workspace", format: 1, ...body }, null, 2)}\n`;
}

/** The manifest from its text; undefined when absent or not one (then every file counts as the user's). */
export function parseManifest(text: string | undefined): Manifest | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { files?: unknown; cacheDir?: unknown };
    if (!value || typeof value !== "object" || typeof value.files !== "object" || !value.files)
      return undefined;
    const files = Object.fromEntries(
      Object.entries(value.files as Record<string, unknown>).filter(
        (entry): entry is [string, string] => typeof entry[1] === "string",
      ),
    );
    return {
      files,
      cacheDir: typeof value.cacheDir === "string" ? value.cacheDir : undefined,
    };
  } catch {
    return undefined;
  }
}
