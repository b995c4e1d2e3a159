/** One option schema: --help, the parser and the README's table all come from src/option-schema.ts. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildProgram, type Invocation } from "../../src/cli.js";
import { longFlag, OPTION_SPECS, type OptionSpec, optionsTable } from "../../src/option-schema.js";

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
      expect(helps.plan.replace(/\s+/g, " "), key).toContain(spec.help.replace(/\s+/g, " "));
    }
  });

  it("the parser fills each option under its schema key, with the schema's default", async () => {
    const { raw } = await parse(["plan"]);
    for (const [key, spec] of SPECS) {
      const value = (raw as unknown as Record<string, unknown>)[key];
      if (spec.repeatable) expect(value, key).toEqual([]);
      else if (typeof spec.default === "string") expect(value, key).toBe(spec.default);
      else if (spec.flags.startsWith("--no-")) expect(value, key).toBe(true);
      else expect(value, key).toBeUndefined();
    }
    const given = await parse(["--registry-mirror", "https://a", "--registry-mirror", "https://b"]);
    expect(given.raw.registryMirror).toEqual(["https://a", "https://b"]);
  });
});
