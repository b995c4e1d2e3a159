import type { StepContext } from "../../src/engine/step.js";
import { shellQuote } from "../../src/hosts/shell.js";
import type { ExecResult } from "../../src/hosts/transport.js";

/**
 * Run a command as the target user in a fresh login context, so that a docker group membership
 * added in this run counts: `sg docker` for the login user itself, `runuser` (initgroups) otherwise.
 */
export function runAsTargetUser(
  ctx: StepContext,
  script: string,
  timeoutMs: number,
): Promise<ExecResult> {
  const { host, targetUser } = ctx;
  const options = { timeoutMs, check: false, onOutput: ctx.log };
  if (targetUser === "root") return host.run(script, { ...options, privileged: true });
  if (targetUser === host.loginUser) return host.run(`sg docker -c ${shellQuote(script)}`, options);
  return host.run(`runuser -u ${shellQuote(targetUser)} -- sh -c ${shellQuote(script)}`, {
    ...options,
    privileged: true,
  });
}
