import { ALL, hostsOfGroup, type Inventory, InventoryError } from "./model.js";

const GLOB = /[*?[]/;
/** Ansible's subscripts (`webservers[0]`, `webservers[0:2]`): not supported. */
const SUBSCRIPT = /^(.+)\[(-?\d+)(?::(-?\d*))?\]$/;

/**
 * The inventory's hosts that Ansible's `--limit` pattern selects, in inventory order: group names,
 * host names, globs (`gpu-*`), `~regex`, unions with `:` or `,`, `&group` intersections and
 * `!group` exclusions (unions first, then intersections, then exclusions, as Ansible orders them).
 * Without a pattern: every host. A term that matches nothing is refused, as is an empty result.
 */
export function selectHosts(inventory: Inventory, pattern: string | undefined): string[] {
  if (pattern === undefined) return [...inventory.hosts.keys()];
  const terms = splitPattern(pattern);
  if (terms.length === 0) throw new InventoryError(`--limit ${JSON.stringify(pattern)} is empty`);
  const unions = terms.filter((t) => !t.startsWith("!") && !t.startsWith("&"));
  const intersections = terms.filter((t) => t.startsWith("&")).map((t) => t.slice(1));
  const exclusions = terms.filter((t) => t.startsWith("!")).map((t) => t.slice(1));
  let selected = new Set<string>();
  for (const term of unions.length ? unions : [ALL])
    for (const host of matchTerm(inventory, term)) selected.add(host);
  for (const term of intersections) {
    const matched = new Set(matchTerm(inventory, term));
    selected = new Set([...selected].filter((host) => matched.has(host)));
  }
  for (const term of exclusions)
    for (const host of matchTerm(inventory, term)) selected.delete(host);
  const hosts = [...inventory.hosts.keys()].filter((host) => selected.has(host));
  if (hosts.length === 0)
    throw new InventoryError(`--limit ${JSON.stringify(pattern)} selects no host of the inventory`);
  return hosts;
}

/** Ansible splits on commas when there are any, else on colons. */
function splitPattern(pattern: string): string[] {
  return pattern
    .split(pattern.includes(",") ? "," : ":")
    .map((term) => term.trim())
    .filter(Boolean);
}

function matchTerm(inventory: Inventory, term: string): string[] {
  const fail = (why: string): never => {
    throw new InventoryError(`--limit: ${JSON.stringify(term)} ${why}`);
  };
  if (term === "" || term === "!" || term === "&") fail("is an empty pattern");
  if (term.startsWith("@"))
    fail("reads hosts from a file (a retry file); this is not supported: name the hosts");
  if (term === ALL || term === "*") return [...inventory.hosts.keys()];
  if (inventory.groups.has(term) || inventory.hosts.has(term)) {
    const fromGroup = inventory.groups.has(term) ? hostsOfGroup(inventory, term) : [];
    return inventory.hosts.has(term) ? [...fromGroup, term] : fromGroup;
  }
  let matches: (name: string) => boolean;
  if (term.startsWith("~")) {
    let regex: RegExp;
    try {
      regex = new RegExp(`^(?:${term.slice(1)})`);
    } catch (error) {
      return fail(`is not a valid regular expression: ${(error as Error).message}`);
    }
    matches = (name) => regex.test(name);
  } else if (SUBSCRIPT.test(term)) {
    return fail("uses a subscript (group[0]); this is not supported: name the hosts or use a glob");
  } else if (GLOB.test(term)) {
    const regex = globToRegExp(term);
    matches = (name) => regex.test(name);
  } else {
    return fail("names no host or group of the inventory");
  }
  const hosts = new Set<string>();
  for (const name of inventory.groups.keys())
    if (matches(name)) for (const host of hostsOfGroup(inventory, name)) hosts.add(host);
  for (const name of inventory.hosts.keys()) if (matches(name)) hosts.add(name);
  if (hosts.size === 0) fail("matches no host or group of the inventory");
  return [...hosts];
}

/** fnmatch: `*`, `?`, `[abc]`, `[!abc]`; the whole name must match. */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? "";
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close === -1) {
        source += "\\[";
        continue;
      }
      let set = glob.slice(i + 1, close);
      if (set.startsWith("!")) set = `^${set.slice(1)}`;
      source += `[${set.replace(/\\/g, "\\\\")}]`;
      i = close;
    } else source += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
