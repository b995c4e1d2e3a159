/**
 * What every fault scenario asserts besides its own outcome: nothing the user had is lost, and a
 * re-run converges (every step skipped or changed, none failed).
 */
import { execa, type ResultPromise } from "execa";
import { expect } from "vitest";
import { CLI, type CliResult, explain, runCli, sshFlags } from "./cli.js";
import type { TestHost } from "./testbed.js";

/** A user's own apt source and daemon.json keys, planted before the first run. */
export const USER_APT_SOURCE = "/etc/apt/sources.list.d/lab-own.list";
const USER_APT_TEXT = "# the lab's own repository, kept by every run\n";
export const USER_DAEMON_KEYS = {
  "log-driver": "json-file",
  "log-opts": { "max-size": "10m", "max-file": "3" },
  "default-address-pools": [{ base: "10.213.0.0/16", size: 24 }],
};

export async function plantUserState(host: TestHost): Promise<void> {
  const json = JSON.stringify(USER_DAEMON_KEYS, null, 2);
  const source = await host.exec(`cat > ${USER_APT_SOURCE}`, { input: USER_APT_TEXT });
  const daemon = await host.exec("mkdir -p /etc/docker && cat > /etc/docker/daemon.json", {
    input: `${json}\n`,
  });
  expect(source.code, source.stderr).toBe(0);
  expect(daemon.code, daemon.stderr).toBe(0);
}

/** Images, containers, volumes (ids), the user's apt source (bytes) and daemon.json keys. */
export async function userState(host: TestHost): Promise<Record<string, unknown>> {
  const r = await host.exec(
    [
      "echo images; docker image ls -q --no-trunc 2>/dev/null | sort -u",
      "echo containers; docker ps -aq --no-trunc 2>/dev/null | sort",
      "echo volumes; docker volume ls -q 2>/dev/null | sort",
      `echo source; md5sum < ${USER_APT_SOURCE}`,
    ].join("; "),
  );
  const daemon = await host.exec("cat /etc/docker/daemon.json");
  const parsed = JSON.parse(daemon.stdout || "{}") as Record<string, unknown>;
  const kept = Object.fromEntries(Object.keys(USER_DAEMON_KEYS).map((k) => [k, parsed[k]]));
  return { lists: r.stdout, daemonKeys: kept };
}

export async function expectNothingLost(
  host: TestHost,
  before: Record<string, unknown>,
): Promise<void> {
  const after = await userState(host);
  expect(after).toEqual(before);
  expect(after.daemonKeys).toEqual(USER_DAEMON_KEYS);
}

/** A re-run with the same flags: exit 0, every step skipped or changed, dockerd up, no leftovers. */
export async function expectConverges(host: TestHost, args: string[]): Promise<CliResult> {
  const result = await runCli([...args, "--json", "--yes"]);
  expect(result.code, explain(result)).toBe(0);
  for (const step of result.report?.hosts[0]?.steps ?? []) {
    expect(["skipped", "changed", "verified"], `${step.id}: ${step.error}`).toContain(step.status);
  }
  await expectDockerdRunning(host);
  const leftovers = await host.exec(
    "ls -d /run/vla-provision.* /etc/docker/.vla-provision.* /etc/apt/*/.vla-provision.* 2>/dev/null | wc -l",
  );
  expect(leftovers.stdout.trim()).toBe("0");
  return result;
}

/** dockerd answers and its unit is active. */
export async function expectDockerdRunning(host: TestHost): Promise<void> {
  const r = await host.exec("systemctl is-active docker && docker info >/dev/null && echo up");
  expect(r.stdout, r.stderr).toContain("up");
}

/** Poll a host command until it exits 0 (bounded). */
export async function waitOnHost(host: TestHost, command: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await host.exec(command, { timeoutMs: 10_000 })).code === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting on the host for: ${command}`);
}

/** The built CLI as a running child, for signals. */
export function startCli(args: string[]): ResultPromise {
  return execa("node", [CLI, ...args], {
    input: "",
    reject: false,
    timeout: 900_000,
    env: { CI: "1", NO_COLOR: "1", SSH_AUTH_SOCK: "" },
  });
}

/** Flags for a host: SSH plus its stand-in repositories. */
export function hostArgs(host: TestHost): string[] {
  return [...sshFlags(host), ...host.cliArgs];
}

/** A systemd drop-in for docker.service (for faults that make dockerd slow or fail). */
export async function dockerDropIn(host: TestHost, name: string, text: string | undefined) {
  const file = `/etc/systemd/system/docker.service.d/${name}.conf`;
  const write =
    text === undefined
      ? `rm -f ${file}`
      : `mkdir -p /etc/systemd/system/docker.service.d && cat > ${file} <<'EOF'\n[Service]\n${text}\nEOF`;
  // A new line first: after a here-document, the terminator must stand alone on its line.
  const r = await host.exec(`${write}\nsystemctl daemon-reload`);
  expect(r.code, r.stderr).toBe(0);
}
