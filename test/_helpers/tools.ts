/**
 * Tests that need a tool of this machine (ssh, ssh-keygen, shellcheck, vagrant, qemu, ...) skip
 * when it is missing ONLY for a developer running a file by hand. Where the tools must be there, a
 * missing one fails the test instead, naming what to install:
 *
 * - `npm test` (scripts/test.mjs installs the tools, then sets VLA_REQUIRE_TOOLS=1),
 * - CI (`CI` set, as GitHub Actions and most CI services do).
 *
 * Usage:
 *
 *   const hasShellcheck = hasCommand("shellcheck");
 *   it.skipIf(!runsWith(hasShellcheck))("passes shellcheck", () => {
 *     requireTool(hasShellcheck, "shellcheck (Debian package: shellcheck)");
 *     ...
 *   });
 */
import { spawnSync } from "node:child_process";

/** Whether this run must have every tool (CI or `npm test`): a missing one fails, never skips. */
export function toolsRequired(): boolean {
  return Boolean(process.env.CI || process.env.VLA_REQUIRE_TOOLS);
}

/** Whether `name` is a command on PATH. */
export function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", 'command -v "$1"', "sh", name], { stdio: "ignore" }).status === 0;
}

/** For `it.skipIf(!runsWith(installed))`: run when installed, and always where tools are required. */
export function runsWith(installed: boolean): boolean {
  return installed || toolsRequired();
}

/** First line of a test that needs the tool: fails (where runsWith let it run) when it is missing. */
export function requireTool(installed: boolean, what: string): void {
  if (!installed) {
    throw new Error(
      `${what} is missing: install it, or run this file by hand without CI/VLA_REQUIRE_TOOLS to skip these tests`,
    );
  }
}
