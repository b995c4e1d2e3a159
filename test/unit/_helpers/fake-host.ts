import type { StepContext } from "../../../src/engine/step.js";
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
      targetUser: "root",
      decisions: new Map(),
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
