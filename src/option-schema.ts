import { OFFICIAL } from "./options.js";

/** One command-line option: where --help, the README's table and the parser all read it from. */
export interface OptionSpec {
  /** As commander takes it: "-i, --identity <file>", "--no-verify". */
  flags: string;
  group: OptionGroup;
  /** One line for --help. */
  help: string;
  /** The README's fuller text (defaults to `help`). */
  doc?: string;
  default?: string | boolean | string[];
  /** May be given more than once; the values add up. */
  repeatable?: boolean;
  /** Only these commands take it (default: all). */
  commands?: readonly ("provision" | "plan" | "doctor" | "cloud-init" | "workspace")[];
}

export const OPTION_GROUPS = [
  "Targets and SSH:",
  "What to install:",
  "Repositories and mirrors:",
  "Docker settings:",
  "Checks:",
  "Output and behaviour:",
  "cloud-init:",
  "workspace:",
] as const;
export type OptionGroup = (typeof OPTION_GROUPS)[number];

const fpr = (hex: string) => hex.replace(/(.{4})(?!$)/g, "$1 ");

/** Every option, in --help's order. Its key is the parsed option's name (commander's camelCase). */
export const OPTION_SPECS = {
  ssh: {
    flags: "--ssh <[user@]host[:port]>",
    group: "Targets and SSH:",
    help: "target a remote host over SSH (repeatable; default: this machine)",
    doc: "target a remote host (repeatable; default: this machine). Hosts run concurrently. A `Host` alias of your ssh_config works. A host given twice (`h`, `h:22`, `you@h`) runs once; options may come before or after `doctor` or `plan`.",
    default: [],
    repeatable: true,
  },
  identity: {
    flags: "-i, --identity <file>",
    group: "Targets and SSH:",
    help: "SSH private key (the ssh-agent in SSH_AUTH_SOCK is used too)",
    doc: "SSH private key. The ssh-agent (`SSH_AUTH_SOCK`) and the `IdentityFile`s of ssh_config are used too.",
  },
  knownHosts: {
    flags: "--known-hosts <file>",
    group: "Targets and SSH:",
    help: "known_hosts file to check host keys against (default: ~/.ssh/known_hosts)",
    doc: "known_hosts file (default `~/.ssh/known_hosts`, or ssh_config's `UserKnownHostsFile`); `/etc/ssh/ssh_known_hosts` (or `GlobalKnownHostsFile`) is consulted too. Hashed entries are understood. A file that does not exist yet is created with `--accept-new-host-key` (refused otherwise); `/dev/null` means none.",
  },
  acceptNewHostKey: {
    flags: "--accept-new-host-key",
    group: "Targets and SSH:",
    help: "trust and record a host key not yet known (a changed key is always refused)",
    doc: "trust and record a host key not yet known, like OpenSSH's `StrictHostKeyChecking=accept-new`. A **changed** key is always refused.",
  },
  sshConfig: {
    flags: "--ssh-config <file>",
    group: "Targets and SSH:",
    help: "OpenSSH config file to read (default: ~/.ssh/config)",
    doc: "OpenSSH client config to read (default `~/.ssh/config`): Host, HostName, User, Port, IdentityFile, IdentitiesOnly, StrictHostKeyChecking, UserKnownHostsFile, GlobalKnownHostsFile, HashKnownHosts, Include and `Match all`; other `Match` blocks and keywords that change where or how to connect (ProxyJump, ProxyCommand, ...) are refused.",
  },
  user: {
    flags: "--user <name>",
    group: "Targets and SSH:",
    help: "account to add to the docker group (default: the SSH user, else SUDO_USER, else you)",
    doc: "the account to add to the docker group and to verify as (default: the SSH user, else `SUDO_USER`, else you)",
  },
  sudoPasswordStdin: {
    flags: "--sudo-password-stdin",
    group: "Targets and SSH:",
    help: "read the sudo password from the first line of stdin",
    doc: "read the sudo password from the first line of standard input (for scripts)",
  },
  inventory: {
    flags: "--inventory <file>",
    group: "Targets and SSH:",
    help: "an Ansible inventory (INI or YAML) whose hosts to target (repeatable)",
    doc: "an Ansible inventory file, INI or YAML (repeatable; see [Fleets](#fleets) for what is read). Its hosts add to the `--ssh` ones",
    default: [],
    repeatable: true,
  },
  limit: {
    flags: "--limit <pattern>",
    group: "Targets and SSH:",
    help: "only the inventory hosts this Ansible pattern selects (gpu:&lab:!gpu-07)",
    doc: "only the inventory hosts that this Ansible host pattern selects: group and host names, globs (`gpu-*`), `~regex`, `:` or `,` for either, `&group` for both, `!group` to leave out. A name that matches nothing is refused",
  },
  parallel: {
    flags: "--parallel <n>",
    group: "Targets and SSH:",
    help: "how many hosts run at once (1..256)",
    doc: "how many hosts connect and run at once (1..256, default 10); one host's failure never stops the others",
    default: "10",
  },
  nvidia: {
    flags: "--no-nvidia",
    group: "What to install:",
    help: "skip the GPU checks and the NVIDIA Container Toolkit",
  },
  requireGpu: {
    flags: "--require-gpu",
    group: "What to install:",
    help: "refuse a host without an NVIDIA GPU",
    doc: "refuse a host that has no NVIDIA GPU",
  },
  replaceSnapDocker: {
    flags: "--replace-snap-docker",
    group: "What to install:",
    help: "remove a snap-installed Docker (snap keeps a snapshot) instead of refusing",
    doc: "remove a snap-installed Docker (snap keeps a snapshot of its data) instead of refusing",
  },
  dockerVersion: {
    flags: "--docker-version <range>",
    group: "What to install:",
    help: 'Docker CE version as a semver range ("28", "~27.5", "27.5.1")',
    doc: "Docker CE version as a semver range (`28`, `~27.5`, `27.5.1`), resolved against what the repository offers; an impossible range fails before any change with the list of versions",
  },
  toolkitVersion: {
    flags: "--toolkit-version <range>",
    group: "What to install:",
    help: "NVIDIA Container Toolkit version as a semver range",
    doc: "the same for the four NVIDIA Container Toolkit packages",
  },
  dockerRepo: {
    flags: "--docker-repo <url>",
    group: "Repositories and mirrors:",
    help: "Docker apt repository base (a mirror)",
    doc: `Docker's apt repository base (default \`${OFFICIAL.dockerRepo}\`, or the \`--mirror\` preset's); for mirrors`,
  },
  dockerKeyFingerprint: {
    flags: "--docker-key-fingerprint <fpr>",
    group: "Repositories and mirrors:",
    help: "expected fingerprint of Docker's repository key",
    doc: `expected fingerprint of its key (default Docker's, \`${fpr(OFFICIAL.dockerKeyFingerprint)}\`)`,
    default: OFFICIAL.dockerKeyFingerprint,
  },
  nvidiaRepo: {
    flags: "--nvidia-repo <url>",
    group: "Repositories and mirrors:",
    help: "NVIDIA container toolkit repository base (a mirror)",
    doc: `NVIDIA's repository base (default \`${OFFICIAL.nvidiaRepo}\`, or the \`--mirror\` preset's)`,
  },
  nvidiaKeyFingerprint: {
    flags: "--nvidia-key-fingerprint <fpr>",
    group: "Repositories and mirrors:",
    help: "expected fingerprint of NVIDIA's repository key",
    doc: `expected fingerprint of its key (default NVIDIA's, \`${fpr(OFFICIAL.nvidiaKeyFingerprint)}\`)`,
    default: OFFICIAL.nvidiaKeyFingerprint,
  },
  proxy: {
    flags: "--proxy <url>",
    group: "Repositories and mirrors:",
    help: "HTTP proxy for this run and kept for apt, dockerd and your containers (`none` removes it)",
    doc: "an HTTP proxy (`http://[user:password@]host:port`): used for the tool's own downloads and apt, and kept for what runs afterwards in files the tool owns: apt (`/etc/apt/apt.conf.d/95vla-provision-proxy`), dockerd (a systemd drop-in, `docker.service.d/vla-provision-proxy.conf`, reading the variables from `vla-provision-proxy.env` beside it) and the user's containers and builds (`proxies` in `~/.docker/config.json`, merged; not for a proxy on 127.0.0.1, which containers cannot reach: a notice says what to do). With credentials the files are root's only (0600); credentials never appear in output. `--proxy none` removes those files. Without `--proxy`, a local run uses your `https_proxy`/`http_proxy`/`no_proxy`",
  },
  noProxy: {
    flags: "--no-proxy <list>",
    group: "Repositories and mirrors:",
    help: "hosts, domains and CIDRs that bypass the proxy (comma-separated)",
    doc: "hosts, domains, IP addresses and CIDRs that bypass the proxy, comma-separated (default `localhost,127.0.0.1,::1`)",
  },
  mirror: {
    flags: "--mirror <name>",
    group: "Repositories and mirrors:",
    help: "a public mirror of Docker's and NVIDIA's repositories (`--mirror list` shows them)",
    doc: "a preset of public mirrors of Docker's and NVIDIA's apt repositories (`tuna`, `ustc`, `aliyun`; `--mirror list` prints them with their URLs and sources). The keys are still checked against Docker's and NVIDIA's fingerprints. `--docker-repo` / `--nvidia-repo` win over the preset. A JSON file named by `VLA_PROVISION_MIRRORS` adds presets of one's own",
  },
  registryMirror: {
    flags: "--registry-mirror <url>",
    group: "Repositories and mirrors:",
    help: "registry mirror for dockerd's daemon.json (repeatable)",
    doc: "a registry mirror for dockerd (repeatable), merged into daemon.json",
    default: [],
    repeatable: true,
  },
  logRotation: {
    flags: "--no-log-rotation",
    group: "Docker settings:",
    help: "leave containers' log settings alone (default: rotate at 3 files of 100m)",
    doc: "leave containers' log settings alone. By default, when daemon.json sets no `log-driver` or `log-opts`, containers' logs are rotated: json-file (the default driver, so `docker logs` and tools reading the JSON files keep working) with at most 3 files of 100 MB each",
  },
  dataRoot: {
    flags: "--data-root <dir>",
    group: "Docker settings:",
    help: "where dockerd keeps images, containers and volumes (put it on the big disk)",
    doc: "where dockerd keeps images, containers and volumes: put it on the big disk. Set in daemon.json before anything is pulled; refused when the current data root already holds images, containers or volumes, unless `--move-data`",
  },
  moveData: {
    flags: "--move-data",
    group: "Docker settings:",
    help: "with --data-root: copy the images, containers and volumes there (dockerd stops meanwhile)",
    doc: "with `--data-root`, when the current data root holds data: stop dockerd, copy it (`cp -a`), switch, and check that dockerd lists the same images, containers and volumes (else the old daemon.json comes back). The old copy is kept until you remove it",
  },
  verify: {
    flags: "--no-verify",
    group: "Checks:",
    help: "skip the hello-world and CUDA container checks",
  },
  helloImage: {
    flags: "--hello-image <ref>",
    group: "Checks:",
    help: "image for the hello-world check",
    doc: `image for the hello-world check (default \`${OFFICIAL.helloImage}\`)`,
    default: OFFICIAL.helloImage,
  },
  cudaImage: {
    flags: "--cuda-image <ref>",
    group: "Checks:",
    help: "image for the CUDA check (default: chosen from the driver and GPUs)",
  },
  aptLockTimeout: {
    flags: "--apt-lock-timeout <seconds>",
    group: "Checks:",
    help: "how long to wait for another apt/dpkg to release its lock (0..86400)",
    doc: "how long to wait for another apt/dpkg to finish (0..86400, default 600); every apt call uses it",
    default: "600",
  },
  dryRun: {
    flags: "--dry-run",
    group: "Output and behaviour:",
    help: "show every change that would be made (commands and file diffs); change nothing",
    doc: "show every change that would be made (each command as the host will run it, file changes as diffs), change nothing; `--verbose` also prints the multi-line scripts in full",
  },
  yes: {
    flags: "-y, --yes",
    group: "Output and behaviour:",
    help: "never prompt",
    doc: "never prompt: also allows restarting dockerd while containers run, removing packages that depend on the conflicting ones, and repairing an interrupted dpkg",
  },
  json: {
    flags: "--json",
    group: "Output and behaviour:",
    help: "print a machine-readable report on stdout (progress goes to stderr)",
  },
  verbose: {
    flags: "--verbose",
    group: "Output and behaviour:",
    help: "show each step's planned commands and output",
    doc: "show each step's planned commands and its output",
  },
  format: {
    flags: "--format <format>",
    group: "Output and behaviour:",
    help: "plan's output: text (as --dry-run), json, or sh (one shell script for one host)",
    doc: "`plan` only: `text` (as `--dry-run`), `json` (the report), or `sh`: the host's plan as one POSIX shell script (one host)",
    default: "text",
    commands: ["plan"],
  },
  exeUrl: {
    flags: "--exe-url <url>",
    group: "cloud-init:",
    help: "the standalone executable the user-data downloads (default: this version's release)",
    doc: "`cloud-init` only: the standalone executable the user-data downloads (default: this version's release on GitHub, for `--arch`); a mirror",
    commands: ["cloud-init"],
  },
  exeSha256: {
    flags: "--exe-sha256 <hex>",
    group: "cloud-init:",
    help: "its SHA-256, pinned in the user-data (default: this executable's own)",
    doc: "`cloud-init` only: the executable's SHA-256, pinned in the user-data (its line in the release's `SHA256SUMS`). Needed unless `cloud-init` runs from the standalone executable of the same release and architecture, which pins its own",
    commands: ["cloud-init"],
  },
  arch: {
    flags: "--arch <arch>",
    group: "cloud-init:",
    help: "the new machine's architecture: x64 or arm64",
    doc: "`cloud-init` only: the new machine's architecture, `x64` or `arm64` (default `x64`)",
    default: "x64",
    commands: ["cloud-init"],
  },
  image: {
    flags: "--image <ref>",
    group: "workspace:",
    help: "the workspace's PyTorch image (default: the newest that runs on the GPUs and driver)",
    doc: "`workspace` only: the image the workspace runs (default: the newest official PyTorch image with kernels for every GPU whose CUDA the driver runs, from data/pytorch-images.json); one known not to run on the GPUs is refused without `--force`",
    commands: ["workspace"],
  },
  cacheDir: {
    flags: "--cache-dir <path>",
    group: "workspace:",
    help: "where the Hugging Face, torch and pip caches go (default: the data disk with most room)",
    doc: "`workspace` only: the host directory mounted at /cache for the Hugging Face, torch and pip caches (absolute or `~/...`; default: on the data disk with the most free space the user can write to, else the root file system)",
    commands: ["workspace"],
  },
  port: {
    flags: "--port <port>",
    group: "workspace:",
    help: "a port to publish (repeatable; default 7860 and 8888)",
    doc: "`workspace` only: a port to publish, on 127.0.0.1 (repeatable; default 7860 for Gradio and 8888 for Jupyter)",
    default: [],
    repeatable: true,
    commands: ["workspace"],
  },
  name: {
    flags: "--name <name>",
    group: "workspace:",
    help: "container and Compose project name (default: from the folder's name)",
    doc: "`workspace` only: the container and Compose project name (default: the folder's name, lower-cased)",
    commands: ["workspace"],
  },
  gpus: {
    flags: "--gpus <list>",
    group: "workspace:",
    help: 'the GPUs to use: "all" (default) or card indices such as 0,1',
    doc: "`workspace` only: the GPUs the containers get: `all` (default), card indices (`0`, `0,1`) or GPU UUIDs; `GPUS=0 ./run_docker.sh` picks others for one run",
    commands: ["workspace"],
  },
  ipcHost: {
    flags: "--no-ipc-host",
    group: "workspace:",
    help: "give containers their own /dev/shm (--shm-size) instead of --ipc=host",
    doc: "`workspace` only: give the containers their own /dev/shm of `--shm-size` instead of sharing the host's IPC namespace (`--ipc=host`, the default)",
    commands: ["workspace"],
  },
  shmSize: {
    flags: "--shm-size <size>",
    group: "workspace:",
    help: "/dev/shm size with --no-ipc-host (default 16g)",
    doc: "`workspace` only: the size of the containers' /dev/shm with `--no-ipc-host` (default `16g`)",
    commands: ["workspace"],
  },
  force: {
    flags: "--force",
    group: "workspace:",
    help: "replace files you edited (after a backup); write an image known not to fit",
    doc: "`workspace` only: replace generated files you edited (each backed up under `.vla-provision/backups/` first), and accept an `--image` known not to run on the GPUs",
    commands: ["workspace"],
  },
} as const satisfies Record<string, OptionSpec>;

/** The options of the other commands that `workspace` takes too: where to connect, and the output. */
export const WORKSPACE_SHARED_OPTIONS: ReadonlySet<string> = new Set([
  "ssh",
  "identity",
  "knownHosts",
  "acceptNewHostKey",
  "sshConfig",
  "dryRun",
  "json",
  "verbose",
]);

export type OptionKey = keyof typeof OPTION_SPECS;

/** The long flag alone: "--identity". */
export function longFlag(spec: OptionSpec): string {
  return /--[a-z-]+/.exec(spec.flags)?.[0] ?? spec.flags;
}

/** The README's option table, made from the schema (test/unit/option-schema.test.ts keeps them equal). */
export function optionsTable(): string {
  const rows = Object.values(OPTION_SPECS).map(
    (spec: OptionSpec) => `| \`${spec.flags}\` | ${spec.doc ?? spec.help} |`,
  );
  return ["| option | meaning |", "| --- | --- |", ...rows].join("\n");
}
