/**
 * The standalone executables (scripts/build-exe.mjs) and the pinned Node.js binaries
 * (scripts/node-runtimes) for the integration tests. `npm run build:exe` rebuilds nothing when its
 * inputs are unchanged, so every test file can ask for the executables; `npm test` builds them once
 * before the integration tests.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { execa } from "execa";

export const ROOT = resolve(import.meta.dirname, "../../..");
export const DIST = resolve(ROOT, "dist");
export const EXE = {
  x64: resolve(DIST, "vla-provision-linux-x64"),
  arm64: resolve(DIST, "vla-provision-linux-arm64"),
  sums: resolve(DIST, "SHA256SUMS"),
};
/** The package's version: what `--version` prints. */
export const VERSION: string = JSON.parse(
  readFileSync(resolve(ROOT, "package.json"), "utf8"),
).version;

let built: Promise<typeof EXE> | undefined;

/** `npm run build:exe`, once per test process (up to date in about a second when nothing changed). */
export function buildExecutables(): Promise<typeof EXE> {
  built ??= (async () => {
    const result = await execa("npm", ["run", "--silent", "build:exe"], {
      cwd: ROOT,
      reject: false,
      all: true,
      timeout: 10 * 60_000,
    });
    if (result.exitCode !== 0) {
      built = undefined;
      throw new Error(`npm run build:exe failed (exit ${result.exitCode}):\n${result.all}`);
    }
    return EXE;
  })();
  return built;
}

/** The path of a pinned Node.js binary (installed once by npm ci, checked against its lock file). */
export async function nodeRuntime(set: "sea" | "node18", cpu: "x64" | "arm64"): Promise<string> {
  const result = await execa(
    process.execPath,
    [resolve(ROOT, "scripts/node-runtimes/install.mjs"), set, cpu],
    { cwd: ROOT, reject: false, timeout: 10 * 60_000 },
  );
  if (result.exitCode !== 0)
    throw new Error(`installing the ${set} Node for ${cpu} failed:\n${result.stderr}`);
  return result.stdout.trim();
}

/** Copies a file of this machine into a test host's container (docker cp), with a mode. */
export async function copyIntoHost(
  container: string,
  source: string,
  target: string,
  mode = "0755",
): Promise<void> {
  await execa("docker", ["cp", source, `${container}:${target}`]);
  await execa("docker", ["exec", container, "chmod", mode, target]);
}

/** Single-quotes a word for sh. */
export function shq(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
