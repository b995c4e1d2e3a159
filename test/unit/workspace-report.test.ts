/** What `vla-provision workspace` prints: decisions with reasons, each file's action, a summary. */
import { describe, expect, it } from "vitest";
import type { DecisionName, WorkspaceDecisions } from "../../src/workspace/decisions.js";
import {
  compactDiff,
  decisionLines,
  nextCommand,
  renderWorkspaceReport,
  showProxyUrl,
  type WorkspaceHostReport,
  workspaceExitCode,
} from "../../src/workspace/report.js";

const DECISIONS: WorkspaceDecisions = {
  image: "pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime",
  cacheDir: "/data/ops/vla-cache",
  name: "demo",
  gpus: "all",
  ports: [7860],
  shm: { ipcHost: true },
  proxy: { http: "http://bob:s3cret@127.0.0.1:3128" },
  hostNetwork: true,
  uid: 1000,
  gid: 1000,
};
const REASONS = Object.fromEntries(
  ["image", "cacheDir", "name", "gpus", "ports", "shm", "proxy"].map((name) => [
    name,
    `why ${name}`,
  ]),
) as Record<DecisionName, string>;

const host = (files: WorkspaceHostReport["files"], extra: Partial<WorkspaceHostReport> = {}) => ({
  target: "ops@127.0.0.1:2222",
  ok: true,
  exitCode: 0,
  dir: "/home/ops/demo",
  decisions: decisionLines(DECISIONS, REASONS),
  warnings: [],
  files,
  cacheDir: { path: DECISIONS.cacheDir, state: "exists" as const },
  written: 0,
  ...extra,
});

describe("the workspace report", () => {
  it("shows each decision with its reason, never a proxy password", () => {
    const text = renderWorkspaceReport({
      version: "0",
      dryRun: false,
      notices: [],
      hosts: [host([{ path: ".env", action: "unchanged", reason: "up to date" }])],
    });
    expect(text).toContain("  image          pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime\n");
    expect(text).toContain("                 (why image)\n");
    expect(text).toContain("the host's network");
    expect(text).toContain("http http://***@127.0.0.1:3128");
    expect(text).not.toContain("s3cret");
    expect(text).toContain("  => nothing to change: every file is up to date\n");
    expect(text).toContain(
      "  next: ssh -p 2222 -t ops@127.0.0.1 'cd /home/ops/demo && ./run_docker.sh'",
    );
  });

  it("sums up a dry run, a write, and kept edits", () => {
    const files: WorkspaceHostReport["files"] = [
      { path: "run_docker.sh", action: "create", reason: "new", content: "#!/bin/sh\n" },
      { path: ".env", action: "keep", reason: "edited", diff: "  A\n- B\n+ C" },
    ];
    const dry = renderWorkspaceReport({
      version: "0",
      dryRun: true,
      notices: [],
      hosts: [host(files)],
    });
    expect(dry).toContain("    create     run_docker.sh: new\n        | #!/bin/sh\n");
    expect(dry).toContain("    keep       .env: edited\n          A\n        - B\n        + C\n");
    expect(dry).toContain(
      "=> dry run: would write 1 file; 1 file kept with your edits (--force replaces them); nothing was changed",
    );
    expect(dry).not.toContain("next:");
    const done = renderWorkspaceReport({
      version: "0",
      dryRun: false,
      notices: [],
      hosts: [host(files, { written: 2, cacheDir: { path: "/c", state: "created" } })],
    });
    expect(done).toContain("    created    run_docker.sh: new");
    expect(done).toContain("=> wrote 1 file; created /c; 1 file kept with your edits");
  });

  it("shows only the changed lines of a diff, with a line around them", () => {
    const diff = ["  1", "  2", "  3", "- 4", "+ 4b", "  5", "  6", "  7", "  8", "+ 9"].join("\n");
    expect(compactDiff(diff)).toEqual(["  3", "- 4", "+ 4b", "  5", "  ...", "  8", "+ 9"]);
  });

  it("a local workspace is started where it is; the worst host decides the exit code", () => {
    expect(nextCommand({ ...host([]), target: "local", dir: "/srv/my project" })).toBe(
      "cd '/srv/my project' && ./run_docker.sh",
    );
    expect(nextCommand({ ...host([]), target: "gpu-01" })).toBe(
      "ssh -t gpu-01 'cd /home/ops/demo && ./run_docker.sh'",
    );
    expect(showProxyUrl("http://proxy:3128")).toBe("http://proxy:3128");
    expect(
      workspaceExitCode([host([]), { ...host([]), exitCode: 1 }, { ...host([]), exitCode: 3 }]),
    ).toBe(3);
    expect(workspaceExitCode([host([])])).toBe(0);
  });
});
