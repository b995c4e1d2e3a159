import { parseMadison } from "../apt/apt.js";
import { resolveVersion } from "../apt/versions.js";
import type { Decisions } from "../decisions.js";
import {
  hasNvidiaRuntime,
  lostKeys,
  parseDaemonJson,
  renderDaemonJson,
} from "../docker/daemon-json.js";
import { lastLines, StepError } from "../errors.js";
import type { Host, RunOptions } from "../hosts/host.js";
import type { ExecResult } from "../hosts/transport.js";
import { armor, findKey, formatFingerprint, isExpired, readPublicKey } from "../pgp.js";
import {
  type CommandEnv,
  commandsOf,
  type HostCommand,
  NVIDIA_CTK_CONFIGURE,
  unresolved,
} from "./commands.js";
import { checkGuardOutcome, DAEMON_JSON } from "./dockerd.js";
import type {
  Action,
  AptInstall,
  ChangeDaemonJson,
  InstallKey,
  SetJsonKey,
  VerifyContainer,
} from "./types.js";

/** What executing an action needs: the host, and where its output and decisions go. */
export interface ExecContext {
  host: Host;
  env: CommandEnv;
  decisions: Decisions;
  log(line: string): void;
  /** Raw output of the commands, as it streams (default: log). */
  output?(chunk: string): void;
  /** A script to run in the round trip of the action's last command (the step's re-probe). */
  followedBy?: RunOptions["followedBy"];
  /** That last command's script (set by executeAction). */
  lastScript?: string;
  notice(text: string): void;
}

/** Run one action: exactly the commands commandsOf(action) names, with the checks between them. */
export async function executeAction(action: Action, outer: ExecContext): Promise<void> {
  const ctx = { ...outer, lastScript: commandsOf(action, outer.env).at(-1)?.script };
  switch (action.kind) {
    case "note":
      return;
    case "notice":
      ctx.notice(action.text);
      return;
    case "apt-install":
      return installPackages(action, ctx);
    case "install-key":
      return installKey(action, ctx);
    case "change-daemon-json":
      return changeDaemonJson(action, ctx);
    case "verify-container":
      return verifyContainer(action, ctx);
    case "set-json-key":
      return setJsonKey(action, ctx);
    default:
      for (const command of commandsOf(action, ctx.env)) {
        const result = await run(ctx, command);
        const backup = result.stdout.trim();
        if (backup.startsWith("/var/backups/")) ctx.log(`backed up ${pathOf(action)} to ${backup}`);
      }
  }
}

function pathOf(action: Action): string {
  return "path" in action ? action.path : "";
}

function run(
  ctx: ExecContext,
  command: HostCommand,
  extra: { stdin?: string; check?: boolean } = {},
): Promise<ExecResult> {
  return ctx.host.run(command.script, {
    // The re-probe rides on the last command only, and only with root's view of the host.
    followedBy:
      command.privileged && command.script === ctx.lastScript ? ctx.followedBy : undefined,
    privileged: command.privileged,
    timeoutMs: command.timeoutMs,
    label: command.label,
    stdin: extra.stdin ?? command.stdin,
    check: extra.check,
    onOutput: command.quiet ? undefined : (ctx.output ?? ctx.log),
  });
}

/** Resolve a range apt's lists must answer (preflight could not read the index), then install. */
async function installPackages(action: AptInstall, ctx: ExecContext): Promise<void> {
  const [first, second] = commandsOf(action, ctx.env);
  if (!second) {
    if (first) await run(ctx, first);
    return;
  }
  const pending = unresolved(action);
  const range = pending?.range ?? "";
  const madison = await run(ctx, first as HostCommand);
  const name = pending?.name ?? "";
  const resolution = resolveVersion(name, range, parseMadison(madison.stdout).get(name) ?? []);
  if (!resolution.ok) throw new StepError(resolution.error);
  ctx.decisions.versions[name] = resolution.version;
  const resolved: AptInstall = {
    ...action,
    packages: action.packages.map((p) =>
      p.range === range && p.version === undefined ? { ...p, version: resolution.version } : p,
    ),
  };
  await executeAction(resolved, ctx);
}

/**
 * Fetch the key file, take the key with the expected fingerprint out of it before apt can see it,
 * then write that key alone, atomically. Other keys in the file are dropped, and the user is told.
 */
async function installKey(action: InstallKey, ctx: ExecContext): Promise<void> {
  const [download, write] = commandsOf(action, ctx.env) as [HostCommand, HostCommand];
  const fetched = await run(ctx, download);
  const raw = Buffer.from(fetched.stdout.trim(), "base64");
  if (raw.length === 0) throw new StepError(`${action.url} returned an empty key`);
  const { bytes, others } = verifiedKey(action, raw);
  const expected = formatFingerprint(action.fingerprint);
  if (others.length > 0) {
    const dropped = `${action.url} also held ${otherKeys(others)}; only ${expected} was written`;
    ctx.notice(dropped);
    ctx.log(dropped);
  }
  const content = action.store === "armored" ? Buffer.from(armor(bytes), "latin1") : bytes;
  ctx.log(`verified ${expected}; writing ${action.path}`);
  await run(ctx, write, { stdin: content.toString("base64") });
}

/** "2 other key(s) (AAAA ..., BBBB ...)" */
export function otherKeys(fingerprints: string[]): string {
  return `${fingerprints.length} other key(s) (${fingerprints.map(formatFingerprint).join(", ")})`;
}

/** The expected key's own packets, and the other keys the file held; throws when it is unusable. */
function verifiedKey(action: InstallKey, raw: Buffer): { bytes: Buffer; others: string[] } {
  let search: ReturnType<typeof findKey>;
  try {
    search = findKey(raw, action.fingerprint);
  } catch (error) {
    throw new StepError(
      `${action.url} is not an OpenPGP public key (${(error as Error).message}); nothing was written`,
    );
  }
  if (!search.found) {
    const got = search.fingerprints.map(formatFingerprint).join(" and ");
    throw new StepError(
      `key fingerprint mismatch for ${action.url}: got ${got}, expected ${formatFingerprint(action.fingerprint)}; nothing was written`,
    );
  }
  if (isExpired(readPublicKey(search.bytes))) {
    throw new StepError(`the key at ${action.url} has expired; nothing was written`);
  }
  return search;
}

/**
 * The guard changes the file as one unit on the host. nvidia-ctk edits the file it is given in
 * place, so it runs on a copy first, and its result is checked (still parses, every key kept,
 * runtime registered) before the guard writes it.
 */
async function changeDaemonJson(action: ChangeDaemonJson, ctx: ExecContext): Promise<void> {
  const commands = commandsOf(action, ctx.env);
  const guarded = commands[commands.length - 1] as HostCommand;
  let content = action.content;
  if (content === "nvidia-ctk") {
    const configured = await run(ctx, commands[0] as HostCommand);
    const after = parseDaemonJson(configured.stdout);
    if (!after.ok)
      throw new StepError(
        `${NVIDIA_CTK_CONFIGURE} wrote an unreadable daemon.json: ${after.error}`,
      );
    const lost = lostKeys(action.beforeConfig, after.value);
    if (lost.length)
      throw new StepError(
        `${NVIDIA_CTK_CONFIGURE} dropped keys from ${DAEMON_JSON}: ${lost.join(", ")}`,
      );
    if (!hasNvidiaRuntime(after.value))
      throw new StepError(`${NVIDIA_CTK_CONFIGURE} did not register the nvidia runtime`);
    content = configured.stdout;
  }
  const result = await run(ctx, guarded, { stdin: content });
  checkGuardOutcome(result.stdout, ctx.log);
}

/** Read the file (its output never shown), set the key, write it back atomically as its owner's. */
async function setJsonKey(action: SetJsonKey, ctx: ExecContext): Promise<void> {
  const [read, write] = commandsOf(action, ctx.env) as [HostCommand, HostCommand];
  const current = await run(ctx, read);
  let config: Record<string, unknown> = {};
  if (current.stdout.trim() !== "") {
    const parsed = parseDaemonJson(current.stdout);
    if (!parsed.ok)
      throw new StepError(
        // The parser's message quotes the text, which may hold registry credentials.
        `${action.path} is not a JSON object; fix it by hand, nothing was changed`,
      );
    config = parsed.value;
  }
  const content = renderDaemonJson(
    withValueAt(config, action.keyPath, action.value),
    current.stdout,
  );
  await run(ctx, write, { stdin: content });
}

/** A copy of `config` with `value` at `keyPath`, every other key at every level kept. */
export function withValueAt(
  config: Record<string, unknown>,
  keyPath: readonly string[],
  value: unknown,
): Record<string, unknown> {
  const [key, ...rest] = keyPath;
  if (key === undefined) return config;
  const inner = config[key];
  const child =
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? (inner as Record<string, unknown>)
      : {};
  return { ...config, [key]: rest.length ? withValueAt(child, rest, value) : value };
}

async function verifyContainer(action: VerifyContainer, ctx: ExecContext): Promise<void> {
  const [command] = commandsOf(action, ctx.env) as [HostCommand];
  const result = await run(ctx, command, { check: false });
  const shown = `docker run --rm${action.gpus ? " --gpus all" : ""} ${action.image}`;
  if ("text" in action.expect) {
    if (result.code === 0 && result.stdout.includes(action.expect.text)) return;
    throw new StepError(
      `${shown} as ${action.user} did not print "${action.expect.text}" (exit ${result.code}):\n${lastLines(result.stderr || result.stdout, 5)}`,
    );
  }
  const expected = action.expect.gpuLines;
  const seen = result.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /,\s*\d+\.\d+/.test(l));
  const same = seen.length === expected.length && expected.every((line) => seen.includes(line));
  if (result.code !== 0 || !same) {
    throw new StepError(
      `the CUDA container (${action.image}) did not list the host's GPUs (exit ${result.code}); expected ${expected.join(" | ")}, got ${seen.join(" | ") || "nothing"}:\n${lastLines(result.stderr, 5)}`,
    );
  }
  ctx.log(`container sees: ${seen.join(" | ")}`);
}
