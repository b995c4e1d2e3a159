/** One option schema: --help, the parser and the README's table all come from src/option-schema.ts. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram, type Invocation } from "../../src/cli.js";
import {
  longFlag,
  OPTION_SPECS,
  type OptionSpec,
  optionsTable,
  WORKSPACE_SHARED_OPTIONS,
} from "../../src/option-schema.js";

const README = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
const SPECS = Object.entries(OPTION_SPECS) as [string, OptionSpec][];

function helpOf(args: string[]): string {
  let out = "";
  const program = buildProgram(() => {});
  program.configureOutput({ writeOut: (text) => (out += text) });
  for (const command of program.commands)
    command.exitOverride().configureOutput({ writeOut: (text) => (out += text) });
  try {
    program.parse(["node", "vla-provision", ...args, "--help"]);
  } catch {
    // --help ends in commander's exit, overridden to a throw
  }
  // The options part: the command list and the examples name options too.
  return out.split(/\n(?:Commands|Examples):/)[0] ?? "";
}

async function parse(args: string[]): Promise<Invocation> {
  let invocation: Invocation | undefined;
  await buildProgram((parsed) => {
    invocation = parsed;
  }).parseAsync(["node", "vla-provision", ...args]);
  if (!invocation) throw new Error("nothing parsed");
  return invocation;
}

describe("the option schema", () => {
  it("the README's option table is the schema's, row for row", () => {
    const table = optionsTable();
    expect(README).toContain(table);
    expect(table.split("\n")).toHaveLength(SPECS.length + 2);
  });

  it("--help lists every option of each command, with its help text", () => {
    const helps = { provision: helpOf([]), plan: helpOf(["plan"]), doctor: helpOf(["doctor"]) };
    for (const [key, spec] of SPECS) {
      for (const [command, help] of Object.entries(helps)) {
        const takes = !spec.commands || (spec.commands as string[]).includes(command);
        expect(help.includes(longFlag(spec)), `${command} ${key}`).toBe(takes);
      }
      // Each option's help shows in the help of a command that takes it.
      const owner = spec.commands?.[0] ?? "plan";
      const help = owner === "plan" ? helps.plan : helpOf([owner]);
      expect(help.replace(/\s+/g, " "), key).toContain(spec.help.replace(/\s+/g, " "));
    }
  });

  it("workspace takes its own options, where to connect, and the output options", () => {
    const help = helpOf(["workspace"]);
    for (const [key, spec] of SPECS) {
      const takes = spec.commands
        ? (spec.commands as string[]).includes("workspace")
        : WORKSPACE_SHARED_OPTIONS.has(key);
      expect(help.includes(`${longFlag(spec)} `), key).toBe(takes);
    }
  });

  it("the parser fills each option under its schema key, with the schema's default", async () => {
    const raws = new Map<string, Record<string, unknown>>();
    for (const [key, spec] of SPECS) {
      // Parsed under a command that takes the option.
      const owner = spec.commands?.[0] ?? "plan";
      if (!raws.has(owner))
        raws.set(owner, (await parse([owner])).raw as unknown as Record<string, unknown>);
      const value = raws.get(owner)?.[key];
      if (spec.repeatable) expect(value, key).toEqual([]);
      else if (typeof spec.default === "string") expect(value, key).toBe(spec.default);
      else if (/^--no-[a-z-]+$/.test(spec.flags)) expect(value, key).toBe(true);
      else expect(value, key).toBeUndefined();
    }
    const given = await parse(["--registry-mirror", "https://a", "--registry-mirror", "https://b"]);
    expect(given.raw.registryMirror).toEqual(["https://a", "https://b"]);
    // A "--no-" option with a value is an option of its own, not --proxy's negation.
    const proxy = await parse(["--proxy", "http://p:3128", "--no-proxy", ".lab,10.0.0.0/8"]);
    expect(proxy.raw).toMatchObject({ proxy: "http://p:3128", noProxy: ".lab,10.0.0.0/8" });
  });
});
