import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { UsageError } from "../errors.js";
import { OPTION_SPECS, type OptionSpec } from "../option-schema.js";
import { checkUrl } from "../url.js";
import { argumentsFor } from "./pass-through.js";
import {
  EXECUTABLE_ARCHES,
  type ExecutableArch,
  executableName,
  releaseExecutableUrl,
} from "./release.js";
import { renderUserData } from "./user-data.js";

export interface CloudInitOptions {
  exeUrl?: string;
  exeSha256?: string;
  arch: string;
}

const SHA256 = /^[0-9a-f]{64}$/i;

/**
 * `vla-provision cloud-init`: the user-data for these options. The executable is the release of
 * this version for `--arch`, unless --exe-url names another; its SHA-256 is --exe-sha256, or, run
 * from the standalone executable of that very release and architecture, this executable's own.
 */
export async function cloudInitCommand(
  raw: CloudInitOptions & Record<string, unknown>,
  version: string,
): Promise<string> {
  const arch = raw.arch as ExecutableArch;
  if (!EXECUTABLE_ARCHES.includes(arch))
    throw new UsageError(
      `--arch: ${JSON.stringify(raw.arch)} is not one of ${EXECUTABLE_ARCHES.join(", ")}`,
    );
  let url = releaseExecutableUrl(version, arch);
  if (raw.exeUrl !== undefined) {
    const checked = checkUrl(raw.exeUrl, { path: true });
    if (!checked.ok)
      throw new UsageError(`--exe-url: ${JSON.stringify(raw.exeUrl)} ${checked.error}`);
    url = checked.url;
  }
  const sha256 = await pinnedSha256(raw, arch, version);
  const args = argumentsFor(raw, OPTION_SPECS as Record<string, OptionSpec>);
  return renderUserData({ url, sha256, args, version });
}

async function pinnedSha256(
  raw: CloudInitOptions,
  arch: ExecutableArch,
  version: string,
): Promise<string> {
  if (raw.exeSha256 !== undefined) {
    if (!SHA256.test(raw.exeSha256))
      throw new UsageError(
        `--exe-sha256: ${JSON.stringify(raw.exeSha256)} is not a SHA-256 (64 hex digits)`,
      );
    return raw.exeSha256.toLowerCase();
  }
  const own = raw.exeUrl === undefined && arch === process.arch ? await ownSha256() : undefined;
  if (own) return own;
  throw new UsageError(
    `cloud-init: give --exe-sha256 <hex> (the line for ${executableName(arch)} in SHA256SUMS of release v${version}), or run this from that standalone executable itself`,
  );
}

/** This executable's SHA-256 when it is a standalone executable (Node's single-executable app). */
async function ownSha256(): Promise<string | undefined> {
  const isSea = await import("node:sea").then(
    (sea) => sea.isSea(),
    () => false,
  );
  if (!isSea) return undefined;
  return createHash("sha256")
    .update(await readFile(process.execPath))
    .digest("hex");
}
