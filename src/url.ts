/**
 * URLs typed by the user end up in apt source files and daemon.json, where a stray newline or space
 * becomes a second, unsigned source line. `new URL()` silently drops tabs and newlines and accepts
 * spaces, so the raw text is checked first and only the normalized form is ever written.
 */

export type UrlCheck = { ok: true; url: string; insecure: boolean } | { ok: false; error: string };

export interface UrlRules {
  /** Allow a path after the host (repositories: yes; registry mirrors: no, dockerd refuses one). */
  path: boolean;
}

const FORBIDDEN_CHARACTERS: [RegExp, string][] = [
  [/[\s]/u, "whitespace"],
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  [/[\u0000-\u001f\u007f]/, "control characters"],
  [/["'`]/, "quotes"],
  [/[<>{}|\\^]/, "characters that are not allowed in a URL"],
];

/** An IPv6 literal host is the only place a bracket may appear: http://[::1]:5000/x. */
const IPV6_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/\[[0-9a-f:.]+\](:\d+)?(\/|$)/i;

function bracketsOutsideHost(value: string): boolean {
  const rest = IPV6_AUTHORITY.test(value) ? value.slice(value.indexOf("]") + 1) : value;
  return /[[\]]/.test(rest);
}

export function checkUrl(value: string, rules: UrlRules): UrlCheck {
  for (const [pattern, what] of FORBIDDEN_CHARACTERS) {
    if (pattern.test(value)) return { ok: false, error: `contains ${what}` };
  }
  if (bracketsOutsideHost(value))
    return { ok: false, error: "contains brackets outside an IPv6 host" };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, error: "is not a URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { ok: false, error: "only http:// and https:// URLs are supported" };
  if (url.username || url.password || value.includes("@"))
    return { ok: false, error: "must not contain a user name or password" };
  if (url.search || value.includes("?")) return { ok: false, error: "must not contain a query" };
  if (url.hash || value.includes("#")) return { ok: false, error: "must not contain a fragment" };
  if (!url.hostname) return { ok: false, error: "has no host" };
  const path = url.pathname.replace(/\/+$/, "");
  if (!rules.path && path !== "")
    return { ok: false, error: "must be scheme, host and port only (no path)" };
  return {
    ok: true,
    url: `${url.protocol}//${url.host}${path}`,
    insecure: url.protocol === "http:",
  };
}
