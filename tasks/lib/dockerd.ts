import type { StepContext } from "../../src/engine/step.js";
import { CommandError, lastLines, StepError } from "../../src/errors.js";
import type { Facts } from "../../src/facts/facts.js";
import { shellQuote } from "../../src/hosts/shell.js";
import { backupCommand, timestamp } from "./backup.js";

export const DAEMON_JSON = "/etc/docker/daemon.json";
const READY_SECONDS = 60;

/**
 * Wait (bounded) until the Docker daemon answers. Under systemd, stop waiting as soon as the unit
 * has failed or is between automatic restarts: dockerd refused to start (a bad daemon.json, say).
 */
export function waitForDocker(facts: Facts): string {
  const failedUnit = facts.init.systemd
    ? `case "$(systemctl show -p SubState --value docker 2>/dev/null)" in failed|auto-restart) echo "dockerd failed to start" >&2; exit 1;; esac; `
    : "";
  return `i=0; until docker info >/dev/null 2>&1; do ${failedUnit}i=$((i+1)); if [ $i -ge ${READY_SECONDS} ]; then echo "dockerd did not answer within ${READY_SECONDS}s" >&2; exit 1; fi; sleep 1; done`;
}

export function restartCommand(facts: Facts): string {
  return facts.init.systemd
    ? "systemctl reset-failed docker >/dev/null 2>&1; systemctl restart docker"
    : "/etc/init.d/docker restart";
}

export function startCommand(facts: Facts): string {
  return facts.init.systemd
    ? "systemctl enable containerd docker >/dev/null 2>&1; systemctl enable --now docker"
    : "/etc/init.d/docker start";
}

function logCommand(facts: Facts): string {
  return facts.init.systemd
    ? "journalctl -u docker --no-pager -n 20 2>/dev/null"
    : "tail -n 20 /var/log/docker.log 2>/dev/null";
}

export async function restartDockerd(ctx: StepContext): Promise<void> {
  await ctx.host.run(`${restartCommand(ctx.facts)} && ${waitForDocker(ctx.facts)}`, {
    privileged: true,
    label: "restart dockerd",
    timeoutMs: 180_000,
  });
}

/**
 * Change /etc/docker/daemon.json safely: back it up, let `write` produce the new file (an atomic
 * write of ours, or a tool that edits in place), check it, restart dockerd, and if dockerd does not
 * come back, restore the backup, restart again and fail with dockerd's last log lines.
 */
export async function changeDaemonJson(
  ctx: StepContext,
  write: () => Promise<void>,
  checkResult?: () => Promise<void>,
): Promise<void> {
  const { host, facts } = ctx;
  const existed = facts.daemonJson.exists;
  const backup = (
    await host.run(backupCommand(DAEMON_JSON, timestamp()), { privileged: true })
  ).stdout.trim();
  if (backup) ctx.log(`backed up ${DAEMON_JSON} to ${backup}`);
  const restore = existed
    ? `cp -a ${shellQuote(backup)} ${DAEMON_JSON}.vla-restore && mv -f ${DAEMON_JSON}.vla-restore ${DAEMON_JSON}`
    : `rm -f ${DAEMON_JSON}`;
  try {
    await write();
    await checkResult?.();
  } catch (error) {
    await host.run(restore, { privileged: true, check: false });
    throw error;
  }
  try {
    await restartDockerd(ctx);
  } catch (error) {
    const log = await host.run(logCommand(facts), { privileged: true, check: false });
    await host.run(`${restore}; ${restartCommand(facts)} && ${waitForDocker(facts)}`, {
      privileged: true,
      check: false,
      timeoutMs: 180_000,
    });
    const why =
      error instanceof CommandError
        ? lastLines(error.stderr, 1) || `exit code ${error.code}`
        : String(error);
    throw new StepError(
      `dockerd did not come back after ${DAEMON_JSON} changed (${why}); the previous file was restored${backup ? ` from ${backup}` : ""} and dockerd restarted. dockerd's log:\n${log.stdout.trim()}`,
    );
  }
}
