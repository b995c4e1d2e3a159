import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFLICTING_PACKAGES } from "../../src/docker/repository.js";
import { parseAptSourceFile, sameRepository } from "../../src/facts/apt-sources.js";
import { parseDpkgQuery } from "../../src/facts/dpkg.js";
import { parseGpuSection, parseLockHolders, parseProbe } from "../../src/facts/facts.js";
import { gatherFacts } from "../../src/facts/gather.js";
import { classifyGpuState, needsOpenKernelModule, parseQueryGpu } from "../../src/facts/gpu.js";
import { parseOsRelease } from "../../src/facts/os-release.js";
import { PROBE_SCRIPT } from "../../src/facts/probe-script.js";
import { keyValues, splitSections } from "../../src/facts/sections.js";
import { Host } from "../../src/hosts/host.js";
import { RecordingTransport } from "./_helpers/fake-host.js";

const fixture = (path: string) =>
  readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8");

const H100 = "real-ubuntu-24.04-h100";
const PROBE_DEBIAN12 = fixture("probe/debian12-local-root.txt");

describe("parseOsRelease", () => {
  it("reads the real Ubuntu 24.04 os-release", () => {
    expect(parseOsRelease(fixture(`${H100}/os-release`))).toEqual({
      id: "ubuntu",
      idLike: ["debian"],
      versionId: "24.04",
      codename: "noble",
      prettyName: "Ubuntu 24.04.3 LTS",
    });
  });

  it("falls back to UBUNTU_CODENAME and unquotes single quotes and escapes", () => {
    const text =
      'ID=\'ubuntu\'\nVERSION_ID="22.04"\nUBUNTU_CODENAME=jammy\nPRETTY_NAME="A \\"b\\""\n';
    expect(parseOsRelease(text)).toEqual({
      id: "ubuntu",
      idLike: [],
      versionId: "22.04",
      codename: "jammy",
      prettyName: 'A "b"',
    });
  });
});

describe("parseDpkgQuery", () => {
  it("reads the abbreviated status captured on Debian 12", () => {
    const packages = parseDpkgQuery(fixture("probe/dpkg-query-debian12.tsv"));
    expect([...packages.values()]).toEqual([
      { name: "ca-certificates", status: "ii", version: "20230311+deb12u1", installed: true },
      { name: "curl", status: "ii", version: "7.88.1-10+deb12u14", installed: true },
      { name: "docker-ce", status: "un", version: "", installed: false },
    ]);
  });

  it("counts held packages as installed and removed ones as not", () => {
    // The H100 capture's "hold ok installed" and a package removed with its config kept, in the
    // abbreviated form the probe asks for.
    const packages = parseDpkgQuery(
      "libnccl2\thi \t2.28.3-1+cuda13.0\ndocker.io\trc \t20.10.24+dfsg1-1+deb12u1+b6\ncontainerd\tiU \t1.7.12-0ubuntu4\n",
    );
    expect(packages.get("libnccl2")?.installed).toBe(true);
    expect(packages.get("docker.io")).toEqual({
      name: "docker.io",
      status: "rc",
      version: "20.10.24+dfsg1-1+deb12u1+b6",
      installed: false,
    });
    expect(packages.get("containerd")?.installed).toBe(false);
  });

  it("reads names and versions from the H100 capture (long Status form)", () => {
    // That capture used ${Status} ("install ok installed"), not the probe's ${db:Status-Abbrev}.
    const packages = parseDpkgQuery(fixture(`${H100}/dpkg-relevant.tsv`));
    expect(packages.size).toBe(47);
    expect(packages.get("curl")?.version).toBe("8.5.0-2ubuntu10.16");
    expect(packages.get("libnccl2")?.version).toBe("2.28.3-1+cuda13.0");
    expect(packages.get("ca-certificates")?.version).toBe("20260601~24.04.1");
  });
});

describe("parseAptSourceFile", () => {
  it("reads the real deb822 ubuntu.sources, comments and all", () => {
    const entries = parseAptSourceFile(
      "/etc/apt/sources.list.d/ubuntu.sources",
      fixture(`${H100}/apt-sources.txt`),
    );
    const common = {
      file: "/etc/apt/sources.list.d/ubuntu.sources",
      format: "deb822",
      types: ["deb"],
      components: ["main", "universe", "restricted", "multiverse"],
      signedBy: "/usr/share/keyrings/ubuntu-archive-keyring.gpg",
      architectures: undefined,
      enabled: true,
    };
    expect(entries).toEqual([
      {
        ...common,
        uris: ["http://archive.ubuntu.com/ubuntu/"],
        suites: ["noble", "noble-updates", "noble-backports"],
      },
      { ...common, uris: ["http://security.ubuntu.com/ubuntu/"], suites: ["noble-security"] },
    ]);
  });

  it("reads a one-line entry with options", () => {
    const line =
      "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/ubuntu noble stable\n";
    expect(parseAptSourceFile("/etc/apt/sources.list.d/docker.list", line)).toEqual([
      {
        file: "/etc/apt/sources.list.d/docker.list",
        format: "one-line",
        types: ["deb"],
        uris: ["https://download.docker.com/linux/ubuntu"],
        suites: ["noble"],
        components: ["stable"],
        signedBy: "/etc/apt/keyrings/docker.gpg",
        architectures: ["amd64"],
        enabled: true,
      },
    ]);
  });

  it("skips comments and reads deb-src and option-less lines", () => {
    const text = [
      "# deb https://download.docker.com/linux/debian bookworm stable",
      "deb http://deb.debian.org/debian bookworm main contrib non-free-firmware # trailing",
      "deb-src http://deb.debian.org/debian bookworm main",
      "",
    ].join("\n");
    const entries = parseAptSourceFile("/etc/apt/sources.list", text);
    expect(entries.map((e) => [e.types, e.uris, e.suites, e.components, e.signedBy])).toEqual([
      [
        ["deb"],
        ["http://deb.debian.org/debian"],
        ["bookworm"],
        ["main", "contrib", "non-free-firmware"],
        undefined,
      ],
      [["deb-src"], ["http://deb.debian.org/debian"], ["bookworm"], ["main"], undefined],
    ]);
  });

  it("reads Enabled: no and Architectures in deb822", () => {
    const text =
      "Types: deb\nURIs: https://download.docker.com/linux/debian\nSuites: bookworm\nComponents: stable\nArchitectures: amd64 arm64\nEnabled: no\n";
    const [entry] = parseAptSourceFile("/etc/apt/sources.list.d/docker.sources", text);
    expect(entry?.enabled).toBe(false);
    expect(entry?.architectures).toEqual(["amd64", "arm64"]);
    expect(entry?.signedBy).toBeUndefined();
  });
});

describe("sameRepository", () => {
  it("ignores the scheme and trailing slashes", () => {
    const base = "https://download.docker.com/linux/debian";
    expect(sameRepository("https://download.docker.com/linux/debian/", base)).toBe(true);
    expect(sameRepository("http://download.docker.com/linux/debian", base)).toBe(true);
    expect(sameRepository("https://download.docker.com/linux/ubuntu", base)).toBe(false);
    expect(sameRepository("https://download.docker.com/linux", base)).toBe(false);
    expect(
      sameRepository("http://archive.ubuntu.com/ubuntu/", "http://archive.ubuntu.com/ubuntu"),
    ).toBe(true);
  });
});

describe("splitSections", () => {
  it("splits named sections with their exit codes", () => {
    const output =
      "\n@@vla one\na=1\nb=2\n\n@@vla-rc 0\n\n@@vla empty\n\n@@vla-rc 127\n\n@@vla two words\nx\n\ny\n@@vla-rc 3\n";
    expect([...splitSections(output).values()]).toEqual([
      { name: "one", body: "a=1\nb=2\n", code: 0 },
      { name: "empty", body: "", code: 127 },
      { name: "two words", body: "x\n\ny", code: 3 },
    ]);
  });

  it("drops a section that never printed its exit code", () => {
    const output = "\n@@vla done\nok\n@@vla-rc 0\n\n@@vla cut\npartial output\n";
    expect([...splitSections(output).keys()]).toEqual(["done"]);
  });

  it("keyValues keeps the last value of a key", () => {
    expect(keyValues("a=1\nb = two\nnot a pair\na=3\n")).toEqual({ a: "3", b: "two" });
  });
});

describe("parseGpuSection", () => {
  // The section the probe prints on the real H100 host, built from that host's captures: the
  // query line for the tool's five fields (see test/fixtures/gpu/README.md) and each line of
  // /proc/driver/nvidia/version with the probe's "proc: " prefix.
  const procVersion = fixture("gpu/proc-driver-version.txt");
  const procLines = procVersion.replace(/\n$/, "").split("\n");
  const body = [
    "nvidia_smi=present",
    "query_rc=0",
    "query: 0, NVIDIA H100 80GB HBM3, 580.159.04, 9.0, 81559 MiB",
    ...procLines.map((line) => `proc: ${line}`),
    "lspci=absent",
    "",
  ].join("\n");

  it("reads the H100 host's section", () => {
    expect(parseGpuSection(body)).toEqual({
      nvidiaSmiPresent: true,
      queryExitCode: 0,
      queryOutput: "0, NVIDIA H100 80GB HBM3, 580.159.04, 9.0, 81559 MiB",
      procVersion: procVersion.replace(/\n$/, ""),
      lspciPresent: false,
      lspciNvidia: [],
    });
  });

  it("gives classifyGpuState a ready H100 on the open module", () => {
    expect(classifyGpuState(parseGpuSection(body))).toEqual({
      kind: "ready",
      gpus: [
        {
          index: 0,
          name: "NVIDIA H100 80GB HBM3",
          driverVersion: "580.159.04",
          computeCapability: "9.0",
          memoryMiB: 81559,
        },
      ],
      openKernelModule: true,
    });
  });

  it("reads a host without nvidia-smi", () => {
    expect(parseGpuSection("nvidia_smi=absent\nlspci=absent\n")).toEqual({
      nvidiaSmiPresent: false,
      queryExitCode: 127,
      queryOutput: "",
      procVersion: undefined,
      lspciPresent: false,
      lspciNvidia: [],
    });
  });
});

describe("parseLockHolders", () => {
  it("reads file, pid and command", () => {
    expect(
      parseLockHolders("/var/lib/dpkg/lock-frontend\t4242\tapt-get install -y curl \n"),
    ).toEqual([
      { file: "/var/lib/dpkg/lock-frontend", pid: 4242, command: "apt-get install -y curl" },
    ]);
  });
});

describe("parseProbe on the real Debian 12 capture", () => {
  const facts = parseProbe(PROBE_DEBIAN12, "root");

  it("reads identity, OS, architecture and init", () => {
    expect(facts.identity).toEqual({
      uid: 0,
      user: "root",
      sudo: "not-needed",
      sudoNoPassword: false,
    });
    expect(facts.os).toEqual({
      id: "debian",
      idLike: [],
      versionId: "12",
      codename: "bookworm",
      prettyName: "Debian GNU/Linux 12 (bookworm)",
    });
    expect(facts.arch).toEqual({ dpkg: "amd64", machine: "x86_64" });
    expect(facts.init).toEqual({
      pid1: "process_api",
      systemd: false,
      systemState: undefined,
      dockerActive: undefined,
      dockerEnabled: undefined,
      dockerInitScript: true,
      dockerdPid: 23506,
      dockerdStarted: "Mon Nov 23 11:31:48 2026",
    });
  });

  it("reads the packages", () => {
    expect([...facts.packages.keys()]).toEqual([
      "ca-certificates",
      "containerd",
      "curl",
      "docker-ce",
      "docker-ce-cli",
      "docker-doc",
      "docker.io",
      "gnupg",
      "runc",
    ]);
    expect(facts.packages.get("curl")).toEqual({
      name: "curl",
      status: "ii",
      version: "7.88.1-10+deb12u14",
      installed: true,
    });
    expect(facts.packages.get("docker.io")?.version).toBe("20.10.24+dfsg1-1+deb12u1+b6");
    expect(facts.packages.get("docker-ce")?.installed).toBe(false);
    expect(facts.packages.has("nvidia-container-toolkit")).toBe(false);
  });

  it("reads Docker's client, daemon, images and group", () => {
    expect(facts.snapDocker).toBe(false);
    expect(facts.docker.clientVersion).toBe("28.2.2");
    expect(facts.docker.serverVersion).toBe("20.10.24+dfsg1");
    expect(facts.docker.serverError).toBeUndefined();
    expect(facts.docker.runtimes).toEqual([
      "io.containerd.runc.v2",
      "io.containerd.runtime.v1.linux",
      "runc",
    ]);
    expect(facts.docker.mirrors).toEqual([]);
    expect(facts.docker.images).toHaveLength(10);
    expect(facts.docker.images).toContain("vla-testbed/keep:latest");
    expect(facts.dockerGroup).toEqual({ gid: 113, members: [] });
    expect(facts.targetUser).toEqual({ name: "root", groups: ["root"] });
    expect(facts.daemonJson).toEqual({ exists: false });
  });

  it("reads the apt sources and keyrings", () => {
    expect([...facts.aptSourceFiles.keys()]).toEqual(["/etc/apt/sources.list.d/debian.sources"]);
    expect(facts.aptSources.map((e) => [e.uris, e.suites, e.components, e.signedBy])).toEqual([
      [
        ["http://deb.debian.org/debian"],
        ["bookworm", "bookworm-updates"],
        ["main"],
        "/usr/share/keyrings/debian-archive-keyring.gpg",
      ],
      [
        ["http://deb.debian.org/debian-security"],
        ["bookworm-security"],
        ["main"],
        "/usr/share/keyrings/debian-archive-keyring.gpg",
      ],
    ]);
    expect(facts.aptSourceFiles.get("/etc/apt/sources.list.d/debian.sources")).toMatch(
      /^Types: deb\n# http:\/\/snapshot[\s\S]*debian-archive-keyring\.gpg\n$/,
    );
    expect(facts.keyrings.size).toBe(0);
  });

  it("reads the GPU, toolkit, locks and disk", () => {
    expect(facts.gpu).toEqual({
      nvidiaSmiPresent: false,
      queryExitCode: 127,
      queryOutput: "",
      procVersion: undefined,
      lspciPresent: true,
      lspciNvidia: [],
    });
    expect(classifyGpuState(facts.gpu)).toEqual({ kind: "none" });
    expect(facts.nvidiaCtkVersion).toBeUndefined();
    expect(facts.aptLocks).toEqual([]);
    expect(facts.freeDiskKb).toEqual({ "/": 80116788 });
  });

  it("reads a keyring section as mode and bytes", () => {
    const bytes = Buffer.from([0x99, 0x01, 0x0d, 0x04, 0x00, 0xff]);
    const output = `${PROBE_DEBIAN12}\n@@vla keyring /etc/apt/keyrings/docker.asc\nmode=644\n${bytes.toString("base64")}\n@@vla-rc 0\n`;
    const keyring = parseProbe(output, "root").keyrings.get("/etc/apt/keyrings/docker.asc");
    expect(keyring?.mode).toBe("644");
    expect(keyring?.content.equals(bytes)).toBe(true);
  });
});

/** The sections the probe gained after the Debian 12 capture was taken, in the probe's order. */
const SECTIONS_SINCE_CAPTURE = [
  "proxy-env",
  "dpkg-audit",
  "dpkg-journal",
  "apt-remove",
  "docker-containers",
  "docker-volumes",
  "proxy-files",
  "apt-proxy",
  "proxy-answers",
  "docker-config",
  "disks",
  "container-limits",
];

describe("the probe on this machine", () => {
  it("prints every section the capture holds, and the same identity, OS and architecture", () => {
    const output = execFileSync("sh", ["-c", `set -- root\n${PROBE_SCRIPT}`], { encoding: "utf8" });
    const live = parseProbe(output, "root");
    const saved = parseProbe(PROBE_DEBIAN12, "root");
    // Files under /etc/apt differ from host to host; the fixed sections do not.
    const fixed = (text: string) =>
      [...splitSections(text).keys()].filter((name) => !/^(apt-source|keyring) /.test(name));
    const old = fixed(output).filter((name) => !SECTIONS_SINCE_CAPTURE.includes(name));
    expect(old).toEqual(fixed(PROBE_DEBIAN12));
    expect(fixed(output)).toEqual(expect.arrayContaining(SECTIONS_SINCE_CAPTURE));
    expect(fixed(output)).toHaveLength(16 + SECTIONS_SINCE_CAPTURE.length);
    expect(live.identity).toEqual(saved.identity);
    expect(live.os).toEqual(saved.os);
    expect(live.arch).toEqual(saved.arch);
    expect(live.init.systemd).toBe(false);
  });

  it("reads the login user's proxy variables, and only those", () => {
    const output = execFileSync("sh", ["-c", `set -- root\n${PROBE_SCRIPT}`], {
      encoding: "utf8",
      env: {
        PATH: process.env.PATH,
        https_proxy: "http://labuser:s3cret@127.0.0.1:3128",
        no_proxy: "127.0.0.1,localhost",
        NOT_A_PROXY: "x",
      },
    });
    expect(parseProbe(output, "root").proxyEnv).toEqual({
      https_proxy: "http://labuser:s3cret@127.0.0.1:3128",
      no_proxy: "127.0.0.1,localhost",
    });
  });

  it("is valid POSIX sh and bounds every command that waits on a daemon", () => {
    expect(() => execFileSync("sh", ["-n", "-c", PROBE_SCRIPT])).not.toThrow();
    expect(PROBE_SCRIPT).not.toContain("__");
    for (const command of [
      "bounded_root docker info",
      "bounded_root docker ps",
      "bounded_root docker image ls",
      "bounded snap list",
      "bounded dpkg --audit",
      "bounded nvidia-smi",
      "bounded_apt env LC_ALL=C apt-get -s",
    ]) {
      expect(PROBE_SCRIPT).toContain(command);
    }
    expect(PROBE_SCRIPT).toContain("bounded() { timeout -k 2 10 ");
  });
});

/** The Debian 12 capture with some of its sections replaced (or added) by a fault's capture. */
const withSections = (file: string) =>
  parseProbe(`${PROBE_DEBIAN12}\n${fixture(`probe/${file}`)}`, "root");

describe("parseProbe on faults", () => {
  it("reads the new facts of the capture as sound: nothing timed out, dpkg sound, nothing to remove", () => {
    const facts = parseProbe(PROBE_DEBIAN12, "root");
    expect(facts.timedOut).toEqual([]);
    expect(facts.dpkgAudit).toBe("");
    expect(facts.dpkgJournalPending).toBe(false);
    expect(facts.conflictRemoval).toBeUndefined();
    expect(facts.docker.runningContainers).toEqual([]);
  });

  it("says dockerd timed out when docker info did not answer (exit code 124)", () => {
    const facts = withSections("debian12-frozen-daemons.sections.txt");
    expect(facts.docker.serverError).toBe("dockerd did not answer within 10 s (timed out)");
    expect(facts.docker.serverVersion).toBeUndefined();
    expect(facts.docker.runningContainers).toEqual([]);
    expect(facts.snapDocker).toBe(false);
    expect(facts.timedOut).toEqual(["snap-docker", "docker-server"]);
  });

  it("says nvidia-smi timed out, and classifyGpuState passes that on", () => {
    const facts = withSections("debian12-frozen-daemons.sections.txt");
    expect(facts.gpu.queryExitCode).toBe(124);
    expect(facts.gpu.queryOutput).toBe("nvidia-smi did not answer within 10 s (timed out)");
    const state = classifyGpuState(facts.gpu);
    expect(state.kind).toBe("no-driver");
    expect("message" in state && state.message).toContain(
      "nvidia-smi did not answer within 10 s (timed out)",
    );
  });

  it("reads the names of the running containers", () => {
    const facts = withSections("debian12-running-container.sections.txt");
    expect(facts.docker.runningContainers).toEqual(["vla-testbed-debian12-d68d08"]);
  });

  it("reads what apt would remove with the conflicting packages", () => {
    expect(withSections("debian12-apt-remove.sections.txt").conflictRemoval).toEqual({
      removes: ["docker.io", "containerd", "runc"],
    });
    expect(withSections("debian12-apt-remove-collateral.sections.txt").conflictRemoval).toEqual({
      removes: ["docker-clean", "docker.io", "containerd", "runc"],
    });
  });

  it("reads a failed or timed-out removal simulation as an error", () => {
    const failed = parseProbe(
      `${PROBE_DEBIAN12}\n@@vla apt-remove\nReading package lists...\nE: Unmet dependencies. Try 'apt --fix-broken install' with no packages (or specify a solution).\n\n@@vla-rc 100\n`,
      "root",
    );
    expect(failed.conflictRemoval).toEqual({
      removes: [],
      error:
        "apt-get -s remove exited with code 100: E: Unmet dependencies. Try 'apt --fix-broken install' with no packages (or specify a solution).",
    });
    const timedOut = parseProbe(`${PROBE_DEBIAN12}\n@@vla apt-remove\n\n@@vla-rc 124\n`, "root");
    expect(timedOut.conflictRemoval?.error).toBe(
      "apt-get -s remove did not answer within 30 s (timed out)",
    );
  });

  it("reads an interrupted dpkg from dpkg --audit and from dpkg's journal", () => {
    const audited = withSections("debian12-dpkg-interrupted.sections.txt");
    expect(audited.dpkgAudit).toMatch(/^The following packages are only half configured/);
    expect(audited.dpkgAudit).toContain(" docker.io            Linux container runtime");
    const journal = parseProbe(
      `${PROBE_DEBIAN12}\n@@vla dpkg-journal\n0001\n\n@@vla-rc 0\n`,
      "root",
    );
    expect(journal.dpkgJournalPending).toBe(true);
    expect(journal.dpkgAudit).toBe("");
  });

  it("reads a timed-out dpkg --audit as no finding, and lists it as timed out", () => {
    const facts = parseProbe(`${PROBE_DEBIAN12}\n@@vla dpkg-audit\n\n@@vla-rc 124\n`, "root");
    expect(facts.dpkgAudit).toBe("");
    expect(facts.timedOut).toEqual(["dpkg-audit"]);
  });
});

describe("gatherFacts", () => {
  it("bounds the whole probe and hands it the conflicting packages to simulate removing", async () => {
    const transport = new RecordingTransport(() => ({ stdout: PROBE_DEBIAN12 }));
    await gatherFacts(new Host(transport), "root", ["curl"]);
    expect(transport.commands[0]).toMatch(/^timeout -k 10 300 sh -c /);
    expect(transport.commands[0]).toContain("removal_candidates=");
    expect(transport.commands[0]).toContain(CONFLICTING_PACKAGES.join(" "));
  });

  it("says the probe timed out rather than reading what it printed so far", async () => {
    const transport = new RecordingTransport(() => ({ code: 124, stdout: "@@vla identity\n" }));
    await expect(gatherFacts(new Host(transport), "root", [])).rejects.toThrow(
      "the host probe did not answer within 300 s (timed out)",
    );
  });
});

// Added for the mutants StrykerJS found surviving in src/facts (TESTING.md): facts no capture
// exercised (a non-root login, a snap Docker, a dockerd that refuses, nvidia-ctk), and the edges of
// the parsers (malformed lines, other spacings).
describe("parseProbe on sections the captures do not hold", () => {
  /** The Debian 12 capture with sections replaced: [name, exit code, body]. */
  const probeWith = (...sections: [string, number, string][]) =>
    parseProbe(
      [
        PROBE_DEBIAN12,
        ...sections.map(([name, rc, body]) => `@@vla ${name}\n${body}\n@@vla-rc ${rc}`),
      ].join("\n"),
      "ops",
    );

  it("reads a login user's sudo: with or without a password, or none", () => {
    const identity = (lines: string) => probeWith(["identity", 0, lines]).identity;
    expect(identity("uid=1000\nuser=ops\nsudo=present\nsudo_nopasswd=yes")).toEqual({
      uid: 1000,
      user: "ops",
      sudo: "present",
      sudoNoPassword: true,
    });
    expect(identity("uid=1001\nuser=lab\nsudo=present\nsudo_nopasswd=no")).toMatchObject({
      sudo: "present",
      sudoNoPassword: false,
    });
    expect(identity("uid=1002\nuser=guest\nsudo=absent")).toMatchObject({
      uid: 1002,
      sudo: "absent",
      sudoNoPassword: false,
    });
  });

  it("sees a snap Docker only in `snap list docker`'s own answer", () => {
    const snap = (rc: number, body: string) => probeWith(["snap-docker", rc, body]).snapDocker;
    const header = "Name    Version  Rev   Tracking       Publisher   Notes";
    expect(snap(0, `${header}\ndocker  24.0.5   2904  latest/stable  canonical✓  -`)).toBe(true);
    expect(snap(1, "error: no matching snaps installed")).toBe(false);
    expect(snap(0, `${header}\nnot-docker  1.0  1  latest/stable  someone  -`)).toBe(false);
    expect(snap(127, "")).toBe(false);
  });

  it("reads daemon.json's text, or that there is none", () => {
    expect(probeWith(["daemon-json", 0, '{"log-level": "warn"}']).daemonJson).toEqual({
      exists: true,
      text: '{"log-level": "warn"}',
    });
    expect(probeWith(["daemon-json", 3, ""]).daemonJson).toEqual({ exists: false });
  });

  it("reads nvidia-ctk's version", () => {
    const ctk = probeWith([
      "nvidia-ctk",
      0,
      "NVIDIA Container Toolkit CLI version 1.17.8\ncommit: f202b80a9b9d0db00d9b1d73c0128c8962c55f4d",
    ]);
    expect(ctk.nvidiaCtkVersion).toBe("1.17.8");
    expect(probeWith(["nvidia-ctk", 127, ""]).nvidiaCtkVersion).toBeUndefined();
  });

  it("reads dockerd's version, runtimes and mirrors, or why it did not answer", () => {
    const server = (rc: number, body: string) =>
      probeWith(["docker-server", rc, body], ["docker-images", 127, ""]).docker;
    expect(server(0, '27.5.1|{"io.containerd.runc.v2":{},"nvidia":{}}|["http://m:5000"]')).toEqual({
      clientVersion: expect.anything(),
      serverVersion: "27.5.1",
      runtimes: ["io.containerd.runc.v2", "nvidia"],
      mirrors: ["http://m:5000"],
      images: [],
      runningContainers: expect.any(Array),
    });
    const refused = server(
      1,
      "Client: Docker Engine\nCannot connect to the Docker daemon at unix:///var/run/docker.sock.\nIs the docker daemon running?",
    );
    expect(refused.serverError).toBe(
      "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
    );
    expect(refused.serverVersion).toBeUndefined();
    expect([refused.runtimes, refused.mirrors]).toEqual([[], []]);
    expect(server(127, "").serverError).toBeUndefined();
  });

  it("reads a host booted with systemd, and one without Docker's init script", () => {
    const init = probeWith([
      "init",
      0,
      "pid1=systemd\nsystemd_booted=yes\nsystem_state=running\ndocker_active=active\ndocker_enabled=enabled",
    ]).init;
    expect(init).toEqual({
      pid1: "systemd",
      systemd: true,
      systemState: "running",
      dockerActive: "active",
      dockerEnabled: "enabled",
      dockerInitScript: false,
      dockerdPid: undefined,
      dockerdStarted: undefined,
    });
  });

  it("reads no removal when no conflicting package is installed (the section's exit code 127)", () => {
    expect(probeWith(["apt-remove", 127, ""]).conflictRemoval).toBeUndefined();
    expect(probeWith(["apt-remove", 0, ""]).conflictRemoval).toEqual({ removes: [] });
  });

  it("reads the docker group's members", () => {
    expect(probeWith(["docker-group", 0, "docker:x:999:ops,lab"]).dockerGroup).toEqual({
      gid: 999,
      members: ["ops", "lab"],
    });
  });

  it("keeps every GPU's query line apart", () => {
    const gpu = probeWith([
      "gpu",
      0,
      "nvidia_smi=present\nquery_rc=0\nquery: 0, NVIDIA H100 80GB HBM3, 580.159.04, 9.0, 81559 MiB\nquery: 1, NVIDIA H100 80GB HBM3, 580.159.04, 9.0, 81559 MiB\nlspci=present\npci: 01:00.0 3D controller [0302]: NVIDIA Corporation GH100 [10de:2330]",
    ]).gpu;
    expect(gpu.queryOutput.split("\n")).toHaveLength(2);
    expect(gpu.lspciPresent).toBe(true);
    expect(gpu.lspciNvidia).toEqual([
      "01:00.0 3D controller [0302]: NVIDIA Corporation GH100 [10de:2330]",
    ]);
  });

  it("lists the images only when docker image ls answered", () => {
    expect(
      probeWith(["docker-images", 0, "hello-world:latest\nnvidia/cuda:13.0.2-base-ubuntu24.04"])
        .docker.images,
    ).toEqual(["hello-world:latest", "nvidia/cuda:13.0.2-base-ubuntu24.04"]);
    expect(probeWith(["docker-images", 127, ""]).docker.images).toEqual([]);
  });

  it("ignores a keyring it could not read", () => {
    const facts = probeWith(["keyring /etc/apt/keyrings/docker.asc", 1, "mode=600\n"]);
    expect(facts.keyrings.has("/etc/apt/keyrings/docker.asc")).toBe(false);
  });

  it("names apt's error when the removal simulation fails, else its last line", () => {
    const removal = (body: string) => probeWith(["apt-remove", 100, body]).conflictRemoval;
    expect(
      removal(
        "Reading package lists...\nE: Could not open lock file /var/lib/dpkg/lock-frontend\nE: Unable to acquire the dpkg frontend lock\nsomething after",
      ),
    ).toEqual({
      removes: [],
      error:
        "apt-get -s remove exited with code 100: E: Could not open lock file /var/lib/dpkg/lock-frontend",
    });
    expect(removal("Reading package lists...\nno error line")?.error).toBe(
      "apt-get -s remove exited with code 100: no error line",
    );
  });
});

describe("gatherFacts, by privilege", () => {
  it("runs the probe through sudo -S with a sudo password, and as the login user otherwise", async () => {
    const run = async (privilege: ConstructorParameters<typeof Host>[1]) => {
      const transport = new RecordingTransport(() => ({ stdout: PROBE_DEBIAN12 }));
      await gatherFacts(new Host(transport, privilege), "ops", []);
      return transport.commands[0] ?? "";
    };
    expect(await run({ mode: "sudo-password", password: "pw" })).toMatch(
      /^sudo -k -S -p '' -- timeout -k 10 300 sh -c /,
    );
    expect(await run({ mode: "sudo-nopasswd" })).toMatch(/^timeout -k 10 300 sh -c /);
    expect(await run({ mode: "none" })).toMatch(/^timeout -k 10 300 sh -c /);
  });

  it("asks for the docker client's version and the images only for doctor (details)", async () => {
    const transport = new RecordingTransport(() => ({ stdout: PROBE_DEBIAN12 }));
    await gatherFacts(new Host(transport), "root", []);
    await gatherFacts(new Host(transport), "root", [], { details: true });
    expect(transport.commands[0]).toContain("probe_details=0\n");
    expect(transport.commands[1]).toContain("probe_details=1\n");
  });
});

describe("the probe on this machine, with packages to look up", () => {
  it("reads their dpkg state and version", () => {
    const output = execFileSync(
      "sh",
      ["-c", `set -- root dpkg not-a-package-vla\n${PROBE_SCRIPT}`],
      {
        encoding: "utf8",
      },
    );
    const dpkg = parseProbe(output, "root").packages.get("dpkg");
    expect(dpkg?.installed).toBe(true);
    expect(dpkg?.status).toBe("ii");
    expect(dpkg?.version).toMatch(/^\d+\.\d+/);
  });
});

describe("parser edges", () => {
  it("parseQueryGpu keeps the well-formed rows only, and reads [N/A] as unknown", () => {
    const csv = [
      "  0, NVIDIA H100 80GB HBM3, 580.159.04, 9.0, 81559 MiB  ",
      "Failed to initialize NVML: Driver/library version mismatch",
      "NVML library version: 580.95, a, b",
      "x, NVIDIA A100, 580.95.05, 8.0, 81920 MiB",
      "2, NVIDIA A100, five-eighty, 8.0, 81920 MiB",
      "3, NVIDIA A100, 580.95.05, eight, 81920 MiB",
      "4, NVIDIA A100, 580.95.05, 8.0, lots",
      "5, [N/A], [N/A], [N/A], [N/A]",
      "",
    ].join("\n");
    expect(parseQueryGpu(csv)).toEqual([
      {
        index: 0,
        name: "NVIDIA H100 80GB HBM3",
        driverVersion: "580.159.04",
        computeCapability: "9.0",
        memoryMiB: 81559,
      },
      { index: 5, name: "", driverVersion: "", computeCapability: "", memoryMiB: undefined },
    ]);
  });

  it("needsOpenKernelModule from compute capability 10.0 on, not for an unknown one", () => {
    const gpu = (computeCapability: string) => ({
      index: 0,
      name: "x",
      driverVersion: "580.95.05",
      computeCapability,
      memoryMiB: 1,
    });
    expect(needsOpenKernelModule(gpu("10.0"))).toBe(true);
    expect(needsOpenKernelModule(gpu("9.0"))).toBe(false);
    expect(needsOpenKernelModule(gpu(""))).toBe(false);
  });

  it("classifyGpuState says what nvidia-smi said, and what lspci sees", () => {
    const probe = {
      nvidiaSmiPresent: true,
      queryExitCode: 9,
      queryOutput:
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\nMake sure...\n",
      lspciNvidia: ["01:00.0 3D controller [0302]: NVIDIA Corporation GH100 [10de:2330]"],
    };
    expect(classifyGpuState(probe)).toEqual({
      kind: "no-driver",
      devices: probe.lspciNvidia,
      message: expect.stringMatching(
        /^No working NVIDIA driver: lspci sees 01:00\.0 3D controller .*\[10de:2330\], but nvidia-smi failed \(exit code 9\): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver\.\. Fix: /,
      ),
    });
    const silent = classifyGpuState({
      ...probe,
      queryExitCode: 0,
      queryOutput: "",
      lspciNvidia: [],
    });
    expect(silent).toMatchObject({
      message: expect.stringMatching(/^No working NVIDIA driver: nvidia-smi listed no GPU\. Fix: /),
    });
  });

  it("parseDpkgQuery skips lines that are not name, status and version", () => {
    const packages = parseDpkgQuery("\nnot a dpkg line\ncurl\tii \t 7.88.1-10+deb12u14 \n");
    expect([...packages.values()]).toEqual([
      { name: "curl", status: "ii", version: "7.88.1-10+deb12u14", installed: true },
    ]);
  });

  it("parseOsRelease keeps a quote that is not closed", () => {
    expect(parseOsRelease("ID='ubuntu\nVERSION_ID=\"24.04\n").id).toBe("'ubuntu");
  });

  it("reads one-line sources with extra spaces, options and trailing comments", () => {
    const [entry] = parseAptSourceFile(
      "/etc/apt/sources.list.d/docker.list",
      "deb   [ arch=amd64   signed-by=/etc/apt/keyrings/docker.gpg ]   https://download.docker.com/linux/ubuntu   noble   stable   # Docker\n",
    );
    expect(entry).toMatchObject({
      types: ["deb"],
      uris: ["https://download.docker.com/linux/ubuntu"],
      suites: ["noble"],
      components: ["stable"],
      signedBy: "/etc/apt/keyrings/docker.gpg",
      architectures: ["amd64"],
    });
    expect(
      parseAptSourceFile(
        "/etc/apt/sources.list",
        "  # deb https://x/ noble main\nxdeb https://x/ noble main\n",
      ),
    ).toEqual([]);
  });

  it("reads a deb822 field continued on the next lines (an inline Signed-By key)", () => {
    const [entry] = parseAptSourceFile(
      "/etc/apt/sources.list.d/docker.sources",
      "Types: deb\nURIs: https://download.docker.com/linux/debian\nSuites: bookworm\nComponents: stable\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mDMEZZIAgBYJKwYBBAHaRw8BAQdA\n -----END PGP PUBLIC KEY BLOCK-----\n",
    );
    expect(entry?.signedBy).toBe(
      "\n-----BEGIN PGP PUBLIC KEY BLOCK-----\n.\nmDMEZZIAgBYJKwYBBAHaRw8BAQdA\n-----END PGP PUBLIC KEY BLOCK-----",
    );
    expect(entry?.components).toEqual(["stable"]);
  });

  it("sameRepository ignores any number of trailing slashes", () => {
    expect(
      sameRepository(
        "https://download.docker.com/linux/ubuntu//",
        "https://download.docker.com/linux/ubuntu",
      ),
    ).toBe(true);
  });
});

describe("dockerd's data root, counts and proxy", () => {
  it("are read from the docker-server line; the volumes from their own section", () => {
    const facts = parseProbe(
      [
        "@@vla docker-server",
        '29.0.1|{"runc":{"path":"runc"}}|[]|/data/docker|3|2|overlayfs|http://xxxxx:xxxxx@10.0.0.5:3128|',
        "@@vla-rc 0",
        "@@vla docker-volumes",
        "4",
        "@@vla-rc 0",
      ].join("\n"),
      "ops",
    );
    expect(facts.docker).toMatchObject({
      serverVersion: "29.0.1",
      rootDir: "/data/docker",
      imageCount: 3,
      containerCount: 2,
      volumeCount: 4,
      storageDriver: "overlayfs",
      proxy: "http://[credentials]@10.0.0.5:3128",
    });
  });
});
