import { existsSync, readdirSync, readFileSync, type Stats, statSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { parseIniInventory } from "./ini.js";
import {
  addGroupVars,
  emptyInventory,
  type Inventory,
  InventoryError,
  mergeInto,
  type Vars,
} from "./model.js";
import { checkGroupCycles } from "./variables.js";
import { parseYamlInventory, parseYamlVars } from "./yaml.js";

/** An inventory of a few thousand hosts is well under this. */
const MAX_INVENTORY_BYTES = 16 * 1024 * 1024;
const YAML_EXTENSIONS = new Set([".yml", ".yaml", ".json"]);

export interface LoadedInventory {
  inventory: Inventory;
  /** What was left unread, for the run's notes (an ansible-vault file). */
  notices: string[];
}

/**
 * Reads the inventory files given with --inventory, in order, into one inventory, with the
 * group_vars/ and host_vars/ folders beside each file. Refuses what it cannot read as Ansible
 * would: a folder, an executable (a dynamic inventory script), an inventory plugin's file.
 */
export function loadInventories(paths: readonly string[]): LoadedInventory {
  const inventory = emptyInventory();
  const notices: string[] = [];
  for (const path of paths) {
    const one = readInventoryFile(path);
    notices.push(...readVarsFolders(one, dirname(path)));
    mergeInto(inventory, one);
  }
  checkGroupCycles(inventory);
  return { inventory, notices };
}

function readInventoryFile(path: string): Inventory {
  const fail = (why: string): never => {
    throw new InventoryError(`--inventory: ${JSON.stringify(path)} ${why}`);
  };
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(code === "ENOENT" ? "does not exist" : `cannot be read (${code})`);
  }
  if (stats.isDirectory()) fail("is a folder; give each inventory file with its own --inventory");
  if (!stats.isFile()) fail("is not a regular file");
  if (stats.mode & 0o111)
    fail(
      `is executable: a dynamic inventory script is not supported. Export its hosts: ansible-inventory -i ${path} --list --yaml > hosts.yml, then pass --inventory hosts.yml (or chmod -x it if it is a plain file)`,
    );
  if (stats.size > MAX_INVENTORY_BYTES) fail("is too large for an inventory");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return fail(`cannot be read (${(error as NodeJS.ErrnoException).code})`);
  }
  return looksLikeYaml(path, text) ? parseYamlInventory(text, path) : parseIniInventory(text, path);
}

/** By extension as Ansible does; a file without one whose first line is `all:` (or `---`) is YAML too. */
function looksLikeYaml(path: string, text: string): boolean {
  if (YAML_EXTENSIONS.has(extname(path).toLowerCase())) return true;
  const first = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== "" && !line.startsWith("#") && !line.startsWith(";"));
  return first === "---" || first?.startsWith("{") === true || /^[^\s[\]=]+:\s*$/.test(first ?? "");
}

/**
 * group_vars/<group> and host_vars/<host> beside the inventory file, as a file (no extension,
 * .yml, .yaml, .json) or a folder of such files. Returns notes about files left unread.
 */
function readVarsFolders(inventory: Inventory, folder: string): string[] {
  const notices: string[] = [];
  const read = (kind: "group_vars" | "host_vars", name: string): Vars => {
    const vars: Vars = {};
    for (const file of varsFiles(join(folder, kind), name)) {
      const text = readFileSync(file, "utf8");
      if (text.startsWith("$ANSIBLE_VAULT")) {
        notices.push(`${file} is encrypted with ansible-vault and was not read`);
        continue;
      }
      Object.assign(vars, parseYamlVars(text, file));
    }
    return vars;
  };
  for (const group of inventory.groups.keys()) {
    const vars = read("group_vars", group);
    if (Object.keys(vars).length > 0) addGroupVars(inventory, group, vars);
  }
  for (const [host, own] of inventory.hosts) {
    const vars = read("host_vars", host);
    // The inventory file's own host variables win over host_vars/, as in Ansible.
    if (Object.keys(vars).length > 0) inventory.hosts.set(host, { ...vars, ...own });
  }
  return notices;
}

function varsFiles(folder: string, name: string): string[] {
  if (!existsSync(folder)) return [];
  const files: string[] = [];
  for (const candidate of [name, `${name}.yml`, `${name}.yaml`, `${name}.json`]) {
    const path = join(folder, candidate);
    if (!existsSync(path)) continue;
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        const file = join(path, entry);
        const extension = extname(entry);
        if (statSync(file).isFile() && (extension === "" || YAML_EXTENSIONS.has(extension)))
          files.push(file);
      }
    } else files.push(path);
  }
  return files;
}
