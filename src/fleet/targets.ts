/** What an inventory adds to a target beyond its `--ssh` value. */
export interface TargetDetails {
  /** The inventory's name for the host: what the reports show. */
  name: string;
  /** The host's own private key, used instead of -i. */
  identity?: string;
}

/** Details by target: its `--ssh` value, or "" for this machine. */
export type TargetDetailsMap = ReadonlyMap<string, TargetDetails>;

export function detailsKey(target: string | undefined): string {
  return target ?? "";
}

export const DEFAULT_PARALLEL = 10;
export const MAX_PARALLEL = 256;
