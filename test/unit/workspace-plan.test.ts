/**
 * Re-running workspace: the tool's own files follow new decisions, the user's edits stay (shown as
 * a diff), --force replaces them after a backup, and a run with nothing new writes nothing. The
 * host side is the real reading and writing scripts, run with sh on temporary folders.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { WorkspaceDecisions } from "../../src/workspace/decisions.js";
import { GENERATED_PATHS, MANIFEST_PATH, SEED_FILES } from "../../src/workspace/files.js";
import {
  applyInput,
  applyScript,
  type FolderState,
  parseFolderState,
  readFolderScript,
} from "../../src/workspace/host-scripts.js";
import { parseManifest } from "../../src/workspace/manifest.js";
import { type FileAction, planWorkspace } from "../../src/workspace/plan.js";

const DECISIONS: WorkspaceDecisions = {
  image: "pytorch/pytorch:2.11.0-cuda13.0-cudnn9-runtime",
  cacheDir: "",
  name: "demo",
  gpus: "all",
  ports: [7860, 8888],
  shm: { ipcHost: true },
  hostNetwork: false,
  uid: 1000,
  gid: 1000,
};
const PATHS = [...GENERATED_PATHS, ...SEED_FILES.map((f) => f.path), MANIFEST_PATH];

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "vla-ws-plan-"));
  roots.push(root);
  return root;
}

function readFolder(dir: string): FolderState {
  return parseFolderState(
    execFileSync("sh", ["-c", readFolderScript(dir, PATHS)], { encoding: "utf8" }),
  );
}

/** One run of the command's read, plan and write, against a folder on this machine. */
function run(dir: string, decisions: WorkspaceDecisions, force = false, stamp = "stamp-1") {
  const folder = readFolder(dir);
  const planned = planWorkspace({
    decisions,
    files: folder.files,
    force,
    backupStamp: stamp,
    chosenCacheDir: decisions.cacheDir,
  });
  const output = execFileSync("sh", ["-c", applyScript(dir, decisions.cacheDir, planned.writes)], {
    input: applyInput(planned.writes),
    encoding: "utf8",
  });
  const actions = Object.fromEntries(planned.plans.map((p) => [p.path, p.action])) as Record<
    string,
    FileAction
  >;
  return { ...planned, actions, output };
}

function setUp() {
  const root = tempRoot();
  const dir = join(root, "project");
  return { dir, decisions: { ...DECISIONS, cacheDir: join(root, "cache") } };
}

describe("the folder as the host has it", () => {
  it("resolves the folder and reads any bytes back unchanged", () => {
    const root = tempRoot();
    writeFileSync(join(root, ".env"), "A=1\n\tédition ünïcode\r\n\n");
    symlinkSync("/etc/hostname", join(root, "compose.yaml"));
    mkdirSync(join(root, "Dockerfile"));
    const folder = parseFolderState(
      execFileSync("sh", ["-c", readFolderScript(".", PATHS)], { cwd: root, encoding: "utf8" }),
    );
    expect(folder.dir).toBe(
      execFileSync("sh", ["-c", "pwd -P"], { cwd: root, encoding: "utf8" }).trim(),
    );
    expect(folder.dirState).toBe("writable");
    expect(folder.files.get(".env")).toEqual({
      kind: "file",
      content: "A=1\n\tédition ünïcode\r\n\n",
    });
    expect(folder.files.get("compose.yaml")).toEqual({ kind: "link" });
    expect(folder.files.get("Dockerfile")).toEqual({ kind: "other" });
    expect(folder.files.get("run_docker.sh")).toEqual({ kind: "missing" });
    expect(folder.uid).toBe(process.getuid?.());
  });

  it("~/ is the home directory", () => {
    const folder = parseFolderState(
      execFileSync("sh", ["-c", readFolderScript("~/some/where", [])], {
        encoding: "utf8",
        env: { HOME: "/home/someone", PATH: "/usr/bin:/bin" },
      }),
    );
    expect(folder.dir).toBe("/home/someone/some/where");
    expect(folder.dirState).toBe("missing");
  });
});

describe("a re-run", () => {
  it("first run writes every file, the seed and the manifest; the cache dir is created", () => {
    const { dir, decisions } = setUp();
    const first = run(dir, decisions);
    expect(new Set(Object.values(first.actions))).toEqual(new Set(["create"]));
    expect(first.writes.map((w) => w.path)).toEqual([...PATHS]);
    expect(first.output).toContain("cache=created");
    expect(existsSync(join(decisions.cacheDir, "home"))).toBe(true);
    expect(statSync(join(dir, "run_docker.sh")).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, "compose.yaml")).mode & 0o777).toBe(0o644);
    const manifest = parseManifest(readFileSync(join(dir, MANIFEST_PATH), "utf8"));
    expect(Object.keys(manifest?.files ?? {}).sort()).toEqual([...GENERATED_PATHS].sort());
    expect(manifest?.cacheDir).toBe(decisions.cacheDir);
  });

  it("with nothing changed, writes nothing", () => {
    const { dir, decisions } = setUp();
    run(dir, decisions);
    const before = statSync(join(dir, ".env")).mtimeMs;
    const second = run(dir, decisions);
    expect(second.writes).toEqual([]);
    expect(new Set(Object.values(second.actions))).toEqual(new Set(["unchanged"]));
    expect(second.output.trim()).toBe("cache=exists");
    expect(statSync(join(dir, ".env")).mtimeMs).toBe(before);
  });

  it("a new decision updates the tool's own files in place", () => {
    const { dir, decisions } = setUp();
    run(dir, decisions);
    const image = "pytorch/pytorch:2.11.0-cuda12.8-cudnn9-runtime";
    const next = run(dir, { ...decisions, image });
    expect(next.actions).toMatchObject({
      ".env": "update",
      Dockerfile: "update",
      "compose.yaml": "unchanged",
      "run_docker.sh": "unchanged",
    });
    expect(next.plans.find((p) => p.path === ".env")?.diff).toContain(`+ IMAGE=${image}`);
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toContain(`ARG BASE_IMAGE=${image}`);
    expect(run(dir, { ...decisions, image }).writes).toEqual([]);
  });

  it("a file the user edited is kept, with the diff of what the tool would write", () => {
    const { dir, decisions } = setUp();
    run(dir, decisions);
    const edited = `${readFileSync(join(dir, ".env"), "utf8")}WANDB_PROJECT=vla\n`;
    writeFileSync(join(dir, ".env"), edited);
    const next = run(dir, { ...decisions, gpus: "0" });
    expect(next.actions[".env"]).toBe("keep");
    const plan = next.plans.find((p) => p.path === ".env");
    expect(plan?.diff).toContain("- WANDB_PROJECT=vla");
    expect(plan?.diff).toContain("+ GPUS=0");
    expect(plan?.reason).toMatch(/^edited since the tool wrote it: kept/);
    expect(readFileSync(join(dir, ".env"), "utf8")).toBe(edited);
    // Still the user's on the run after: kept, not mistaken for the tool's own.
    expect(run(dir, { ...decisions, gpus: "0" }).actions[".env"]).toBe("keep");
  });

  it("--force replaces an edited file after backing it up", () => {
    const { dir, decisions } = setUp();
    run(dir, decisions);
    writeFileSync(join(dir, "compose.yaml"), "# mine\n");
    const forced = run(dir, decisions, true, "2026-12-04T19-00-00Z");
    expect(forced.actions["compose.yaml"]).toBe("replace");
    expect(
      readFileSync(join(dir, ".vla-provision/backups/2026-12-04T19-00-00Z/compose.yaml"), "utf8"),
    ).toBe("# mine\n");
    expect(readFileSync(join(dir, "compose.yaml"), "utf8")).toContain("services:");
    expect(run(dir, decisions).writes).toEqual([]);
  });

  it("files that were there before the tool are the user's; links are left alone", () => {
    const { dir, decisions } = setUp();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "Dockerfile"), "FROM python:3.12\n");
    writeFileSync(join(dir, "requirements.txt"), "torch\n");
    symlinkSync("/dev/null", join(dir, ".dockerignore"));
    const first = run(dir, decisions);
    expect(first.actions).toMatchObject({ Dockerfile: "keep", ".dockerignore": "skip" });
    expect(first.plans.find((p) => p.path === "Dockerfile")?.reason).toMatch(
      /^not written by the tool/,
    );
    expect(first.actions["requirements.txt"]).toBeUndefined();
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe("FROM python:3.12\n");
    expect(readFileSync(join(dir, "requirements.txt"), "utf8")).toBe("torch\n");
  });
});
