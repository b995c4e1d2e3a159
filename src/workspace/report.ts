import { shellQuote } from "../hosts/shell.js";
import type { DecisionName, WorkspaceDecisions } from "./decisions.js";
import type { FileAction, FilePlan } from "./plan.js";
import type { WorkspaceProxy } from "./proxy.js";

export interface DecisionLine {
  value: string;
  reason: string;
}

export interface FileReport {
  path: string;
  action: FileAction;
  reason: string;
  diff?: string;
  /** A new file's content (shown by a dry run and --verbose). */
  content?: string;
}

/** What happened on one host. */
export interface WorkspaceHostReport {
  target: string;
  ok: boolean;
  /** 0 done, 1 failed or not reached, 3 refused. */
  exitCode: number;
  error?: string;
  dir?: string;
  decisions?: Record<DecisionName, DecisionLine>;
  warnings: string[];
  files: FileReport[];
  cacheDir?: { path: string; state: "exists" | "created" | "missing" };
  /** Files written (the manifest included); 0 on a dry run. */
  written: number;
}

export interface WorkspaceReport {
  version: string;
  dryRun: boolean;
  notices: string[];
  hosts: WorkspaceHostReport[];
}

/** A proxy URL for output: a user or password in it is replaced by "***". */
export function showProxyUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1***@");
}

function describeProxyValue(proxy: WorkspaceProxy | undefined): string {
  if (!proxy) return "none";
  const parts = [
    proxy.http && `http ${showProxyUrl(proxy.http)}`,
    proxy.https && `https ${showProxyUrl(proxy.https)}`,
    proxy.noProxy && `no_proxy ${proxy.noProxy}`,
  ].filter(Boolean);
  return parts.join(", ");
}

export function decisionLines(
  d: WorkspaceDecisions,
  reasons: Record<DecisionName, string>,
): Record<DecisionName, DecisionLine> {
  return {
    image: { value: d.image, reason: reasons.image },
    cacheDir: { value: d.cacheDir, reason: reasons.cacheDir },
    name: { value: d.name, reason: reasons.name },
    gpus: { value: d.gpus, reason: reasons.gpus },
    ports: {
      value: d.hostNetwork ? "the host's network" : d.ports.map((p) => `127.0.0.1:${p}`).join(", "),
      reason: d.hostNetwork
        ? "the container shares the host's network (loopback proxy)"
        : reasons.ports,
    },
    shm: { value: d.shm.ipcHost ? "--ipc=host" : `--shm-size ${d.shm.size}`, reason: reasons.shm },
    proxy: { value: describeProxyValue(d.proxy), reason: reasons.proxy },
  };
}

export function fileReports(plans: readonly FilePlan[], showContent: boolean): FileReport[] {
  return plans.map((plan) => ({
    path: plan.path,
    action: plan.action,
    reason: plan.reason,
    ...(plan.diff !== undefined ? { diff: plan.diff } : {}),
    ...(showContent && plan.action === "create" ? { content: plan.content } : {}),
  }));
}

const LABELS: Record<DecisionName, string> = {
  image: "image",
  cacheDir: "cache dir",
  name: "name",
  gpus: "GPUs",
  ports: "ports",
  shm: "shared memory",
  proxy: "proxy",
};

/** Only the changed lines of a diff, with a line of context around each change. */
export function compactDiff(diff: string, context = 1): string[] {
  const lines = diff.split("\n");
  const changed = lines.map((line) => line.startsWith("- ") || line.startsWith("+ "));
  const shown = lines.map((_, i) =>
    changed.slice(Math.max(0, i - context), i + context + 1).some(Boolean),
  );
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (shown[i]) out.push(line);
    else if (shown[i - 1]) out.push("  ...");
  });
  return out;
}

/** How a file's action reads before (a dry run) and after it was done. */
const VERBS: Record<FileAction, [string, string]> = {
  create: ["create", "created"],
  update: ["update", "updated"],
  unchanged: ["unchanged", "unchanged"],
  keep: ["keep", "kept"],
  replace: ["replace", "replaced"],
  skip: ["skip", "skipped"],
};

function fileLines(file: FileReport, dryRun: boolean): string[] {
  const verb = VERBS[file.action][dryRun ? 0 : 1];
  const lines = [`    ${verb.padEnd(10)} ${file.path}: ${file.reason}`];
  if (file.diff !== undefined && file.action !== "unchanged")
    lines.push(...compactDiff(file.diff).map((line) => `        ${line}`));
  if (file.content !== undefined)
    lines.push(
      ...file.content
        .replace(/\n$/, "")
        .split("\n")
        .map((line) => `        | ${line}`),
    );
  return lines;
}

const plural = (count: number, what: string) => `${count} ${what}${count === 1 ? "" : "s"}`;

function summary(host: WorkspaceHostReport, dryRun: boolean): string {
  const changing = host.files.filter((f) => ["create", "update", "replace"].includes(f.action));
  const kept = host.files.filter((f) => f.action === "keep").length;
  const keptNote = kept
    ? `; ${plural(kept, "file")} kept with your edits (--force replaces them)`
    : "";
  if (dryRun)
    return changing.length
      ? `dry run: would write ${plural(changing.length, "file")}${keptNote}; nothing was changed`
      : `dry run: nothing to write${keptNote}`;
  const created = host.cacheDir?.state === "created" ? `created ${host.cacheDir.path}` : "";
  if (changing.length === 0) {
    if (created) return `${created}${keptNote}`;
    return kept ? `nothing written${keptNote}` : "nothing to change: every file is up to date";
  }
  return `wrote ${plural(changing.length, "file")}${created ? `; ${created}` : ""}${keptNote}`;
}

/** How to start the container from here: a shell in it, on the host. */
export function nextCommand(host: WorkspaceHostReport): string | undefined {
  if (!host.dir) return undefined;
  const run = `cd ${shellQuote(host.dir)} && ./run_docker.sh`;
  if (host.target === "local") return run;
  const [, login = host.target, port] = /^(.*?)(?::(\d+))?$/.exec(host.target) ?? [];
  const portFlag = port && port !== "22" ? `-p ${port} ` : "";
  return `ssh ${portFlag}-t ${login} ${shellQuote(run)}`;
}

/** The text report: per host, the decisions with their reasons, then each file and what was done. */
export function renderWorkspaceReport(report: WorkspaceReport): string {
  const lines: string[] = [...report.notices.map((notice) => `notice: ${notice}`)];
  for (const host of report.hosts) {
    lines.push(`${host.target}: workspace ${host.dir ?? ""}`.trimEnd());
    const indent = `  ${"".padEnd(14)} `;
    for (const [name, line] of Object.entries(host.decisions ?? {}) as [
      DecisionName,
      DecisionLine,
    ][]) {
      lines.push(`  ${LABELS[name].padEnd(14)} ${line.value}`, `${indent}(${line.reason})`);
      if (name === "cacheDir" && host.cacheDir?.state === "missing")
        lines.push(`${indent}(it does not exist yet: a run creates it, as you)`);
    }
    for (const warning of host.warnings) lines.push(`  warning: ${warning}`);
    if (host.files.length) lines.push("  files:");
    for (const file of host.files) lines.push(...fileLines(file, report.dryRun));
    if (!host.ok) lines.push(`  FAILED: ${host.error ?? "failed"}`);
    else {
      lines.push(`  => ${summary(host, report.dryRun)}`);
      const next = nextCommand(host);
      if (next && !report.dryRun) lines.push(`  next: ${next}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** The worst host's code: refused (3), then failed or not reached (1), else 0. */
export function workspaceExitCode(hosts: readonly WorkspaceHostReport[]): number {
  const codes = hosts.map((h) => h.exitCode);
  for (const code of [2, 3, 1]) if (codes.includes(code)) return code;
  return 0;
}
