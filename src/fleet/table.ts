import type { HostReport, RunReport, StepStatus } from "../engine/report.js";
import { INTERRUPTED_EXIT_CODE } from "../interrupt.js";

const HEADER = ["host", "OS", "GPU", "result", "changed", "skipped", "time"] as const;

/** A host's outcome in one word. A host whose OS was never read was not reached. */
export function hostResult(host: HostReport): string {
  if (host.ok) return "ok";
  if (host.exitCode === INTERRUPTED_EXIT_CODE) return "interrupted";
  if (host.exitCode === 2) return "bad input";
  if (host.exitCode === 3) return "refused";
  if (host.os === undefined) return "unreachable";
  return "failed";
}

/** The fleet at a glance, after the summary: one row per host. */
export function renderFleetTable(report: RunReport): string {
  const count = (host: HostReport, status: StepStatus) =>
    host.steps.filter((step) => step.status === status).length;
  const rows = report.hosts.map((host) => [
    host.target,
    host.os ?? "-",
    host.gpu ?? "-",
    hostResult(host),
    String(count(host, report.dryRun ? "planned" : "changed")),
    String(count(host, "skipped")),
    `${(host.durationMs / 1000).toFixed(1)}s`,
  ]);
  const header = report.dryRun ? HEADER.map((h) => (h === "changed" ? "planned" : h)) : [...HEADER];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const numeric = new Set([4, 5, 6]);
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row[3] ?? "", (totals.get(row[3] ?? "") ?? 0) + 1);
  const tally = [...totals].map(([result, n]) => `${n} ${result}`).join(", ");
  return ["", line(header), ...rows.map(line), `${report.hosts.length} hosts: ${tally}`].join("\n");
}
