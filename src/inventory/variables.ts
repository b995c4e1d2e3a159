import { ALL, type Inventory, InventoryError, UNGROUPED, type Vars } from "./model.js";

/**
 * A host's variables as Ansible resolves them: `all`'s, then its groups' from the shallowest to
 * the deepest (a child group overrides its parents; groups of one depth in name order), then the
 * host's own.
 */
export function hostVariables(inventory: Inventory, host: string): Vars {
  const depth = groupDepths(inventory);
  const groups = [...inventory.groups.values()]
    .filter((group) => group.name !== ALL && containsHost(inventory, group.name, host))
    .sort((a, b) => (depth.get(a.name) ?? 1) - (depth.get(b.name) ?? 1) || compare(a.name, b.name));
  return Object.assign(
    {},
    inventory.groups.get(ALL)?.vars,
    ...groups.map((group) => group.vars),
    inventory.hosts.get(host),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether the host is in the group or in one of its children (at any depth). */
function containsHost(inventory: Inventory, groupName: string, host: string): boolean {
  const seen = new Set<string>();
  const visit = (name: string): boolean => {
    if (seen.has(name)) return false;
    seen.add(name);
    const group = inventory.groups.get(name);
    if (!group) return false;
    if (group.hosts.has(host)) return true;
    return [...group.children].some(visit);
  };
  if (groupName === UNGROUPED && inventory.groups.get(UNGROUPED)?.hosts.has(host)) return true;
  return visit(groupName);
}

/** `all` is 0; a group is one deeper than its deepest parent (top-level groups are 1). */
function groupDepths(inventory: Inventory): Map<string, number> {
  const parents = new Map<string, string[]>();
  for (const group of inventory.groups.values())
    for (const child of group.children)
      parents.set(child, [...(parents.get(child) ?? []), group.name]);
  const depths = new Map<string, number>([[ALL, 0]]);
  const depthOf = (name: string, path: string[]): number => {
    const known = depths.get(name);
    if (known !== undefined) return known;
    if (path.includes(name))
      throw new InventoryError(
        `inventory: the groups ${[...path.slice(path.indexOf(name)), name].join(" > ")} contain each other`,
      );
    const depth =
      1 + Math.max(0, ...(parents.get(name) ?? []).map((p) => depthOf(p, [...path, name])));
    depths.set(name, depth);
    return depth;
  };
  for (const name of inventory.groups.keys()) depthOf(name, []);
  return depths;
}

/** Throws when groups contain each other (a cycle through `children`). */
export function checkGroupCycles(inventory: Inventory): void {
  groupDepths(inventory);
}
