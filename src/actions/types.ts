import type { DaemonConfig } from "../docker/daemon-json.js";

/**
 * The closed set of changes a step can ask for. A step returns these as plain data; the runner
 * shows them (--dry-run, --verbose, `plan --format sh`) and executes the very same objects. Only
 * the code in src/actions turns them into shell text.
 */
export type Action =
  | AptUpdate
  | AptInstall
  | AptRemove
  | SnapRemove
  | WriteFile
  | SetMode
  | RetireFile
  | AddToGroup
  | StartDocker
  | RestartDocker
  | InstallKey
  | ChangeDaemonJson
  | SetJsonKey
  | VerifyContainer
  | Notice
  | Note;

/** How dockerd is started and stopped on the host. */
export type InitSystem = "systemd" | "sysv";

export interface AptUpdate {
  kind: "apt-update";
}

export interface PackageSpec {
  name: string;
  /** The exact apt version to install. */
  version?: string;
  /** A semver range still to resolve against apt's lists (when preflight could not read the index). */
  range?: string;
}

export interface AptInstall {
  kind: "apt-install";
  packages: PackageSpec[];
  /** Leave out recommended packages (the prerequisites); the repositories' sets install as documented. */
  noRecommends: boolean;
  /** A pinned version may be older than the installed one. */
  allowDowngrades: boolean;
}

export interface AptRemove {
  kind: "apt-remove";
  packages: string[];
}

export interface SnapRemove {
  kind: "snap-remove";
  snap: string;
}

/** Write a file atomically (as root), after backing up the one it replaces. */
export interface WriteFile {
  kind: "write-file";
  path: string;
  content: string;
  mode: string;
  /** The current content, for the diff; undefined when the file does not exist. */
  before?: string;
}

export interface SetMode {
  kind: "set-mode";
  path: string;
  mode: string;
}

/** Back a file up, then remove it (a second apt entry for the same repository, say). */
export interface RetireFile {
  kind: "retire-file";
  path: string;
  reason: string;
}

/** Add a user to a supplementary group (created when missing), keeping every other group. */
export interface AddToGroup {
  kind: "add-to-group";
  user: string;
  group: string;
}

export interface StartDocker {
  kind: "start-docker";
  init: InitSystem;
}

export interface RestartDocker {
  kind: "restart-docker";
  init: InitSystem;
  /** Reload systemd's units first (a drop-in for docker.service changed). */
  reloadUnits?: boolean;
}

/**
 * Set one key of a user's JSON file (~/.docker/config.json), every other key kept. The
 * file is read while running, never into the plan: the rest of it holds registry credentials.
 */
export interface SetJsonKey {
  kind: "set-json-key";
  path: string;
  /** chown's owner ("ops:ops", or "ops:" for the user's login group): the file and a new directory. */
  owner: string;
  /** The file's mode (an existing file's own). */
  mode: string;
  /** Where the value goes: ["proxies", "default"] sets that object, keeping "proxies"' others. */
  keyPath: string[];
  value: unknown;
}

/** Download a repository key, keep only the key with this fingerprint, write it for apt. */
export interface InstallKey {
  kind: "install-key";
  url: string;
  path: string;
  fingerprint: string;
  store: "armored" | "binary";
}

/**
 * Change /etc/docker/daemon.json under the guard: back up, write atomically, restart dockerd,
 * restore if it does not come back.
 */
export interface ChangeDaemonJson {
  kind: "change-daemon-json";
  init: InitSystem;
  /** The current file's text ("" when there is none), for the diff and the kept-keys check. */
  before: string;
  beforeConfig: DaemonConfig;
  /** The new content; "nvidia-ctk" has `nvidia-ctk runtime configure` write it (on a copy). */
  content: string | "nvidia-ctk";
  /**
   * --move-data: before the change, stop dockerd and copy its data root `from` to `to`; after the
   * restart, the images, containers and volumes must be the same, or the old file is restored.
   * `from` is kept.
   */
  moveData?: { from: string; to: string };
}

export interface VerifyContainer {
  kind: "verify-container";
  /** Run as this account, in a fresh login context (so a docker group added in this run counts). */
  user: string;
  image: string;
  gpus: boolean;
  command: string[];
  /** Standard output must contain this text, or list exactly these GPU lines. */
  expect: { text: string } | { gpuLines: string[] };
}

/** Tell the user something after the run (a new login is needed, ...). */
export interface Notice {
  kind: "notice";
  text: string;
}

/** Shown in the plan only. */
export interface Note {
  kind: "note";
  text: string;
}

export const note = (text: string): Note => ({ kind: "note", text });
export const notice = (text: string): Notice => ({ kind: "notice", text });
