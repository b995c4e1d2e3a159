import { CACHE_MOUNT, CACHE_VARIABLES, ULIMITS, WORKSPACE_MOUNT } from "./container.js";
import type { WorkspaceDecisions } from "./decisions.js";
import { PROXY_ENV_NAMES, portVariable } from "./render-env.js";

/** A YAML double-quoted scalar (JSON's string syntax is a subset of it). */
const q = (text: string) => JSON.stringify(text);

function proxyEntries(indent: string): string[] {
  return PROXY_ENV_NAMES.flatMap((name) => [
    `${indent}${name}: ${q(`\${${name}:-}`)}`,
    `${indent}${name.toUpperCase()}: ${q(`\${${name}:-}`)}`,
  ]);
}

function sharedSettings(d: WorkspaceDecisions): string[] {
  const lines = [
    "x-gpu-container: &gpu-container",
    "  # You, so what the container writes in /workspace is yours.",
    `  user: ${q("${HOST_UID}:${HOST_GID}")}`,
    `  working_dir: ${WORKSPACE_MOUNT}`,
  ];
  if (d.shm.ipcHost)
    lines.push(
      "  # DataLoader workers pass tensors through /dev/shm, which Docker caps at 64 MiB.",
      "  ipc: host",
    );
  else
    lines.push(
      "  # DataLoader workers pass tensors through /dev/shm, which Docker caps at 64 MiB.",
      `  shm_size: ${q("${SHM_SIZE}")}`,
    );
  lines.push(
    "  # Pinned memory for fast host-GPU copies and NCCL; the stack NVIDIA's PyTorch containers ask for.",
    "  # Where dockerd may not raise limits (Docker inside a container): in compose.override.yaml,",
    "  # services: {dev: {ulimits: !reset {}}} (Compose 2.24+).",
    "  ulimits:",
    `    memlock: ${ULIMITS.memlock}`,
    `    stack: ${ULIMITS.stack}`,
    "  deploy:",
    "    resources:",
    "      reservations:",
    "        devices:",
    "          # GPUS in .env: all, or card indices (0 or 0,1).",
    "          - driver: nvidia",
    `            device_ids: [${q("${GPUS}")}]`,
    "            capabilities: [gpu]",
    "  # The project, and the cache on the disk with room for models and datasets.",
    "  volumes:",
    `    - ${q(`.:${WORKSPACE_MOUNT}`)}`,
    `    - ${q(`\${CACHE_DIR}:${CACHE_MOUNT}`)}`,
    "  environment:",
    ...CACHE_VARIABLES.map((v) => `    ${v.name}: ${v.value}`),
  );
  if (d.proxy) lines.push(...proxyEntries("    "));
  if (d.hostNetwork)
    lines.push(
      "  # The proxy listens on the host's loopback: only the host's network reaches it.",
      "  network_mode: host",
    );
  else
    lines.push(
      "  # Gradio / Jupyter, on BIND_ADDRESS (127.0.0.1: reach them with ssh -L).",
      "  ports:",
      ...d.ports.map((_, i) => {
        const port = `\${${portVariable(i)}}`;
        return `    - ${q(`\${BIND_ADDRESS}:${port}:${port}`)}`;
      }),
    );
  return lines;
}

function buildSection(d: WorkspaceDecisions): string[] {
  const lines = [
    "    build:",
    "      context: .",
    "      args:",
    `        BASE_IMAGE: ${q("${IMAGE}")}`,
    `        USER_UID: ${q("${HOST_UID}")}`,
    `        USER_GID: ${q("${HOST_GID}")}`,
  ];
  if (d.proxy) lines.push(...proxyEntries("        "));
  if (d.hostNetwork)
    lines.push(
      "      # The proxy listens on the host's loopback, which a build reaches only this way.",
      "      network: host",
    );
  return lines;
}

/** compose.yaml: the same container as run_docker.sh, as a long-running dev service, and the built image. */
export function renderCompose(d: WorkspaceDecisions): string {
  return [
    "# The workspace's containers, with the values of .env:",
    "#   docker compose up -d dev && docker compose exec dev bash     a dev container to work in",
    "#   docker compose --profile app up --build app                  the image of ./Dockerfile",
    "# Written by vla-provision workspace.",
    `name: ${q(d.name)}`,
    "",
    ...sharedSettings(d),
    "",
    "services:",
    "  dev:",
    "    <<: *gpu-container",
    `    image: ${q("${IMAGE}")}`,
    `    container_name: ${q("${NAME}-dev")}`,
    "    # Stays up: docker compose exec dev <command>.",
    "    command: [sleep, infinity]",
    "    init: true",
    "  app:",
    "    <<: *gpu-container",
    "    profiles: [app]",
    `    image: ${q("${NAME}-app")}`,
    `    container_name: ${q("${NAME}-app")}`,
    ...buildSection(d),
    "",
  ].join("\n");
}
