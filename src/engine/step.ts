import type { Facts } from "../facts/facts.js";
import type { Host } from "../hosts/host.js";
import type { ProvisionOptions } from "../options.js";

/** One planned change, shown by --dry-run and when a step runs. */
export type PlanItem =
  | { kind: "command"; text: string }
  | { kind: "file"; path: string; diff: string }
  | { kind: "note"; text: string };

export type CheckResult = { done: true; reason: string } | { done: false; plan: PlanItem[] };

export interface StepContext {
  host: Host;
  /** The latest facts; the runner refreshes them after every applied step. */
  facts: Facts;
  options: ProvisionOptions;
  /** The account to add to the docker group and to verify as. */
  targetUser: string;
  /** Values decided once per host (resolved versions, the CUDA image, ...). */
  decisions: Map<string, string>;
  /** Read the facts again (one round trip), after a change. */
  refreshFacts(): Promise<void>;
  /** Stream a line of output into the running task. */
  log(line: string): void;
  /** Something the user must know after the run (a new login is needed, ...). */
  notice(text: string): void;
}

export interface Step {
  id: string;
  title: string;
  /** Packages whose dpkg state check() reads: the probe asks dpkg about these. */
  packages?: readonly string[];
  /** "change" steps converge the host; "verify" steps only report, and run every time. */
  kind: "change" | "verify";
  /** Applying it restarts dockerd, which stops running containers without a restart policy. */
  restartsDockerd?: boolean;
  /** A reason to skip without checking (e.g. --no-nvidia, no GPU), or undefined to go on. */
  skipReason?(ctx: StepContext): string | undefined;
  /** Decide from the facts whether the step is done. Reads only facts on the no-change path. */
  check(ctx: StepContext): CheckResult | Promise<CheckResult>;
  /** Make the change (or run the verification). Throw to fail the step. */
  apply(ctx: StepContext): Promise<void>;
}

export const done = (reason: string): CheckResult => ({ done: true, reason });
export const todo = (...plan: PlanItem[]): CheckResult => ({ done: false, plan });
export const command = (text: string): PlanItem => ({ kind: "command", text });
export const note = (text: string): PlanItem => ({ kind: "note", text });

export function renderPlan(plan: readonly PlanItem[]): string {
  return plan
    .map((item) => {
      if (item.kind === "command") return `$ ${item.text}`;
      if (item.kind === "note") return `# ${item.text}`;
      return `--- ${item.path}\n${item.diff}`;
    })
    .join("\n");
}
