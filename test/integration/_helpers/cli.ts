import { resolve } from "node:path";
import { execa } from "execa";
import type { RunReport } from "../../../src/engine/report.js";

export const CLI = resolve(import.meta.dirname, "../../../dist/cli.mjs");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The --json report, when the run printed one. */
  report?: RunReport;
}

/**
 * Run the BUILT CLI as a child process, the way a user does. `node` is the Node.js binary that runs
 * it (default: the `node` on PATH).
 */
export async function runCli(
  args: string[],
  options: { input?: string; timeoutMs?: number; node?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const result = await execa(options.node ?? "node", [CLI, ...args], {
    input: options.input ?? "",
    reject: false,
    timeout: options.timeoutMs ?? 900_000,
    env: { CI: "1", NO_COLOR: "1", SSH_AUTH_SOCK: "", ...options.env },
  });
  const stdout = String(result.stdout);
  let report: RunReport | undefined;
  if (args.includes("--json") && stdout.trim().startsWith("{"))
    report = JSON.parse(stdout) as RunReport;
  return { code: result.exitCode ?? -1, stdout, stderr: String(result.stderr), report };
}

/** The flags that reach a test host over SSH, checking its key. */
export function sshFlags(host: { ssh: string; key: string; knownHosts: string }): string[] {
  return ["--ssh", host.ssh, "-i", host.key, "--known-hosts", host.knownHosts];
}

export function statuses(result: CliResult): Record<string, string> {
  const host = result.report?.hosts[0];
  return Object.fromEntries((host?.steps ?? []).map((s) => [s.id, s.status]));
}

/** Why the run failed, for assertion messages. */
export function explain(result: CliResult): string {
  return `exit ${result.code}\n--- stderr ---\n${result.stderr.slice(-4000)}\n--- stdout ---\n${result.stdout.slice(-2000)}`;
}
