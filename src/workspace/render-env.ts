import { shellQuote } from "../hosts/shell.js";
import type { WorkspaceDecisions } from "./decisions.js";
import { hasCredentials, type WorkspaceProxy } from "./proxy.js";

/** The proxy variables, as containers and builds get them (both cases: tools read one or the other). */
export const PROXY_ENV_NAMES = ["http_proxy", "https_proxy", "no_proxy"] as const;

export function proxyValues(
  proxy: WorkspaceProxy,
): Record<(typeof PROXY_ENV_NAMES)[number], string> {
  return {
    http_proxy: proxy.http ?? "",
    https_proxy: proxy.https ?? "",
    no_proxy: proxy.noProxy ?? "",
  };
}

/** `PORT_1`, `PORT_2`, ...: the .env names of the published ports, in order. */
export function portVariable(index: number): string {
  return `PORT_${index + 1}`;
}

/** A value that may go into .env: read the same by `sh` (`. ./.env`) and by Docker Compose. */
function envLine(name: string, value: string): string {
  return `${name}=${shellQuote(value)}`;
}

/** Values with a quote, a line break or a backslash cannot be read the same by sh and Compose. */
function carriable(value: string): boolean {
  return value !== "" && !/['"\\\n\r`$]/.test(value);
}

function proxyLines(proxy: WorkspaceProxy): string[] {
  const lines = [
    "",
    "# The proxy (both launchers pass it to containers and builds, in both cases: http_proxy, HTTP_PROXY).",
  ];
  for (const [name, value] of Object.entries(proxyValues(proxy))) {
    if (value === "") continue;
    if (hasCredentials(value) || !carriable(value))
      lines.push(
        `# ${name}: holds a password or characters .env cannot carry, so it is not written here; export it before running`,
      );
    else lines.push(envLine(name, value));
  }
  return lines;
}

/** .env: the values people change, read by run_docker.sh and by docker compose. */
export function renderEnv(d: WorkspaceDecisions): string {
  const lines = [
    "# The values of this workspace, read by ./run_docker.sh and by docker compose. Change them here.",
    "# Written by vla-provision workspace; a re-run keeps your edits (it shows what it would change).",
    "",
    "# The image to run (./run_docker.sh --build and the compose service 'app' build on it).",
    envLine("IMAGE", d.image),
    "# Container name (and the compose services' container names).",
    envLine("NAME", d.name),
    "# Mounted at /cache: the Hugging Face, torch and pip caches (models and datasets are large).",
    envLine("CACHE_DIR", d.cacheDir),
    "# The GPUs: all, or card indices (0 or 0,1); GPUS=1 ./run_docker.sh overrides it once.",
    envLine("GPUS", d.gpus),
    "# The container runs as you, so what it writes in /workspace is yours.",
    envLine("HOST_UID", String(d.uid)),
    envLine("HOST_GID", String(d.gid)),
  ];
  if (!d.hostNetwork) {
    lines.push(
      "# Where the ports listen on the host: 127.0.0.1 (reach them with ssh -L), or 0.0.0.0 for the network.",
      envLine("BIND_ADDRESS", "127.0.0.1"),
    );
    d.ports.forEach((port, index) => {
      lines.push(envLine(portVariable(index), String(port)));
    });
  }
  if (!d.shm.ipcHost)
    lines.push("# Size of the container's own /dev/shm.", envLine("SHM_SIZE", d.shm.size));
  if (d.proxy) lines.push(...proxyLines(d.proxy));
  return `${lines.join("\n")}\n`;
}
