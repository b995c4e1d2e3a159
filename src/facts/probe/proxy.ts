import { createHash } from "node:crypto";
import {
  APT_PROXY_FILE,
  DOCKERD_PROXY_DROPIN,
  DOCKERD_PROXY_ENV,
  shownProxy,
} from "../../proxy.js";
import { keyValues } from "../sections.js";
import type { ProbeSectionDef } from "./definition.js";

/** A file the tool owns, as far as the plan needs it: never its content (it may hold credentials). */
export interface OwnedFileState {
  mode: string;
  sha256: string;
}

/** The target user's docker client configuration: only its `proxies` are kept from the content. */
export interface DockerClientConfigFact {
  path: string;
  exists: boolean;
  /** The file parses as a JSON object (a missing file counts as an empty one). */
  ok: boolean;
  mode?: string;
  owner?: string;
  /** sha256 of JSON.stringify(proxies.default): compared, never shown (it may hold credentials). */
  defaultProxiesSha256?: string;
  /** proxies.default's httpsProxy (or httpProxy), credentials replaced, for doctor. */
  shownProxy?: string;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The proxy files the tool owns (mode and a digest of their content, read as root), and the target
 * user's ~/.docker/config.json, of which the parser keeps only `proxies`: the rest holds registry
 * credentials and never leaves this function.
 */
export const proxyFiles: ProbeSectionDef<
  "proxyFiles" | "dockerClientConfig" | "aptProxy" | "endpointAnswers",
  "proxy-files"
> = {
  name: "proxy-files",
  script: String.raw`
section proxy-files
for f in __FILES__; do
  if $SUDO test -e "$f" 2>/dev/null; then
    printf '%s\t%s\t%s\n' "$f" "$($SUDO stat -c %a "$f" 2>/dev/null)" "$($SUDO sha256sum "$f" 2>/dev/null | cut -d' ' -f1)"
  fi
done
rc 0
section apt-proxy
$SUDO apt-config dump 2>/dev/null | grep -i '^Acquire::https\{0,1\}::Proxy ' ; rc 0
section proxy-answers
# doctor only: does each proxy and registry mirror answer HTTP at all (any status)? Credentials
# never reach argv.
if [ "$probe_details" = 1 ] && have curl; then
  for url in $( { $SUDO apt-config dump 2>/dev/null | sed -n 's/^Acquire::https\{0,1\}::Proxy "\(.*\)";$/\1/p'; [ "$server_rc" = 0 ] && printf '%s\n' "$info" | cut -d'|' -f8,9 | tr '|' '\n'; } | sed 's#//[^@/]*@#//#' | grep '^https\{0,1\}://' | sort -u); do
    printf '%s\t%s\n' "$url" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --noproxy '*' "$url/" 2>/dev/null)"
  done
  # Registry mirrors answer /v2/ (200, or 401 when they want a login), through dockerd's proxy if any.
  if [ "$server_rc" = 0 ]; then
    for url in $(printf '%s\n' "$info" | cut -d'|' -f3 | tr -d '[]" ' | tr ',' '\n' | sed 's#/*$##' | grep '^https\{0,1\}://'); do
      printf '%s\t%s\n' "$url" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$url/v2/" 2>/dev/null)"
    done
  fi
fi
rc 0
section docker-config
cfg="$(getent passwd "$user" | cut -d: -f6)/.docker/config.json"
printf 'path=%s\n' "$cfg"
if $SUDO test -e "$cfg" 2>/dev/null; then
  printf 'mode=%s\nowner=%s\ncontent=%s\n' "$($SUDO stat -c %a "$cfg")" "$($SUDO stat -c %U:%G "$cfg")" "$($SUDO base64 -w0 "$cfg")"
fi
rc 0
`.replace("__FILES__", [APT_PROXY_FILE, DOCKERD_PROXY_DROPIN, DOCKERD_PROXY_ENV].join(" ")),
  parse(read) {
    const owned = new Map<string, OwnedFileState>();
    for (const line of read.lines("proxy-files")) {
      const [path = "", mode = "", digest = ""] = line.split("\t");
      owned.set(path, { mode, sha256: digest });
    }
    const aptProxy = read
      .lines("apt-proxy")
      .map((line) => /"(.*)";/.exec(line)?.[1] ?? "")
      .find(Boolean);
    const endpointAnswers = new Map<string, boolean>();
    for (const line of read.lines("proxy-answers")) {
      const [url = "", code = "000"] = line.split("\t");
      endpointAnswers.set(url, code !== "000" && code !== "");
    }
    return {
      proxyFiles: owned,
      dockerClientConfig: parseClientConfig(read.body("docker-config")),
      ...(aptProxy ? { aptProxy: shownProxy(aptProxy) } : {}),
      endpointAnswers,
    };
  },
};

function parseClientConfig(body: string): DockerClientConfigFact {
  const values = keyValues(body);
  const path = values.path ?? "";
  if (values.content === undefined) return { path, exists: false, ok: true };
  const fact: DockerClientConfigFact = {
    path,
    exists: true,
    ok: false,
    mode: values.mode,
    owner: values.owner,
  };
  const text = Buffer.from(values.content, "base64").toString("utf8");
  if (text.trim() === "") return { ...fact, ok: true };
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return fact;
    const proxies = (parsed as Record<string, unknown>).proxies as
      | { default?: Record<string, unknown> }
      | undefined;
    const chosen = proxies?.default;
    if (!chosen) return { ...fact, ok: true };
    const url = chosen.httpsProxy ?? chosen.httpProxy;
    return {
      ...fact,
      ok: true,
      defaultProxiesSha256: sha256(JSON.stringify(chosen)),
      ...(typeof url === "string" ? { shownProxy: shownProxy(url) } : {}),
    };
  } catch {
    return fact;
  }
}
