#!/usr/bin/env zx
// End-to-end run against fresh Vagrant VMs (see the Vagrantfile):
//   npm run e2e:vagrant -- [noble] [jammy] [bookworm] [--parallel] [--provider libvirt] [--no-build]
// For each machine: boot it, print the box and provider it came up with, write its
// `vagrant ssh-config`, provision it with the built CLI, run the CLI again and require every step
// to be skipped, and destroy the machine whatever happened.
import { closeSync, openSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { $, chalk, minimist, which } from "zx";

const ALL_MACHINES = ["noble", "jammy", "bookworm"];
// zx's own argv would read `--parallel noble` as parallel="noble": parse this script's arguments.
const args = minimist(process.argv.slice(process.argv.findIndex(isThisScript) + 1), {
  boolean: ["parallel", "help", "build"],
  string: ["provider"],
  default: { build: true },
});
if (args.help) {
  console.log(
    "Usage: npm run e2e:vagrant -- [--parallel] [--provider <name>] [--no-build] [machine...]",
  );
  console.log(`Machines: ${ALL_MACHINES.join(", ")} (default: all, one after another)`);
  console.log("--no-build: use the dist/cli.mjs already built instead of `npm run build`.");
  process.exit(0);
}
const machines = args._.length > 0 ? args._.map(String) : ALL_MACHINES;
const parallel = args.parallel;
const provider = args.provider || undefined;
/** The provider asked for, if any: Vagrant's own choice otherwise (VirtualBox when installed). */
const askedProvider = provider ?? (process.env.VAGRANT_DEFAULT_PROVIDER || undefined);

const unknown = machines.filter((name) => !ALL_MACHINES.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown machine(s): ${unknown.join(", ")}. Known: ${ALL_MACHINES.join(", ")}.`);
  process.exit(2);
}
if (!(await which("vagrant", { nothrow: true }))) {
  console.error("vagrant is not installed: see https://developer.hashicorp.com/vagrant/install");
  process.exit(2);
}

/** Commands still running, so that a signal can stop them before the machines are destroyed. */
const running = new Set();
let interrupted;

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (interrupted) {
      console.error(chalk.red(`\n${signal} again: leaving now. Check \`vagrant status\`.`));
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    interrupted = signal;
    console.error(chalk.yellow(`\n${signal}: stopping, then destroying the machines...`));
    for (const proc of running) proc.kill("SIGINT").catch(() => {});
  });
}

if (args.build) await $({ stdio: "inherit" })`npm run build`;
await mkdir(".vagrant", { recursive: true });

const results = [];
if (parallel) results.push(...(await Promise.all(machines.map(testMachine))));
else for (const machine of machines) results.push(await testMachine(machine));

printSummary(results);
if (interrupted) process.exit(interrupted === "SIGINT" ? 130 : 143);
process.exitCode = results.every((result) => result.ok) ? 0 : 1;

/** Boots, provisions twice, and always destroys one machine; never throws. */
async function testMachine(machine) {
  const result = { machine, ok: false, times: {} };
  let booting = false;
  const log = parallel ? openSync(`.vagrant/e2e-${machine}.log`, "w") : undefined;
  const output = log ?? "inherit";
  const say = (text) => console.error(chalk.cyan(`[${machine}]`), text);
  const timed = async (phase, work) => {
    const start = Date.now();
    try {
      return await work();
    } finally {
      result.times[phase] = Date.now() - start;
    }
  };
  const stopIfInterrupted = () => {
    if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  };

  try {
    stopIfInterrupted();
    say(`vagrant up (provider: ${askedProvider ?? "Vagrant's default"})`);
    booting = true;
    const up = ["up", machine, ...(provider ? [`--provider=${provider}`] : [])];
    await timed("up", () => must($({ stdio: ["ignore", output, output] })`vagrant ${up}`));

    Object.assign(result, await boxInUse(machine));
    say(`box ${boxName(result)}, provider ${result.provider ?? "unknown"}`);

    stopIfInterrupted();
    const sshConfig = `.vagrant/ssh-config-${machine}`;
    const config = await must(
      $({ stdio: ["ignore", "pipe", output] })`vagrant ssh-config ${machine}`,
    );
    await writeFile(sshConfig, config.stdout);

    stopIfInterrupted();
    say("provisioning (first run)");
    const first = await timed("first", () => provision(machine, sshConfig, output));
    const failed = first.steps.filter((step) => step.status === "failed");
    if (first.exitCode !== 0 || !first.ok || failed.length > 0) {
      throw new Error(
        `first run exited ${first.exitCode}${failed.length ? `; failed: ${ids(failed)}` : ""}`,
      );
    }
    result.changed = first.steps.filter((step) => step.status === "changed").length;

    stopIfInterrupted();
    say("provisioning again (every step must be skipped)");
    const second = await timed("second", () => provision(machine, sshConfig, output));
    const notSkipped = second.steps.filter((step) => step.status !== "skipped");
    if (second.exitCode !== 0) throw new Error(`second run exited ${second.exitCode}`);
    if (second.steps.length === 0) throw new Error("second run reported no steps");
    if (notSkipped.length > 0) throw new Error(`second run not idempotent: ${ids(notSkipped)}`);
    result.ok = true;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    say(chalk.red(`failed: ${result.error}`));
  } finally {
    // A failed `vagrant up` still names its provider (and the box, when it was imported).
    if (booting && result.provider === undefined) Object.assign(result, await boxInUse(machine));
    if (booting) await destroy(machine, output, result, timed, say);
    if (log !== undefined) closeSync(log);
  }
  return result;
}

async function destroy(machine, output, result, timed, say) {
  say("vagrant destroy -f");
  const done = await timed(
    "destroy",
    () => $({ stdio: ["ignore", output, output], nothrow: true })`vagrant destroy -f ${machine}`,
  );
  if (done.exitCode !== 0) {
    result.ok = false;
    result.error ??= `\`vagrant destroy -f ${machine}\` exited ${done.exitCode}: destroy it by hand`;
  }
}

/**
 * The provider a machine runs under (`vagrant status --machine-readable`) and the box it came up
 * from: `vagrant up` writes the box's name and version to .vagrant/machines/<machine>/<provider>/
 * box_meta. Unknown parts stay undefined; never throws.
 */
async function boxInUse(machine) {
  const status = await track(
    $({
      stdio: ["ignore", "pipe", "ignore"],
      nothrow: true,
    })`vagrant status --machine-readable ${machine}`,
  );
  const line = status.stdout.split("\n").find((l) => l.split(",")[2] === "provider-name");
  const used = line?.split(",")[3]?.trim() || askedProvider;
  if (!used) return {};
  try {
    const metaFile = path.join(".vagrant", "machines", machine, used, "box_meta");
    const meta = JSON.parse(await readFile(metaFile, "utf8"));
    return { provider: used, box: meta.name, boxVersion: meta.version };
  } catch {
    return { provider: used };
  }
}

function boxName({ box, boxVersion }) {
  if (!box) return "unknown";
  return boxVersion ? `${box} ${boxVersion}` : box;
}

function isThisScript(arg) {
  return arg.endsWith("vagrant-e2e.mjs");
}

/** Runs the built CLI against the machine; the JSON report is stdout. */
async function provision(machine, sshConfig, output) {
  const cli = [
    "dist/cli.mjs",
    ...["--ssh", machine, "--ssh-config", sshConfig],
    ...["--no-nvidia", "--yes", "--json"],
  ];
  const run = await track($({ stdio: ["ignore", "pipe", output], nothrow: true })`node ${cli}`);
  const report = parseReport(run.stdout);
  const host = report?.hosts?.[0];
  if (!host || !Array.isArray(host.steps)) {
    throw new Error(
      `no JSON report from the CLI (exit ${run.exitCode}): ${run.stdout.slice(-500)}`,
    );
  }
  return { exitCode: run.exitCode, ok: host.ok !== false, steps: host.steps };
}

/** The JSON document on stdout: from the first line that opens an object to the end. */
function parseReport(stdout) {
  const start = stdout.search(/^\{/m);
  try {
    return start === -1 ? undefined : JSON.parse(stdout.slice(start));
  } catch {
    return undefined;
  }
}

async function track(proc) {
  running.add(proc);
  try {
    return await proc;
  } finally {
    running.delete(proc);
  }
}

/** Waits for a command and throws a one-line error naming it when it exits non-zero. */
async function must(proc) {
  const done = await track(proc.nothrow());
  if (done.exitCode !== 0) {
    const how =
      done.exitCode === null ? `was stopped by ${done.signal}` : `exited ${done.exitCode}`;
    throw new Error(`\`${proc.cmd}\` ${how}`);
  }
  return done;
}

function ids(steps) {
  return steps.map((step) => `${step.id} (${step.status})`).join(", ");
}

function printSummary(results) {
  const seconds = (ms) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)}s`);
  const rows = [
    ["machine", "box", "provider", "up", "1st run", "2nd run", "destroy", "changed", "result"],
    ...results.map((r) => [
      r.machine,
      r.box ? boxName(r) : "-",
      r.provider ?? "-",
      seconds(r.times.up),
      seconds(r.times.first),
      seconds(r.times.second),
      seconds(r.times.destroy),
      r.changed === undefined ? "-" : String(r.changed),
      r.ok ? "ok" : `FAILED: ${r.error}`,
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  console.log("");
  for (const row of rows) {
    const line = row.map((cell, column) => cell.padEnd(widths[column])).join("  ");
    console.log(line.trimEnd());
  }
  if (parallel) console.log("\nLogs: .vagrant/e2e-<machine>.log");
}
