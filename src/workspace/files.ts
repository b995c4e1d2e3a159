import type { WorkspaceDecisions } from "./decisions.js";
import { renderCompose } from "./render-compose.js";
import { renderEnv } from "./render-env.js";
import { renderDockerfile, renderDockerignore } from "./render-image.js";
import { renderRunDocker, renderSetup } from "./render-launcher.js";

export interface GeneratedFile {
  /** Relative to the project folder. */
  path: string;
  content: string;
  mode: "0755" | "0644";
}

const RENDERERS: readonly {
  path: string;
  mode: GeneratedFile["mode"];
  render(d: WorkspaceDecisions): string;
}[] = [
  { path: "run_docker.sh", mode: "0755", render: renderRunDocker },
  { path: "compose.yaml", mode: "0644", render: renderCompose },
  { path: "Dockerfile", mode: "0644", render: renderDockerfile },
  { path: ".dockerignore", mode: "0644", render: renderDockerignore },
  { path: ".env", mode: "0644", render: renderEnv },
  { path: "scripts/setup.sh", mode: "0755", render: renderSetup },
];

/** The files the tool owns in a workspace, whatever the decisions. */
export const GENERATED_PATHS: readonly string[] = RENDERERS.map((renderer) => renderer.path);

/** The files the tool owns in a workspace: rendered again from the decisions on every run. */
export function renderWorkspace(d: WorkspaceDecisions): GeneratedFile[] {
  return RENDERERS.map(({ path, mode, render }) => ({ path, mode, content: render(d) }));
}

/**
 * Files the workspace needs that belong to the user from the start: written once when missing,
 * never compared or updated (the Dockerfile copies requirements.txt, so it must exist).
 */
export const SEED_FILES: readonly GeneratedFile[] = [
  {
    path: "requirements.txt",
    content: "# The project's Python packages, one per line (pip's requirements format).\n",
    mode: "0644",
  },
];

/** Where the tool records what it wrote, to tell its own version of a file from the user's edit. */
export const MANIFEST_PATH = ".vla-provision/workspace.json";
export const BACKUP_DIR = ".vla-provision/backups";
