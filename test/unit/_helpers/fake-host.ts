import { executeAction } from "../../../src/actions/execute.js";
import { initialDecisions } from "../../../src/decisions.js";
import { commandEnv } from "../../../src/engine/runner.js";
import type { Step, StepContext } from "../../../src/engine/step.js";
import type { Facts } from "../../../src/facts/facts.js";
import { Host } from "../../../src/hosts/host.js";
import type { ExecResult, Transport } from "../../../src/hosts/transport.js";
import type { ProvisionOptions } from "../../../src/options.js";

/** A transport that runs nothing: it records each command and answers from `reply`. */
export class RecordingTransport implements Transport {
  readonly target = "fake";
  readonly kind = "local";
  readonly loginUser = "root";
  readonly commands: string[] = [];

  constructor(private readonly reply: (command: string) => Partial<ExecResult> = () => ({})) {}

  async exec(command: string): Promise<ExecResult> {
    this.commands.push(command);
    return { code: 0, stdout: "", stderr: "", ...this.reply(command) };
  }

  async close(): Promise<void> {}
}

export interface FakeRun {
  ctx: StepContext;
  /** Every command the host was asked to run, as the transport got it (wrapped in `timeout`). */
  commands: string[];
  notices: string[];
  logs: string[];
  /** How often the step asked for the facts again. */
  refreshes: number;
}

/** A step context on a root host that runs nothing; refreshFacts() yields `refreshed` (default: the same facts). */
export function fakeRun(
  facts: Facts,
  options: ProvisionOptions,
  refreshed: Facts = facts,
  reply?: (command: string) => Partial<ExecResult>,
): FakeRun {
  const transport = new RecordingTransport(reply);
  const run: FakeRun = {
    commands: transport.commands,
    notices: [],
    logs: [],
    refreshes: 0,
    ctx: {
      host: new Host(transport, { mode: "root" }),
      facts,
      options,
      decisions: initialDecisions("root"),
      refreshFacts: async () => {
        run.refreshes++;
        run.ctx.facts = refreshed;
      },
      log: (line) => run.logs.push(line),
      notice: (text) => run.notices.push(text),
    },
  };
  return run;
}

/**
 * What the runner does with a step that is not done: plan it, then execute each planned action in
 * order, exactly as runStep does (no dry run, no check afterwards). Throws when there is nothing to do.
 */
export async function applyStep(step: Step, ctx: StepContext): Promise<void> {
  const plan = step.plan(ctx);
  if (plan.done) throw new Error(`${step.id} has nothing to do: ${plan.reason}`);
  const exec = { ...ctx, env: commandEnv(ctx) };
  for (const action of plan.actions) await executeAction(action, exec);
}
