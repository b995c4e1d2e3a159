/**
 * Regressions the unit suite once let through, each seen here on a real host where only a real
 * host can show it (TESTING.md lists which test catches which regression):
 *
 * - the sudo password passed anywhere but sudo's standard input: a second root session reads
 *   every process's command line and environment from /proc while the privileged commands run;
 * - `usermod -G` instead of `usermod -aG`: a user's own supplementary groups must survive;
 * - preflight refusals (an unsupported OS, an unsupported architecture, a snap Docker) must run the
 *   real checks on the host's real answers, and refuse before anything changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, explain, runCli, sshFlags } from "./_helpers/cli.js";
import { STATE_SNAPSHOT, snapshotChanges } from "./_helpers/state.js";
import { startHost, type TestHost } from "./_helpers/testbed.js";
import { type Sighting, sightingsOf, watchProcesses } from "./_helpers/watch.js";

/** Runs the CLI while the watcher records every process on the host. */
async function runWatched(
  host: TestHost,
  args: string[],
  input?: string,
): Promise<{ result: CliResult; sightings: Sighting[] }> {
  const watch = await watchProcesses(host);
  let sightings: Sighting[] = [];
  let result: CliResult;
  try {
    result = await runCli(args, { input });
  } finally {
    // Stopped even when the run throws, so no watcher outlives its test.
    sightings = await watch.stop();
  }
  return { result, sightings };
}

/** sudo as the tool starts it: the command lines of the sudo processes the watcher saw. */
const sudoLines = (sightings: Sighting[]) =>
  sightings.map((s) => s.cmdline).filter((line) => /^sudo /.test(line));

describe("the sudo password stays on sudo's standard input (debian12, lab: sudo with a password)", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startHost("debian12", { user: "lab" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("a root session reading every process's command line and environment never sees it, and does see the sudo commands", async () => {
    const password = host.password ?? "";
    expect(password.length).toBeGreaterThanOrEqual(8);
    const args = [...sshFlags(host), ...host.cliArgs, "--no-nvidia", "--sudo-password-stdin"];
    const { result, sightings } = await runWatched(host, [...args, "--json"], `${password}\n`);
    expect(result.code, explain(result)).toBe(0);

    // The watcher demonstrably saw the privileged commands: sudo asked for the password on its
    // standard input (-S, an empty prompt), apt-get under it, and the environments were read.
    const sudo = sudoLines(sightings);
    expect(
      sudo.filter((line) => line.startsWith("sudo -k -S -p  -- timeout ")).length,
    ).toBeGreaterThan(3);
    expect(sudo.some((line) => line.includes("apt-get"))).toBe(true);
    expect(sightings.some((s) => /^apt-get .* install /.test(s.cmdline))).toBe(true);
    expect(
      sightings.filter((s) => s.environ.some((e) => e.startsWith("SUDO_USER=lab"))),
    ).not.toEqual([]);

    expect(sightingsOf(sightings, password)).toEqual([]);
    expect(result.stdout + result.stderr).not.toContain(password);
  });
});

describe("passwordless sudo, and a user with groups of its own (debian12, ops)", () => {
  let host: TestHost;
  let before: string[];
  let sightings: Sighting[] = [];

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
    const groups = await host.exec(
      "groupadd lab-data && groupadd lab-gpu && usermod -aG lab-data,lab-gpu ops && id -nG ops",
    );
    expect(groups.code, groups.stderr).toBe(0);
    before = groups.stdout.trim().split(/\s+/);
    expect(before).toEqual(expect.arrayContaining(["ops", "lab-data", "lab-gpu"]));
  });
  afterAll(async () => {
    await host?.stop();
  });

  it("provisions through sudo -n: the watcher sees the sudo commands, and no -S, askpass or password plumbing", async () => {
    const args = [...sshFlags(host), ...host.cliArgs, "--no-nvidia", "--json"];
    const watched = await runWatched(host, args);
    sightings = watched.sightings;
    expect(watched.result.code, explain(watched.result)).toBe(0);
    expect(
      watched.result.report?.hosts[0]?.steps.find((s) => s.id === "docker-group")?.status,
    ).toBe("changed");

    const sudo = sudoLines(sightings);
    expect(sudo.filter((line) => line.startsWith("sudo -n -- timeout ")).length).toBeGreaterThan(3);
    expect(sudo.some((line) => line.includes("apt-get"))).toBe(true);
    expect(sudo.filter((line) => !line.startsWith("sudo -n "))).toEqual([]);
    const plumbing = sightings.filter(
      (s) =>
        /(^|\s)sudo(\s+-\w+)*\s+-(\w*[SA]\w*)\b/.test(s.cmdline) ||
        /--stdin|--askpass/.test(s.cmdline) ||
        s.environ.some((e) => /^SUDO_ASKPASS=|PASSWORD=/i.test(e)),
    );
    expect(plumbing.map((s) => s.cmdline)).toEqual([]);
  });

  it("usermod -aG keeps the user's other supplementary groups and adds docker", async () => {
    const after = (await host.exec("id -nG ops")).stdout.trim().split(/\s+/);
    expect(after.sort()).toEqual([...before, "docker"].sort());
    const members = await host.exec("getent group lab-data lab-gpu docker | cut -d: -f1,4");
    expect(members.stdout.trim().split("\n")).toEqual([
      "lab-data:ops",
      "lab-gpu:ops",
      "docker:ops",
    ]);
  });
});

const FEDORA = `NAME="Fedora Linux"
VERSION="40 (Server Edition)"
ID=fedora
VERSION_ID=40
VERSION_CODENAME=""
PLATFORM_ID="platform:f40"
PRETTY_NAME="Fedora Linux 40 (Server Edition)"
`;

const UBUNTU_1804 = `NAME="Ubuntu"
VERSION="18.04.6 LTS (Bionic Beaver)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 18.04.6 LTS"
VERSION_ID="18.04"
VERSION_CODENAME=bionic
UBUNTU_CODENAME=bionic
`;

/** dpkg answering like an s390x system (PATH of the SSH login and of sudo has /usr/local/bin first). */
const DPKG_S390X = `#!/bin/sh
if [ "$1" = --print-architecture ]; then echo s390x; exit 0; fi
exec /usr/bin/dpkg "$@"
`;

/** snap answering `snap list docker` as snapd does when the docker snap is installed. */
const SNAP_WITH_DOCKER = `#!/bin/sh
if [ "$1" = list ] && [ "$2" = docker ]; then
  echo 'Name    Version  Rev   Tracking       Publisher   Notes'
  echo 'docker  24.0.5   2904  latest/stable  canonical✓  -'
  exit 0
fi
echo "error: unknown command \\"$1\\", see 'snap help'." >&2
exit 64
`;

const installFake = (path: string) => `cat > ${path} && chmod 0755 ${path}`;

const REFUSALS: {
  name: string;
  plant: { command: string; input?: string };
  undo: string;
  error: RegExp;
}[] = [
  {
    name: "Fedora 40 (edited /etc/os-release)",
    plant: {
      command:
        "cp -P /etc/os-release /tmp/os-release.saved && rm /etc/os-release && cat > /etc/os-release",
      input: FEDORA,
    },
    undo: "rm -f /etc/os-release && mv /tmp/os-release.saved /etc/os-release",
    error:
      /^unsupported OS Fedora Linux 40 \(Server Edition\): supported are Ubuntu 22\.04 \(jammy\) and 24\.04 \(noble\), Debian 12 \(bookworm\) and 13 \(trixie\), on amd64 or arm64$/,
  },
  {
    name: "Ubuntu 18.04 (edited /etc/os-release)",
    plant: {
      command:
        "cp -P /etc/os-release /tmp/os-release.saved && rm /etc/os-release && cat > /etc/os-release",
      input: UBUNTU_1804,
    },
    undo: "rm -f /etc/os-release && mv /tmp/os-release.saved /etc/os-release",
    error: /^unsupported OS Ubuntu 18\.04\.6 LTS: supported are Ubuntu 22\.04/,
  },
  {
    name: "s390x (dpkg --print-architecture)",
    plant: { command: installFake("/usr/local/bin/dpkg"), input: DPKG_S390X },
    undo: "rm -f /usr/local/bin/dpkg",
    error: /^unsupported architecture s390x \(x86_64\): supported are Ubuntu 22\.04/,
  },
  {
    name: "Docker installed as a snap (snap list docker)",
    plant: { command: installFake("/usr/local/bin/snap"), input: SNAP_WITH_DOCKER },
    undo: "rm -f /usr/local/bin/snap",
    error:
      /^Docker is installed as a snap, which conflicts with Docker CE\. .*--replace-snap-docker/,
  },
];

describe("preflight refusals run the real checks and change nothing (debian12, ops)", () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startHost("debian12", { user: "ops" });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it.each(REFUSALS)("$name: exit 3 with the reason, before any change", async (refusal) => {
    const planted = await host.exec(refusal.plant.command, { input: refusal.plant.input });
    expect(planted.code, planted.stderr).toBe(0);
    try {
      const before = await host.exec(STATE_SNAPSHOT);
      const result = await runCli([...sshFlags(host), ...host.cliArgs, "--yes", "--json"]);
      expect(result.code, explain(result)).toBe(3);
      const report = result.report?.hosts[0];
      expect(report?.error).toMatch(refusal.error);
      expect(report?.steps.filter((s) => s.status === "changed" || s.status === "failed")).toEqual(
        [],
      );
      const after = await host.exec(STATE_SNAPSHOT);
      expect(snapshotChanges(before.stdout, after.stdout)).toEqual([]);
    } finally {
      const undone = await host.exec(refusal.undo);
      expect(undone.code, undone.stderr).toBe(0);
    }
  });

  it("the host is accepted again once the planted fakes are gone (the refusals came from them)", async () => {
    const doctor = await runCli(["doctor", ...sshFlags(host), "--json"]);
    expect(doctor.code, explain(doctor)).toBe(4);
    expect(JSON.parse(doctor.stdout).hosts[0].readiness.state).toBe("provision");
    const facts = JSON.parse(doctor.stdout).hosts[0].facts;
    expect(facts.os).toBe("Debian GNU/Linux 12 (bookworm) amd64");
    expect(facts.snapDocker).toBe(false);
  });
});
