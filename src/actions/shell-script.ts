import type { AptLockWait } from "../apt/apt.js";
import type { HostReport } from "../engine/report.js";
import { shellQuote } from "../hosts/shell.js";
import { type CommandEnv, commandsOf, type HostCommand, unresolved } from "./commands.js";
import type { Action, InstallKey, VerifyContainer } from "./types.js";

/**
 * A host's plan as one POSIX sh script, to review or hand to a change board before it runs: the
 * same actions, in order, as the same commands (run as root, so a verification as another account
 * goes through runuser). Steps already done are listed as comments.
 */
export function planAsShellScript(report: HostReport, wait: AptLockWait, version: string): string {
  const rootEnv: CommandEnv = { aptLockWaitMs: wait.aptLockWaitMs, loginUser: "root" };
  const lines = [
    "#!/bin/sh",
    `# vla-provision ${version}: the plan for ${report.target}${report.os ? ` (${report.os})` : ""}, made from its facts at ${new Date().toISOString()}.`,
    "# Review it, then run it as root on that host. It stops at the first command that fails.",
    ...report.notices.map((notice) => `# notice: ${notice}`),
    "set -eu",
    `[ "$(id -u)" = 0 ] || { echo "run this script as root" >&2; exit 1; }`,
  ];
  for (const step of report.steps) {
    lines.push("", `# == ${step.id}: ${step.title}`);
    if (step.status !== "planned") {
      lines.push(`# ${step.status}${step.reason ? `: ${step.reason}` : ""}`);
      continue;
    }
    for (const action of step.actions ?? []) lines.push(...actionLines(action, rootEnv));
  }
  lines.push("", "echo 'vla-provision plan: done'", "");
  return lines.join("\n");
}

function actionLines(action: Action, env: CommandEnv): string[] {
  switch (action.kind) {
    case "note":
      return [`# ${action.text}`];
    case "notice":
      return [`echo ${shellQuote(`note: ${action.text}`)}`];
    case "install-key":
      return [`sh -c ${shellQuote(keyScript(action))}`];
    case "verify-container":
      return verifyLines(action, env);
    case "apt-install":
      if (unresolved(action)) {
        return [
          `echo ${shellQuote(`the version range "${unresolved(action)?.range}" was not resolved when this plan was made: run vla-provision itself`)} >&2`,
          "exit 1",
        ];
      }
      return commandsOf(action, env).map(commandLine);
    case "change-daemon-json":
      return daemonJsonLines(action, env);
    case "set-json-key":
      // Merging JSON needs more than POSIX sh: the plan names the change and stops.
      return [
        `echo ${shellQuote(`set ${action.keyPath.join(".")} in ${action.path} (every other key kept): run vla-provision itself for this part`)} >&2`,
        "exit 1",
      ];
    default:
      return commandsOf(action, env).map(commandLine);
  }
}

/** One command: inline when it is one line, else under sh -c; known standard input is piped in. */
function commandLine(command: HostCommand): string {
  const run = command.script.includes("\n")
    ? `sh -c ${shellQuote(command.script)}`
    : command.script;
  return command.stdin === undefined
    ? run
    : `printf '%s' ${shellQuote(command.stdin)} | ${command.script.includes("\n") ? run : `sh -c ${shellQuote(run)}`}`;
}

/** The guard prints outcome=...: anything but applied stops the script. */
function guarded(run: string): string[] {
  return [
    `out=$(${run})`,
    `printf '%s\\n' "$out"`,
    `printf '%s\\n' "$out" | grep -qx 'outcome=applied' || { echo "daemon.json was not changed (see above)" >&2; exit 1; }`,
  ];
}

function daemonJsonLines(
  action: Action & { kind: "change-daemon-json" },
  env: CommandEnv,
): string[] {
  const commands = commandsOf(action, env);
  const guard = commands[commands.length - 1] as HostCommand;
  if (action.content !== "nvidia-ctk") return guarded(commandLine(guard));
  const configure = commands[0] as HostCommand;
  return [
    "# vla-provision checks that nvidia-ctk kept every key of daemon.json before it writes the result; compare the two here:",
    `new=$(sh -c ${shellQuote(configure.script)})`,
    `printf '%s\\n' "$new" | diff -u /etc/docker/daemon.json - || true`,
    ...guarded(`printf '%s\\n' "$new" | sh -c ${shellQuote(guard.script)}`),
  ];
}

/**
 * gpg stands in for the tool's own OpenPGP reader: import into a throw-away home, refuse a
 * missing or expired key, export that key alone.
 */
function keyScript(action: InstallKey): string {
  const fpr = action.fingerprint;
  const armor = action.store === "armored" ? " --armor" : "";
  const path = shellQuote(action.path);
  return [
    "set -e",
    "tmp=$(mktemp -d); trap 'rm -rf \"$tmp\"' EXIT",
    `curl -fsSL --retry 2 -o "$tmp/key" ${shellQuote(action.url)}`,
    `gpg --batch --quiet --homedir "$tmp" --import "$tmp/key"`,
    `keys=$(gpg --batch --homedir "$tmp" --with-colons --list-keys ${fpr})`,
    `printf '%s\\n' "$keys" | grep -q '^fpr:::::::::${fpr}:$' || { echo "no key ${fpr} at ${action.url}" >&2; exit 1; }`,
    `if printf '%s\\n' "$keys" | grep -q '^pub:e:'; then echo "the key ${fpr} has expired" >&2; exit 1; fi`,
    `gpg --batch --homedir "$tmp"${armor} --export ${fpr} > "$tmp/only"`,
    `mkdir -p "$(dirname ${path})"`,
    `install -m 0644 -o root -g root "$tmp/only" ${path}.vla-new && mv -f ${path}.vla-new ${path}`,
  ].join("\n");
}

function verifyLines(action: VerifyContainer, env: CommandEnv): string[] {
  const [command] = commandsOf(action, env) as [HostCommand];
  const expected = "text" in action.expect ? [action.expect.text] : action.expect.gpuLines;
  return [
    `out=$(${command.script})`,
    `printf '%s\\n' "$out"`,
    ...expected.map(
      (text) =>
        `printf '%s\\n' "$out" | grep -qF ${shellQuote(text)} || { echo ${shellQuote(`expected: ${text}`)} >&2; exit 1; }`,
    ),
  ];
}
