// Benchmarks: a re-run, a fresh run, a fleet and a cold start, each beside its floor.
// Usage: npm run bench [-- --runs 5 --fresh-runs 2 --fleet 1,4,8,16]
//        npm run bench -- --only cold-start   (the cold start table alone, put into RESULTS.md)
//        npm run bench -- --only fleet-ansible [--hosts 16 --runs 3 --forks 16,5]
//          (a re-run of a fleet by the tool beside the Ansible role, put into RESULTS.md)
// Writes bench/RESULTS.md and prints the same tables. Exits non-zero only when a figure could not
// be taken: targets are goals to compare against, not assertions.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { $, argv } from "zx";
import { renderTable, replaceSection, sectionOf } from "./bench-results.mjs";
import { hostExec, removeHost, sshArgs, startHost } from "./testbed/hosts.mjs";
import { paths as testbedPaths } from "./testbed/paths.mjs";
import { setup } from "./testbed/setup.mjs";

$.verbose = false;
const RUNS = Number(argv.runs ?? 5);
const FRESH_RUNS = Number(argv["fresh-runs"] ?? 2);
const FLEET = String(argv.fleet ?? "1,4,8,16")
  .split(",")
  .map(Number);
const CLI = "dist/cli.mjs";
const EXE = `dist/vla-provision-linux-${process.arch}`;
const started = new Date();
const tables = [];
const notes = [];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const fmt = (seconds) => `${seconds.toFixed(3)} s`;
const stats = (xs) =>
  `${fmt(median(xs))} (${fmt(Math.min(...xs))} - ${fmt(Math.max(...xs))}, n=${xs.length})`;

async function timed(fn) {
  const t = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, value };
}

async function cli(host, extra, { check = true } = {}) {
  const [flagUser] = host.ssh.split("@");
  const input = flagUser === "lab" ? `${host.password}\n` : "";
  const result = await $({
    input,
    env: { ...process.env, CI: "1", NO_COLOR: "1", SSH_AUTH_SOCK: "" },
  })`node ${CLI} --ssh ${host.ssh} -i ${host.key} --known-hosts ${host.knownHosts} ${host.cliArgs} --json ${extra}`.nothrow();
  if (check && result.exitCode !== 0)
    throw new Error(
      `vla-provision failed on ${host.ssh} (exit ${result.exitCode}):\n${result.stderr.slice(-3000)}`,
    );
  return JSON.parse(result.stdout);
}

async function probeScript() {
  const out = await build({
    entryPoints: ["src/facts/probe-script.ts"],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
  });
  const mod = await import(
    `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`
  );
  return mod.PROBE_SCRIPT;
}

function table(title, header, rows, note) {
  const text = renderTable(title, header, rows, note);
  tables.push(text);
  console.log(`\n${text}`);
}

/** CPU seconds the test hosts' containers have used so far (cgroup v1 or v2), or undefined. */
function hostsCpuSeconds(containers) {
  let total = 0;
  for (const id of containers) {
    const v1 = `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`;
    const v2 = `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`;
    if (existsSync(v1)) total += Number(readFileSync(v1, "utf8")) / 1e9;
    else if (existsSync(v2))
      total += Number(/usage_usec (\d+)/.exec(readFileSync(v2, "utf8"))?.[1] ?? 0) / 1e6;
    else return undefined;
  }
  return total;
}

const hosts = [];
async function host(variant = "debian12", options = {}) {
  const h = await startHost(variant, { user: "ops", ...options });
  hosts.push(h);
  return h;
}

/** Cold start: the bundle under this machine's Node and the pinned Node 24, and the executable. */
async function coldStart() {
  const node24 = (
    await $`node scripts/node-runtimes/install.mjs sea ${process.arch}`
  ).stdout.trim();
  const node24Version = (await $`${node24} --version`).stdout.trim();
  const exeName = EXE.replace("dist/", "");
  const series = {
    help: [],
    version: [],
    help24: [],
    exeHelp: [],
    exeVersion: [],
    bare: [],
    bare24: [],
  };
  // Interleaved, so that a busy moment of the machine weighs on every row alike.
  for (let i = 0; i < 10; i++) {
    series.help.push((await timed(() => $`node ${CLI} --help`)).seconds);
    series.version.push((await timed(() => $`node ${CLI} --version`)).seconds);
    series.help24.push((await timed(() => $`${node24} ${CLI} --help`)).seconds);
    series.exeHelp.push((await timed(() => $`${EXE} --help`)).seconds);
    series.exeVersion.push((await timed(() => $`${EXE} --version`)).seconds);
    series.bare.push((await timed(() => $`node -e 0`)).seconds);
    series.bare24.push((await timed(() => $`${node24} -e 0`)).seconds);
  }
  table(
    "Cold start (whole process)",
    ["command", "wall time: median (min - max)", "target"],
    [
      [`node dist/cli.mjs --help (Node ${process.version})`, stats(series.help), "<= 0.3 s"],
      [`node dist/cli.mjs --version (Node ${process.version})`, stats(series.version), "<= 0.3 s"],
      [`node dist/cli.mjs --help (Node ${node24Version})`, stats(series.help24), ""],
      [
        `${exeName} --help (standalone, Node ${node24Version} inside)`,
        stats(series.exeHelp),
        "<= 0.3 s",
      ],
      [`${exeName} --version (standalone)`, stats(series.exeVersion), "<= 0.3 s"],
      [`node -e 0 (the floor, Node ${process.version})`, stats(series.bare), ""],
      [`node -e 0 (the floor, Node ${node24Version})`, stats(series.bare24), ""],
    ],
    "The standalone executable is an official Node binary with the bundle injected (no V8 code " +
      "cache or snapshot, so that builds are reproducible); it starts faster than the bundle under " +
      "this machine's Node mainly because Node 24 itself starts faster (the two floors).",
  );
}

/** `--only cold-start`: measure that alone and put its table in place of the old one. */
async function coldStartOnly() {
  await $`node scripts/build-exe.mjs`;
  const load = os.loadavg()[0];
  await coldStart();
  const previous = existsSync("bench/RESULTS.md") ? readFileSync("bench/RESULTS.md", "utf8") : "";
  const measured = `${tables[0]}\n\nCold start re-measured ${new Date().toISOString().slice(0, 10)} (\`npm run bench -- --only cold-start\`) on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}, 1-minute load average ${load.toFixed(1)} when it started; the other tables are from the date above.\n`;
  writeFileSync("bench/RESULTS.md", replaceSection(previous, "Cold start", measured));
  console.log("\nwrote the cold start table into bench/RESULTS.md");
}

/** The heading (its start) of the table that `--only fleet-ansible` measures. */
const ANSIBLE_SECTION = "Fleet re-run beside the Ansible role";
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

/**
 * Runs a command under scripts/bench-rusage.py: its result, its wall time, and the CPU time
 * (user+sys) of it and of every process it started on this machine, detached ones included.
 */
async function underRusage(command, args, env = {}) {
  const result = await $({
    env: { ...process.env, SSH_AUTH_SOCK: "", ...env },
  })`${PYTHON} scripts/bench-rusage.py ${command} ${args}`.nothrow();
  const line = result.stderr.trim().split("\n").at(-1) ?? "";
  const figures = /^rusage (\S+) (\S+) (\S+)$/.exec(line);
  if (!figures)
    throw new Error(
      `${command}: no measurement (exit ${result.exitCode}):\n${result.stderr.slice(-3000)}`,
    );
  return {
    result,
    seconds: Number(figures[1]),
    cpu: Number(figures[2]) + Number(figures[3]),
  };
}

/**
 * Ansible's modules need Python on the host; the test-bed image has none. apt on this machine
 * works out what Debian's python3 needs on top of the host's own packages (the host's dpkg
 * status, simulated here), fetches those .debs (cached) and the host installs them with dpkg.
 */
async function installPython(h, dir) {
  const cache = path.join(testbedPaths.cache, "debs");
  const status = path.join(dir, "host-dpkg-status");
  writeFileSync(status, (await hostExec(h.container, "cat /var/lib/dpkg/status")).stdout);
  const fetchDebs = async () => {
    const simulated =
      await $`apt-get -s -o ${`Dir::State::status=${status}`} install --no-install-recommends python3`;
    // "Inst python3.11-minimal (3.11.2-6+deb12u6 Debian:12.13/stable [amd64])".
    const wanted = [...simulated.stdout.matchAll(/^Inst (\S+) (?:\[\S+\] )?\((\S+) /gm)].map(
      ([, name, version]) => ({ name, prefix: `${name}_${version.replace(":", "%3a")}_` }),
    );
    mkdirSync(cache, { recursive: true });
    const cached = (prefix) =>
      readdirSync(cache).find((file) => file.startsWith(prefix) && file.endsWith(".deb"));
    const missing = wanted.filter(({ prefix }) => !cached(prefix)).map(({ name }) => name);
    if (missing.length > 0)
      await $({ cwd: cache })`apt-get download -o APT::Sandbox::User=root ${missing}`;
    return wanted.map(({ prefix }) => {
      const deb = cached(prefix);
      if (!deb) throw new Error(`no .deb for ${prefix} in ${cache}`);
      return deb;
    });
  };
  // Lists older than the archive name versions it no longer has: refreshed once, then again.
  const debs = await fetchDebs().catch(async () => {
    await $`apt-get update -q -o DPkg::Lock::Timeout=300`;
    return fetchDebs();
  });
  await hostExec(h.container, "mkdir -p /tmp/debs");
  for (const deb of debs)
    await $`docker cp ${path.join(cache, deb)} ${`${h.container}:/tmp/debs/`}`;
  // One dpkg call cannot honour a Pre-Depends inside its own set: a pass per level, at most 4.
  const r = await hostExec(
    h.container,
    "cd /tmp/debs && for pass in 1 2 3 4; do DEBIAN_FRONTEND=noninteractive dpkg -i *.deb >/tmp/dpkg.log 2>&1 && break; done; status=$?; cat /tmp/dpkg.log; rm -rf /tmp/debs; exit $status",
  );
  if (r.code !== 0) throw new Error(`installing python3 failed:\n${r.stdout}`);
}

/** PLAY RECAP lines: `h01 : ok=7 changed=0 unreachable=0 failed=0 ...`. */
function recapOf(stdout) {
  const recap = {};
  for (const [, name, ok, changed, unreachable, failed] of stdout.matchAll(
    /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm,
  ))
    recap[name] = { ok: +ok, changed: +changed, unreachable: +unreachable, failed: +failed };
  return recap;
}

/** An INI inventory of test hosts (group gpu, as ansible/site.yml expects) with their known_hosts. */
function writeInventory(dir, group, names) {
  const knownHosts = path.join(dir, `known_hosts-${names.length}`);
  writeFileSync(knownHosts, group.map((h) => readFileSync(h.knownHosts, "utf8")).join(""));
  const file = path.join(dir, `inventory-${names.length}.ini`);
  writeFileSync(
    file,
    [
      "[gpu]",
      ...group.map(
        (h, i) =>
          `${names[i]} ansible_host=127.0.0.1 ansible_port=${h.ssh.split(":").at(-1)} ansible_user=ops ansible_ssh_private_key_file=${h.key}`,
      ),
      "",
      "[gpu:vars]",
      "ansible_python_interpreter=/usr/bin/python3",
      `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'`,
      "",
    ].join("\n"),
  );
  return { inventory: file, knownHosts };
}

/** ansible-playbook with ansible/site.yml: its result, or (measure) underRusage's answer. */
async function ansiblePlaybook(inventory, vars, forks, dir, { measure = false } = {}) {
  const args = ["-i", inventory, "-e", `@${vars}`, "-f", String(forks), "ansible/site.yml"];
  const env = {
    ANSIBLE_NOCOLOR: "1",
    ANSIBLE_RETRY_FILES_ENABLED: "0",
    ANSIBLE_LOCAL_TEMP: path.join(dir, "tmp"),
    // A fresh folder: every run opens its connections anew, as the tool's runs do.
    ANSIBLE_SSH_CONTROL_PATH_DIR: mkdtempSync(path.join(dir, "cp-")),
  };
  if (measure) return underRusage("ansible-playbook", args, env);
  return $({
    env: { ...process.env, SSH_AUTH_SOCK: "", ...env },
  })`ansible-playbook ${args}`.nothrow();
}

/**
 * `--only fleet-ansible`: test hosts provisioned once, then their re-run (every step skipped) by
 * the tool, one process, and by the Ansible role (ansible/site.yml), interleaved round by round;
 * the table goes in place of its old one in RESULTS.md.
 */
async function fleetAnsibleOnly() {
  const began = Date.now();
  const wanted = Number(argv.hosts ?? 16);
  const rounds = Number(argv.runs ?? 3);
  const forks = String(argv.forks ?? "16")
    .split(",")
    .map(Number);
  // Bounded: no new round starts unless it fits before this (minutes after the start).
  const deadline = began + Number(argv["budget-min"] ?? 13) * 60_000;
  const image = "vla-testbed/bench-ansible:latest";
  const dir = mkdtempSync(path.join(os.tmpdir(), "vla-bench-ansible-"));
  const vars = path.join(dir, "vars.json");
  const exeName = EXE.replace("dist/", "");
  const load = os.loadavg()[0];
  const ansibleVersion = `ansible-core ${/core ([\d.]+)/.exec((await $`ansible-playbook --version`).stdout)?.[1] ?? "(version unknown)"}`;
  try {
    await $`node scripts/build-exe.mjs`;
    await setup();

    // One host provisioned by the tool, with Python (for Ansible's modules) and the executable
    // where the role installs it; its copies are the fleet.
    const t0 = Date.now();
    const base = await host();
    await cli(base, ["--no-verify"]);
    await installPython(base, dir);
    // The role's first run there: it installs the executable (and finds nothing else to do).
    writeFileSync(
      vars,
      JSON.stringify({
        vla_provision_executable: path.resolve(EXE),
        vla_provision_args: [...base.cliArgs, "--no-verify"],
      }),
    );
    const firstRun = await ansiblePlaybook(
      writeInventory(dir, [base], ["base"]).inventory,
      vars,
      1,
      dir,
    );
    if (firstRun.exitCode !== 0 || recapOf(firstRun.stdout).base?.failed !== 0)
      throw new Error(`the role's first run failed:\n${firstRun.stdout.slice(-4000)}`);
    await $`docker commit ${base.container} ${image}`;
    await removeHost(base.name);
    hosts.splice(0);
    const baseSeconds = (Date.now() - t0) / 1000;

    // The copies, four at a time; fewer when starting them takes too long on this machine.
    const t1 = Date.now();
    const fleet = [];
    const startBudget = Number(argv["start-budget-min"] ?? 5) * 60_000;
    while (fleet.length < wanted) {
      if (Date.now() - t1 > startBudget) {
        notes.push(
          `Starting the hosts took more than ${startBudget / 60_000} min on this machine: ${fleet.length} of ${wanted} measured.`,
        );
        break;
      }
      const batch = await Promise.allSettled(
        Array.from({ length: Math.min(4, wanted - fleet.length) }, () =>
          host("debian12", { image }),
        ),
      );
      for (const b of batch) if (b.status === "fulfilled") fleet.push(b.value);
      const failure = batch.find((b) => b.status === "rejected");
      if (failure) {
        notes.push(
          `Only ${fleet.length} of ${wanted} hosts could be started on this machine (${String(failure.reason?.message).split("\n")[0]}).`,
        );
        break;
      }
    }
    const startSeconds = (Date.now() - t1) / 1000;
    const n = fleet.length;
    if (n < 2) throw new Error(`only ${n} host(s) started`);
    console.log(
      `base host ${baseSeconds.toFixed(0)} s, ${n} hosts started in ${startSeconds.toFixed(0)} s`,
    );

    const names = fleet.map((_, i) => `h${String(i + 1).padStart(2, "0")}`);
    const { inventory, knownHosts } = writeInventory(dir, fleet, names);
    const first = fleet[0];
    const tool = (command, pre, parallel) => async () => {
      const r = await underRusage(
        command,
        [
          ...pre,
          ...fleet.flatMap((h) => ["--ssh", h.ssh]),
          "--known-hosts",
          knownHosts,
          "-i",
          first.key,
          ...first.cliArgs,
          "--json",
          "--no-verify",
          ...(parallel ? ["--parallel", String(parallel)] : []),
        ],
        { CI: "1", NO_COLOR: "1" },
      );
      const report = JSON.parse(r.result.stdout);
      if (
        r.result.exitCode !== 0 ||
        report.hosts.length !== n ||
        !report.hosts.every((h) => h.ok && h.steps.every((s) => s.status === "skipped"))
      )
        throw new Error(
          `${command}: not every step skipped on ${n} hosts (exit ${r.result.exitCode})`,
        );
      return r;
    };
    let tasksOk = 0;
    const playbook = (f) => async () => {
      const r = await ansiblePlaybook(inventory, vars, f, dir, { measure: true });
      const recap = recapOf(r.result.stdout);
      const bad = names.filter(
        (name) =>
          !recap[name] || recap[name].changed || recap[name].failed || recap[name].unreachable,
      );
      if (r.result.exitCode !== 0 || bad.length)
        throw new Error(
          `ansible-playbook -f ${f}: not a clean re-run on ${bad.join(", ") || "all"} (exit ${r.result.exitCode}):\n${r.result.stdout.slice(-4000)}`,
        );
      tasksOk = recap[names[0]].ok;
      return r;
    };
    const variants = [
      { label: `${exeName} --parallel ${n} (one process)`, run: tool(EXE, [], n) },
      ...(n > 10 ? [{ label: `${exeName} (default --parallel 10)`, run: tool(EXE, [], 0) }] : []),
      {
        label: `node dist/cli.mjs --parallel ${n} (Node ${process.version})`,
        run: tool("node", [CLI], n),
      },
      ...forks.map((f) => ({
        label: `ansible-playbook ansible/site.yml -f ${f} (the role)`,
        run: playbook(f),
      })),
    ].map((v) => ({ ...v, wall: [], cpu: [], hostCpu: [] }));

    // Interleaved, so that a busy moment of the machine weighs on every row alike.
    let last = 0;
    for (let round = 0; round < rounds; round++) {
      if (round > 0 && Date.now() + last * 1.2 > deadline) {
        notes.push(`${round} round(s) of ${rounds}: the next would have run past the time limit.`);
        break;
      }
      const t = Date.now();
      for (const v of variants) {
        const before = hostsCpuSeconds(fleet.map((h) => h.container));
        const r = await v.run();
        const after = hostsCpuSeconds(fleet.map((h) => h.container));
        v.wall.push(r.seconds);
        v.cpu.push(r.cpu);
        if (before !== undefined && after !== undefined) v.hostCpu.push(after - before);
        console.log(`${v.label}: ${fmt(r.seconds)}, CPU ${fmt(r.cpu)}`);
      }
      last = Date.now() - t;
    }

    // One sha1 of the executable: what Ansible's copy module computes here for each host.
    const sha1 = await underRusage(PYTHON, [
      "-c",
      "import hashlib,sys\nh=hashlib.sha1()\nf=open(sys.argv[1],'rb')\nfor b in iter(lambda: f.read(65536), b''): h.update(b)",
      EXE,
    ]);
    const bare = await underRusage(PYTHON, ["-c", "0"]);

    const cpuOf = (xs) => (xs.length ? fmt(median(xs)) : "n/a");
    const rows = variants.map((v) => [v.label, stats(v.wall), cpuOf(v.cpu), cpuOf(v.hostCpu)]);
    const ours = variants[0];
    const theirs = variants.find((v) => v.label.startsWith("ansible-playbook"));
    const ratio = (a, b) => (a.length && b.length ? `${(median(a) / median(b)).toFixed(1)}x` : "");
    rows.push([
      `ratio: ansible-playbook -f ${forks[0]} / ${exeName} --parallel ${n}`,
      ratio(theirs.wall, ours.wall),
      ratio(theirs.cpu, ours.cpu),
      ratio(theirs.hostCpu, ours.hostCpu),
    ]);
    const mb = Math.round(statSync(EXE).size / 2 ** 20);
    table(
      `${ANSIBLE_SECTION} (${n} test hosts, every step skipped, --no-verify)`,
      [
        "what",
        "wall time: median (min - max)",
        "CPU on this machine (user+sys), median",
        "CPU of the hosts (same cores), median",
      ],
      rows,
      [
        `Measured ${new Date().toISOString().slice(0, 10)} (\`npm run bench -- --only fleet-ansible\`) on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}, ${ansibleVersion} (Debian's package), 1-minute load average ${load.toFixed(1)} when it started. ` +
          `One Debian 12 test host was provisioned by the tool, given python3 (Ansible's modules need it on the host) and the executable where the role installs it (/usr/local/bin/vla-provision), and ${n} copies of it were started (${startSeconds.toFixed(0)} s); each row is then a re-run of all ${n}, the rows interleaved round by round. ` +
          "CPU on this machine is that of the process and of every process it started, detached ones included (ssh's ControlPersist masters), taken by scripts/bench-rusage.py; the hosts' is their containers' cgroup usage during the run. Every run opens its connections anew.",
        `What the difference consists of: the tool is one process that opens one SSH connection per host (in-process, no ssh client) and runs one command there, the batched probe; every step is decided from its answer. ` +
          `The role runs ${tasksOk} tasks per host under the play's defaults (facts gathered, no pipelining): fact gathering (Python's setup module on the host), the copy module, which checks the ${mb} MiB executable by sha1 here and on the host for every host (${fmt(Math.max(0, sha1.cpu - bare.cpu))} of CPU each time here, ${n} times), the command module that starts the executable on the host (the same probe, run locally there), and the reporting task. ` +
          `Each module is Python sent over SSH and run by a Python interpreter on the host, from one of ${forks[0]} forked ansible-playbook workers, each with its own ssh client processes; a bare Python start costs ${fmt(bare.cpu)} of CPU here.`,
        ...notes,
      ].join("\n\n"),
    );
    const previous = existsSync("bench/RESULTS.md") ? readFileSync("bench/RESULTS.md", "utf8") : "";
    writeFileSync(
      "bench/RESULTS.md",
      replaceSection(previous, ANSIBLE_SECTION, tables.at(-1), { after: "Fleet re-run (" }),
    );
    console.log(
      `\nwrote the ${ANSIBLE_SECTION.toLowerCase()} table into bench/RESULTS.md (${((Date.now() - began) / 60_000).toFixed(1)} min)`,
    );
  } finally {
    for (const h of hosts) await removeHost(h.name).catch(() => {});
    await $`docker image rm -f ${image}`.nothrow();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ONLY = { "cold-start": coldStartOnly, "fleet-ansible": fleetAnsibleOnly };
if (argv.only) {
  if (!ONLY[argv.only]) {
    console.error(`--only: unknown part "${argv.only}" (known: ${Object.keys(ONLY).join(", ")})`);
    process.exit(2);
  }
  await ONLY[argv.only]();
  process.exit(0);
}

let failed = false;
try {
  // The bundle and the standalone executables (npm run build:exe bundles first).
  await $`node scripts/build-exe.mjs`;
  await setup();

  // 4. Cold start first: nothing else running.
  await coldStart();

  // 2. Fresh run: the tool on one fresh host, the same commands bare over one ssh call on another.
  const probe = await probeScript();
  const freshTool = [];
  const freshBare = [];
  for (let i = 0; i < FRESH_RUNS; i++) {
    const a = await host();
    freshTool.push((await timed(() => cli(a, ["--no-verify"]))).seconds);
    const b = await host();
    const docker = b.cliArgs[b.cliArgs.indexOf("--docker-repo") + 1];
    const mirror = b.cliArgs[b.cliArgs.indexOf("--registry-mirror") + 1];
    const script = [
      "set -e",
      "export DEBIAN_FRONTEND=noninteractive",
      "sudo -n install -d -m 0755 /etc/apt/keyrings",
      `curl -fsSL ${docker}/debian/gpg | sudo -n tee /etc/apt/keyrings/docker.asc >/dev/null`,
      `printf 'Types: deb\\nURIs: ${docker}/debian\\nSuites: bookworm\\nComponents: stable\\nArchitectures: amd64\\nSigned-By: /etc/apt/keyrings/docker.asc\\n' | sudo -n tee /etc/apt/sources.list.d/docker.sources >/dev/null`,
      "sudo -n -E apt-get -y -q update",
      "sudo -n -E apt-get -y -q install --no-install-recommends docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin",
      "sudo -n systemctl enable --now docker",
      "sudo -n usermod -aG docker ops",
      `printf '{"registry-mirrors": ["${mirror}"]}\\n' | sudo -n tee /etc/docker/daemon.json >/dev/null`,
      "sudo -n systemctl restart docker",
      "until sudo -n docker info >/dev/null 2>&1; do sleep 1; done",
    ].join("\n");
    freshBare.push((await timed(() => $`ssh ${sshArgs(b, "ops")} sh -c ${script}`)).seconds);
    await removeHost(a.name);
    await removeHost(b.name);
    hosts.splice(0);
  }
  const overhead = (median(freshTool) / median(freshBare) - 1) * 100;
  table(
    "Fresh run (Debian 12 test host, Docker steps, --no-verify)",
    ["what", "wall time: median (min - max)", "target"],
    [
      ["vla-provision", stats(freshTool), ""],
      ["the same apt-get/systemctl commands, bare, one ssh call", stats(freshBare), ""],
      ["overhead of the tool", `${overhead.toFixed(1)} %`, "<= 15 %"],
    ],
  );

  // 1. Re-run on a provisioned host, and the floor: one ssh call running the same batched probe.
  const ready = await host();
  await cli(ready, []);
  const rerun = [];
  const rerunVerify = [];
  const floor = [];
  let commands = 0;
  let commandsVerify = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await timed(() => cli(ready, ["--no-verify"]));
    rerun.push(r.seconds);
    commands = r.value.hosts[0].commands;
    if (!r.value.hosts[0].steps.every((s) => s.status === "skipped"))
      throw new Error("the re-run changed something");
    const v = await timed(() => cli(ready, []));
    rerunVerify.push(v.seconds);
    commandsVerify = v.value.hosts[0].commands;
    floor.push(
      (await timed(() => $`ssh ${sshArgs(ready, "ops")} sh -c ${`set -- ops\n${probe}`}`)).seconds,
    );
  }
  table(
    "Re-run of a provisioned host over SSH",
    ["what", "wall time: median (min - max)", "commands on the host", "target"],
    [
      [
        "vla-provision --no-verify",
        stats(rerun),
        String(commands),
        "<= 0.8 s, 1 command, within 3x of the floor",
      ],
      ["vla-provision (with verification)", stats(rerunVerify), String(commandsVerify), ""],
      ["floor: one ssh call running the batched probe", stats(floor), "1", ""],
      [
        "ratio to the floor (--no-verify)",
        `${(median(rerun) / median(floor)).toFixed(2)}x`,
        "",
        "<= 3x",
      ],
    ],
  );

  // 3. Fleet: copies of the provisioned host, re-run at once (one process per host group).
  const image = `vla-testbed/bench-provisioned:latest`;
  await $`docker commit ${ready.container} ${image}`;
  await removeHost(ready.name);
  hosts.splice(0);
  const fleetRows = [];
  let one = 0;
  const most = Math.max(...FLEET);
  const fleet = [];
  for (let i = 0; i < most; i++) {
    try {
      fleet.push(await host("debian12", { image }));
    } catch (error) {
      notes.push(
        `Only ${fleet.length} hosts could be started on this machine (${String(error.message).split("\n")[0]}).`,
      );
      break;
    }
  }
  for (const size of FLEET.filter((n) => n <= fleet.length)) {
    const group = fleet.slice(0, size);
    const times = [];
    const clientCpu = [];
    const hostCpu = [];
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      const knownHosts = `${os.tmpdir()}/vla-bench-known-hosts-${size}`;
      writeFileSync(knownHosts, group.map((h) => readFileSync(h.knownHosts, "utf8")).join(""));
      const flags = group.flatMap((h) => ["--ssh", h.ssh]);
      const first = group[0];
      const hostCpuBefore = hostsCpuSeconds(group.map((h) => h.container));
      const r = await timed(
        () =>
          $({
            env: { ...process.env, CI: "1", NO_COLOR: "1", SSH_AUTH_SOCK: "", TIMEFORMAT: "%U %S" },
          })`bash -c ${'time node "$@"'} bench ${CLI} ${flags} --known-hosts ${knownHosts} -i ${first.key} ${first.cliArgs} --json --no-verify`,
      );
      const hostCpuAfter = hostsCpuSeconds(group.map((h) => h.container));
      const [user, sys] = r.value.stderr.trim().split("\n").at(-1).split(" ").map(Number);
      clientCpu.push(user + sys);
      if (hostCpuBefore !== undefined && hostCpuAfter !== undefined)
        hostCpu.push(hostCpuAfter - hostCpuBefore);
      const report = JSON.parse(r.value.stdout);
      if (!report.hosts.every((h) => h.ok && h.steps.every((s) => s.status === "skipped")))
        throw new Error(`fleet of ${size}: not every step skipped`);
      times.push(r.seconds);
    }
    if (size === 1) one = median(times);
    fleetRows.push([
      String(size),
      stats(times),
      one ? `${(median(times) / one).toFixed(2)}x` : "",
      fmt(median(clientCpu)),
      hostCpu.length ? fmt(median(hostCpu)) : "n/a",
      size === 16 ? "<= 2x" : "",
    ]);
  }
  table(
    "Fleet re-run (one process, all hosts concurrently, --no-verify)",
    [
      "hosts",
      "wall time: median (min - max)",
      "ratio to 1 host",
      "CPU of the tool (user+sys)",
      "CPU of the hosts (same 2 cores)",
      "target",
    ],
    fleetRows,
    notes.join(" "),
  );
} catch (error) {
  failed = true;
  console.error(`a measurement could not be taken: ${error.stack || error}`);
} finally {
  for (const h of hosts) await removeHost(h.name).catch(() => {});
  await $`docker image rm -f vla-testbed/bench-provisioned:latest`.nothrow();
}

const header = [
  "# Benchmarks",
  "",
  `Measured ${started.toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB memory, Node ${process.version}; test-bed hosts are Debian 12 containers reached over loopback SSH.`,
  "",
  "Reproduce: `npm ci && npm run bench` (options: `-- --runs 5 --fresh-runs 2 --fleet 1,4,8,16`).",
  "",
];
mkdirSync("bench", { recursive: true });
// The Ansible comparison is measured apart (--only fleet-ansible): kept as it was.
const kept = existsSync("bench/RESULTS.md")
  ? sectionOf(readFileSync("bench/RESULTS.md", "utf8"), ANSIBLE_SECTION)
  : undefined;
writeFileSync(
  "bench/RESULTS.md",
  `${[...header, ...tables, ...(kept ? [kept] : [])].join("\n\n").replace(/\n{3,}/g, "\n\n")}\n`,
);
console.log("\nwrote bench/RESULTS.md");
if (failed) process.exitCode = 1;
