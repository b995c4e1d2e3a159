import type { PROXY_VARIABLES } from "./hosts/host.js";

/** An HTTP proxy for the host: for the tool's own work and kept for what runs afterwards. */
export interface ProxySetting {
  /** http(s)://[user:password@]host[:port], normalized (no path). */
  url: string;
  /** Comma-separated hosts, domains and CIDRs that go direct. */
  noProxy: string;
}

/** What the user asked: a proxy, or `--proxy none` (remove what the tool wrote). */
export type ProxyRequest = ProxySetting | "none";

export const DEFAULT_NO_PROXY = "localhost,127.0.0.1,::1";

/** The files the tool owns for the proxy: it writes, updates and removes only these. */
export const APT_PROXY_FILE = "/etc/apt/apt.conf.d/95vla-provision-proxy";
export const DOCKERD_PROXY_DROPIN = "/etc/systemd/system/docker.service.d/vla-provision-proxy.conf";
/** The variables themselves: `systemctl show docker` prints a unit's Environment= to every user. */
export const DOCKERD_PROXY_ENV = "/etc/systemd/system/docker.service.d/vla-provision-proxy.env";

export type ProxyCheck = { ok: true; url: string } | { ok: false; error: string };

/**
 * http or https, a host, an optional port and optional credentials; nothing after the host. The
 * URL ends up in apt's configuration and a systemd unit, where a quote or a line break would break
 * out of the value.
 */
export function checkProxyUrl(value: string): ProxyCheck {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\s"'`\\\u0000-\u001f\u007f]/.test(value))
    return { ok: false, error: "contains whitespace, quotes, backslashes or control characters" };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, error: "is not a URL (http://host:port)" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { ok: false, error: "must start with http:// or https://" };
  if (!url.hostname) return { ok: false, error: "names no host" };
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash)
    return { ok: false, error: "must be scheme, credentials, host and port only (no path)" };
  const credentials = url.username
    ? `${url.username}${url.password ? `:${url.password}` : ""}@`
    : "";
  return { ok: true, url: `${url.protocol}//${credentials}${url.host}` };
}

/** Hosts, domains (.example.com, *.example.com), IPs and CIDRs, comma-separated. */
export function checkNoProxy(value: string): ProxyCheck {
  const entries = value.split(",").map((entry) => entry.trim());
  if (entries.some((entry) => entry === "" || !/^[A-Za-z0-9.*:/_[\]-]+$/.test(entry)))
    return {
      ok: false,
      error: "must be a comma-separated list of hosts, domains, IP addresses or CIDRs",
    };
  return { ok: true, url: entries.join(",") };
}

export function hasCredentials(setting: ProxySetting): boolean {
  return new URL(setting.url).username !== "";
}

/** The URL as it may be shown: credentials (user:password@) replaced. */
export function shownProxy(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//[credentials]@");
}

/** A proxy on the host's loopback: dockerd and apt reach it, containers on a bridge do not. */
export function isLoopbackProxy(setting: ProxySetting): boolean {
  const host = new URL(setting.url).hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/** The variables the tool's own commands get (curl, apt and dockerd's CLI read either case). */
export function proxyVariables(
  setting: ProxySetting,
): Record<(typeof PROXY_VARIABLES)[number], string> {
  return {
    http_proxy: setting.url,
    https_proxy: setting.url,
    no_proxy: setting.noProxy,
    HTTP_PROXY: setting.url,
    HTTPS_PROXY: setting.url,
    NO_PROXY: setting.noProxy,
  };
}

/**
 * The proxy found in the invoking user's environment (a local run without --proxy), or undefined.
 * https_proxy first: the repositories and registries are https.
 */
export function proxyFromEnvironment(
  env: Partial<Record<string, string>>,
): ProxySetting | undefined {
  const url = env.https_proxy || env.HTTPS_PROXY || env.http_proxy || env.HTTP_PROXY;
  if (!url) return undefined;
  const checked = checkProxyUrl(url);
  if (!checked.ok) return undefined;
  const noProxy = checkNoProxy(env.no_proxy || env.NO_PROXY || DEFAULT_NO_PROXY);
  return { url: checked.url, noProxy: noProxy.ok ? noProxy.url : DEFAULT_NO_PROXY };
}

/** apt.conf: apt's own downloads (apt-get update/install, the _apt sandbox included). */
export function aptProxyConf(setting: ProxySetting): string {
  return [
    "// Written by vla-provision (--proxy); `vla-provision --proxy none` removes it.",
    `Acquire::http::Proxy "${setting.url}";`,
    `Acquire::https::Proxy "${setting.url}";`,
    "",
  ].join("\n");
}

/**
 * A systemd drop-in for docker.service rather than daemon.json's `proxies`: it works with every
 * Docker the tool may meet (daemon.json learned `proxies` in Engine 23.0; distribution builds and
 * older hosts have 20.10), and it keeps the credentials out of daemon.json, which is world-readable
 * on most hosts and is merged, shown and backed up by the tool.
 */
export function dockerdProxyDropIn(): string {
  return [
    "# Written by vla-provision (--proxy); `vla-provision --proxy none` removes it.",
    "[Service]",
    `EnvironmentFile=${DOCKERD_PROXY_ENV}`,
    "",
  ].join("\n");
}

/** dockerd's proxy variables, in a file of their own (root's alone when they hold credentials). */
export function dockerdProxyEnv(setting: ProxySetting): string {
  return [
    `HTTP_PROXY=${setting.url}`,
    `HTTPS_PROXY=${setting.url}`,
    `NO_PROXY=${setting.noProxy}`,
    "",
  ].join("\n");
}

/** ~/.docker/config.json's `proxies.default`: what the docker CLI passes to containers and builds. */
export function clientProxies(setting: ProxySetting): Record<string, string> {
  return { httpProxy: setting.url, httpsProxy: setting.url, noProxy: setting.noProxy };
}

/** Files holding credentials are root's alone; without credentials they are readable like apt's. */
export function proxyFileMode(setting: ProxySetting): string {
  return hasCredentials(setting) ? "0600" : "0644";
}

export function loopbackNotice(setting: ProxySetting): string {
  const port = new URL(setting.url).port || "80";
  return `the proxy ${shownProxy(setting.url)} is on the host's loopback: dockerd and apt use it, but containers on Docker's default bridge cannot reach it, so it was not written into ~/.docker/config.json. For containers, let the proxy listen on the docker0 address too and run again with --proxy http://172.17.0.1:${port}; for builds, \`docker build --network host\` (Compose: build.network: host) reaches it as it is`;
}
