import {
  Listr,
  ListrLogger,
  type ListrTask,
  type ListrTaskWrapper,
  PRESET_TIMER,
  PRESET_TIMESTAMP,
  ProcessOutput,
} from "listr2";
import { type CommandEnv, commandsOf } from "../actions/commands.js";
import { sectionsTouchedBy } from "../actions/effects.js";
import { executeAction } from "../actions/execute.js";
import { describeDone, renderActions, scriptsOf } from "../actions/render.js";
import { exitCodeOf, messageOf, StepError } from "../errors.js";
import { INTERRUPTED_EXIT_CODE, interruption } from "../interrupt.js";
import { progressFilter } from "./progress.js";
import type { HostReport, StepReport } from "./report.js";
import type { Step, StepContext } from "./step.js";

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
  /** A terminal shows the tree live (progress lines replace each other); else a log. */
  live?: boolean;
  /** At most this many hosts at once (default: all). */
  concurrency?: number;
}

/** From this many hosts on, a finished host folds into one line of the live tree (a failed one stays open). */
export const COLLAPSE_FROM_HOSTS = 5;

// biome-ignore lint/suspicious/noExplicitAny: listr2's wrapper is generic over renderers we do not name
type Task = ListrTaskWrapper<unknown, any, any>;

/** Turn the steps into one listr2 pipeline: hosts concurrently, each host's steps in order. */
export async function runPipeline(
  runs: HostRun[],
  steps: readonly Step[],
  preflight: Preflight,
  options: RunnerOptions,
): Promise<void> {
  const stream = options.toStderr ? process.stderr : process.stdout;
  const live = options.live ?? (Boolean(stream.isTTY) && !process.env.CI);
  // A log of several hosts interleaves their lines: each line names its host.
  const named = runs.length > 1 && !live;
  const hostTasks: ListrTask[] = runs.map((run) => {
    const prefix = named ? `${run.report.target}: ` : "";
    const stepOptions = { ...options, live, prefix };
    return {
      title: run.report.target,
      task: (_ctx, task) =>
        task.newListr(
          [
            {
              title: `${prefix}Preflight`,
              task: (_c, preflightTask) => runPreflight(run, preflight, preflightTask, prefix),
            },
            ...steps.map((step) => ({
              title: `${prefix}${step.title}`,
              task: (_c: unknown, stepTask: Task) => runStep(run, step, stepTask, stepOptions),
            })),
          ],
          { concurrent: false, exitOnError: true },
        ),
    };
  });

  const processOutput = new ProcessOutput(stream, process.stderr);
  const logger = new ListrLogger({ useIcons: true, processOutput });
  const list = new Listr(hostTasks, {
    concurrent: options.concurrency ?? true,
    exitOnError: false,
    collectErrors: false,
    // Ctrl-C is the CLI's: it lets the command in flight finish (listr2's own handler exits at once).
    registerSignalListeners: false,
    renderer: "default",
    rendererOptions: {
      collapseSubtasks: runs.length >= COLLAPSE_FROM_HOSTS,
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
    fallbackRendererCondition: () => !live,
  });
  await list.run().catch(() => {
    // Failures are recorded per step in the report; the list itself needs no handling.
  });
}

async function runPreflight(
  run: HostRun,
  preflight: Preflight,
  task: Task,
  prefix: string,
): Promise<void> {
  run.ctx.log = (line) => {
    task.output = withPrefix(prefix, line);
  };
  try {
    const summary = await preflight(run.ctx);
    task.title = `${prefix}Preflight: ${summary}`;
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
  options: RunnerOptions & { prefix?: string },
): Promise<void> {
  const { ctx, report } = run;
  const prefix = options.prefix ?? "";
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
  const progress = progressFilter(options.live ?? false);
  ctx.log = (line) => {
    task.output = withPrefix(prefix, line);
  };
  const output = (chunk: string) => {
    for (const line of progress(chunk)) task.output = withPrefix(prefix, line);
  };
  // Where this step's commands start in the host's transcript, once it runs them.
  let from: number | undefined;
  // The step's own commands, taken before the facts are read again.
  let executed: string[] | undefined;
  const ran = () => ctx.host.transcript.slice(from).map((script) => ctx.host.scrub(script));
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
    const plan = step.plan(ctx);
    if (plan.done) {
      record("skipped", { reason: plan.reason });
      task.skip(plan.reason);
      return;
    }
    const env = commandEnv(ctx);
    // What is shown and recorded never holds a secret (a proxy's credentials in a file's content);
    // what runs is the plan itself.
    const scrub = (text: string) => ctx.host.scrub(text);
    const shown = scrub(renderActions(plan.actions, env, options.verbose));
    if (options.dryRun) {
      record("planned", {
        plan: shown,
        actions: JSON.parse(scrub(JSON.stringify(plan.actions))),
        commands: scriptsOf(plan.actions, env).map(scrub),
      });
      task.title = `${prefix}${step.title} (planned)`;
      task.output = withPrefix(prefix, shown);
      return;
    }
    if (options.verbose) task.output = withPrefix(prefix, shown);
    from = ctx.host.transcript.length;
    const exec = { ...ctx, env, output };
    // A change step's re-check reads only what its actions can change, in the same round trip as
    // its last command when it can (the command runs as root and the context can fold a probe).
    const sections = sectionsTouchedBy(plan.actions);
    const last = [...plan.actions].reverse().find((action) => commandsOf(action, env).length > 0);
    let reprobe: string | undefined;
    const followedBy =
      step.kind === "change" && sections.length > 0 && ctx.probeScript && ctx.absorbProbe
        ? {
            script: ctx.probeScript(sections),
            read: (stdout: string) => {
              reprobe = stdout;
            },
          }
        : undefined;
    for (const action of plan.actions)
      await executeAction(action, action === last ? { ...exec, followedBy } : exec);
    executed = ran();
    if (step.kind === "verify") {
      record("verified", { ran: executed });
      return;
    }
    if (reprobe !== undefined && ctx.absorbProbe) ctx.absorbProbe(reprobe, sections);
    else await ctx.refreshFacts(sections);
    const again = step.plan(ctx);
    if (!again.done) {
      throw new StepError(
        `did not converge: still to do after applying:\n${renderActions(again.actions, env)}`,
      );
    }
    record("changed", { reason: describeDone(plan.actions) || again.reason, ran: executed });
  } catch (error) {
    const message = ctx.host.scrub(messageOf(error));
    record("failed", { error: message, ...(from === undefined ? {} : { ran: executed ?? ran() }) });
    report.ok = false;
    report.exitCode = 1;
    throw new Error(message);
  }
}

/** Every line of `text` led by the host's name (in a log of several hosts). */
function withPrefix(prefix: string, text: string): string {
  return prefix ? text.replace(/^/gm, prefix) : text;
}

/** What turning this host's actions into commands needs. */
export function commandEnv(ctx: StepContext): CommandEnv {
  return { loginUser: ctx.host.loginUser, aptLockWaitMs: ctx.options.aptLockWaitMs };
}
