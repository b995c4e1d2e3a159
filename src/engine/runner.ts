import {
  Listr,
  ListrLogger,
  type ListrTask,
  type ListrTaskWrapper,
  PRESET_TIMER,
  PRESET_TIMESTAMP,
  ProcessOutput,
} from "listr2";
import { exitCodeOf, messageOf, StepError } from "../errors.js";
import { INTERRUPTED_EXIT_CODE, interruption } from "../interrupt.js";
import type { HostReport, StepReport } from "./report.js";
import { renderPlan, type Step, type StepContext } from "./step.js";

/** A host ready for the pipeline: connected, probed, and past preflight. */
export interface HostRun {
  ctx: StepContext;
  report: HostReport;
}

/** Checks that must pass before the first change; throws RefusedError or UsageError, else returns a summary. */
export type Preflight = (ctx: StepContext) => Promise<string>;

export interface RunnerOptions {
  dryRun: boolean;
  verbose: boolean;
  /** Send the task list to stderr (stdout is kept for --json). */
  toStderr: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: listr2's wrapper is generic over renderers we do not name
type Task = ListrTaskWrapper<unknown, any, any>;

/** Turn the steps into one listr2 pipeline: hosts concurrently, each host's steps in order. */
export async function runPipeline(
  runs: HostRun[],
  steps: Step[],
  preflight: Preflight,
  options: RunnerOptions,
): Promise<void> {
  const hostTasks: ListrTask[] = runs.map((run) => ({
    title: run.report.target,
    task: (_ctx, task) =>
      task.newListr(
        [
          {
            title: "Preflight",
            task: (_c, preflightTask) => runPreflight(run, preflight, preflightTask),
          },
          ...steps.map((step) => ({
            title: step.title,
            task: (_c: unknown, stepTask: Task) => runStep(run, step, stepTask, options),
          })),
        ],
        { concurrent: false, exitOnError: true },
      ),
  }));
  const stream = options.toStderr ? process.stderr : process.stdout;
  const processOutput = new ProcessOutput(stream, process.stderr);
  const logger = new ListrLogger({ useIcons: true, processOutput });
  const list = new Listr(hostTasks, {
    concurrent: true,
    exitOnError: false,
    collectErrors: false,
    // Ctrl-C is the CLI's: it lets the command in flight finish (listr2's own handler exits at once).
    registerSignalListeners: false,
    renderer: "default",
    rendererOptions: {
      collapseSubtasks: false,
      suffixSkips: true,
      timer: PRESET_TIMER,
      processOutput,
      logger,
    },
    fallbackRenderer: "simple",
    fallbackRendererOptions: {
      timestamp: PRESET_TIMESTAMP,
      timer: PRESET_TIMER,
      processOutput,
      logger,
    },
    fallbackRendererCondition: () => !stream.isTTY || Boolean(process.env.CI),
  });
  await list.run().catch(() => {
    // Failures are recorded per step in the report; the list itself needs no handling.
  });
}

async function runPreflight(run: HostRun, preflight: Preflight, task: Task): Promise<void> {
  run.ctx.log = (line) => {
    task.output = line;
  };
  try {
    const summary = await preflight(run.ctx);
    task.title = `Preflight: ${summary}`;
  } catch (error) {
    const message = run.ctx.host.scrub(messageOf(error));
    run.report.ok = false;
    run.report.error = message;
    run.report.exitCode = exitCodeOf(error);
    throw new Error(message);
  }
}

async function runStep(
  run: HostRun,
  step: Step,
  task: Task,
  options: RunnerOptions,
): Promise<void> {
  const { ctx, report } = run;
  const started = Date.now();
  const record = (status: StepReport["status"], extra: Partial<StepReport> = {}) => {
    report.steps.push({
      id: step.id,
      title: step.title,
      status,
      durationMs: Date.now() - started,
      ...extra,
    });
  };
  ctx.log = (line) => {
    task.output = line;
  };
  try {
    if (interruption().requested) {
      record("not started", { reason: `interrupted (${interruption().signal})` });
      report.ok = false;
      report.exitCode = INTERRUPTED_EXIT_CODE;
      task.skip(`not started: interrupted`);
      return;
    }
    const skipReason = step.skipReason?.(ctx);
    if (skipReason) {
      record("skipped", { reason: skipReason });
      task.skip(skipReason);
      return;
    }
    const check = await step.check(ctx);
    if (check.done) {
      record("skipped", { reason: check.reason });
      task.skip(check.reason);
      return;
    }
    const plan = renderPlan(check.plan);
    if (options.dryRun) {
      record("planned", { plan });
      task.title = `${step.title} (planned)`;
      task.output = plan;
      return;
    }
    if (options.verbose) task.output = plan;
    await step.apply(ctx);
    if (step.kind === "verify") {
      record("verified");
      return;
    }
    await ctx.refreshFacts();
    const again = await step.check(ctx);
    if (!again.done) {
      throw new StepError(
        `did not converge: still to do after applying:\n${renderPlan(again.plan)}`,
      );
    }
    record("changed", { reason: again.reason });
  } catch (error) {
    const message = ctx.host.scrub(messageOf(error));
    record("failed", { error: message });
    report.ok = false;
    report.exitCode = 1;
    throw new Error(message);
  }
}
