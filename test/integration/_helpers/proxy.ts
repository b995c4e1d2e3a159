/**
 * A real HTTP proxy inside a test host: Debian's squid (its .debs are staged in every host image,
 * see scripts/testbed/rootfs.mjs), listening on 127.0.0.1:3128. It is the ONLY way the host
 * reaches its stand-in repositories and registry under test-only names: squid maps those names to
 * 127.0.0.1 from its own hosts file, while the host itself cannot resolve them (its resolver is
 * pointed at its own loopback, where nothing answers, so a lookup fails at once and no query
 * leaves the host). squid forwards only to those names and only for clients on the host.
 */
import type { TestHost } from "./testbed.js";

/** The test-only names: the stand-in repositories (port 8080) and the registry (port 5000). */
export const PROXY_NAMES = {
  repo: "repo.vla-proxy.test",
  registry: "registry.vla-proxy.test",
} as const;

export const PROXY_PORT = 3128;
export const PROXY_ACCESS_LOG = "/var/log/squid/access.log";
const STAGED_DEBS = "/opt/vla-testbed/debs/squid";
const HOSTS_FILE = "/etc/squid/vla-proxy-test.hosts";
const HTPASSWD = "/etc/squid/vla-proxy-test.htpasswd";

export interface ProxyOptions {
  /** Names only the proxy resolves (to 127.0.0.1). */
  names: string[];
  /** Basic authentication: squid then serves only requests that carry these. */
  credentials?: { user: string; password: string };
}

export interface TestProxy {
  /** http://127.0.0.1:3128, without credentials. */
  url: string;
  /** The URL a client uses: with `user:password@` when the proxy asks for credentials. */
  clientUrl: string;
  /** squid's access log as it is now (one line per request; `squid` format). */
  accessLog(): Promise<string>;
}

/** host.cliArgs with the stand-ins' 127.0.0.1 URLs replaced by the names only the proxy resolves. */
export function proxiedCliArgs(cliArgs: string[]): string[] {
  return cliArgs.map((arg) =>
    arg
      .replace("http://127.0.0.1:8080", `http://${PROXY_NAMES.repo}:8080`)
      .replace("http://127.0.0.1:5000", `http://${PROXY_NAMES.registry}:5000`),
  );
}

function squidConf(names: string[], auth: boolean): string {
  return [
    "# The vla-provision tests' proxy (test/integration/_helpers/proxy.ts).",
    `http_port 127.0.0.1:${PROXY_PORT}`,
    "visible_hostname vla-proxy-test",
    // The test-only names come from this file; any other lookup goes to the host's loopback.
    `hosts_file ${HOSTS_FILE}`,
    "dns_nameservers 127.0.0.1",
    "pinger_enable off",
    "cache deny all",
    "cache_mem 8 MB",
    "max_filedescriptors 4096",
    `access_log stdio:${PROXY_ACCESS_LOG} squid`,
    "buffered_logs off",
    "cache_log /var/log/squid/cache.log",
    "logfile_rotate 0",
    "shutdown_lifetime 1 seconds",
    "acl on_host src 127.0.0.1/32 ::1",
    `acl test_names dstdomain ${names.join(" ")}`,
    ...(auth
      ? [
          `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${HTPASSWD}`,
          "auth_param basic children 2",
          "auth_param basic realm vla-proxy-test",
          "acl authenticated proxy_auth REQUIRED",
        ]
      : []),
    "http_access deny !on_host",
    "http_access deny !test_names",
    auth ? "http_access allow authenticated" : "http_access allow on_host",
    "http_access deny all",
    "",
  ].join("\n");
}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * Installs squid from the staged .debs (once per host), configures and starts it, waits (bounded)
 * until it listens, and checks that the host itself resolves none of `names`. The password, if
 * any, travels on standard input only: it never reaches a command line.
 */
export async function startProxy(host: TestHost, options: ProxyOptions): Promise<TestProxy> {
  const { names, credentials } = options;
  if (names.length === 0 || names.some((name) => !/^[a-z0-9.-]+$/.test(name)))
    throw new Error(`startProxy: bad names ${JSON.stringify(names)}`);
  if (credentials && !/^[A-Za-z0-9._-]+$/.test(credentials.user))
    throw new Error(`startProxy: bad user ${credentials.user}`);
  const script = [
    "set -eu",
    // No DNS query leaves the host; a name nobody serves fails at once.
    "printf 'nameserver 127.0.0.1\\noptions timeout:1 attempts:1\\n' >/etc/resolv.conf",
    "if [ ! -x /usr/sbin/squid ]; then",
    // policy-rc.d: squid must not start with Debian's configuration (all interfaces).
    "  printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d && chmod 0755 /usr/sbin/policy-rc.d",
    `  DEBIAN_FRONTEND=noninteractive timeout 600 dpkg -i ${STAGED_DEBS}/*.deb >/var/log/vla-proxy-install.log 2>&1 || { rm -f /usr/sbin/policy-rc.d; tail -n 30 /var/log/vla-proxy-install.log >&2; exit 1; }`,
    "  rm -f /usr/sbin/policy-rc.d",
    "fi",
    `printf '127.0.0.1 %s\\n' ${names.map(shellQuote).join(" ")} >${HOSTS_FILE}`,
    ...(credentials
      ? [
          // The password comes on stdin; printf is the shell's own (no process, no command line).
          'IFS= read -r pw || true; [ -n "$pw" ]',
          `hash=$(printf '%s' "$pw" | openssl passwd -apr1 -stdin)`,
          `(umask 027; printf '%s:%s\\n' ${shellQuote(credentials.user)} "$hash" >${HTPASSWD})`,
          `chown root:proxy ${HTPASSWD}; chmod 0640 ${HTPASSWD}`,
        ]
      : [`rm -f ${HTPASSWD}`]),
    `cat >/etc/squid/squid.conf <<'CONF'\n${squidConf(names, credentials !== undefined)}CONF`,
    "squid -k parse -f /etc/squid/squid.conf >/tmp/vla-proxy-parse.log 2>&1 || { cat /tmp/vla-proxy-parse.log >&2; exit 1; }",
    `rm -f ${PROXY_ACCESS_LOG}`,
    "timeout 120 systemctl restart squid.service || { journalctl -u squid --no-pager -n 40 >&2; exit 1; }",
    // Bounded: at most 10 s until squid answers on its port.
    "i=0",
    `until curl -s -o /dev/null --max-time 2 http://127.0.0.1:${PROXY_PORT}/; do`,
    "  i=$((i + 1)); [ $i -lt 50 ] || { echo 'squid does not answer' >&2; exit 1; }; sleep 0.2",
    "done",
    // Only the proxy resolves the test names.
    ...names.map(
      (name) =>
        `if getent hosts ${shellQuote(name)} >/dev/null; then echo "${name} resolves on the host itself" >&2; exit 1; fi`,
    ),
  ].join("\n");
  const started = await host.exec(script, {
    input: credentials ? `${credentials.password}\n` : "",
    timeoutMs: 900_000,
  });
  if (started.code !== 0)
    throw new Error(`startProxy: exit ${started.code}\n${started.stderr}${started.stdout}`);
  const url = `http://127.0.0.1:${PROXY_PORT}`;
  const clientUrl = credentials
    ? `http://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${PROXY_PORT}`
    : url;
  return {
    url,
    clientUrl,
    async accessLog() {
      const log = await host.exec(`cat ${PROXY_ACCESS_LOG}`);
      if (log.code !== 0) throw new Error(`reading ${PROXY_ACCESS_LOG}: ${log.stderr}`);
      return log.stdout;
    },
  };
}
