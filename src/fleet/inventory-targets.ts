import { UsageError } from "../errors.js";
import { MAX_KEY_FILE_BYTES, unusableFileReason } from "../input-files.js";
import { selectInventoryTargets } from "../inventory/select.js";
import { detailsKey, type TargetDetails } from "./targets.js";

export interface FleetTargets {
  /** The selected inventory hosts as `--ssh` values. */
  ssh: string[];
  /** An inventory host is this machine (`ansible_connection=local`). */
  local: boolean;
  details: Map<string, TargetDetails>;
  notices: string[];
}

/** The --inventory hosts that --limit selects, as targets; each host's key file is checked here. */
export function targetsFromInventories(
  paths: readonly string[],
  limit: string | undefined,
): FleetTargets {
  const { targets, notices } = selectInventoryTargets(paths, limit);
  const fleet: FleetTargets = { ssh: [], local: false, details: new Map(), notices };
  for (const target of targets) {
    if (target.identity !== undefined) {
      const reason = unusableFileReason(target.identity, { maxBytes: MAX_KEY_FILE_BYTES });
      if (reason)
        throw new UsageError(
          `inventory host ${JSON.stringify(target.name)}: its key ${JSON.stringify(target.identity)} ${reason}`,
        );
    }
    const key = detailsKey(target.ssh);
    const first = fleet.details.get(key);
    if (first) {
      notices.push(
        `inventory hosts ${first.name} and ${target.name} both reach ${target.ssh ?? "this machine"}: it runs once, as ${first.name}`,
      );
      continue;
    }
    fleet.details.set(key, { name: target.name, identity: target.identity });
    if (target.ssh === undefined) fleet.local = true;
    else fleet.ssh.push(target.ssh);
  }
  return fleet;
}
