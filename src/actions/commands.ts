import { type AptLockWait, aptGet, aptRunTimeoutMs } from "../apt/apt.js";
import { writeFileScript } from "../hosts/host.js";
import { shellJoin, shellQuote } from "../hosts/shell.js";
import { backupCommand } from "./backup.js";
import {
  DAEMON_JSON,
  GUARD_TIMEOUT_MS,
  guardedChangeScript,
  restartCommand,
  startCommand,
  waitForDocker,
} from "./dockerd.js";
import type { Action, AptInstall, InitSystem, PackageSpec, VerifyContainer } from "./types.js";

/** What turning an action into commands needs to know about the host and the run. */
export interface CommandEnv extends AptLockWait {
  /** The account the tool logs in as (a verification as that account needs no sudo). */
  loginUser: string;
}

/** One command an action runs on the host, exactly as the host layer receives it. */
export interface HostCommand {
  script: string;
  privileged: boolean;
  timeoutMs: number;
  label?: string;
  /** Standard input known when the plan is made. */
  stdin?: string;
  /** What goes to standard input when it is only known while running (a fetched key, ...). */
  stdinLater?: string;
  /** Its output is never shown or logged (it may hold credentials). */
  quiet?: boolean;
}

const DOCKERD_TIMEOUT_MS = 180_000;
/** A data root of hundreds of GB takes a while to copy: the guard waits its own bound, then says so. */
const MOVE_TIMEOUT_MS = GUARD_TIMEOUT_MS + 60_000;

/** `nvidia-ctk runtime configure`, run on a copy of daemon.json whose result the tool checks first. */
export const NVIDIA_CTK_CONFIGURE = "nvidia-ctk runtime configure --runtime=docker";
const CONFIGURE_A_COPY = [
  "set -e",
  "copy=$(mktemp -d); trap 'rm -rf \"$copy\"' EXIT",
  `if [ -e ${DAEMON_JSON} ]; then cat ${DAEMON_JSON} > "$copy/daemon.json"; fi`,
  `${NVIDIA_CTK_CONFIGURE} --config="$copy/daemon.json" >&2`,
  'cat "$copy/daemon.json"',
].join("\n");

/** The commands an action runs, in order; notes and notices run none. */
export function commandsOf(action: Action, env: CommandEnv): HostCommand[] {
  switch (action.kind) {
    case "apt-update":
      return [
        {
          ...root(`${aptGet(env)} update`, aptRunTimeoutMs(env, 600_000)),
          label: "apt-get update",
        },
      ];
    case "apt-install":
      return [
        ...(unresolved(action) ? [madisonCommand(action)] : []),
        {
          ...root(aptInstallScript(action, env), aptRunTimeoutMs(env, 1_200_000)),
          label: `apt-get install ${action.packages.map((p) => p.name).join(" ")}`,
        },
      ];
    case "apt-remove":
      return [
        {
          ...root(
            `${aptGet(env)} remove ${shellJoin(action.packages)}`,
            aptRunTimeoutMs(env, 300_000),
          ),
          label: `apt-get remove ${action.packages.join(" ")}`,
        },
      ];
    case "snap-remove":
      // snap keeps an automatic snapshot of the snap's data on removal.
      return [root(`snap remove ${shellQuote(action.snap)}`, 600_000)];
    case "write-file":
      return [
        ...(action.before === undefined ? [] : [root(backupCommand(action.path), 60_000)]),
        {
          ...root(writeFileScript(action.path, { mode: action.mode }, false), 60_000),
          label: `write ${action.path}`,
          stdin: action.content,
        },
      ];
    case "set-mode":
      return [root(`chmod ${shellQuote(action.mode)} ${shellQuote(action.path)}`, 60_000)];
    case "retire-file":
      return [root(`${backupCommand(action.path)} && rm -f ${shellQuote(action.path)}`, 60_000)];
    case "add-to-group": {
      const group = shellQuote(action.group);
      // Always -aG: without -a, usermod would drop every other supplementary group of the user.
      const script = `getent group ${group} >/dev/null || groupadd ${group}; usermod -aG ${group} ${shellQuote(action.user)}`;
      return [{ ...root(script, 60_000), label: `usermod -aG ${action.group}` }];
    }
    case "start-docker":
      return [untilDockerdAnswers(startCommand(action.init), action.init, "start dockerd")];
    case "restart-docker":
      return [
        untilDockerdAnswers(
          restartCommand(action.init, action.reloadUnits),
          action.init,
          "restart dockerd",
        ),
      ];
    case "set-json-key": {
      const q = shellQuote(action.path);
      const dir = shellQuote(action.path.replace(/\/[^/]*$/, "") || "/");
      const owner = shellQuote(action.owner);
      return [
        {
          ...root(`if [ -e ${q} ]; then cat ${q}; fi`, 60_000),
          label: `read ${action.path}`,
          quiet: true,
        },
        {
          // A new ~/.docker must be the user's, or their docker CLI cannot write to it.
          ...root(
            `[ -d ${dir} ] || { mkdir -m 0700 ${dir} && chown ${owner} ${dir}; }\n${writeFileScript(action.path, { mode: action.mode, owner: action.owner }, false)}`,
            60_000,
          ),
          label: `write ${action.path}`,
          stdinLater: `${action.path} as it was, with ${action.keyPath.join(".")} set`,
        },
      ];
    }
    case "install-key":
      return [
        {
          script: downloadScript(action.url),
          privileged: false,
          timeoutMs: 120_000,
          label: `fetch ${action.url}`,
          // Its output is the key, as base64: data, not a log line.
          quiet: true,
        },
        {
          ...root(writeFileScript(action.path, { mode: "0644" }, true), 60_000),
          label: `write ${action.path}`,
          stdinLater: `the key ${action.fingerprint} alone, taken out of what ${action.url} served`,
        },
      ];
    case "change-daemon-json": {
      const guarded: HostCommand = {
        ...root(
          guardedChangeScript(action.init, action.moveData),
          action.moveData ? MOVE_TIMEOUT_MS : GUARD_TIMEOUT_MS,
        ),
        label: "change daemon.json and restart dockerd",
      };
      if (action.content !== "nvidia-ctk") return [{ ...guarded, stdin: action.content }];
      return [
        { ...root(CONFIGURE_A_COPY, 60_000), label: NVIDIA_CTK_CONFIGURE },
        {
          ...guarded,
          stdinLater: `what ${NVIDIA_CTK_CONFIGURE} wrote, once every key of ${DAEMON_JSON} is found kept`,
        },
      ];
    }
    case "verify-container":
      return [verifyCommand(action, env)];
    case "notice":
    case "note":
      return [];
  }
}

function root(script: string, timeoutMs: number): HostCommand {
  return { script, privileged: true, timeoutMs };
}

/** Start or restart dockerd, then wait (bounded) until it answers. */
function untilDockerdAnswers(command: string, init: InitSystem, label: string): HostCommand {
  return { ...root(`${command} && ${waitForDocker(init)}`, DOCKERD_TIMEOUT_MS), label };
}

/** Not a pipe: dash has no pipefail, and curl's failure (a 404, say) must fail the command. */
function downloadScript(url: string): string {
  return `f=$(mktemp) && trap 'rm -f "$f"' EXIT && curl -fsSL --retry 2 -o "$f" ${shellQuote(url)} && base64 -w0 "$f"`;
}

export function unresolved(action: AptInstall): PackageSpec | undefined {
  return action.packages.find((p) => p.range !== undefined && p.version === undefined);
}

/** apt-cache reads the lists on disk: no lock, no network. */
function madisonCommand(action: AptInstall): HostCommand {
  const name = unresolved(action)?.name ?? "";
  return {
    script: `apt-cache madison ${shellQuote(name)}`,
    privileged: false,
    timeoutMs: 120_000,
    label: "apt-cache madison",
  };
}

export function aptInstallScript(action: AptInstall, wait: AptLockWait): string {
  const words = action.packages.map((p) => {
    if (p.version) return `${p.name}=${p.version}`;
    return p.range ? `${p.name}=<newest matching "${p.range}">` : p.name;
  });
  const flags = [
    ...(action.noRecommends ? ["--no-install-recommends"] : []),
    ...(action.allowDowngrades ? ["--allow-downgrades"] : []),
  ];
  return `${aptGet(wait)} install ${[...flags, shellJoin(words)].join(" ")}`;
}

/**
 * Run as the account in a fresh login context, so that a docker group membership added in this run
 * counts: `sg docker` for the login user itself, `runuser` (initgroups) for another account.
 */
function verifyCommand(action: VerifyContainer, env: CommandEnv): HostCommand {
  const run = shellJoin([
    "docker",
    "run",
    "--rm",
    ...(action.gpus ? ["--gpus", "all"] : []),
    action.image,
    ...action.command,
  ]);
  const timeoutMs = action.gpus ? 900_000 : 600_000;
  const label = `docker run as ${action.user}`;
  if (action.user === "root") return { script: run, privileged: true, timeoutMs, label };
  if (action.user === env.loginUser)
    return { script: `sg docker -c ${shellQuote(run)}`, privileged: false, timeoutMs, label };
  return {
    script: `runuser -u ${shellQuote(action.user)} -- sh -c ${shellQuote(run)}`,
    privileged: true,
    timeoutMs,
    label,
  };
}
