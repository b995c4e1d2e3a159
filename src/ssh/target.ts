import { UsageError } from "../errors.js";

/** What `--ssh [user@]host[:port]` names. `host` may be a Host alias of an ssh_config file. */
export interface SshTarget {
  user?: string;
  host: string;
  port?: number;
}

// Host names, aliases and IPv4 addresses; IPv6 (with an optional %zone) has its own pattern.
const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const IPV6_ADDRESS = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._-]+)?$/;
// Letters, digits and the few characters account names use (DOMAIN\user, user@realm, machine$).
const USER_NAME = /^[A-Za-z0-9._\\][A-Za-z0-9._\\@$-]*$/;

/**
 * Parses `[user@]host[:port]`, `[user@][ipv6]:port`, a bare IPv6 address, or a bare Host alias.
 * Throws UsageError with a one-line message for anything else.
 */
export function parseSshTarget(value: string): SshTarget {
  const fail = (why: string): never => {
    throw new UsageError(`Invalid --ssh value ${JSON.stringify(value)}: ${why}`);
  };
  if (value === "") fail("it is empty (expected [user@]host[:port])");
  if (/\s/.test(value)) fail("it contains whitespace");

  // The user ends at the last "@", as in ssh(1): a user name may itself hold an "@".
  const at = value.lastIndexOf("@");
  const user = at === -1 ? undefined : value.slice(0, at);
  const rest = at === -1 ? value : value.slice(at + 1);
  if (user !== undefined) {
    if (user === "") fail('no user name before "@"');
    else if (!USER_NAME.test(user)) fail(`${JSON.stringify(user)} is not a valid user name`);
  }

  const { host, portText } = splitHostAndPort(rest, fail);
  if (host === "") fail("no host name");
  if (host.startsWith("-")) fail("a host name cannot start with '-'");
  if (!HOST_NAME.test(host) && !IPV6_ADDRESS.test(host)) {
    fail(`${JSON.stringify(host)} is not a valid host name or address`);
  }

  const target: SshTarget = { host };
  if (user !== undefined) target.user = user;
  if (portText !== undefined) target.port = parsePort(portText, fail);
  return target;
}

function splitHostAndPort(
  text: string,
  fail: (why: string) => never,
): { host: string; portText?: string } {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) fail('"[" without a closing "]"');
    const host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after === "") return { host };
    if (!after.startsWith(":")) fail('expected ":port" after "]"');
    return { host, portText: after.slice(1) };
  }
  const colons = text.split(":").length - 1;
  // Two colons or more: a bare IPv6 address, which can only carry a port inside brackets.
  if (colons !== 1) return { host: text };
  const colon = text.indexOf(":");
  return { host: text.slice(0, colon), portText: text.slice(colon + 1) };
}

function parsePort(text: string, fail: (why: string) => never): number {
  if (!/^\d{1,5}$/.test(text)) fail(`port ${JSON.stringify(text)} is not a number in 1..65535`);
  const port = Number(text);
  if (port < 1 || port > 65535) fail(`port ${port} is not in 1..65535`);
  return port;
}

/**
 * `[user@]host[:port]` as the user would type it back: an IPv6 address goes in brackets, so that
 * `ops@[::1]:2222` cannot be read as the address `::1:2222`.
 */
export function formatSshTarget({ user, host, port }: SshTarget): string {
  const name = host.includes(":") ? `[${host}]` : host;
  return `${user === undefined ? "" : `${user}@`}${name}${port === undefined ? "" : `:${port}`}`;
}

/**
 * The account and address two `--ssh` values must share to reach the same place: the user and port
 * the connection would use (`defaults` where the value names none) and the host name lower-cased.
 */
export function sameHostKey(target: SshTarget, defaults: { user: string; port: number }): string {
  return formatSshTarget({
    user: target.user ?? defaults.user,
    host: canonicalHost(target.host),
    port: target.port ?? defaults.port,
  });
}

/** Lower-case; an IPv6 address in its shortest form (`0:0::1` is `::1`). */
function canonicalHost(host: string): string {
  if (!host.includes(":") || host.includes("%")) return host.toLowerCase();
  try {
    return new URL(`http://[${host}]/`).hostname.slice(1, -1);
  } catch {
    return host.toLowerCase();
  }
}
