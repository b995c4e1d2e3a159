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
  commands?: readonly ("provision" | "plan" | "doctor")[];
}

export const OPTION_GROUPS = [
  "Targets and SSH:",
  "What to install:",
  "Repositories and mirrors:",
  "Checks:",
  "Output and behaviour:",
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
    doc: `Docker's apt repository base (default \`${OFFICIAL.dockerRepo}\`); for mirrors`,
    default: OFFICIAL.dockerRepo,
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
    doc: `NVIDIA's repository base (default \`${OFFICIAL.nvidiaRepo}\`)`,
    default: OFFICIAL.nvidiaRepo,
  },
  nvidiaKeyFingerprint: {
    flags: "--nvidia-key-fingerprint <fpr>",
    group: "Repositories and mirrors:",
    help: "expected fingerprint of NVIDIA's repository key",
    doc: `expected fingerprint of its key (default NVIDIA's, \`${fpr(OFFICIAL.nvidiaKeyFingerprint)}\`)`,
    default: OFFICIAL.nvidiaKeyFingerprint,
  },
  registryMirror: {
    flags: "--registry-mirror <url>",
    group: "Repositories and mirrors:",
    help: "registry mirror for dockerd's daemon.json (repeatable)",
    doc: "a registry mirror for dockerd (repeatable), merged into daemon.json",
    default: [],
    repeatable: true,
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
} as const satisfies Record<string, OptionSpec>;

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
