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
      const move = action.moveData
        ? [
            `# first: note dockerd's images, containers and volumes, stop dockerd, copy ${action.moveData.from} to ${action.moveData.to} (cp -a; ${action.moveData.from} is kept); after the restart the three lists must be the same, else the old daemon.json comes back`,
          ]
        : [];
      const lines =
        action.content === "nvidia-ctk"
          ? [commandLine(commands[0], full), "# then check every key is kept"]
          : [...move, `--- ${DAEMON_JSON}`, lineDiff(action.before, action.content)];
      return [...lines, `# ${GUARD_PLAN}`, commandLine(commands[commands.length - 1], full)].join(
        "\n",
      );
    }
    case "retire-file":
      return `${commandLine(commands[0], full)}  # ${action.reason}`;
    case "set-json-key":
      return [
        `--- ${action.path}: ${action.keyPath.join(".")} set to (every other key kept, mode ${action.mode}, owner ${action.owner})`,
        ...JSON.stringify(action.value, null, 2)
          .split("\n")
          .map((line) => `+ ${line}`),
        commandLine(commands[1], full),
      ].join("\n");
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

/** What a step did, in words, for the report of a changed step ("added ops to the docker group"). */
export function describeDone(actions: readonly Action[]): string {
  return actions.flatMap(doneWords).join("; ");
}

function doneWords(action: Action): string[] {
  switch (action.kind) {
    case "apt-update":
    case "note":
    case "notice":
    case "verify-container":
      return [];
    case "apt-install":
      return [
        `installed ${action.packages.map((p) => (p.version ? `${p.name} ${p.version}` : p.name)).join(", ")}`,
      ];
    case "apt-remove":
      return [`removed ${action.packages.join(", ")}`];
    case "snap-remove":
      return [`removed the ${action.snap} snap`];
    case "write-file":
      return [
        action.before === undefined ? `wrote ${action.path}` : `rewrote ${action.path} (backed up)`,
      ];
    case "set-mode":
      return [`set ${action.path} to mode ${action.mode}`];
    case "retire-file":
      return [`moved ${action.path} to /var/backups/vla-provision (${action.reason})`];
    case "add-to-group":
      return [`added ${action.user} to the ${action.group} group`];
    case "start-docker":
      return ["enabled and started dockerd"];
    case "restart-docker":
      return [
        action.reloadUnits ? "reloaded systemd's units and restarted dockerd" : "restarted dockerd",
      ];
    case "set-json-key":
      return [`set ${action.keyPath.join(".")} in ${action.path}`];
    case "install-key":
      return [`wrote the verified key ${formatFingerprint(action.fingerprint)} to ${action.path}`];
    case "change-daemon-json":
      return [
        action.content === "nvidia-ctk"
          ? `registered the nvidia runtime in ${DAEMON_JSON} (nvidia-ctk) and restarted dockerd`
          : `set ${changedKeys(action.beforeConfig, action.content).join(", ")} in ${DAEMON_JSON} and restarted dockerd`,
        ...(action.moveData
          ? [
              `copied dockerd's data from ${action.moveData.from} to ${action.moveData.to}: the same images, containers and volumes; ${action.moveData.from} is kept until you remove it`,
            ]
          : []),
      ];
  }
}

/** The top-level keys whose value the new daemon.json adds or changes. */
function changedKeys(before: Record<string, unknown>, content: string): string[] {
  let after: Record<string, unknown>;
  try {
    after = JSON.parse(content);
  } catch {
    return ["its content"];
  }
  const keys = Object.keys(after).filter(
    (key) => JSON.stringify(after[key]) !== JSON.stringify(before[key]),
  );
  return keys.map((key) =>
    key === "registry-mirrors" ? `registry-mirrors (${(after[key] as string[]).join(", ")})` : key,
  );
}
