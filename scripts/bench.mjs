// Benchmarks: a re-run, a fresh run, a fleet and a cold start, each beside its floor.
// Usage: npm run bench [-- --runs 5 --fresh-runs 2 --fleet 1,4,8,16]
//        npm run bench -- --only cold-start   (the cold start table alone, put into RESULTS.md)
// Writes bench/RESULTS.md and prints the same tables. Exits non-zero only when a figure could not
// be taken: targets are goals to compare against, not assertions.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { build } from "esbuild";
import { $, argv } from "zx";
import { removeHost, sshArgs, startHost } from "./testbed/hosts.mjs";
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
  const lines = [
    `### ${title}`,
    "",
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
  ];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  if (note) lines.push("", note);
  tables.push(lines.join("\n"));
  console.log(`\n${lines.join("\n")}`);
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
  const section = /### Cold start[^\n]*\n[\s\S]*?(?=\n### |$)/;
  const measured = `${tables[0]}\n\nCold start re-measured ${new Date().toISOString().slice(0, 10)} (\`npm run bench -- --only cold-start\`) on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}, 1-minute load average ${load.toFixed(1)} when it started; the other tables are from the date above.\n`;
  const text = section.test(previous)
    ? previous.replace(section, measured)
    : `${previous.trimEnd()}\n\n${measured}`;
  writeFileSync("bench/RESULTS.md", text);
  console.log("\nwrote the cold start table into bench/RESULTS.md");
}

if (argv.only === "cold-start") {
  await coldStartOnly();
  process.exit(0);
} else if (argv.only) {
  console.error(`--only: unknown part "${argv.only}" (known: cold-start)`);
  process.exit(2);
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
writeFileSync(
  "bench/RESULTS.md",
  `${[...header, ...tables].join("\n\n").replace(/\n{3,}/g, "\n\n")}\n`,
);
console.log("\nwrote bench/RESULTS.md");
if (failed) process.exitCode = 1;
