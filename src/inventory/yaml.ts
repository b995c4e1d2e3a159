import { isMap, parseDocument } from "yaml";
import { expandHostRange } from "./host-range.js";
import {
  ALL,
  addChild,
  addGroupVars,
  addHost,
  emptyInventory,
  ensureGroup,
  type Inventory,
  InventoryError,
  type Vars,
} from "./model.js";

const GROUP_KEYS = new Set(["hosts", "vars", "children"]);
const GROUP_NAME = /^[^\s:,!&[\]=]+$/;

/**
 * Ansible's YAML inventory: top-level groups (usually `all`), each with `hosts` (name: vars),
 * `vars` and `children` (name: group). A `plugin:` file configures an inventory plugin: refused.
 */
export function parseYamlInventory(text: string, file: string): Inventory {
  // YAML 1.1, as Ansible's PyYAML reads it (merge keys, yes/no).
  const document = parseDocument(text, { version: "1.1" });
  const error = document.errors[0];
  if (error) {
    const line = error.linePos?.[0]?.line;
    throw new InventoryError(
      `${file}${line ? `:${line}` : ""}: not valid YAML: ${firstLine(error.message)}`,
    );
  }
  const inventory = emptyInventory();
  if (document.contents === null) return inventory;
  if (!isMap(document.contents))
    throw new InventoryError(`${file}: an inventory is a mapping of group names, e.g. "all:"`);
  // Unknown tags (ansible-vault's !vault) become their plain text; a vaulted value is refused where used.
  const top = document.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  if ("plugin" in top)
    throw new InventoryError(
      `${file}: configures the inventory plugin ${JSON.stringify(top.plugin)}; plugins are not supported. Export its hosts: ansible-inventory -i ${file} --list --yaml > hosts.yml, then pass --inventory hosts.yml`,
    );
  for (const [name, body] of Object.entries(top)) readGroup(inventory, name, body, file, []);
  return inventory;
}

function readGroup(
  inventory: Inventory,
  name: string,
  body: unknown,
  file: string,
  path: string[],
): void {
  const where = `${file}: ${[...path, name].join(" > ")}`;
  if (!GROUP_NAME.test(name))
    throw new InventoryError(`${where}: ${JSON.stringify(name)} is not a valid group name`);
  if (path.includes(name)) throw new InventoryError(`${where}: the group contains itself`);
  ensureGroup(inventory, name);
  if (body === null || body === undefined) return;
  const group = mapping(body, where, "a group is a mapping of hosts, vars and children");
  for (const key of Object.keys(group))
    if (!GROUP_KEYS.has(key))
      throw new InventoryError(
        `${where}: unexpected key ${JSON.stringify(key)} (a group holds hosts, vars and children; a host goes under hosts:)`,
      );
  if (group.vars !== undefined && group.vars !== null)
    addGroupVars(inventory, name, mapping(group.vars, `${where} > vars`, "vars is a mapping"));
  if (group.hosts !== undefined && group.hosts !== null) {
    const hosts = mapping(group.hosts, `${where} > hosts`, 'hosts is a mapping ("name:" lines)');
    for (const [pattern, vars] of Object.entries(hosts)) {
      const hostVars =
        vars === null || vars === undefined
          ? {}
          : mapping(vars, `${where} > hosts > ${pattern}`, "a host's value is a mapping of vars");
      for (const host of expandHostRange(pattern, `${where} > hosts`))
        addHost(inventory, name, host, hostVars);
    }
  }
  if (group.children !== undefined && group.children !== null) {
    const children = mapping(group.children, `${where} > children`, "children is a mapping");
    for (const [child, childBody] of Object.entries(children)) {
      readGroup(inventory, child, childBody, file, [...path, name]);
      if (name !== ALL) addChild(inventory, name, child);
    }
  }
}

function mapping(value: unknown, where: string, expected: string): Vars {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Map)
    throw new InventoryError(`${where}: ${expected}`);
  return value as Vars;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

/** A group_vars/ or host_vars/ file: a mapping of variables (empty when the file is). */
export function parseYamlVars(text: string, file: string): Vars {
  const document = parseDocument(text, { version: "1.1" });
  const error = document.errors[0];
  if (error) throw new InventoryError(`${file}: not valid YAML: ${firstLine(error.message)}`);
  const value = document.toJS({ maxAliasCount: 100 }) as unknown;
  if (value === null || value === undefined) return {};
  return mapping(value, file, "a vars file is a mapping of variables");
}
