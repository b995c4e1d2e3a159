import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

describe("the published package", () => {
  it("npm pack, then npx <tarball> --help works from an empty folder: one file, no dependencies", async () => {
    const out = mkdtempSync(join(tmpdir(), "vla-pack-"));
    await execa("npm", ["pack", "--pack-destination", out], { cwd: ROOT });
    const tarball = readdirSync(out).find((f) => f.endsWith(".tgz"));
    expect(tarball).toMatch(/^vla-provision-\d+\.\d+\.\d+\.tgz$/);
    const listing = await execa("tar", ["-tzf", join(out, tarball ?? "")]);
    expect(listing.stdout.split("\n").sort()).toEqual([
      "package/CHANGELOG.md",
      "package/README.md",
      "package/dist/cli.mjs",
      "package/package.json",
    ]);
    // The folder holds nothing but the tarball: npx installs it with no dependencies to fetch.
    const help = await execa("npx", ["--yes", `./${tarball}`, "--help"], { cwd: out });
    expect(help.stdout).toContain("Usage: vla-provision [options] [command]");
    expect(help.stdout).toContain("--ssh <[user@]host[:port]>");
  });
});
