import { lineDiff } from "../diff.js";
import type { WorkspaceDecisions } from "./decisions.js";
import {
  BACKUP_DIR,
  type GeneratedFile,
  MANIFEST_PATH,
  renderWorkspace,
  SEED_FILES,
} from "./files.js";
import { contentHash, type Manifest, parseManifest, renderManifest } from "./manifest.js";

/** A file of the project folder as the host has it. */
export type CurrentFile =
  | { kind: "missing" }
  | { kind: "file"; content: string }
  | { kind: "link" | "other" | "unreadable" };

/**
 * create: not there; update: the tool's own earlier version, rewritten for new decisions;
 * unchanged: already what the tool would write; keep: edited by the user (or never the tool's),
 * left alone; replace: edited, but --force (backed up first); skip: not a plain file.
 */
export type FileAction = "create" | "update" | "unchanged" | "keep" | "replace" | "skip";

export interface FilePlan {
  path: string;
  mode: GeneratedFile["mode"];
  /** What the tool would write. */
  content: string;
  action: FileAction;
  /** From the file on the host to the tool's version (update, keep, replace). */
  diff?: string;
  reason: string;
}

const WRITES: ReadonlySet<FileAction> = new Set(["create", "update", "replace"]);

export function writes(plan: FilePlan): boolean {
  return WRITES.has(plan.action);
}

function notAFile(kind: "link" | "other" | "unreadable"): string {
  if (kind === "link") return "a symbolic link: left alone (the tool writes only plain files)";
  if (kind === "unreadable") return "cannot be read: left alone";
  return "not a plain file: left alone";
}

function planFile(
  file: GeneratedFile,
  current: CurrentFile,
  manifest: Manifest | undefined,
  force: boolean,
  backupStamp: string,
): FilePlan {
  const base = { path: file.path, mode: file.mode, content: file.content };
  if (current.kind === "missing") return { ...base, action: "create", reason: "new" };
  if (current.kind !== "file") return { ...base, action: "skip", reason: notAFile(current.kind) };
  if (current.content === file.content)
    return { ...base, action: "unchanged", reason: "up to date" };
  const diff = lineDiff(current.content, file.content);
  const recorded = manifest?.files[file.path];
  if (recorded === contentHash(current.content))
    return { ...base, action: "update", diff, reason: "the tool's own version: updated" };
  const whose = recorded ? "edited since the tool wrote it" : "not written by the tool";
  if (force)
    return {
      ...base,
      action: "replace",
      diff,
      reason: `${whose}: replaced (--force); the old one is kept in ${BACKUP_DIR}/${backupStamp}/`,
    };
  return {
    ...base,
    action: "keep",
    diff,
    reason: `${whose}: kept as it is; the diff shows what the tool would write (--force replaces it, after a backup)`,
  };
}

/** What to do with each generated file, and the seed files that are missing. */
export function planFiles(
  generated: readonly GeneratedFile[],
  seeds: readonly GeneratedFile[],
  current: ReadonlyMap<string, CurrentFile>,
  manifest: Manifest | undefined,
  options: { force: boolean; backupStamp: string },
): FilePlan[] {
  const missing: CurrentFile = { kind: "missing" };
  const plans = generated.map((file) =>
    planFile(file, current.get(file.path) ?? missing, manifest, options.force, options.backupStamp),
  );
  for (const seed of seeds) {
    if ((current.get(seed.path) ?? missing).kind === "missing")
      plans.push({ ...seed, action: "create", reason: "new (yours from now on: never rewritten)" });
  }
  return plans;
}

/**
 * The manifest after the writes: each file the tool's version is now recorded; a file kept or
 * skipped keeps its old record, so it still counts as edited.
 */
export function manifestAfter(
  plans: readonly FilePlan[],
  generated: readonly GeneratedFile[],
  old: Manifest | undefined,
  cacheDir: string | undefined,
): Manifest {
  const files: Record<string, string> = {};
  for (const file of generated) {
    const plan = plans.find((p) => p.path === file.path);
    if (!plan) continue;
    if (plan.action === "keep" || plan.action === "skip") {
      const recorded = old?.files[file.path];
      if (recorded) files[file.path] = recorded;
    } else files[file.path] = contentHash(file.content);
  }
  return cacheDir === undefined ? { files } : { files, cacheDir };
}

/** A file to write, and where to back up the one it replaces. */
export interface FileWrite {
  path: string;
  mode: string;
  content: string;
  /** Copy the file there is to this path first (relative to the folder). */
  backupTo?: string;
}

export interface WorkspacePlan {
  plans: FilePlan[];
  /** Every write, the manifest last (only when it changes). */
  writes: FileWrite[];
}

/**
 * From the decisions and the folder as the host has it: what each file gets, and the writes that
 * do it. Nothing to write when every file is up to date (or kept) and the manifest is unchanged.
 */
export function planWorkspace(input: {
  decisions: WorkspaceDecisions;
  files: ReadonlyMap<string, CurrentFile>;
  force: boolean;
  backupStamp: string;
  /** The cache dir when the tool chose it (recorded, so the next run keeps it). */
  chosenCacheDir?: string;
}): WorkspacePlan {
  const generated = renderWorkspace(input.decisions);
  const manifestFile = input.files.get(MANIFEST_PATH);
  const manifestText = manifestFile?.kind === "file" ? manifestFile.content : undefined;
  const manifest = parseManifest(manifestText);
  const plans = planFiles(generated, SEED_FILES, input.files, manifest, {
    force: input.force,
    backupStamp: input.backupStamp,
  });
  const fileWrites: FileWrite[] = plans.filter(writes).map((plan) => ({
    path: plan.path,
    mode: plan.mode,
    content: plan.content,
    backupTo:
      plan.action === "replace" ? `${BACKUP_DIR}/${input.backupStamp}/${plan.path}` : undefined,
  }));
  const nextManifest = renderManifest(
    manifestAfter(plans, generated, manifest, input.chosenCacheDir),
  );
  if (nextManifest !== manifestText && manifestFile?.kind !== "link")
    fileWrites.push({ path: MANIFEST_PATH, mode: "0644", content: nextManifest });
  return { plans, writes: fileWrites };
}
