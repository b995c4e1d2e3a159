import { homedir } from "node:os";
import { join } from "node:path";
import { formatSshTarget, parseSshTarget } from "../ssh/target.js";
import { type Inventory, InventoryError, type Vars } from "./model.js";
import { hostVariables } from "./variables.js";

/** How to reach one inventory host. */
export interface InventoryTarget {
  /** The inventory's name for the host: what reports and --limit show. */
  name: string;
  /** `[user@]host[:port]` as --ssh takes it; undefined for `ansible_connection=local`. */
  ssh?: string;
  /** The host's private key (`ansible_ssh_private_key_file`), overriding -i. */
  identity?: string;
}

/** The first of these variables that is set wins, as in Ansible (the ssh-less names are newer). */
const ADDRESS = ["ansible_host", "ansible_ssh_host"];
const PORT = ["ansible_port", "ansible_ssh_port"];
const USER = ["ansible_user", "ansible_ssh_user", "ansible_ssh_user_name"];
const KEY = ["ansible_ssh_private_key_file", "ansible_private_key_file"];
/** Extra ssh(1) arguments can route a connection elsewhere (ProxyJump): refused, not ignored. */
const UNSUPPORTED = [
  "ansible_ssh_common_args",
  "ansible_ssh_extra_args",
  "ansible_ssh_args",
  "ansible_ssh_executable",
];
const SSH_CONNECTIONS = new Set(["ssh", "smart", "paramiko", "paramiko_ssh"]);

export function inventoryTarget(inventory: Inventory, name: string): InventoryTarget {
  const vars = hostVariables(inventory, name);
  const fail = (why: string): never => {
    throw new InventoryError(`inventory host ${JSON.stringify(name)}: ${why}`);
  };
  const connection = text(vars, ["ansible_connection"], fail);
  if (connection === "local") return { name };
  if (connection !== undefined && !SSH_CONNECTIONS.has(connection))
    fail(`ansible_connection=${connection} is not supported (only ssh and local)`);
  for (const key of UNSUPPORTED)
    if (text(vars, [key], fail))
      fail(
        `${key} is not supported; put the setting in ~/.ssh/config (Host ${name}) if it is one vla-provision reads`,
      );
  const host = text(vars, ADDRESS, fail) ?? name;
  const user = text(vars, USER, fail);
  const portText = text(vars, PORT, fail);
  const port = portText === undefined ? undefined : Number(portText);
  if (portText !== undefined && !(/^\d+$/.test(portText) && port && port <= 65535))
    fail(`ansible_port ${JSON.stringify(portText)} is not a port number (1..65535)`);
  let ssh: string;
  try {
    ssh = formatSshTarget(parseSshTarget(formatSshTarget({ user, host, port })));
  } catch (error) {
    return fail((error as Error).message);
  }
  const key = text(vars, KEY, fail);
  return { name, ssh, ...(key === undefined ? {} : { identity: expandHome(key) }) };
}

/** A variable as text; a Jinja template or a vaulted value cannot be used here. */
function text(vars: Vars, names: string[], fail: (why: string) => never): string | undefined {
  for (const name of names) {
    const value = vars[name];
    if (value === undefined || value === null || value === "") continue;
    if (typeof value !== "string" && typeof value !== "number")
      return fail(`${name} is not a plain value`);
    const string = String(value);
    if (string.includes("{{") || string.includes("{%"))
      return fail(`${name} is a Jinja template (${string}); vla-provision reads plain values only`);
    if (string.startsWith("$ANSIBLE_VAULT"))
      return fail(`${name} is encrypted with ansible-vault; vla-provision reads plain values only`);
    return string;
  }
  return undefined;
}

function expandHome(path: string): string {
  if (path === "~") return homedir();
  return path.startsWith("~/") ? join(homedir(), path.slice(2)) : path;
}
