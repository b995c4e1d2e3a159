import { CACHE_MOUNT, CACHE_VARIABLES, ULIMITS, WORKSPACE_MOUNT } from "./container.js";
import type { WorkspaceDecisions } from "./decisions.js";
import { PROXY_ENV_NAMES, portVariable } from "./render-env.js";

const CONTINUED = " \\";

function proxyFlags(flag: string): string[] {
  return PROXY_ENV_NAMES.flatMap((name) => [
    `${flag} ${name}="\${${name}:-}"`,
    `${flag} ${name.toUpperCase()}="\${${name}:-}"`,
  ]);
}

function buildBlock(d: WorkspaceDecisions): string[] {
  const network = d.hostNetwork
    ? [
        "  # --network host: the proxy listens on this host's loopback, which a build reaches only this way.",
      ]
    : [];
  const args = [
    `docker build${d.hostNetwork ? " --network host" : ""}`,
    '--build-arg BASE_IMAGE="$IMAGE" --build-arg USER_UID="$HOST_UID" --build-arg USER_GID="$HOST_GID"',
    ...(d.proxy ? proxyFlags("--build-arg") : []),
    '-t "$run_image" "$project"',
  ];
  return [
    'if [ "${1:-}" = --build ]; then',
    "  shift",
    '  run_image="$NAME-app"',
    ...network,
    ...args.map((arg, i) => `  ${i > 0 ? "  " : ""}${arg}${i < args.length - 1 ? CONTINUED : ""}`),
    "fi",
  ];
}

function whyComments(d: WorkspaceDecisions): string[] {
  const lines = [
    "# Why each flag:",
    "#   --gpus          the cards: GPUS in .env, or GPUS=0 ./run_docker.sh for one run",
    d.shm.ipcHost
      ? "#   --ipc=host      DataLoader workers pass tensors through /dev/shm, which Docker caps at 64 MiB"
      : "#   --shm-size      DataLoader workers pass tensors through /dev/shm, which Docker caps at 64 MiB",
    "#   --ulimit        memlock=-1: pinned memory for fast host-GPU copies and NCCL; stack: 64 MiB,",
    "#                   as NVIDIA's PyTorch containers ask for (VLA_ULIMITS replaces them, see above)",
    "#   --user          your UID:GID, so what the container writes in /workspace is yours",
    `#   -v, -e          the project at ${WORKSPACE_MOUNT}; downloads (Hugging Face, torch, pip) in the`,
    `#                   cache at ${CACHE_MOUNT}, on the disk with room for them, kept between runs`,
  ];
  if (d.hostNetwork)
    lines.push(
      "#   --network host  the proxy listens on this host's loopback; ports are the host's own",
    );
  else
    lines.push(
      "#   -p              Gradio / Jupyter on BIND_ADDRESS (127.0.0.1: reach them with ssh -L)",
    );
  if (d.proxy) lines.push("#   -e *_proxy      the proxy, for pip and the Hugging Face Hub");
  return lines;
}

function runFlags(d: WorkspaceDecisions): string[] {
  const flags = [
    '--rm "$tty" --name "$NAME"',
    '--gpus "$gpus"',
    d.shm.ipcHost ? "--ipc=host" : '--shm-size "$SHM_SIZE"',
    "$ulimits",
    '--user "$HOST_UID:$HOST_GID"',
    `-v "$project:${WORKSPACE_MOUNT}" -w ${WORKSPACE_MOUNT}`,
    `-v "$CACHE_DIR:${CACHE_MOUNT}"`,
    ...CACHE_VARIABLES.map((v) => `-e ${v.name}=${v.value}`),
  ];
  if (d.hostNetwork) flags.push("--network host");
  else
    flags.push(
      ...d.ports.map((_, i) => {
        const port = `$${portVariable(i)}`;
        return `-p "$BIND_ADDRESS:${port}:${port}"`;
      }),
    );
  if (d.proxy) flags.push(...proxyFlags("-e"));
  flags.push('"$run_image" "$@"');
  return flags;
}

/** run_docker.sh: the one-command launcher (a shell by default, or the command given). */
export function renderRunDocker(d: WorkspaceDecisions): string {
  const flags = runFlags(d);
  return [
    "#!/bin/sh",
    "# Start this project's GPU container: ./run_docker.sh opens a shell; ./run_docker.sh CMD ARGS... runs CMD.",
    "#   GPUS=0 ./run_docker.sh ...      use card 0 only (GPUS=0,1: two cards; the default is in .env)",
    "#   ./run_docker.sh --build ...     build ./Dockerfile on top of IMAGE first, then run that image",
    "# Written by vla-provision workspace: the values people change are in .env.",
    "set -eu",
    "",
    'project=$(CDPATH=\'\' cd -- "$(dirname -- "$0")" && pwd)',
    "requested_gpus=${GPUS:-}",
    "# .env sits beside this script (shellcheck cannot follow a path made at run time).",
    "# shellcheck disable=SC1091",
    '. "$project/.env"',
    "GPUS=${requested_gpus:-$GPUS}",
    "",
    'run_image="$IMAGE"',
    ...buildBlock(d),
    "",
    "# docker's --gpus reads a CSV list: a list of devices needs quotes of its own.",
    'if [ "$GPUS" = all ]; then gpus=all; else gpus="\\"device=$GPUS\\""; fi',
    "# A terminal gets an interactive shell; a pipe or a script gets plain output.",
    "if [ -t 0 ] && [ -t 1 ]; then tty=-it; else tty=-i; fi",
    '[ "$#" -gt 0 ] || set -- bash',
    "# The cache must exist before docker mounts it, or dockerd creates it, owned by root.",
    'mkdir -p "$CACHE_DIR/home"',
    "# VLA_ULIMITS (in the environment or .env) replaces the --ulimit flags, and VLA_ULIMITS= drops",
    '# them: for a host whose dockerd may not raise limits ("error setting rlimit ... operation not',
    '# permitted", e.g. Docker inside a container without CAP_SYS_RESOURCE).',
    `ulimits=\${VLA_ULIMITS-"--ulimit memlock=${ULIMITS.memlock} --ulimit stack=${ULIMITS.stack}"}`,
    "",
    ...whyComments(d),
    "# $ulimits is a list of flags: split on purpose.",
    "# shellcheck disable=SC2086",
    "exec docker run \\",
    ...flags.map((flag, i) => `  ${flag}${i < flags.length - 1 ? CONTINUED : ""}`),
    "",
  ].join("\n");
}

/** scripts/setup.sh: the project's Python packages, installed at start into the mounted caches. */
export function renderSetup(): string {
  return [
    "#!/bin/sh",
    "# Install the project's Python packages inside the container, at start:",
    "#   ./run_docker.sh scripts/setup.sh      or      docker compose exec dev scripts/setup.sh",
    "# Wheels are cached in PIP_CACHE_DIR (the mounted cache): a second install downloads nothing.",
    "# --user: the image's site-packages belong to root; PYTHONUSERBASE (set by both launchers) puts the",
    "# packages under /workspace/.local instead, owned by you.",
    "# Written by vla-provision workspace.",
    "set -eu",
    "",
    'cd "$(dirname -- "$0")/.."',
    "if [ ! -s requirements.txt ]; then",
    '  echo "requirements.txt is empty or missing: nothing to install"',
    "  exit 0",
    "fi",
    "python -m pip install --user -r requirements.txt",
    "",
  ].join("\n");
}
