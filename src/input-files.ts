import { accessSync, constants, type Stats, statSync } from "node:fs";

/** An SSH private key is a few KiB; anything this large is not one. */
export const MAX_KEY_FILE_BYTES = 1024 * 1024;

export const MISSING = "does not exist";

export interface InputFileRules {
  /** A missing file is fine: it will be created. */
  mayBeMissing?: boolean;
  /** /dev/null stands for "an empty file", as in `ssh -F /dev/null`. */
  allowDevNull?: boolean;
  maxBytes?: number;
}

/**
 * Why the file named on the command line cannot be used, or undefined when it can. It is only
 * stat'ed, never read: reading /dev/zero or a FIFO would never end.
 */
export function unusableFileReason(path: string, rules: InputFileRules = {}): string | undefined {
  if (rules.allowDevNull && path === "/dev/null") return undefined;
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return rules.mayBeMissing ? undefined : MISSING;
    if (code === "EACCES") return "cannot be read (permission denied)";
    return `cannot be read (${code ?? (error as Error).message})`;
  }
  if (stats.isDirectory()) return "is a directory, not a file";
  if (!stats.isFile()) return "is not a regular file";
  if (rules.maxBytes !== undefined && stats.size > rules.maxBytes)
    return `is larger than ${Math.round(rules.maxBytes / 1024)} KiB`;
  try {
    accessSync(path, constants.R_OK);
  } catch {
    return "cannot be read (permission denied)";
  }
  return undefined;
}
