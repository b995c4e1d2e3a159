import { expandHostRange } from "./host-range.js";
import {
  addChild,
  addGroupVars,
  addHost,
  emptyInventory,
  ensureGroup,
  type Inventory,
  InventoryError,
  UNGROUPED,
  type Vars,
} from "./model.js";

type SectionKind = "hosts" | "vars" | "children";

interface Section {
  group: string;
  kind: SectionKind;
}

// A section header may carry a trailing comment: "[gpu]  # the H100s".
const SECTION = /^\[([^\]]+)\]\s*(?:[#;].*)?$/;
const GROUP_NAME = /^[^\s:,!&[\]=]+$/;

/**
 * Ansible's INI inventory: host lines (`name[:port] key=value ...`, ranges such as `gpu-[01:16]`),
 * `[group]`, `[group:vars]` and `[group:children]` sections. Lines before the first section are
 * ungrouped hosts.
 */
export function parseIniInventory(text: string, file: string): Inventory {
  const inventory = emptyInventory();
  // Ansible's rule: a group named in [x:vars] or as a child must have its own [x] or [x:children].
  const declared = new Set<string>(["all", UNGROUPED]);
  const referenced: { group: string; where: string }[] = [];
  let section: Section = { group: UNGROUPED, kind: "hosts" };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const where = `${file}:${index + 1}`;
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const header = SECTION.exec(line);
    if (header) {
      section = parseSectionHeader(header[1] ?? "", where);
      if (section.kind === "vars") referenced.push({ group: section.group, where });
      else {
        declared.add(section.group);
        ensureGroup(inventory, section.group);
      }
      return;
    }
    if (section.kind === "hosts") parseHostLine(inventory, section.group, line, where);
    else if (section.kind === "vars")
      addGroupVars(inventory, section.group, parseVarsLine(line, where));
    else {
      if (!GROUP_NAME.test(line))
        throw new InventoryError(`${where}: ${JSON.stringify(line)} is not a group name`);
      addChild(inventory, section.group, line);
      referenced.push({ group: line, where });
    }
  });
  const undefinedGroup = referenced.find(({ group }) => !declared.has(group));
  if (undefinedGroup)
    throw new InventoryError(
      `${undefinedGroup.where}: the group ${JSON.stringify(undefinedGroup.group)} has no [${undefinedGroup.group}] or [${undefinedGroup.group}:children] section`,
    );
  return inventory;
}

function parseSectionHeader(name: string, where: string): Section {
  const [group = "", suffix, ...extra] = name.trim().split(":");
  if (!GROUP_NAME.test(group) || extra.length > 0)
    throw new InventoryError(`${where}: [${name}] is not a valid section name`);
  if (suffix === undefined) return { group, kind: "hosts" };
  if (suffix === "vars" || suffix === "children") return { group, kind: suffix };
  throw new InventoryError(
    `${where}: [${name}]: unknown section kind ":${suffix}" (expected :vars or :children)`,
  );
}

function parseHostLine(inventory: Inventory, group: string, line: string, where: string): void {
  const [pattern = "", ...assignments] = splitWords(line, where);
  const vars: Vars = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf("=");
    if (equals <= 0)
      throw new InventoryError(
        `${where}: expected key=value after the host name, got ${JSON.stringify(assignment)}`,
      );
    vars[assignment.slice(0, equals)] = assignment.slice(equals + 1);
  }
  const { name, port } = splitHostPort(pattern);
  if (port !== undefined) vars.ansible_port ??= port;
  for (const host of expandHostRange(name, where)) addHost(inventory, group, host, vars);
}

/** `name:port` outside brackets; an IPv6 address (two colons or more) carries no port here. */
function splitHostPort(pattern: string): { name: string; port?: string } {
  const outside = pattern.replace(/\[[^\]]*\]/g, (range) => "_".repeat(range.length));
  const colons = [...outside].filter((c) => c === ":").length;
  if (colons !== 1) return { name: pattern };
  const at = outside.indexOf(":");
  const port = pattern.slice(at + 1);
  if (!/^\d+$/.test(port)) return { name: pattern };
  return { name: pattern.slice(0, at), port };
}

function parseVarsLine(line: string, where: string): Vars {
  const equals = line.indexOf("=");
  if (equals <= 0)
    throw new InventoryError(`${where}: expected key=value, got ${JSON.stringify(line)}`);
  return { [line.slice(0, equals).trim()]: unquote(line.slice(equals + 1).trim()) };
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote))
    return value.slice(1, -1);
  return value;
}

/** Splits a line into words the way Python's shlex does for Ansible: quotes, escapes, `#` comments. */
export function splitWords(line: string, where: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] ?? "";
    if (quote) {
      const escaped = c === "\\" && quote === '"' && i + 1 < line.length;
      if (c === quote) quote = undefined;
      else word = (word ?? "") + (escaped ? line[++i] : c);
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined) {
      break;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= "";
    } else {
      word = (word ?? "") + (c === "\\" && i + 1 < line.length ? line[++i] : c);
    }
  }
  if (quote) throw new InventoryError(`${where}: unclosed ${quote} quote`);
  if (word !== undefined) words.push(word);
  return words;
}
