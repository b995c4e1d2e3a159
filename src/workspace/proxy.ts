/** The proxy that containers and image builds of the workspace use. */
export interface WorkspaceProxy {
  http?: string;
  https?: string;
  noProxy?: string;
}

/** The proxy of an environment (http_proxy, https_proxy, no_proxy; lower case wins, as curl reads them). */
export function proxyFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): WorkspaceProxy | undefined {
  const pick = (name: string) => env[name] || env[name.toUpperCase()] || undefined;
  const proxy: WorkspaceProxy = {
    http: pick("http_proxy"),
    https: pick("https_proxy"),
    noProxy: pick("no_proxy"),
  };
  return proxy.http || proxy.https ? proxy : undefined;
}

/**
 * The proxy configured on the host itself. Reading it (the host's own proxy settings) is not done
 * yet: until it is, a workspace written over SSH gets no proxy, and one written on this machine
 * gets the proxy of the environment the tool runs in.
 */
export function configuredHostProxy(
  kind: "local" | "ssh",
  localEnv: Readonly<Record<string, string | undefined>>,
): WorkspaceProxy | undefined {
  return kind === "local" ? proxyFromEnvironment(localEnv) : undefined;
}

/** A proxy on the host's own loopback: a container or build reaches it only on the host's network. */
export function isLoopbackProxy(proxy: WorkspaceProxy | undefined): boolean {
  return [proxy?.http, proxy?.https].some((url) => {
    if (!url) return false;
    const host = hostOf(url);
    return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
  });
}

function hostOf(url: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  try {
    return new URL(withScheme).hostname.replace(/^\[|\]$/g, "").toLowerCase();
  } catch {
    return "";
  }
}

/** A URL with a user or password in it: such a value is kept out of the project's files. */
export function hasCredentials(url: string | undefined): boolean {
  return url !== undefined && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(url.trim());
}
