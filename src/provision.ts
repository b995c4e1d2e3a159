import { describeDecisions } from "./decisions.js";
import { describeOs } from "./distro.js";
import { type Pipeline, probedPackages } from "./engine/pipeline.js";
import type { HostReport, RunReport } from "./engine/report.js";
import { type AskConfirmation, confirmRestarts } from "./engine/restart-confirmation.js";
import { type HostRun, runPipeline } from "./engine/runner.js";
import { exitCodeOf, messageOf } from "./errors.js";
import type { ProbeOptions } from "./facts/gather.js";
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
}

type Opened = { report: HostReport; session?: HostSession; started: number };

function failure(report: HostReport, error: unknown): void {
  report.ok = false;
  report.error = messageOf(error);
  report.exitCode = exitCodeOf(error);
}

/** Connect to every host concurrently and read its facts. */
export async function openAll(request: ProvisionRequest): Promise<Opened[]> {
  return Promise.all(
    request.targets.map(async (target) => {
      const started = Date.now();
      const report = emptyReport(target ?? "local");
      try {
        const session = await openSession(
          target,
          request.connect,
          request.options,
          probedPackages(request.pipeline),
          request.probe,
        );
        report.target = session.host.target;
        report.os = describeOs(session.facts);
        return { report, session, started };
      } catch (error) {
        failure(report, error);
        return { report, started };
      }
    }),
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
  await runPipeline(
    runs.filter((run) => run.report.ok),
    steps,
    preflight,
    {
      dryRun: options.dryRun,
      verbose: options.verbose,
      toStderr: options.json,
    },
  );
  for (const o of opened) {
    const run = runs.find((r) => r.report === o.report);
    if (run) o.report.decisions = describeDecisions(run.ctx.decisions);
    o.report.commands = o.session?.host.commandCount ?? 0;
    o.report.durationMs = Date.now() - o.started;
    await o.session?.host.close();
  }
  return { version: VERSION, dryRun: options.dryRun, hosts: opened.map((o) => o.report) };
}
