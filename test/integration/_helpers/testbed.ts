/**
 * Test hosts for the integration tests: thin wrapper over `npm run testbed -- setup` and
 * `npm run testbed -- host <variant>` (scripts/testbed). The set-up runs once per test process and
 * is cached on disk, so a fresh machine builds the test bed on first use and later runs reuse it.
 */
import { resolve } from "node:path";
import { execa } from "execa";

const ROOT = resolve(import.meta.dirname, "../../..");
const ZX = resolve(ROOT, "node_modules/.bin/zx");
const MAIN = resolve(ROOT, "scripts/testbed/main.mjs");

export type Variant =
  | "debian12"
  | "debian12-docker-io"
  | "ubuntu2404-like"
  | "debian12-gpu"
  | "debian12-nosystemd";
export type User = "ops" | "lab" | "root";

/** What `npm run testbed -- host` prints. */
export interface HostInfo {
  name: string;
  /** user@127.0.0.1:port */
  ssh: string;
  /** private key that every account of the host accepts */
  key: string;
  /** known_hosts file holding this host's keys, as [127.0.0.1]:port lines */
  knownHosts: string;
  /** lab's sudo password (only when the user is lab) */
  password?: string;
  container: string;
  variant: Variant;
  /** --docker-repo, --docker-key-fingerprint, --nvidia-repo, --nvidia-key-fingerprint, --registry-mirror */
  cliArgs: string[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface TestHost extends HostInfo {
  /** Runs a shell command on the host as root (docker exec), never rejects on a non-zero exit. */
  exec(command: string, options?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** Removes the host (container and its directory under .testbed/hosts). */
  stop(): Promise<void>;
}

function testbed(args: string[], timeoutMs: number) {
  return execa(ZX, [MAIN, ...args], {
    cwd: ROOT,
    reject: false,
    timeout: timeoutMs,
    stdin: "ignore",
    stderr: ["pipe", "inherit"],
    env: { TESTCONTAINERS_RYUK_DISABLED: "true", NO_COLOR: "1" },
  });
}

let setupDone: Promise<void> | undefined;

/** engine + images + repos + registry, once per process (cached on disk across processes). */
export function ensureTestbed(): Promise<void> {
  setupDone ??= (async () => {
    const result = await testbed(["setup"], 15 * 60_000);
    if (result.exitCode !== 0) {
      setupDone = undefined;
      throw new Error(
        `npm run testbed -- setup failed (exit ${result.exitCode}):\n${String(result.stderr).slice(-4000)}`,
      );
    }
  })();
  return setupDone;
}

export async function hostExec(
  container: string,
  command: string,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const result = await execa("docker", ["exec", "-i", container, "/bin/sh", "-c", command], {
    input: options.input ?? "",
    reject: false,
    timeout: options.timeoutMs ?? 600_000,
  });
  return {
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    code: result.exitCode ?? -1,
  };
}

/** Starts a host of `variant`, ready: systemd running, sshd, the repositories and the registry answering. */
export async function startHost(
  variant: Variant,
  options: { user?: User } = {},
): Promise<TestHost> {
  await ensureTestbed();
  const result = await testbed(
    ["host", variant, "--user", options.user ?? "ops", "--no-setup"],
    5 * 60_000,
  );
  if (result.exitCode !== 0) {
    throw new Error(
      `npm run testbed -- host ${variant} failed (exit ${result.exitCode}):\n${String(result.stderr).slice(-4000)}`,
    );
  }
  const info = JSON.parse(String(result.stdout)) as HostInfo;
  return {
    ...info,
    exec: (command, execOptions) => hostExec(info.container, command, execOptions),
    stop: async () => {
      await testbed(["down", info.name], 120_000);
    },
  };
}

/** The ssh command-line arguments that reach `host` as its user, checking its key strictly. */
export function sshCommandArgs(host: HostInfo): string[] {
  const [login, port] = host.ssh.split(/:(?=\d+$)/);
  return [
    "-i",
    host.key,
    "-p",
    port ?? "22",
    "-o",
    `UserKnownHostsFile=${host.knownHosts}`,
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "ConnectTimeout=10",
    login ?? host.ssh,
  ];
}
