// The whole test run, set-up included: typecheck, lint, build, unit tests, the test bed, integration tests.
// Prints where the time went. Usage: npm test [-- --unit-only]
import { $, argv, chalk } from "zx";

$.verbose = true;
// The tools the tests need are installed below: a test must fail, not skip, when one is missing.
process.env.VLA_REQUIRE_TOOLS = "1";
const timings = [];

async function phase(name, fn) {
  const started = Date.now();
  console.log(chalk.bold(`\n== ${name}`));
  try {
    await fn();
  } finally {
    timings.push([name, (Date.now() - started) / 1000]);
  }
}

async function aptInstall(packages) {
  const missing = [];
  for (const name of packages) {
    const state = await $`dpkg-query -W -f='${"${db:Status-Abbrev}"}' ${name}`.quiet().nothrow();
    if (!state.stdout.startsWith("ii")) missing.push(name);
  }
  if (missing.length === 0) return;
  await $`apt-get update -q`;
  await $`DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${missing}`;
}

try {
  await phase("tools (apt)", () =>
    aptInstall([
      "vagrant",
      "ruby",
      "openssh-client",
      "gnupg",
      // The terminal tests drive the CLI in a tmux pane.
      "tmux",
      // install.sh is checked with shellcheck; the arm64 executable runs under QEMU user emulation,
      // with the arm64 C and C++ runtime libraries of Debian's cross toolchains (architecture all).
      "shellcheck",
      "qemu-user-static",
      "libc6-arm64-cross",
      "libstdc++6-arm64-cross",
      "libgcc-s1-arm64-cross",
      // The Ansible role runs under Debian's ansible-core; the cloud-init user-data is checked by
      // cloud-init's own schema check.
      "ansible-core",
      "cloud-init",
    ]),
  );
  await phase("typecheck", () => $`npx tsc --noEmit`);
  await phase("lint", () => $`npx biome check .`);
  await phase("build", () => $`zx scripts/bundle.mjs`);
  await phase("unit tests", () => $`npx vitest run --project unit`);
  if (!argv["unit-only"]) {
    await phase(
      "test bed (engine, images, repositories, registry)",
      () => $`zx scripts/testbed/main.mjs setup`,
    );
    // Built once here (official Node 24 from the npm registry, checked against its lock file);
    // the tests that need them find them up to date.
    await phase("standalone executables (build:exe)", () => $`npm run build:exe`);
    await phase("integration tests", () => $`npx vitest run --project integration`);
  }
} finally {
  console.log(chalk.bold("\n== where the time went"));
  for (const [name, seconds] of timings)
    console.log(`${seconds.toFixed(1).padStart(8)} s  ${name}`);
  const total = timings.reduce((sum, [, s]) => sum + s, 0);
  console.log(`${total.toFixed(1).padStart(8)} s  total`);
}
