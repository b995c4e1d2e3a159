import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAptSourceFile, sameRepository } from "../../src/facts/apt-sources.js";
import { parseDpkgQuery } from "../../src/facts/dpkg.js";
import { parseGpuSection, parseLockHolders, parseProbe } from "../../src/facts/facts.js";
import { gatherFacts } from "../../src/facts/gather.js";
import { classifyGpuState } from "../../src/facts/gpu.js";
import { parseOsRelease } from "../../src/facts/os-release.js";
import { PROBE_SCRIPT } from "../../src/facts/probe-script.js";
import { keyValues, splitSections } from "../../src/facts/sections.js";
import { Host } from "../../src/hosts/host.js";
import { CONFLICTING_PACKAGES } from "../../tasks/docker-conflicts.js";
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
