import { dirname } from "node:path";
import { StepError } from "../errors.js";
import { keyValues } from "../facts/sections.js";
import { shellQuote } from "../hosts/shell.js";
import { BACKUP_DIR, HOST_STAMP } from "./backup.js";
import type { InitSystem } from "./types.js";

export const DAEMON_JSON = "/etc/docker/daemon.json";
const READY_SECONDS = 60;

/**
 * Wait (bounded) until the Docker daemon answers. Under systemd, stop waiting as soon as the unit
 * has failed or is between automatic restarts: dockerd refused to start (a bad daemon.json, say).
 */
export function waitForDocker(init: InitSystem): string {
  const failedUnit =
    init === "systemd"
      ? `case "$(systemctl show -p SubState --value docker 2>/dev/null)" in failed|auto-restart) echo "dockerd failed to start" >&2; exit 1;; esac; `
      : "";
  return `i=0; until docker info >/dev/null 2>&1; do ${failedUnit}i=$((i+1)); if [ $i -ge ${READY_SECONDS} ]; then echo "dockerd did not answer within ${READY_SECONDS}s" >&2; exit 1; fi; sleep 1; done`;
}

export function restartCommand(init: InitSystem, reloadUnits = false): string {
  return init === "systemd"
    ? `${reloadUnits ? "systemctl daemon-reload && " : ""}systemctl reset-failed docker >/dev/null 2>&1; systemctl restart docker`
    : "/etc/init.d/docker restart";
}

export function startCommand(init: InitSystem): string {
  return init === "systemd"
    ? "systemctl enable containerd docker >/dev/null 2>&1; systemctl enable --now docker"
    : "/etc/init.d/docker start";
}

function logCommand(init: InitSystem): string {
  return init === "systemd"
    ? "journalctl -u docker --no-pager -n 20 2>/dev/null"
    : "tail -n 20 /var/log/docker.log 2>/dev/null";
}

/** How a daemon.json change is shown in a plan. */
export const GUARD_PLAN =
  "on the host, as one unit that finishes even if this run is cut off: back up daemon.json, write it atomically, restart dockerd, and restore the backup if dockerd does not come back";

/** How long the CLI waits for the guard; the guard itself is bounded by two dockerd restarts. */
const GUARD_WAIT_SECONDS = 420;
export const GUARD_TIMEOUT_MS = (GUARD_WAIT_SECONDS + 30) * 1000;

/**
 * The change-restart-verify-restore unit, as one POSIX sh script that runs on the host by itself:
 * started detached, it finishes even when the CLI is killed or the SSH connection drops. $1 is a
 * root-only folder holding `new` (the new daemon.json); it writes `result` (key=value lines),
 * `dockerd.log` when dockerd failed, and `done` last.
 */
export function guardScript(init: InitSystem, moveData?: { from: string; to: string }): string {
  const backup = `${BACKUP_DIR}/etc_docker_daemon.json.$stamp`;
  // A subshell: waitForDocker exits when dockerd failed, which must not end the guard itself.
  const restartAndWait = `( ${restartCommand(init)} && ${waitForDocker(init)} )`;
  const verified = moveData
    ? `if ${restartAndWait} 2>"$dir/restart.err"; then if [ "$(contents)" = "$before" ]; then finish applied; fi; say "mismatch=yes"; fi`
    : `if ${restartAndWait} 2>"$dir/restart.err"; then finish applied; fi`;
  return [
    'dir="$1"',
    `stamp=${HOST_STAMP}`,
    `say() { printf '%s\\n' "$1" >> "$dir/result"; }`,
    // The CLI reads the result within a second; if it was killed, nobody will: clean up after a while.
    'finish() { say "outcome=$1"; : > "$dir/done"; exec 9>&-; sleep 30; rm -rf "$dir"; exit 0; }',
    "mkdir -p /run/lock",
    "exec 9>/run/lock/vla-provision-dockerd.lock",
    "flock -w 300 9 || finish busy",
    ...(moveData ? moveDataLines(init, moveData) : []),
    `mkdir -p ${dirname(DAEMON_JSON)}`,
    // A daemon.json kept in a config repository is a symlink: change the file it points to, keep the link.
    `target=$(readlink -f ${DAEMON_JSON}) || target=${DAEMON_JSON}`,
    'say "target=$target"',
    'existed=no; [ -e "$target" ] && existed=yes',
    'if [ "$existed" = yes ]; then',
    `  mkdir -p ${BACKUP_DIR} && cp -a "$target" "${backup}" || finish backup-failed`,
    `  say "backup=${backup}"`,
    "fi",
    'tmp=$(mktemp "$(dirname "$target")/.vla-provision.XXXXXX") || finish write-failed',
    'cat "$dir/new" > "$tmp" && chmod 0644 "$tmp" || { rm -f "$tmp"; finish write-failed; }',
    'if [ "$existed" = yes ]; then chmod --reference="$target" "$tmp"; chown --reference="$target" "$tmp"; fi',
    'mv -f "$tmp" "$target" || { rm -f "$tmp"; finish write-failed; }',
    verified,
    `${logCommand(init)} > "$dir/dockerd.log"`,
    'if [ "$existed" = yes ]; then',
    `  tmp=$(mktemp "$(dirname "$target")/.vla-provision.XXXXXX") && cp -a "${backup}" "$tmp" && mv -f "$tmp" "$target" || finish restore-failed`,
    'else rm -f "$target" || finish restore-failed; fi',
    `if ${restartAndWait} 2>>"$dir/restart.err"; then finish restored; fi`,
    "finish restore-failed",
  ].join("\n");
}

/**
 * --move-data, before daemon.json changes: note what dockerd holds, stop it (the socket too, or a
 * client call would start it again), copy the data root. A failed copy starts dockerd again on the
 * old root, which was only read.
 */
function moveDataLines(init: InitSystem, move: { from: string; to: string }): string[] {
  const from = shellQuote(move.from);
  const to = shellQuote(move.to);
  const stop =
    init === "systemd" ? "systemctl stop docker.socket docker" : "/etc/init.d/docker stop";
  const start = init === "systemd" ? "systemctl start docker" : "/etc/init.d/docker start";
  return [
    "contents() { docker image ls -aq --no-trunc | sort; echo @; docker ps -aq --no-trunc | sort; echo @; docker volume ls -q | sort; }",
    "before=$(contents) || finish list-failed",
    `if [ -e ${to} ] && [ -n "$(ls -A ${to} 2>/dev/null)" ]; then finish target-not-empty; fi`,
    `${stop} || finish stop-failed`,
    `mkdir -p ${to} && chmod 0710 ${to} && cp -a ${from}/. ${to}/ || { ${start}; finish copy-failed; }`,
    `say "moved=${move.from.replace(/[^A-Za-z0-9/._-]/g, "")}"`,
  ];
}

/** Start the guard detached from this session, then wait (bounded) for it and print what it did. */
export function guardedChangeScript(
  init: InitSystem,
  moveData?: { from: string; to: string },
): string {
  const script = shellQuote(guardScript(init, moveData));
  const detached =
    init === "systemd"
      ? `systemd-run --quiet --collect /bin/sh -c ${script} guard "$dir"`
      : `setsid -f /bin/sh -c ${script} guard "$dir" </dev/null >/dev/null 2>&1`;
  return [
    "set -e",
    "dir=$(mktemp -d /run/vla-provision.XXXXXX)",
    'cat > "$dir/new"',
    detached,
    "set +e",
    `i=0; while [ ! -e "$dir/done" ] && [ $i -lt ${GUARD_WAIT_SECONDS * 10} ]; do sleep 0.1; i=$((i+1)); done`,
    '[ -e "$dir/done" ] || { echo "outcome=still-running"; echo "dir=$dir"; exit 0; }',
    `cat "$dir/result"; printf '@@log\\n'; cat "$dir/dockerd.log" "$dir/restart.err" 2>/dev/null`,
    'rm -rf "$dir"',
  ].join("\n");
}

export interface GuardResult {
  outcome: string;
  target?: string;
  backup?: string;
  /** --move-data: dockerd came back, but not with the same images, containers and volumes. */
  mismatch?: boolean;
  log: string;
}

export function parseGuardResult(stdout: string): GuardResult {
  const [head = "", log = ""] = stdout.split("@@log\n");
  const values = keyValues(head);
  return {
    outcome: values.outcome ?? "unknown",
    target: values.target,
    backup: values.backup,
    mismatch: values.mismatch === "yes",
    log,
  };
}

/** What the guard did: returns when the change applied, else throws what really happened. */
export function checkGuardOutcome(stdout: string, report: (line: string) => void): void {
  const guard = parseGuardResult(stdout);
  if (guard.backup) report(`backed up ${guard.target} to ${guard.backup}`);
  const where = guard.target && guard.target !== DAEMON_JSON ? ` (${guard.target})` : "";
  const log = guard.log.trim() ? ` dockerd's log:\n${guard.log.trim()}` : "";
  if (guard.mismatch && guard.outcome === "restored")
    throw new StepError(
      `dockerd did not list the same images, containers and volumes from the new data root; the previous ${DAEMON_JSON} was restored and dockerd runs on the old data root, which was not changed (the copy is left in place for you to look at)`,
    );
  switch (guard.outcome) {
    case "applied":
      return;
    case "target-not-empty":
      throw new StepError("--move-data: the new data root is not empty; nothing was changed");
    case "list-failed":
    case "stop-failed":
      throw new StepError(
        `--move-data: could not ${guard.outcome === "list-failed" ? "list what dockerd holds" : "stop dockerd"}; nothing was changed`,
      );
    case "copy-failed":
      throw new StepError(
        "--move-data: copying the data root failed (disk full?); dockerd was started again on the old data root, which was not changed; the partial copy is left in place",
      );
    case "restored":
      throw new StepError(
        `dockerd did not come back after ${DAEMON_JSON}${where} changed; the previous file was restored${guard.backup ? ` from ${guard.backup}` : " (removed: there was none)"} and dockerd runs again.${log}`,
      );
    case "restore-failed":
      throw new StepError(
        `dockerd did not come back after ${DAEMON_JSON}${where} changed, and restoring the previous file did not bring it back either${guard.backup ? ` (the backup is ${guard.backup})` : ""}; look at \`journalctl -u docker\`.${log}`,
      );
    case "busy":
      throw new StepError(
        `another vla-provision is changing ${DAEMON_JSON} on this host; nothing was changed`,
      );
    case "still-running":
      throw new StepError(
        `dockerd's restart after changing ${DAEMON_JSON} is still running after ${GUARD_WAIT_SECONDS}s; it finishes (or restores the previous file) by itself: run again later`,
      );
    default:
      throw new StepError(
        `could not change ${DAEMON_JSON} (${guard.outcome}); nothing was changed`,
      );
  }
}
