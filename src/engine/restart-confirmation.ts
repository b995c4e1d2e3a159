import { RefusedError } from "../errors.js";
import type { HostRun } from "./runner.js";
import type { PlanContext, Step } from "./step.js";

/** Steps that restart dockerd and are not done yet, on the facts read before any change. */
export function pendingRestarts(ctx: PlanContext, steps: readonly Step[]): Step[] {
  return steps.filter((step) => {
    if (!step.restartsDockerd || step.skipReason?.(ctx)) return false;
    try {
      return !step.plan(ctx).done;
    } catch {
      return false; // preflight or the step itself reports what is wrong
    }
  });
}

export type AskConfirmation = (question: string) => Promise<boolean | undefined>;

function describeContainers(names: readonly string[]): string {
  const shown = names.slice(0, 5).join(", ");
  return `${names.length} running container${names.length === 1 ? "" : "s"} (${shown}${names.length > 5 ? ", ..." : ""})`;
}

/**
 * Before anything changes: a host where a step would restart dockerd while containers run is asked
 * about (a terminal), allowed (--yes), shown (--dry-run) or refused (exit 3).
 */
export async function confirmRestarts(
  runs: readonly HostRun[],
  steps: readonly Step[],
  ask: AskConfirmation,
): Promise<void> {
  for (const run of runs) {
    const { ctx } = run;
    const running = ctx.facts.docker.runningContainers;
    if (running.length === 0) continue;
    const restarting = pendingRestarts(ctx, steps);
    if (restarting.length === 0) continue;
    const what = `${describeContainers(running)}: "${restarting.map((s) => s.title).join('", "')}" restarts dockerd, which stops them (those with a restart policy come back)`;
    if (ctx.options.dryRun) {
      ctx.notice(`${what}; a real run asks first, or goes on with --yes`);
      continue;
    }
    if (ctx.options.yes) {
      ctx.notice(`${what}; going on (--yes)`);
      continue;
    }
    const answer = ctx.options.json
      ? undefined
      : await ask(`${run.report.target}: ${what}. Go on?`);
    if (answer === true) continue;
    const error = new RefusedError(
      answer === false
        ? `${what}; you chose not to go on, nothing was changed`
        : `${what}; nothing was changed: stop them first, or run again with --yes to allow the restart`,
    );
    run.report.ok = false;
    run.report.error = error.message;
    run.report.exitCode = error.exitCode;
  }
}
