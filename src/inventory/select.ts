import { selectHosts } from "./limit.js";
import { loadInventories } from "./load.js";
import { InventoryError } from "./model.js";
import { type InventoryTarget, inventoryTarget } from "./targets.js";

export interface InventorySelection {
  targets: InventoryTarget[];
  /** For the run's notes: files left unread, hosts that reach the same place. */
  notices: string[];
}

/** The hosts of the --inventory files that --limit selects, each with how to reach it. */
export function selectInventoryTargets(
  paths: readonly string[],
  limit: string | undefined,
): InventorySelection {
  if (paths.length === 0) {
    if (limit !== undefined)
      throw new InventoryError("--limit selects hosts of an --inventory: give one");
    return { targets: [], notices: [] };
  }
  const { inventory, notices } = loadInventories(paths);
  if (inventory.hosts.size === 0)
    throw new InventoryError(`--inventory ${paths.join(", ")}: names no host`);
  const targets = selectHosts(inventory, limit).map((name) => inventoryTarget(inventory, name));
  return { targets, notices };
}
