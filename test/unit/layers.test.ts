/** The layers: the engine (src/) never reaches into the steps (tasks/), and steps build no shell text. */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(resolve(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => resolve(ROOT, dir, file));
}

/** Every relative module a file imports, as a path from the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) =>
    relative(ROOT, resolve(dirname(file), m[1] ?? "")),
  );
}

describe("layers", () => {
  it("finds the imports it checks (the scan itself works)", () => {
    expect(importsOf(resolve(ROOT, "tasks/index.ts"))).toContain("tasks/docker-key.js");
    expect(importsOf(resolve(ROOT, "tasks/main.ts"))).toContain("src/bin.js");
  });

  it("src/ imports nothing under tasks/", () => {
    const crossings = sources("src").flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith("tasks/"))
        .map((target) => `${relative(ROOT, file)} -> ${target}`),
    );
    expect(crossings).toEqual([]);
  });

  it("steps build no shell text and run nothing: no shell quoting, no host", () => {
    const forbidden = ["src/hosts/shell.js", "src/hosts/host.js", "src/actions/commands.js"];
    const uses = sources("tasks").flatMap((file) =>
      importsOf(file)
        .filter((target) => forbidden.includes(target))
        .map((target) => `${relative(ROOT, file)} -> ${target}`),
    );
    expect(uses).toEqual([]);
  });
});
