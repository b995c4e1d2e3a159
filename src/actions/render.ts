import { lineDiff } from "../diff.js";
import { formatFingerprint } from "../pgp.js";
import { type CommandEnv, commandsOf, type HostCommand } from "./commands.js";
import { DAEMON_JSON, GUARD_PLAN } from "./dockerd.js";
import type { Action } from "./types.js";

/**
 * An action as the plan shows it: file changes as diffs, each command as the host will run it.
 * A multi-line script is named by its label, unless `full` (--verbose) asks for its text.
 */
export function renderAction(action: Action, env: CommandEnv, full = false): string {
  const commands = commandsOf(action, env);
  switch (action.kind) {
    case "note":
      return `# ${action.text}`;
    case "notice":
      return `# then tell the user: ${action.text}`;
    case "write-file": {
      const backup = action.before === undefined ? [] : [commandLine(commands[0], full)];
      return [...backup, `--- ${action.path}`, lineDiff(action.before ?? "", action.content)].join(
        "\n",
      );
    }
    case "install-key":
      return [
        commandLine(commands[0], full),
        `# keep only the key ${formatFingerprint(action.fingerprint)} (refuse when it is missing or expired), then:`,
        commandLine(commands[1], full),
      ].join("\n");
    case "change-daemon-json": {
      const lines =
        action.content === "nvidia-ctk"
          ? [commandLine(commands[0], full), "# then check every key is kept"]
          : [`--- ${DAEMON_JSON}`, lineDiff(action.before, action.content)];
      return [...lines, `# ${GUARD_PLAN}`, commandLine(commands[commands.length - 1], full)].join(
        "\n",
      );
    }
    case "retire-file":
      return `${commandLine(commands[0], full)}  # ${action.reason}`;
    case "verify-container": {
      const expect =
        "text" in action.expect
          ? `expect "${action.expect.text}"`
          : `expect the GPUs: ${action.expect.gpuLines.join(" | ")}`;
      return `${commands.map((c) => commandLine(c, full)).join("\n")}  # ${expect}`;
    }
    default:
      return commands.map((c) => commandLine(c, full)).join("\n");
  }
}

export function renderActions(actions: readonly Action[], env: CommandEnv, full = false): string {
  return actions.map((action) => renderAction(action, env, full)).join("\n");
}

function commandLine(command: HostCommand | undefined, full: boolean): string {
  if (!command) return "";
  const input = command.stdinLater ? `  # stdin: ${command.stdinLater}` : "";
  if (!command.script.includes("\n")) return `$ ${command.script}${input}`;
  if (full) return `$ sh -c '\n${command.script}\n'${input}`;
  const lines = command.script.split("\n").length;
  return `$ ${command.label ?? "script"}  # a ${lines}-line script (--verbose shows it)${input}`;
}

/** The exact scripts a plan will run, in order (what the host's transcript must show). */
export function scriptsOf(actions: readonly Action[], env: CommandEnv): string[] {
  return actions.flatMap((action) => commandsOf(action, env).map((c) => c.script));
}
