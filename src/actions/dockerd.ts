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

export function restartCommand(init: InitSystem): string {
  return init === "systemd"
    ? "systemctl reset-failed docker >/dev/null 2>&1; systemctl restart docker"
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
export function guardScript(init: InitSystem): string {
  const backup = `${BACKUP_DIR}/etc_docker_daemon.json.$stamp`;
  // A subshell: waitForDocker exits when dockerd failed, which must not end the guard itself.
  const restartAndWait = `( ${restartCommand(init)} && ${waitForDocker(init)} )`;
  return [
    'dir="$1"',
    `stamp=${HOST_STAMP}`,
    `say() { printf '%s\\n' "$1" >> "$dir/result"; }`,
    // The CLI reads the result within a second; if it was killed, nobody will: clean up after a while.
    'finish() { say "outcome=$1"; : > "$dir/done"; exec 9>&-; sleep 30; rm -rf "$dir"; exit 0; }',
    "mkdir -p /run/lock",
    "exec 9>/run/lock/vla-provision-dockerd.lock",
    "flock -w 300 9 || finish busy",
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
    `if ${restartAndWait} 2>"$dir/restart.err"; then finish applied; fi`,
    `${logCommand(init)} > "$dir/dockerd.log"`,
    'if [ "$existed" = yes ]; then',
    `  tmp=$(mktemp "$(dirname "$target")/.vla-provision.XXXXXX") && cp -a "${backup}" "$tmp" && mv -f "$tmp" "$target" || finish restore-failed`,
    'else rm -f "$target" || finish restore-failed; fi',
    `if ${restartAndWait} 2>>"$dir/restart.err"; then finish restored; fi`,
    "finish restore-failed",
  ].join("\n");
}

/** Start the guard detached from this session, then wait (bounded) for it and print what it did. */
export function guardedChangeScript(init: InitSystem): string {
  const script = shellQuote(guardScript(init));
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
  log: string;
}

export function parseGuardResult(stdout: string): GuardResult {
  const [head = "", log = ""] = stdout.split("@@log\n");
  const values = keyValues(head);
  return {
    outcome: values.outcome ?? "unknown",
    target: values.target,
    backup: values.backup,
    log,
  };
}

/** What the guard did: returns when the change applied, else throws what really happened. */
export function checkGuardOutcome(stdout: string, report: (line: string) => void): void {
  const guard = parseGuardResult(stdout);
  if (guard.backup) report(`backed up ${guard.target} to ${guard.backup}`);
  const where = guard.target && guard.target !== DAEMON_JSON ? ` (${guard.target})` : "";
  const log = guard.log.trim() ? ` dockerd's log:\n${guard.log.trim()}` : "";
  switch (guard.outcome) {
    case "applied":
      return;
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
