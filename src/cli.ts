import { Command, CommanderError, Option } from "commander";
import semver from "semver";
import { passesToUserData } from "./cloud-init/pass-through.js";
import { normalizeDir } from "./docker/daemon-settings.js";
import type { DoctorHost } from "./doctor.js";
import type { Pipeline } from "./engine/pipeline.js";
import type { AskConfirmation } from "./engine/restart-confirmation.js";
import { exitCodeOf, messageOf, UsageError } from "./errors.js";
import type { FleetTargets } from "./fleet/inventory-targets.js";
import { DEFAULT_PARALLEL, MAX_PARALLEL, type TargetDetailsMap } from "./fleet/targets.js";
import type { ConnectOptions } from "./hosts/connect.js";
import { shellQuote } from "./hosts/shell.js";
import { checkImageReference } from "./image-ref.js";
import {
  type InputFileRules,
  MAX_KEY_FILE_BYTES,
  MISSING,
  unusableFileReason,
} from "./input-files.js";
import { handleSignals, INTERRUPTED_EXIT_CODE, interruption } from "./interrupt.js";
import { type MirrorPreset, mirrorPresets, renderMirrorList } from "./mirrors.js";
import {
  longFlag,
  OPTION_SPECS,
  type OptionSpec,
  WORKSPACE_SHARED_OPTIONS,
} from "./option-schema.js";
import { OFFICIAL, type ProvisionOptions } from "./options.js";
import { isFingerprint, normalizeFingerprint } from "./pgp.js";
import {
  checkNoProxy,
  checkProxyUrl,
  DEFAULT_NO_PROXY,
  type ProxyRequest,
  shownProxy,
} from "./proxy.js";
import type { AskPassword } from "./session.js";
import { parseSshTarget } from "./ssh/target.js";
import { uniqueTargets } from "./ssh/unique-targets.js";
import { checkUrl, type UrlRules } from "./url.js";
import { VERSION } from "./version.js";

const EXAMPLES = `
Examples:
  $ vla-provision                               provision this machine (asks for sudo if needed)
  $ vla-provision --dry-run                     show every change, change nothing
  $ vla-provision --ssh ops@gpu-01 --ssh lab-02 provision two hosts over SSH, concurrently
  $ vla-provision doctor --ssh gpu-01 --json    what the tool sees on a host, as JSON
  $ vla-provision plan --format sh --ssh gpu-01 the host's plan as one shell script to review
  $ vla-provision workspace ~/vla --ssh gpu-01  a GPU container set-up for a project, fitted to the host
  $ vla-provision --docker-version "~27.5" --registry-mirror https://mirror.example.org
  $ vla-provision --inventory hosts.ini --limit 'gpu:!gpu-07' --parallel 20   a fleet from Ansible's inventory
  $ vla-provision cloud-init --exe-sha256 <hex> > user-data.yaml               first-boot user-data

Exit codes: 0 success (changed or not), 1 a step failed, 2 bad usage or input,
3 a host was refused (unsupported OS, no sudo, unknown or changed host key, ...),
130 interrupted (run the same command again to continue).`;

export interface RawOptions {
  ssh: string[];
  identity?: string;
  knownHosts?: string;
  acceptNewHostKey?: boolean;
  sshConfig?: string;
  user?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  verbose?: boolean;
  /** plan's output: text, json or sh. */
  format?: string;
  verify: boolean;
  nvidia: boolean;
  requireGpu?: boolean;
  replaceSnapDocker?: boolean;
  dockerVersion?: string;
  toolkitVersion?: string;
  dockerRepo?: string;
  dockerKeyFingerprint: string;
  nvidiaRepo?: string;
  mirror?: string;
  proxy?: string;
  noProxy?: string;
  nvidiaKeyFingerprint: string;
  registryMirror: string[];
  logRotation: boolean;
  dataRoot?: string;
  moveData?: boolean;
  helloImage: string;
  cudaImage?: string;
  aptLockTimeout: string;
  sudoPasswordStdin?: boolean;
  /** workspace's own options (src/workspace/options.ts checks them). */
  image?: string;
  cacheDir?: string;
  port: string[];
  name?: string;
  gpus?: string;
  ipcHost: boolean;
  shmSize?: string;
  force?: boolean;
  inventory: string[];
  limit?: string;
  parallel: string;
  exeUrl?: string;
  exeSha256?: string;
  arch: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Every parsed option has a spec in the schema, and every spec a parsed option. */
type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;
export const OPTION_KEYS_MATCH: SameKeys<RawOptions, typeof OPTION_SPECS> = true;

type CommandName = Invocation["command"];

/** Whether the command takes the option; cloud-init takes only what the run on the new machine needs. */
function takesOption(key: string, spec: OptionSpec, name: CommandName): boolean {
  if (name === "cloud-init") return spec.commands?.includes(name) ?? passesToUserData(key, spec);
  if (name === "workspace")
    return spec.commands?.includes(name) ?? WORKSPACE_SHARED_OPTIONS.has(key);
  return !spec.commands || (spec.commands as readonly string[]).includes(name);
}

/** The options of the schema that this command takes, in their --help groups. */
function addOptions(command: Command, name: CommandName): Command {
  let group: string | undefined;
  for (const [key, spec] of Object.entries(OPTION_SPECS) as [string, OptionSpec][]) {
    if (!takesOption(key, spec, name)) continue;
    if (spec.group !== group) {
      command.optionsGroup(spec.group);
      group = spec.group;
    }
    const option = new Option(spec.flags, spec.help);
    // "--no-proxy <list>" takes a value: an option of its own, not the negation of --proxy.
    if (option.negate && (option.required || option.optional)) option.negate = false;
    if (spec.repeatable) option.argParser(collect).default([]);
    else if (typeof spec.default === "string") option.default(spec.default);
    command.addOption(option);
  }
  return command;
}

/** What the command line asks for, as commander parsed it. */
export interface Invocation {
  command: "provision" | "doctor" | "plan" | "cloud-init" | "workspace";
  raw: RawOptions;
  /** workspace's project folder, as given. */
  dir?: string;
}

/** An invocation with every option checked: what runs. */
export interface Plan extends Invocation {
  options: ProvisionOptions;
  connect: ConnectOptions;
  /** One entry per host; undefined is this machine. */
  targets: (string | undefined)[];
  /** How many hosts run at once. */
  parallel: number;
  /** Inventory hosts: the name to report and the host's own key, by target. */
  details: TargetDetailsMap;
}

const MAX_APT_LOCK_SECONDS = 86_400;

function fail(message: string): never {
  throw new UsageError(message);
}

function checkUrlOption(
  flag: string,
  value: string,
  notices: string[],
  rules: UrlRules = { path: true },
): string {
  const checked = checkUrl(value, rules);
  if (!checked.ok) fail(`${flag}: ${JSON.stringify(value)} ${checked.error}`);
  if (checked.insecure)
    notices.push(
      `${flag} ${checked.url} uses plain http: only the verified repository key protects what is downloaded from it`,
    );
  return checked.url;
}

function checkFingerprint(flag: string, value: string): string {
  if (!isFingerprint(value))
    fail(`${flag}: ${JSON.stringify(value)} is not a 40- or 64-hex-digit key fingerprint`);
  return normalizeFingerprint(value);
}

function checkRange(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  // semver reads "" as "any version": an empty value is a mistake, not a wish.
  if (value.trim() === "" || !semver.validRange(value))
    fail(`${flag}: ${JSON.stringify(value)} is not a semver range (e.g. "28", "~27.5", "27.5.1")`);
  return value;
}

function checkImage(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const checked = checkImageReference(value);
  if (!checked.ok)
    fail(`${flag}: ${JSON.stringify(value)} is not an image reference: ${checked.error}`);
  return value;
}

/** Directories that hold the system itself: a data root there would mix dockerd's files into it. */
const SYSTEM_DIRS = new Set(
  [
    "bin",
    "boot",
    "dev",
    "etc",
    "home",
    "lib",
    "lib64",
    "proc",
    "root",
    "run",
    "sbin",
    "sys",
    "tmp",
    "usr",
    "var",
    "var/lib",
  ].map((d) => `/${d}`),
);

function checkProxy(
  value: string | undefined,
  noProxy: string | undefined,
): ProxyRequest | undefined {
  if (value === undefined) {
    if (noProxy !== undefined) fail("--no-proxy needs --proxy");
    return undefined;
  }
  if (value === "none") {
    if (noProxy !== undefined) fail("--no-proxy and --proxy none contradict each other");
    return "none";
  }
  const url = checkProxyUrl(value);
  // The value itself may hold a password: it is never echoed back.
  if (!url.ok) fail(`--proxy: ${shownProxyInput(value)} ${url.error}`);
  const list = checkNoProxy(noProxy ?? DEFAULT_NO_PROXY);
  if (!list.ok) fail(`--no-proxy: ${JSON.stringify(noProxy)} ${list.error}`);
  return { url: url.url, noProxy: list.url };
}

/** A mistyped proxy URL, shown without what could be its password. */
function shownProxyInput(value: string): string {
  return JSON.stringify(shownProxy(value));
}

function mirrorPreset(name: string | undefined): MirrorPreset | undefined {
  if (name === undefined) return undefined;
  let presets: Record<string, MirrorPreset>;
  try {
    presets = mirrorPresets();
  } catch (error) {
    fail(`--mirror: ${(error as Error).message}`);
  }
  const preset = presets[name];
  if (!preset)
    fail(
      `--mirror: unknown preset ${JSON.stringify(name)} (known: ${Object.keys(presets).join(", ")}; --mirror list shows them)`,
    );
  return preset;
}

function checkDataRoot(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const dir = normalizeDir(value);
  if (!value.trim().startsWith("/") || /[\0\n]/.test(dir) || dir.split("/").includes(".."))
    fail(`--data-root: ${JSON.stringify(value)} is not an absolute directory path`);
  if (dir === "/" || SYSTEM_DIRS.has(dir))
    fail(
      `--data-root: ${dir} is a system directory; give a directory of its own (e.g. /data/docker)`,
    );
  return dir;
}

function checkAptLockSeconds(value: string): number {
  const seconds = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds <= MAX_APT_LOCK_SECONDS))
    fail(
      `--apt-lock-timeout: ${JSON.stringify(value)} is not a whole number of seconds in 0..${MAX_APT_LOCK_SECONDS}`,
    );
  return seconds;
}

function checkInputFile(
  flag: string,
  path: string | undefined,
  rules: InputFileRules,
  ifMissing = "",
): void {
  if (path === undefined) return;
  const reason = path === "" ? "is empty" : unusableFileReason(path, rules);
  if (reason)
    fail(`${flag}: ${JSON.stringify(path)} ${reason}${reason === MISSING ? ifMissing : ""}`);
}

/** Validate every option before anything connects, so bad input never reaches a host. */
export function toOptions(raw: RawOptions): { options: ProvisionOptions; connect: ConnectOptions } {
  for (const value of raw.ssh) parseSshTarget(value);
  if (raw.user !== undefined && !/^[a-z_][a-z0-9_.-]*\$?$/i.test(raw.user))
    fail(`--user: ${JSON.stringify(raw.user)} is not a valid user name`);
  const notices: string[] = [];
  const mirror = mirrorPreset(raw.mirror);
  const options: ProvisionOptions = {
    dryRun: Boolean(raw.dryRun),
    yes: Boolean(raw.yes),
    json: Boolean(raw.json),
    verbose: Boolean(raw.verbose),
    verify: raw.verify,
    nvidia: raw.nvidia,
    requireGpu: Boolean(raw.requireGpu),
    replaceSnapDocker: Boolean(raw.replaceSnapDocker),
    user: raw.user,
    dockerVersion: checkRange("--docker-version", raw.dockerVersion),
    toolkitVersion: checkRange("--toolkit-version", raw.toolkitVersion),
    dockerRepo: checkUrlOption(
      raw.dockerRepo === undefined && mirror?.dockerRepo
        ? `--mirror ${raw.mirror}`
        : "--docker-repo",
      raw.dockerRepo ?? mirror?.dockerRepo ?? OFFICIAL.dockerRepo,
      notices,
    ),
    dockerKeyFingerprint: checkFingerprint("--docker-key-fingerprint", raw.dockerKeyFingerprint),
    nvidiaRepo: checkUrlOption(
      raw.nvidiaRepo === undefined && mirror?.nvidiaRepo
        ? `--mirror ${raw.mirror}`
        : "--nvidia-repo",
      raw.nvidiaRepo ?? mirror?.nvidiaRepo ?? OFFICIAL.nvidiaRepo,
      notices,
    ),
    nvidiaKeyFingerprint: checkFingerprint("--nvidia-key-fingerprint", raw.nvidiaKeyFingerprint),
    // dockerd's mirrors are plain http(s) origins; a mirror's own security is TLS, not a key.
    registryMirrors: raw.registryMirror.map((m) =>
      checkUrlOption("--registry-mirror", m, [], { path: false }),
    ),
    proxy: checkProxy(raw.proxy, raw.noProxy),
    logRotation: raw.logRotation,
    dataRoot: checkDataRoot(raw.dataRoot),
    moveData: Boolean(raw.moveData),
    helloImage: checkImage("--hello-image", raw.helloImage) ?? OFFICIAL.helloImage,
    cudaImage: checkImage("--cuda-image", raw.cudaImage),
    aptLockWaitMs: checkAptLockSeconds(raw.aptLockTimeout) * 1000,
    notices,
  };
  if (raw.requireGpu && !raw.nvidia) fail("--require-gpu and --no-nvidia contradict each other");
  if (raw.moveData && raw.dataRoot === undefined) fail("--move-data needs --data-root <dir>");
  return { options, connect: checkConnectOptions(raw) };
}

/** Check the options that say how to connect (every command that reaches hosts takes them). */
function checkConnectOptions(raw: RawOptions): ConnectOptions {
  for (const value of raw.ssh) parseSshTarget(value);
  checkInputFile("-i", raw.identity, { maxBytes: MAX_KEY_FILE_BYTES });
  // A known_hosts file that does not exist yet is created when a new key is accepted into it.
  checkInputFile(
    "--known-hosts",
    raw.knownHosts,
    { allowDevNull: true, mayBeMissing: Boolean(raw.acceptNewHostKey) },
    " (with --accept-new-host-key it is created)",
  );
  checkInputFile("--ssh-config", raw.sshConfig, { allowDevNull: true });
  return {
    identity: raw.identity,
    knownHosts: raw.knownHosts,
    acceptNewHostKey: Boolean(raw.acceptNewHostKey),
    sshConfig: raw.sshConfig,
  };
}

/** Check every option and settle the hosts to run on: a host given twice runs once. */
export async function planRun(invocation: Invocation): Promise<Plan> {
  if (invocation.command === "cloud-init") return planCloudInit(invocation);
  const { options, connect } = toOptions(invocation.raw);
  if (invocation.command === "plan") planOnly(invocation.raw, options);
  const parallel = checkParallel(invocation.raw.parallel);
  const fleet = await inventoryTargets(invocation.raw);
  options.notices.push(...fleet.notices);
  const unique = await uniqueTargets([...invocation.raw.ssh, ...fleet.ssh], connect);
  options.notices.push(...unique.dropped);
  const targets = [...unique.targets, ...(fleet.local ? [undefined] : [])];
  if (invocation.raw.format === "sh" && targets.length > 1)
    fail("plan --format sh: one script is for one host; give one --ssh at a time");
  return {
    ...invocation,
    options,
    connect,
    targets: targets.length ? targets : [undefined],
    parallel,
    details: fleet.details,
  };
}

/** The inventory's hosts; its parser is loaded only when an inventory is given. */
async function inventoryTargets(raw: RawOptions): Promise<FleetTargets> {
  if (raw.inventory.length === 0 && raw.limit === undefined)
    return { ssh: [], local: false, details: new Map(), notices: [] };
  const { targetsFromInventories } = await import("./fleet/inventory-targets.js");
  return targetsFromInventories(raw.inventory, raw.limit);
}

function checkParallel(value: string): number {
  const n = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 1 && n <= MAX_PARALLEL))
    fail(`--parallel: ${JSON.stringify(value)} is not a whole number in 1..${MAX_PARALLEL}`);
  return n;
}

/**
 * `cloud-init` runs nothing here: it checks the provisioning options it hands on. Options given
 * before it that it does not take (--ssh, ...) are refused rather than dropped.
 */
function planCloudInit(invocation: Invocation): Plan {
  const given = Object.keys(invocation.raw).filter((key) => {
    const spec = (OPTION_SPECS as Record<string, OptionSpec>)[key];
    return spec !== undefined && !takesOption(key, spec, "cloud-init");
  });
  const [foreign] = given.map((key) =>
    longFlag((OPTION_SPECS as Record<string, OptionSpec>)[key] as OptionSpec),
  );
  if (foreign)
    fail(`cloud-init does not take ${foreign}: the user-data runs on the new machine itself`);
  const raw: RawOptions = {
    ...invocation.raw,
    ssh: [],
    inventory: [],
    parallel: String(DEFAULT_PARALLEL),
  };
  const { options, connect } = toOptions(raw);
  return { ...invocation, raw, options, connect, targets: [], parallel: 1, details: new Map() };
}

export const PLAN_FORMATS = ["text", "json", "sh"] as const;

/** `plan` is a dry run whose output is the plan: text (as --dry-run), json, or one sh script. */
function planOnly(raw: RawOptions, options: ProvisionOptions): void {
  const format = raw.format ?? "text";
  if (!(PLAN_FORMATS as readonly string[]).includes(format))
    fail(`--format: ${JSON.stringify(format)} is not one of ${PLAN_FORMATS.join(", ")}`);
  options.dryRun = true;
  // Progress goes to stderr whenever stdout carries the plan itself.
  options.json = format !== "text";
}

async function readStdinLine(): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).includes(10)) break;
  }
  const line = Buffer.concat(chunks).toString("utf8").split("\n")[0];
  return line ? line.replace(/\r$/, "") : undefined;
}

/** A person at a terminal can be asked (and may retry); a script cannot. */
function canPrompt(raw: RawOptions): boolean {
  return !raw.yes && !raw.sudoPasswordStdin && process.stdin.isTTY && process.stderr.isTTY;
}

function passwordAsker(raw: RawOptions): AskPassword {
  return async (login, retry) => {
    if (raw.sudoPasswordStdin) return readStdinLine();
    if (!canPrompt(raw)) return undefined;
    const { password } = await import("@inquirer/prompts");
    const message = `${retry ? "Sorry, try again. " : ""}sudo password for ${login}:`;
    return password({ message }, { output: process.stderr });
  };
}

function confirmationAsker(raw: RawOptions): AskConfirmation {
  return async (question) => {
    if (!canPrompt(raw)) return undefined;
    const { confirm } = await import("@inquirer/prompts");
    return confirm({ message: question, default: false }, { output: process.stderr });
  };
}

async function runProvision(
  { command, raw, options, connect, targets, parallel, details }: Plan,
  pipeline: Pipeline,
): Promise<number> {
  const { provision } = await import("./provision.js");
  const { nextCommand, runExitCode, renderRecap, renderSummary, toJson } = await import(
    "./engine/report.js"
  );
  const report = await provision({
    pipeline,
    targets,
    connect,
    options,
    askPassword: passwordAsker(raw),
    passwordTries: canPrompt(raw) ? 3 : 1,
    askConfirmation: confirmationAsker(raw),
    parallel,
    details,
  });
  // In a terminal the live tree has shown every step: a recap follows. Logs keep the full list.
  const tree = options.json ? process.stderr : process.stdout;
  const recap = tree.isTTY && !process.env.CI && !options.verbose;
  process.stderr.write(`${recap ? renderRecap(report) : renderSummary(report)}\n`);
  if (report.hosts.length > 1) {
    const { renderFleetTable } = await import("./fleet/table.js");
    process.stderr.write(`${renderFleetTable(report)}\n`);
  }
  const host = report.hosts[0];
  if (command === "plan" && raw.format === "sh") {
    const { planAsShellScript } = await import("./actions/shell-script.js");
    if (host?.ok) process.stdout.write(planAsShellScript(host, options, VERSION));
  } else if (options.json) process.stdout.write(`${toJson(report)}\n`);
  const next = nextCommand(
    report,
    ["vla-provision", ...process.argv.slice(2).map(shellQuote)].join(" "),
  );
  if (next) process.stderr.write(`${next}\n`);
  return runExitCode(report);
}

/** One line per host doctor could not read, for stderr; the report itself goes to stdout. */
export function doctorErrorLines(hosts: DoctorHost[]): string[] {
  return hosts
    .filter((host) => !host.ok)
    .map((host) => `vla-provision: ${host.target}: ${(host.error ?? "failed").split("\n")[0]}`);
}

async function runDoctor(
  { options, connect, targets, parallel, details }: Plan,
  pipeline: Pipeline,
): Promise<number> {
  const { doctor, doctorExitCode, renderDoctor } = await import("./doctor.js");
  const report = await doctor({
    pipeline,
    targets,
    connect,
    options,
    askPassword: async () => undefined,
    probe: { details: true },
    parallel,
    details,
  });
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${renderDoctor(report, options.verbose)}\n`);
  for (const line of doctorErrorLines(report.hosts)) process.stderr.write(`${line}\n`);
  return doctorExitCode(report.hosts);
}

async function runCloudInit({ raw }: Plan): Promise<number> {
  const { cloudInitCommand } = await import("./cloud-init/command.js");
  process.stdout.write(await cloudInitCommand({ ...raw }, VERSION));
  return 0;
}

/** `workspace`: its options are checked before anything connects; it runs no pipeline. */
async function runWorkspace({ raw, dir }: Invocation): Promise<number> {
  const { checkWorkspaceOptions } = await import("./workspace/options.js");
  const options = checkWorkspaceOptions(raw, dir);
  const connect = checkConnectOptions(raw);
  const unique = await uniqueTargets(raw.ssh, connect);
  const { workspace } = await import("./workspace/command.js");
  const { renderWorkspaceReport, workspaceExitCode } = await import("./workspace/report.js");
  const report = await workspace({
    options,
    connect,
    targets: unique.targets.length ? unique.targets : [undefined],
    notices: unique.dropped,
    env: process.env,
  });
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(renderWorkspaceReport(report));
  for (const host of report.hosts.filter((h) => !h.ok))
    process.stderr.write(`vla-provision: ${host.target}: ${host.error ?? "failed"}\n`);
  return workspaceExitCode(report.hosts);
}

function runPlan(plan: Plan, pipeline: Pipeline): Promise<number> {
  if (plan.command === "cloud-init") return runCloudInit(plan);
  return plan.command === "doctor" ? runDoctor(plan, pipeline) : runProvision(plan, pipeline);
}

/**
 * Positional options make `vla-provision --ssh h doctor` parse `--ssh h` as the program's option.
 * doctor takes those as its own: where both give a value its own wins, and repeatable options
 * (--ssh, --registry-mirror) add up.
 */
function withOptionsBeforeCommand(command: Command): RawOptions {
  const merged: Record<string, unknown> = { ...command.opts() };
  const parent = command.parent;
  if (!parent) return merged as unknown as RawOptions;
  for (const [key, value] of Object.entries(parent.opts())) {
    if (parent.getOptionValueSource(key) !== "cli") continue;
    const own = merged[key];
    if (command.getOptionValueSource(key) !== "cli") merged[key] = value;
    else if (Array.isArray(value) && Array.isArray(own)) merged[key] = [...value, ...own];
  }
  return merged as unknown as RawOptions;
}

/** Commander adds "(Did you mean ...?)" on a second line; bad usage is one line. */
function writeOneLine(text: string, write: (text: string) => void): void {
  write(`${text.trim().replace(/\s*\n\s*/g, " ")}\n`);
}

/** The subcommands, in --help's order; a run without one provisions. */
const SUBCOMMANDS: {
  name: Exclude<CommandName, "provision">;
  usage: string;
  description: string;
}[] = [
  {
    name: "plan",
    usage: "plan",
    description:
      "what a run would change on each host, changing nothing: as --dry-run shows it (text), as JSON, or as one POSIX shell script to review (sh)",
  },
  {
    name: "doctor",
    usage: "doctor",
    description: "read-only: print what the tool sees on each host (one probe)",
  },
  {
    name: "cloud-init",
    usage: "cloud-init",
    description:
      "print #cloud-config user-data that provisions a new machine on its first boot: it downloads the standalone executable (SHA-256 pinned), runs it with these options plus --json --yes, and leaves the report in /var/log/vla-provision.json",
  },
  {
    name: "workspace",
    usage: "workspace [dir]",
    description:
      "write a GPU container set-up for a project into dir (default: the current directory; relative to the home directory over SSH), as the login user: run_docker.sh, compose.yaml, Dockerfile, .dockerignore, .env, scripts/setup.sh, fitted to the GPUs, the driver and the disks",
  },
];

export function buildProgram(onInvoke: (invocation: Invocation) => void): Command {
  const program = addOptions(new Command("vla-provision"), "provision")
    .description(
      "Turn an Ubuntu/Debian NVIDIA GPU machine into a ready Docker host for VLA model work: Docker CE, the docker group, the NVIDIA Container Toolkit, verified. Safe to run again: done steps are skipped.",
    )
    .optionsGroup("Options:")
    .version(VERSION, "-V, --version")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: writeOneLine })
    .addHelpText("after", EXAMPLES);
  for (const { name, usage, description } of SUBCOMMANDS) {
    const command = addOptions(program.command(usage).description(description), name);
    // commander passes the positional arguments first, then the options and the command itself.
    command.action((...args: unknown[]) => {
      const self = args.at(-1) as Command;
      const dir = name === "workspace" ? (args[0] as string | undefined) : undefined;
      onInvoke({ command: name, raw: withOptionsBeforeCommand(self), ...(dir ? { dir } : {}) });
    });
  }
  // The program takes no arguments: one here is a mistyped command, which commander would only
  // call an excess argument because the program has an action of its own.
  program.allowExcessArguments().action((raw: RawOptions) => {
    const [unknown] = program.args;
    if (unknown !== undefined)
      program.error(
        `error: unknown command '${unknown}' (the commands are ${SUBCOMMANDS.map((c) => c.name).join(", ")})`,
        {
          code: "commander.unknownCommand",
          exitCode: 2,
        },
      );
    onInvoke({ command: "provision", raw });
  });
  return program;
}

/** Parse a command line (process.argv style) without running anything. */
export async function parseInvocation(argv: string[]): Promise<Invocation> {
  let invocation: Invocation | undefined;
  await buildProgram((parsed) => {
    invocation = parsed;
  }).parseAsync(argv);
  if (!invocation) throw new Error("the command line named nothing to run");
  return invocation;
}

export async function main(
  argv: string[],
  pipeline: Pipeline,
  run: (plan: Plan, pipeline: Pipeline) => Promise<number> = runPlan,
): Promise<number> {
  const stopHandling = handleSignals(
    (line) => process.stderr.write(`\n${line}\n`),
    (code) => process.exit(code),
  );
  try {
    const invocation = await parseInvocation(argv);
    if (invocation.raw.mirror === "list") {
      process.stdout.write(renderMirrorList(mirrorPresets()));
      return 0;
    }
    const exitCode =
      invocation.command === "workspace"
        ? await runWorkspace(invocation)
        : await run(await planRun(invocation), pipeline);
    if (interruption().requested) {
      process.stderr.write(
        "vla-provision: interrupted; run the same command again to continue from here\n",
      );
      return INTERRUPTED_EXIT_CODE;
    }
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0;
      return 2;
    }
    // Ctrl-C at the password prompt: nothing has changed yet.
    if ((error as Error | undefined)?.name === "ExitPromptError" || interruption().requested) {
      process.stderr.write("vla-provision: interrupted before any change\n");
      return INTERRUPTED_EXIT_CODE;
    }
    process.stderr.write(`vla-provision: ${messageOf(error).split("\n")[0]}\n`);
    return exitCodeOf(error);
  } finally {
    stopHandling();
  }
}
