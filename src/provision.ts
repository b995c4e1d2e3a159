import { describeDecisions } from "./decisions.js";
import { describeOs } from "./distro.js";
import { type Pipeline, probedPackages } from "./engine/pipeline.js";
import type { HostReport, RunReport } from "./engine/report.js";
import { type AskConfirmation, confirmRestarts } from "./engine/restart-confirmation.js";
import { type HostRun, type Preflight, runPipeline } from "./engine/runner.js";
import type { StepContext } from "./engine/step.js";
import { exitCodeOf, messageOf } from "./errors.js";
import type { ProbeOptions } from "./facts/gather.js";
import { describeGpus } from "./fleet/gpu-label.js";
import { mapWithLimit } from "./fleet/pool.js";
import { detailsKey, type TargetDetailsMap } from "./fleet/targets.js";
import type { ConnectOptions } from "./hosts/connect.js";
import type { ProvisionOptions } from "./options.js";
import { preflight } from "./preflight.js";
import {
  type AskPassword,
  emptyReport,
  type HostSession,
  needsPassword,
  openSession,
  stepContext,
  unlockSudo,
} from "./session.js";
import { VERSION } from "./version.js";

export interface ProvisionRequest {
  /** The steps, from the composition root. */
  pipeline: Pipeline;
  /** One entry per host; undefined is this machine. */
  targets: (string | undefined)[];
  connect: ConnectOptions;
  options: ProvisionOptions;
  /** Ask for the sudo password once, before the task list starts; undefined when it cannot be asked. */
  askPassword: AskPassword;
  /** How many passwords may be tried (3 in a terminal, like sudo; 1 from stdin or without one). */
  passwordTries?: number;
  /** Ask a yes/no question before the task list starts; undefined when it cannot be asked. */
  askConfirmation?: AskConfirmation;
  /** What the first probe reads besides the steps' facts. */
  probe?: ProbeOptions;
  /** At most this many hosts connect and run at once (default: all). */
  parallel?: number;
  /** Inventory hosts: the name to report and the host's own key, by target. */
  details?: TargetDetailsMap;
}

type Opened = { report: HostReport; session?: HostSession };

function failure(report: HostReport, error: unknown): void {
  report.ok = false;
  report.error = messageOf(error);
  report.exitCode = exitCodeOf(error);
}

/** Connect to every host concurrently (at most `parallel` at once) and read its facts. */
export async function openAll(request: ProvisionRequest): Promise<Opened[]> {
  return mapWithLimit(
    request.targets,
    request.parallel ?? Number.POSITIVE_INFINITY,
    async (target) => {
      const started = Date.now();
      const details = request.details?.get(detailsKey(target));
      const report = emptyReport(details?.name ?? target ?? "local");
      const connect = details?.identity
        ? { ...request.connect, identity: details.identity }
        : request.connect;
      try {
        const session = await openSession(
          target,
          connect,
          request.options,
          probedPackages(request.pipeline),
          request.probe,
        );
        report.target = details?.name ?? session.host.target;
        if (details) report.address = session.host.target;
        report.os = describeOs(session.facts);
        report.gpu = describeGpus(session.facts.gpuState);
        return { report, session };
      } catch (error) {
        failure(report, error);
        return { report };
      } finally {
        report.durationMs = Date.now() - started;
      }
    },
  );
}

export async function provision(request: ProvisionRequest): Promise<RunReport> {
  const { options } = request;
  const opened = await openAll(request);
  const needing = opened.filter((o) => o.session && needsPassword(o.session) && !options.dryRun);
  const sessions = needing.flatMap((o) => (o.session ? [o.session] : []));
  if (sessions.length > 0) {
    const failures = await unlockSudo(sessions, request.askPassword, request.passwordTries ?? 1);
    for (const o of needing) {
      const error = o.session && failures.get(o.session);
      if (error) failure(o.report, error);
    }
  }
  const runs: HostRun[] = [];
  for (const o of opened) {
    if (o.session && o.report.ok)
      runs.push({ ctx: stepContext(o.session, options, o.report), report: o.report });
  }
  const { steps } = request.pipeline;
  await confirmRestarts(runs, steps, request.askConfirmation ?? (async () => undefined));
  // A host's time is its own work (connect, preflight, steps), not the wait for a free slot.
  const preflightMs = new Map<StepContext, number>();
  const timedPreflight: Preflight = async (ctx) => {
    const begun = Date.now();
    try {
      return await preflight(ctx);
    } finally {
      preflightMs.set(ctx, Date.now() - begun);
    }
  };
  await runPipeline(
    runs.filter((run) => run.report.ok),
    steps,
    timedPreflight,
    {
      dryRun: options.dryRun,
      verbose: options.verbose,
      toStderr: options.json,
      concurrency: request.parallel,
    },
  );
  for (const o of opened) {
    const run = runs.find((r) => r.report === o.report);
    if (run) o.report.decisions = describeDecisions(run.ctx.decisions);
    o.report.commands = o.session?.host.commandCount ?? 0;
    o.report.durationMs +=
      (run ? (preflightMs.get(run.ctx) ?? 0) : 0) +
      o.report.steps.reduce((sum, step) => sum + step.durationMs, 0);
    await o.session?.host.close();
  }
  return { version: VERSION, dryRun: options.dryRun, hosts: opened.map((o) => o.report) };
}
