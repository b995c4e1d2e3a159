import type { Action } from "../actions/types.js";
import { INTERRUPTED_EXIT_CODE } from "../interrupt.js";

export type StepStatus = "changed" | "skipped" | "failed" | "planned" | "verified" | "not started";

export interface StepReport {
  id: string;
  title: string;
  status: StepStatus;
  reason?: string;
  error?: string;
  /** A planned step: what it would do, as shown. */
  plan?: string;
  /** A planned step: its actions, as data. */
  actions?: Action[];
  /** A planned step: the exact scripts it would run, in order. */
  commands?: string[];
  /** A step that ran: the exact scripts the host ran for it, in order. */
  ran?: string[];
  durationMs: number;
}

export interface HostReport {
  /** user@host[:port], or an inventory's name for the host. */
  target: string;
  /** An inventory host: where it was reached (user@host[:port]). */
  address?: string;
  os?: string;
  /** The GPUs in a few words ("1x NVIDIA H100 80GB HBM3", "none"). */
  gpu?: string;
  ok: boolean;
  /** Refused by preflight or unreachable: why, in one line. */
  error?: string;
  exitCode: number;
  steps: StepReport[];
  notices: string[];
  decisions: Record<string, string>;
  commands: number;
  durationMs: number;
}

export interface RunReport {
  version: string;
  dryRun: boolean;
  hosts: HostReport[];
}

/** The run's exit code: the worst of the hosts' (3 refused beats 1 failed beats 0). */
export function runExitCode(report: RunReport): number {
  const codes = report.hosts.map((h) => h.exitCode);
  if (codes.includes(2)) return 2;
  if (codes.includes(INTERRUPTED_EXIT_CODE)) return INTERRUPTED_EXIT_CODE;
  if (codes.includes(3)) return 3;
  if (codes.some((c) => c !== 0)) return 1;
  return 0;
}

const SYMBOL: Record<StepStatus, string> = {
  changed: "changed ",
  skipped: "skipped ",
  failed: "FAILED  ",
  planned: "planned ",
  verified: "verified",
  "not started": "not run ",
};

export function renderSummary(report: RunReport): string {
  const lines: string[] = [];
  for (const host of report.hosts) {
    lines.push("");
    lines.push(`${host.target}${host.os ? ` (${host.os})` : ""}: ${host.ok ? "ok" : "FAILED"}`);
    if (host.error) lines.push(`  ${host.error}`);
    for (const step of host.steps) {
      const seconds = (step.durationMs / 1000).toFixed(1).padStart(5);
      const why = step.error ?? step.reason ?? "";
      lines.push(
        `  ${SYMBOL[step.status]} ${seconds}s  ${step.title}${why ? ` - ${firstLine(why)}` : ""}`,
      );
      // A dry run is for reading what would happen: its commands and file diffs, always.
      if (step.status === "planned" && step.plan) lines.push(indent(step.plan, "             | "));
    }
    for (const notice of host.notices) lines.push(`  note: ${notice}`);
  }
  return lines.join("\n");
}

/**
 * The compact recap after a live tree in a terminal, like Ansible's: one line per host with its
 * counts and time, then only the failures with their reason, and the notes. A dry run's plan is
 * what it is for, so it keeps the full list.
 */
export function renderRecap(report: RunReport): string {
  if (report.dryRun) return renderSummary(report);
  const width = Math.max(...report.hosts.map((h) => h.target.length));
  const lines = ["", "RECAP"];
  for (const host of report.hosts) {
    const count = (status: StepStatus) => host.steps.filter((s) => s.status === status).length;
    const seconds = `${(host.durationMs / 1000).toFixed(1)}s`;
    const state = host.ok
      ? "ok"
      : host.exitCode === INTERRUPTED_EXIT_CODE
        ? "interrupted"
        : "FAILED";
    lines.push(
      `${host.target.padEnd(width)} : ${state.padEnd(11)} changed=${count("changed")} skipped=${count("skipped")} verified=${count("verified")} failed=${count("failed")}  ${seconds}`,
    );
  }
  for (const host of report.hosts) {
    if (host.error) lines.push(`${host.target}: ${firstLine(host.error)}`);
    for (const step of host.steps.filter((s) => s.status === "failed"))
      lines.push(`${host.target}: ${step.title}: ${(step.error ?? "").replaceAll("\n", "\n  ")}`);
    for (const notice of host.notices) lines.push(`${host.target}: note: ${notice}`);
  }
  return lines.join("\n");
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line) => `${prefix}${line}`)
    .join("\n");
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? "";
}

export function toJson(report: RunReport): string {
  return JSON.stringify(report, null, 2);
}

/**
 * The last line of a run that did not succeed: the one command that continues from here. A refusal
 * that --yes would lift names it; anything else is fixed by hand and the same command run again.
 */
export function nextCommand(report: RunReport, command: string): string | undefined {
  const code = runExitCode(report);
  if (code === 0 || code === 2 || code === INTERRUPTED_EXIT_CODE) return undefined;
  const reasons = report.hosts.flatMap((host) => [
    host.error ?? "",
    ...host.steps.map((step) => step.error ?? ""),
  ]);
  const yesWouldDo = reasons.some((reason) => reason.includes("run again with --yes"));
  const hasYes = /(^|\s)(--yes|-y)(\s|$)/.test(command);
  if (yesWouldDo && !hasYes)
    return `next: ${command} --yes   (if what is named above is what you want; done steps are skipped)`;
  return `next: fix what is named above, then run the same command again: ${command}`;
}
