import type { Action } from "../actions/types.js";
import type { Decisions } from "../decisions.js";
import type { Facts } from "../facts/facts.js";
import type { ProbeSection } from "../facts/probe-script.js";
import type { Host } from "../hosts/host.js";
import type { ProvisionOptions } from "../options.js";

/** What a step may read to plan: the typed facts, the options and the decisions. No host. */
export interface PlanContext {
  facts: Facts;
  options: ProvisionOptions;
  decisions: Decisions;
}

/** A step's plan: done (with why), or the actions that would make it done. */
export type StepPlan = { done: true; reason: string } | { done: false; actions: Action[] };

/** The runner's view of one host: planning context plus the host and the run's outputs. */
export interface StepContext extends PlanContext {
  host: Host;
  /** Read the facts again (one round trip), after a change: all of them, or only these sections. */
  refreshFacts(sections?: readonly ProbeSection[]): Promise<void>;
  /** The partial probe of these sections as a script, to run in the round trip of a step's last command. */
  probeScript?(sections: readonly ProbeSection[]): string;
  /** Take what that script printed as the new facts of those sections. */
  absorbProbe?(output: string, sections: readonly ProbeSection[]): void;
  /** Stream a line of output into the running task. */
  log(line: string): void;
  /** Something the user must know after the run (a new login is needed, ...). */
  notice(text: string): void;
}

export interface Step {
  id: string;
  title: string;
  /** Packages whose dpkg state plan() reads: the probe asks dpkg about these. */
  packages?: readonly string[];
  /** "change" steps converge the host; "verify" steps only report, and run every time. */
  kind: "change" | "verify";
  /** Applying it restarts dockerd, which stops running containers without a restart policy. */
  restartsDockerd?: boolean;
  /** A reason to skip without planning (e.g. --no-nvidia, no GPU), or undefined to go on. */
  skipReason?(ctx: PlanContext): string | undefined;
  /** Decide from the facts whether the step is done, and if not, the actions that make it so. */
  plan(ctx: PlanContext): StepPlan;
}

export const done = (reason: string): StepPlan => ({ done: true, reason });
export const todo = (...actions: Action[]): StepPlan => ({ done: false, actions });
