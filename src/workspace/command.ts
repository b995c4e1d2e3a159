/**
 * `vla-provision workspace`: the one module that touches hosts. Per host: connect, read the GPUs,
 * the disks and the project folder in one round trip, decide and render (pure), then write the
 * files as the login user in a second round trip (a dry run only looks at the cache dir).
 */
import { exitCodeOf, messageOf, RefusedError, StepError } from "../errors.js";
import { PROBE_TIMEOUT_MS, probeScript } from "../facts/gather.js";
import { TIMED_OUT, timedOutMessage } from "../facts/probe/constants.js";
import { sectionReader } from "../facts/probe/definition.js";
import { disks } from "../facts/probe/disks.js";
import { gpu } from "../facts/probe/gpu.js";
import { splitSections } from "../facts/sections.js";
import { type ConnectOptions, openTransport } from "../hosts/connect.js";
import { Host } from "../hosts/host.js";
import { VERSION } from "../version.js";
import { decideWorkspace } from "./decisions.js";
import { GENERATED_PATHS, MANIFEST_PATH, SEED_FILES } from "./files.js";
import {
  applyInput,
  applyScript,
  cacheCheckScript,
  type FolderState,
  parseFolderState,
  readFolderScript,
} from "./host-scripts.js";
import { parseManifest } from "./manifest.js";
import type { WorkspaceOptions } from "./options.js";
import { planWorkspace } from "./plan.js";
import { configuredHostProxy } from "./proxy.js";
import {
  decisionLines,
  fileReports,
  type WorkspaceHostReport,
  type WorkspaceReport,
} from "./report.js";

export interface WorkspaceRequest {
  options: WorkspaceOptions;
  connect: ConnectOptions;
  /** One entry per host; undefined is this machine. */
  targets: (string | undefined)[];
  notices: string[];
  /** The environment the tool runs in (a local run takes its proxy from it). */
  env: Readonly<Record<string, string | undefined>>;
  /** Names the backups of replaced files; a time stamp by default. */
  backupStamp?: string;
}

const PROBED_SECTIONS = ["gpu", "disks"] as const;
const APPLY_TIMEOUT_MS = 120_000;

function timeStamp(): string {
  return new Date()
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replaceAll(":", "-");
}

/** Connect and read: the probe's GPU and disk sections, then the folder (same round trip). */
async function readHost(host: Host, options: WorkspaceOptions) {
  const paths = [...GENERATED_PATHS, ...SEED_FILES.map((file) => file.path), MANIFEST_PATH];
  let folderOutput = "";
  const probe = await host.run(probeScript(host.loginUser, [], { only: PROBED_SECTIONS }), {
    label: "host probe",
    check: false,
    timeoutMs: PROBE_TIMEOUT_MS,
    followedBy: {
      script: readFolderScript(options.dir, paths),
      read: (stdout) => {
        folderOutput = stdout;
      },
    },
  });
  if (probe.code === TIMED_OUT)
    throw new StepError(timedOutMessage("the host probe", PROBE_TIMEOUT_MS / 1000));
  const read = sectionReader(splitSections(probe.stdout), host.loginUser);
  return {
    gpuState: gpu.parse(read).gpuState,
    disks: disks.parse(read).disks,
    folder: parseFolderState(folderOutput),
  };
}

function refuseFolder(folder: FolderState): void {
  if (folder.uid === 0)
    throw new RefusedError(
      "the workspace would belong to root: run it as the user who works in the project (--ssh user@host, or without sudo)",
    );
  if (folder.dirState === "not-a-directory")
    throw new RefusedError(`${folder.dir} exists and is not a directory`);
  if (folder.dirState === "read-only")
    throw new RefusedError(`${folder.user} cannot write in ${folder.dir}`);
}

async function workspaceOnHost(
  target: string | undefined,
  request: WorkspaceRequest,
  stamp: string,
): Promise<WorkspaceHostReport> {
  const { options } = request;
  const report: WorkspaceHostReport = {
    target: target ?? "local",
    ok: true,
    exitCode: 0,
    warnings: [],
    files: [],
    written: 0,
  };
  let host: Host | undefined;
  try {
    const transport = await openTransport(target, request.connect);
    host = new Host(transport);
    report.target = host.target;
    const { gpuState, disks: found, folder } = await readHost(host, options);
    report.dir = folder.dir;
    refuseFolder(folder);
    const manifestFile = folder.files.get(MANIFEST_PATH);
    const manifest = parseManifest(
      manifestFile?.kind === "file" ? manifestFile.content : undefined,
    );
    const outcome = decideWorkspace(options, {
      gpuState,
      disks: found,
      user: folder.user,
      home: folder.home,
      dir: folder.dir,
      uid: folder.uid,
      gid: folder.gid,
      proxy: configuredHostProxy(transport.kind, request.env),
      previousCacheDir: manifest?.cacheDir,
    });
    report.decisions = decisionLines(outcome.decisions, outcome.reasons);
    report.warnings.push(...outcome.warnings);
    if (outcome.refusal) throw new RefusedError(outcome.refusal);

    const { plans, writes: fileWrites } = planWorkspace({
      decisions: outcome.decisions,
      files: folder.files,
      force: options.force,
      backupStamp: stamp,
      chosenCacheDir: options.cacheDir ? undefined : outcome.decisions.cacheDir,
    });
    report.files = fileReports(plans, options.dryRun || options.verbose);
    const cacheDir = outcome.decisions.cacheDir;
    const script = options.dryRun
      ? cacheCheckScript(cacheDir)
      : applyScript(folder.dir, cacheDir, fileWrites);
    const applied = await host.run(script, {
      label: options.dryRun ? "check the cache dir" : `write the workspace in ${folder.dir}`,
      stdin: options.dryRun ? undefined : applyInput(fileWrites),
      timeoutMs: APPLY_TIMEOUT_MS,
    });
    const state = /cache=(exists|created|missing)/.exec(applied.stdout)?.[1] ?? "exists";
    report.cacheDir = { path: cacheDir, state: state as "exists" | "created" | "missing" };
    report.written = options.dryRun ? 0 : fileWrites.length;
  } catch (error) {
    report.ok = false;
    report.error = messageOf(error).split("\n")[0];
    report.exitCode = exitCodeOf(error);
  } finally {
    await host?.close();
  }
  return report;
}

/** Write (or, with --dry-run, show) the workspace on every host, concurrently. */
export async function workspace(request: WorkspaceRequest): Promise<WorkspaceReport> {
  const stamp = request.backupStamp ?? timeStamp();
  const hosts = await Promise.all(
    request.targets.map((target) => workspaceOnHost(target, request, stamp)),
  );
  return { version: VERSION, dryRun: request.options.dryRun, notices: request.notices, hosts };
}
