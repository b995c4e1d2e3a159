import { UsageError } from "../errors.js";

/** A host's or a group's variables, as the inventory gives them (strings, numbers, ...). */
export type Vars = Record<string, unknown>;

export interface InventoryGroup {
  name: string;
  /** Hosts named in the group itself (not through its children). */
  hosts: Set<string>;
  children: Set<string>;
  vars: Vars;
}

/** One or more Ansible inventories, merged: hosts in the order they were first named. */
export interface Inventory {
  /** Every host with its own variables. */
  hosts: Map<string, Vars>;
  groups: Map<string, InventoryGroup>;
}

/** Bad inventory input: one line, exit code 2, before anything connects. */
export class InventoryError extends UsageError {}

export const ALL = "all";
export const UNGROUPED = "ungrouped";

export function emptyInventory(): Inventory {
  const inventory: Inventory = { hosts: new Map(), groups: new Map() };
  ensureGroup(inventory, ALL);
  ensureGroup(inventory, UNGROUPED);
  return inventory;
}

export function ensureGroup(inventory: Inventory, name: string): InventoryGroup {
  let group = inventory.groups.get(name);
  if (!group) {
    group = { name, hosts: new Set(), children: new Set(), vars: {} };
    inventory.groups.set(name, group);
  }
  return group;
}

/** Names `host` in `group`; a host named again keeps its variables, later values winning. */
export function addHost(inventory: Inventory, groupName: string, host: string, vars: Vars): void {
  inventory.hosts.set(host, { ...inventory.hosts.get(host), ...vars });
  ensureGroup(inventory, groupName).hosts.add(host);
}

export function addChild(inventory: Inventory, parent: string, child: string): void {
  ensureGroup(inventory, child);
  ensureGroup(inventory, parent).children.add(child);
}

export function addGroupVars(inventory: Inventory, groupName: string, vars: Vars): void {
  const group = ensureGroup(inventory, groupName);
  Object.assign(group.vars, vars);
}

/** Adds `other` into `into`, as ansible-playbook merges several `-i` inventories. */
export function mergeInto(into: Inventory, other: Inventory): void {
  for (const [host, vars] of other.hosts)
    into.hosts.set(host, { ...into.hosts.get(host), ...vars });
  for (const group of other.groups.values()) {
    const target = ensureGroup(into, group.name);
    for (const host of group.hosts) target.hosts.add(host);
    for (const child of group.children) addChild(into, group.name, child);
    Object.assign(target.vars, group.vars);
  }
}

/** Every host of the group, its children's included, in inventory order. */
export function hostsOfGroup(inventory: Inventory, name: string): string[] {
  if (name === ALL) return [...inventory.hosts.keys()];
  if (name === UNGROUPED) return ungroupedHosts(inventory);
  const found = new Set<string>();
  const visit = (groupName: string, seen: Set<string>) => {
    const group = inventory.groups.get(groupName);
    if (!group || seen.has(groupName)) return;
    seen.add(groupName);
    for (const host of group.hosts) found.add(host);
    for (const child of group.children) visit(child, seen);
  };
  visit(name, new Set());
  return [...inventory.hosts.keys()].filter((host) => found.has(host));
}

/** Hosts that belong to no group but `all` and `ungrouped`. */
function ungroupedHosts(inventory: Inventory): string[] {
  const grouped = new Set<string>();
  for (const group of inventory.groups.values()) {
    if (group.name === ALL || group.name === UNGROUPED) continue;
    for (const host of group.hosts) grouped.add(host);
  }
  return [...inventory.hosts.keys()].filter((host) => !grouped.has(host));
}
