import type { OptionGroup, OptionSpec } from "../option-schema.js";

/** The groups of options that say what a run does; where it runs is the new machine itself. */
const USER_DATA_GROUPS: ReadonlySet<OptionGroup> = new Set<OptionGroup>([
  "What to install:",
  "Repositories and mirrors:",
  "Docker settings:",
  "Checks:",
]);
const USER_DATA_KEYS: ReadonlySet<string> = new Set(["user", "verbose"]);

/** Whether `cloud-init` takes this provisioning option and hands it to the run on first boot. */
export function passesToUserData(key: string, spec: OptionSpec): boolean {
  if (spec.commands) return false;
  return USER_DATA_GROUPS.has(spec.group) || USER_DATA_KEYS.has(key);
}

/**
 * The command-line arguments that give a run the same options again: only what differs from the
 * defaults, each option once per value, in the schema's order.
 */
export function argumentsFor(
  raw: Readonly<Record<string, unknown>>,
  specs: Readonly<Record<string, OptionSpec>>,
): string[] {
  const args: string[] = [];
  for (const [key, spec] of Object.entries(specs)) {
    if (!passesToUserData(key, spec)) continue;
    const flag = /--[a-z0-9-]+/.exec(spec.flags)?.[0] ?? spec.flags;
    const value = raw[key];
    if (flag.startsWith("--no-")) {
      if (value === false) args.push(flag);
    } else if (!spec.flags.includes("<")) {
      if (value === true) args.push(flag);
    } else if (Array.isArray(value)) {
      for (const item of value) args.push(flag, String(item));
    } else if (typeof value === "string" && value !== spec.default) {
      args.push(flag, value);
    }
  }
  return args;
}
